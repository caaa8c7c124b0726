"""The query parameters of each resource: the one set of `/agreements/` and `/api/v1/agreements/` (shared by
the page, the API and the exports), and that of the public change log `/api/v1/changes/`."""

import contextlib
import copy
import datetime
from decimal import Decimal
from functools import reduce
from operator import or_

import django_filters
import pycountry
from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import connections
from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from . import content_language
from .models import (
    Agreement,
    DatePrecision,
    Event,
    Kind,
    Organization,
    Party,
    PublicationState,
    PublishedVersion,
    Sector,
    Status,
    followup,
)
from .search import relevance, search_agreements
from .tally import changed_at, tallied_totals

ORDERINGS = {
    "signed_on": [F("signed_on").asc(nulls_last=True), "title"],
    "-signed_on": [F("signed_on").desc(nulls_last=True), "title"],
    "value": [F("effective_value").asc(nulls_last=True), "title"],
    "-value": [F("effective_value").desc(nulls_last=True), "title"],
    "title": ["title", "pk"],
    "-title": ["-title", "-pk"],
}
DEFAULT_ORDERING = "-signed_on"
# The orderings in words, the default first: a form that names no order shows the one in effect.
ORDERING_CHOICES = [
    ("-signed_on", _("Newest first")),
    ("signed_on", _("Oldest first")),
    ("-value", _("Largest value first")),
    ("value", _("Smallest value first")),
    ("title", _("Title, A to Z")),
    ("-title", _("Title, Z to A")),
]
BOOLEAN_CHOICES = [("true", _("Binding only")), ("false", _("Non-binding only"))]
STALE_CHOICES = [("true", _("Stale only")), ("false", _("Verified recently only"))]
OVERDUE_CHOICES = [("true", _("With an overdue commitment")), ("false", _("Without an overdue commitment"))]


def signed_by_end_of(day):
    """Agreements whose whole signature date (its day, month or year) lies on or before `day`."""
    if day == datetime.date.max:
        return Q(signed_on__isnull=False)
    following = day + datetime.timedelta(days=1)
    return (
        Q(signed_on_precision=DatePrecision.DAY, signed_on__lte=day)
        | Q(signed_on_precision=DatePrecision.MONTH, signed_on__lt=following.replace(day=1))
        | Q(signed_on_precision=DatePrecision.YEAR, signed_on__lt=following.replace(month=1, day=1))
    )


def ends_on_or_after(day):
    """Agreements whose signature date (its day, month or year) reaches `day`: it ends on or after it."""
    return (
        Q(signed_on_precision=DatePrecision.DAY, signed_on__gte=day)
        | Q(signed_on_precision=DatePrecision.MONTH, signed_on__gte=day.replace(day=1))
        | Q(signed_on_precision=DatePrecision.YEAR, signed_on__gte=day.replace(month=1, day=1))
    )


def day_started():
    """The first moment of `today()`, in the current time zone."""
    return timezone.make_aware(datetime.datetime.combine(followup.today(), datetime.time.min))


def stale_help():
    return gettext("Stale: never checked against the sources, or not for more than %(days)s days.") % {
        "days": settings.REGISTER_STALE_AFTER_DAYS
    }


# Selections that depend on today as well as on the rows (agreements/models/followup.py).
DAY_DEPENDENT = ("stale", "overdue")
# The largest amount a filter takes: the column holds up to 9999999999999999.99, but a client's double near it
# is rounded up to 1e16, so the bound is the largest whole amount below the cap that a double carries exactly,
# and the schema states the same bound (api/views.py): what the schema calls valid is what the filter takes.
MAX_AMOUNT = Decimal("9999999999999998")
PUBLISHED = PublicationState.PUBLISHED.value
PUBLIC_WHERE = Agreement.objects.public().query.where


class SlugLookupField(django_filters.fields.ModelChoiceField):
    """A model choice found by its slug with a statement compiled once per database.

    ModelChoiceField runs `queryset.get(slug=value)`, which the ORM builds anew for every request: that
    cost more than the whole list's SQL. The statement depends only on the field's queryset (fixed) and
    the database, so it is compiled once, with a marker where the slug goes, and run with the slug bound
    in its place; the row becomes an instance as the ORM would make it (the same converters). The same
    answer, the same single query (tests/api/test_filters.py)."""

    MARKER = "kzdeals-slug-lookup-marker"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.statements = {}  # per database alias; shared by the copies every form makes

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if self.null_label is not None and value == self.null_value:
            return value
        self.validate_no_null_characters(value)
        if isinstance(value, self.queryset.model):
            value = getattr(value, self.to_field_name)
        found = self.lookup(str(value))
        if found is None:
            raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})
        return found

    def lookup(self, value):
        queryset = self.queryset
        using = queryset.db
        statement = self.statements.get(using)
        if statement is None:
            statement = self.statements[using] = self.compile(queryset)
        sql, params, position, names, converters = statement
        params = list(params)
        params[position] = value
        connection = connections[using]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        if len(rows) != 1:
            return None
        row = list(rows[0])
        for index, (functions, expression) in converters:
            for function in functions:
                row[index] = function(row[index], expression, connection)
        return queryset.model.from_db(using, names, row)

    def compile(self, queryset):
        names = [field.attname for field in queryset.model._meta.concrete_fields]
        query = queryset.filter(**{self.to_field_name: self.MARKER}).order_by().values_list(*names)[:2].query
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if list(params).count(self.MARKER) != 1:
            raise ValueError(f"The lookup of {queryset.model.__name__} by {self.to_field_name} has no single marker.")
        converters = compiler.get_converters([column for column, _, _ in compiler.select])
        return sql, tuple(params), list(params).index(self.MARKER), names, list(converters.items())


class SlugChoiceFilter(django_filters.ModelChoiceFilter):
    field_class = SlugLookupField


def with_effective_value(queryset):
    """An agreement's own value, or for a group member the group's shared value (for range and sort)."""
    return queryset.annotate(effective_value=Coalesce("value_amount", "group__amount"))


class AgreementFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(
        method="filter_search",
        label=_("Search"),
        max_length=200,
        help_text=_("Words in the title or summary, a party's name or signatory, the event or a place."),
    )
    sector = SlugChoiceFilter(queryset=Sector.objects.all(), to_field_name="slug", null_label=None, label=_("Sector"))
    kind = django_filters.ChoiceFilter(choices=Kind.choices, label=_("Kind"))
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("Status"))
    party = SlugChoiceFilter(
        # Only organisations the public can see: a name known only from a draft must not leak.
        queryset=Organization.objects.filter(
            Exists(Party.objects.filter(organization=OuterRef("pk"), agreement__publication_state=PUBLISHED))
        ),
        to_field_name="slug",
        method="filter_party",
        label=_("Party (organisation slug)"),
        # A text box, not a list of every organisation: thousands of options would weigh down each page.
        widget=forms.TextInput(attrs={"placeholder": _("e.g. wabtec"), "spellcheck": "false"}),
        help_text=_("The slug in an organisation's address, such as wabtec in /organizations/wabtec/."),
    )
    country = django_filters.CharFilter(
        method="filter_country",
        label=_("Party country"),
        max_length=2,
        validators=[RegexValidator(r"^[A-Za-z]{2}$", _("Use a two-letter country code, such as KZ or US."))],
    )
    event = SlugChoiceFilter(
        # Events with a public agreement only: one being prepared is not published anywhere.
        queryset=Event.objects.filter(
            Exists(Agreement.objects.filter(event=OuterRef("pk"), publication_state=PUBLISHED))
        ),
        to_field_name="slug",
        label=_("Event"),
    )
    # A date known to the month or the year is entered as its first day: it begins on or after a day exactly
    # when the whole month or year does, so `gte` is the rule for `signed_after`; `signed_before` needs its end.
    signed_after = django_filters.DateFilter(
        field_name="signed_on",
        lookup_expr="gte",
        label=_("Signed on or after"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("A date known only to its month or year counts when the whole month or year is in the range."),
    )
    signed_before = django_filters.DateFilter(
        field_name="signed_on",
        method="filter_signed_before",
        label=_("Signed on or before"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    value_min = django_filters.NumberFilter(
        field_name="effective_value",
        lookup_expr="gte",
        label=_("Value at least (USD or the deal's currency)"),
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
    )
    value_max = django_filters.NumberFilter(
        field_name="effective_value",
        lookup_expr="lte",
        label=_("Value at most"),
        min_value=Decimal("0"),
        max_value=MAX_AMOUNT,
    )
    binding = django_filters.ChoiceFilter(choices=BOOLEAN_CHOICES, method="filter_binding", label=_("Binding"))
    stale = django_filters.ChoiceFilter(
        choices=STALE_CHOICES,
        method="filter_stale",
        label=_("Stale"),
        help_text=lazy(stale_help, str)(),
    )
    overdue = django_filters.ChoiceFilter(
        choices=OVERDUE_CHOICES,
        method="filter_overdue",
        label=_("Overdue"),
        help_text=_(
            "Overdue: at least one commitment whose due date (the whole month or year, for a partial one) has "
            "passed and that no source reports met."
        ),
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES, method="filter_ordering", label=_("Order by"), empty_label=None
    )

    class Meta:
        model = Agreement
        fields = []

    def __init__(self, data=None, queryset=None, **kwargs):
        if queryset is None:
            queryset = Agreement.objects.public()
        # The annotation joins the group table: only when a value range or a value ordering needs it.
        if data and (data.get("value_min") or data.get("value_max") or data.get("ordering") in ("value", "-value")):
            queryset = with_effective_value(queryset)
        super().__init__(data=data, queryset=queryset, **kwargs)

    def get_form_class(self):
        """The form class, built once: django-filter builds a new class (and each filter's field) for every
        request, which cost more than the sector's lookup. The fields depend on nothing per request (their
        querysets are fixed), and every form deep-copies them, as a Django form does."""
        cls = type(self)
        if "_form_class" not in cls.__dict__:
            form_class = super().get_form_class()
            form_class.base_fields = FieldCopies(form_class.base_fields)
            cls._form_class = form_class
        return cls._form_class

    @property
    def qs(self):
        queryset = super().qs
        cleaned = self.form.cleaned_data if self.is_bound and self.form.is_valid() else {}
        if not cleaned.get("ordering"):
            ordering = ORDERINGS[DEFAULT_ORDERING]
            if cleaned.get("q", "").strip():
                # A search without an explicit order: best matches first, then newest first.
                ordering = [relevance(queryset, cleaned["q"]).desc(), *ordering]
            queryset = queryset.order_by(*ordering)
        return queryset

    def totals(self):
        """The totals of `qs`: from the running tally when the selection is the whole public register,
        one sector or one event (a few rows, whatever their number), otherwise added up from the rows.
        The same figures either way (tests/test_tally.py).

        `last_modified` is when the selection last changed, removals included: the tally's moment for
        its scope; for any other selection, the whole register's (later than the selection's own, or
        the same, never earlier), and none for an empty selection."""
        queryset = self.qs
        scope = self.tallied_scope()
        if scope is not None:
            return tallied_totals(*scope, using=queryset.db)
        totals = queryset.totals()
        totals.last_modified = changed_at("all", using=queryset.db) if totals.count else None
        if totals.last_modified is not None and self.depends_on_today():
            # Today's date moves this selection as much as an edit does: it changed at midnight at the latest.
            totals.last_modified = max(totals.last_modified, day_started())
        return totals

    def depends_on_today(self):
        """Whether the selection uses `stale` or `overdue`, which today's date moves."""
        return self.is_bound and any(self.data.get(name) for name in DAY_DEPENDENT)

    def tallied_scope(self):
        """("all", 0), ("sector", id) or ("event", id) when the tally holds this selection's totals, else None."""
        base = self.queryset.query
        if base.where != PUBLIC_WHERE or base.combinator or base.is_sliced:
            return None  # the tally counts exactly the public agreements
        if not self.is_bound:
            return ("all", 0)
        if not self.form.is_valid():
            return None
        used = {
            name: value
            for name, value in self.form.cleaned_data.items()
            if name != "ordering" and value not in EMPTY_VALUES
        }
        if not used:
            return ("all", 0)
        if used.keys() == {"sector"}:
            return ("sector", used["sector"].pk)
        if used.keys() == {"event"}:
            return ("event", used["event"].pk)
        return None

    def filter_search(self, queryset, name, value):
        return search_agreements(queryset, value)

    def filter_signed_before(self, queryset, name, value):
        return queryset.filter(signed_by_end_of(value))

    def coarse_dates_left_out(self):
        """How many agreements the other filters keep but the date range leaves out only because their date is
        known to the month or the year and that period straddles an end of the range (November 2025 against
        `signed_before=2025-11-05`): none to say without a valid date range. One COUNT when there is one."""
        if not (self.is_bound and self.form.is_valid()):
            return 0
        cleaned = self.form.cleaned_data
        after, before = cleaned.get("signed_after"), cleaned.get("signed_before")
        if not (after or before):
            return 0
        queryset = self.queryset
        for name, value in cleaned.items():
            if name not in ("signed_after", "signed_before", "ordering") and value not in EMPTY_VALUES:
                queryset = self.filters[name].filter(queryset, value)
        overlaps = ~Q(signed_on_precision=DatePrecision.DAY) & Q(signed_on__isnull=False)
        inside = Q()
        if after:
            overlaps &= ends_on_or_after(after)
            inside &= Q(signed_on__gte=after)
        if before:
            overlaps &= Q(signed_on__lte=before)
            inside &= signed_by_end_of(before)
        return queryset.filter(overlaps).exclude(inside).order_by().count()

    @extend_schema_field(OpenApiTypes.STR)  # an organisation's slug
    def filter_party(self, queryset, name, value):
        return queryset.filter(Exists(Party.objects.filter(agreement=OuterRef("pk"), organization=value)))

    def filter_country(self, queryset, name, value):
        return queryset.filter(
            Exists(Party.objects.filter(agreement=OuterRef("pk"), organization__country=value.upper()))
        )

    def filter_binding(self, queryset, name, value):
        return queryset.binding() if value == "true" else queryset.non_binding()

    def filter_stale(self, queryset, name, value):
        return queryset.stale(value == "true")

    def filter_overdue(self, queryset, name, value):
        return queryset.with_overdue_commitments(value == "true")

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*ORDERINGS[value])


def public_organizations():
    """The organisations party to a public agreement: those the `party` parameter knows."""
    return AgreementFilterSet.base_filters["party"].queryset.all()


def in_contract_terms(data):
    """The page's parameters with what a reader types turned into the contract's values, for the FilterSet.

    `party` may be an organisation's name, in any of the register's languages, or short name (in any case)
    when exactly one public organisation has it, and `country` a country's name ("Kazakhstan") or its
    alpha-3 code, besides the organisation's slug and the alpha-2 code that the API takes. A value that names
    nothing is left as it is, for the FilterSet to refuse with its reason. One query when `party` is given
    (two when a name outside ASCII matches none as typed), none otherwise."""
    data = data.copy()
    party = (data.get("party") or "").strip()
    if party:
        found = list(
            public_organizations()
            .filter(
                Q(slug=party)
                | Q(short_name__iexact=party)
                | reduce(or_, (Q(**{f"{column}__iexact": party}) for column in content_language.every_column("name")))
            )
            .order_by()
            .values_list("slug", flat=True)[:3]
        )
        if not found and not party.isascii():
            # SQLite's LIKE folds the case of Latin letters only: a name typed in another case in Cyrillic
            # ("самрук-казына") is compared here, casefolded, as PostgreSQL's UPPER compares it. Only on a miss.
            wanted = party.casefold()
            columns = ["short_name", *content_language.every_column("name")]
            found = [
                slug
                for slug, *names in public_organizations().order_by().values_list("slug", *columns)
                if any(name and name.casefold() == wanted for name in names)
            ][:3]
        if party not in found and len(set(found)) == 1:
            data["party"] = found[0]
    country = (data.get("country") or "").strip()
    if len(country) > 2:
        with contextlib.suppress(LookupError):
            data["country"] = pycountry.countries.lookup(country).alpha_2
    return data


def country_name(code):
    country = pycountry.countries.get(alpha_2=code)
    return getattr(country, "common_name", None) or getattr(country, "name", code) if country else code


def shallow_copy(obj):
    """copy.copy for a plain object (a filter, field, widget or choice iterator: no __copy__, no slots),
    without its generic __reduce_ex__ round trip, which took most of the time of copying them."""
    copied = object.__new__(type(obj))
    copied.__dict__.update(obj.__dict__)
    return copied


class FilterCopies(dict):
    """The filters of a FilterSet, copied for each instance without deepcopy.

    django-filter deep-copies every filter (choices, widgets, validators, querysets) for each request,
    which cost a third of building the list's query. A filter keeps nothing per request but its `parent`,
    `model`, built field, `extra` (a ModelChoiceFilter writes its queryset there) and, for a `method`
    filter, the proxy that finds the method on its parent: a copy of the object with its own `extra`
    and its own proxy is as independent as a deep copy (tests/test_filters.py).
    """

    def __deepcopy__(self, memo):
        copies = {}
        for name, filter_ in self.items():
            copied = shallow_copy(filter_)
            copied.extra = dict(filter_.extra)
            if filter_.method is not None:
                copied.method = filter_.method  # a new FilterMethod, bound to the copy
            copies[name] = copied
        return copies


class FieldCopies(dict):
    """A form's fields, copied for each form as Field.__deepcopy__ copies them, without deepcopy's walk.

    A Django form deep-copies its fields so that one form's changes never reach another: each field
    gets its own widget (with its own attrs), error messages, validators and choices, and a model
    choice field its own queryset. Choices are tuples of text: a copy of their container, bound to the
    new field as deepcopy's memo would bind it, is as good as a deep copy, without the walk that cost
    a third of reading the list's parameters (tests/api/test_filters.py holds the copies apart).
    """

    def __deepcopy__(self, memo):
        return {name: copy_field(field) for name, field in self.items()}


def copy_field(field):
    copied = shallow_copy(field)
    widget = copied.widget = shallow_copy(field.widget)
    widget.attrs = dict(field.widget.attrs)
    if hasattr(widget, "choices"):
        widget.choices = copy.copy(field.widget.choices)  # as ChoiceWidget.__deepcopy__ does
    copied.error_messages = dict(field.error_messages)
    copied.validators = list(field.validators)
    if isinstance(field, forms.ModelChoiceField):
        if field.queryset is not None:
            copied.queryset = field.queryset.all()  # its setter gives the widget choices of this field
    elif isinstance(field, forms.ChoiceField):
        choices = copy.copy(field._choices)
        if getattr(choices, "field", None) is field:  # django-filter's ChoiceIterator reads its field
            choices.field = copied
        copied._choices = choices
    return copied


AgreementFilterSet.base_filters = FilterCopies(AgreementFilterSet.base_filters)


class MomentField(forms.Field):
    """An ISO 8601 date-time, in UTC unless it says its offset; a date alone is its midnight, UTC.

    A moment past either end of the calendar once in UTC (0001-01-01T00:00:00+01:00) is the calendar's
    first or last moment: every change is after the one and none after the other."""

    default_error_messages = {
        "invalid": _("Enter an ISO 8601 date-time, such as 2026-12-01T09:30:00Z, or a date, such as 2026-12-01.")
    }

    def to_python(self, value):
        if value in self.empty_values:
            return None
        text = str(value).strip().upper()  # RFC 3339 allows a lower-case "t" and "z"
        try:
            moment = parse_datetime(text)
            if moment is None and (day := parse_date(text)) is not None:
                moment = datetime.datetime.combine(day, datetime.time.min)
        except ValueError:  # well-formed but impossible: 2026-02-30, a 25-hour offset
            moment = None
        if moment is None:
            raise ValidationError(self.error_messages["invalid"], code="invalid")
        if timezone.is_naive(moment):
            moment = moment.replace(tzinfo=datetime.UTC)
        try:
            return moment.astimezone(datetime.UTC)
        except OverflowError:
            edge = datetime.datetime.min if moment.year == datetime.MINYEAR else datetime.datetime.max
            return edge.replace(tzinfo=datetime.UTC)


class MomentFilter(django_filters.Filter):
    field_class = MomentField


class ChangeFilterSet(django_filters.FilterSet):
    """The public change log's parameters: changes published after a moment, of one public agreement."""

    since = MomentFilter(
        field_name="at",
        lookup_expr="gt",
        label=_("Published after"),
        help_text=_("Changes published after this moment."),
    )
    agreement = SlugChoiceFilter(
        # A public agreement only: the slug of a draft is as unknown here as anywhere public.
        queryset=Agreement.objects.public(),
        to_field_name="slug",
        label=_("Agreement"),
        help_text=_("The slug of a public agreement."),
        error_messages={"invalid_choice": _("No published agreement has the address “%(value)s”.")},
    )

    class Meta:
        model = PublishedVersion
        fields = []
