"""The register's domain: agreements, who signed them, what they are worth, and where that is said.

`Agreement.objects.public()` is the one definition of what the public may see, and
`AgreementQuerySet.totals()` the one way values are added up (a group's shared value once).
"""

from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from django.contrib.postgres.search import SearchVectorField
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Sum, Value
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from .addresses import KeepsFormerSlugs, SluggedKind

currency_validator = RegexValidator(r"^[A-Z]{3}$", _("Use a three-letter ISO 4217 code in capitals, such as USD."))
country_validator = RegexValidator(r"^[A-Z]{2}$", _("Use a two-letter ISO 3166 code in capitals, such as KZ."))
qid_validator = RegexValidator(r"^Q[1-9][0-9]*$", _("A Wikidata identifier looks like Q12345."))
NON_NEGATIVE = [MinValueValidator(Decimal("0"))]
CENT = Decimal("0.01")


class Kind(models.TextChoices):
    MEMORANDUM = "memorandum", _("Memorandum")
    AGREEMENT = "agreement", _("Agreement")
    CONTRACT = "contract", _("Contract")
    ROADMAP = "roadmap", _("Roadmap")
    LETTER_OF_INTENT = "letter_of_intent", _("Letter of intent")
    PARTNERSHIP = "partnership", _("Partnership")
    PROJECT = "project", _("Project")

    @classmethod
    def non_binding(cls):
        """Instruments that state intentions rather than obligations."""
        return [cls.MEMORANDUM, cls.LETTER_OF_INTENT, cls.ROADMAP, cls.PROJECT]

    @classmethod
    def binding(cls):
        return [kind for kind in cls if kind not in cls.non_binding()]

    @property
    def is_binding(self):
        return self not in self.non_binding()


class Status(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    SIGNED = "signed", _("Signed")
    IN_FORCE = "in_force", _("In force")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class PublicationState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    REVIEW = "review", _("In review")
    PUBLISHED = "published", _("Published")


class Basis(models.TextChoices):
    ANNOUNCED = "announced", _("Announced")
    CONTRACTED = "contracted", _("Contracted")
    DISBURSED = "disbursed", _("Disbursed")


class Side(models.TextChoices):
    KZ = "KZ", _("Kazakhstan")
    US = "US", _("United States")


class Role(models.TextChoices):
    PARTY = "party", _("Party")
    BUYER = "buyer", _("Buyer")
    SUPPLIER = "supplier", _("Supplier")
    INVESTOR = "investor", _("Investor")
    PARTNER = "partner", _("Partner")


class DatePrecision(models.TextChoices):
    DAY = "day", _("Day")
    MONTH = "month", _("Month")
    YEAR = "year", _("Year")


class MilestoneStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    MET = "met", _("Met")
    NOT_MET = "not_met", _("Not met")
    PARTIALLY_MET = "partially_met", _("Partially met")


class RelationKind(models.TextChoices):
    AMENDS = "amends", _("Amends")
    SUPERSEDES = "supersedes", _("Supersedes")
    IMPLEMENTS = "implements", _("Implements")
    FOLLOWS = "follows", _("Follows")


class OrgType(models.TextChoices):
    GOVERNMENT = "government", _("Government body")
    STATE_COMPANY = "state_company", _("State company")
    PRIVATE_COMPANY = "private_company", _("Private company")
    INVESTMENT_FUND = "investment_fund", _("Investment fund")
    UNIVERSITY = "university", _("University")
    INTERNATIONAL_ORGANISATION = "international_organisation", _("International organisation")
    ASSOCIATION = "association", _("Association")


class Supports(models.TextChoices):
    RECORD = "record", _("The record as a whole")
    VALUE = "value", _("Value")
    SIGNED_ON = "signed_on", _("Signature date")
    STATUS = "status", _("Status")
    KIND = "kind", _("Kind")
    PARTIES = "parties", _("Parties and signatories")
    COMMITMENTS = "commitments", _("Commitments")
    PLACES = "places", _("Places")


def format_partial_date(value, precision):
    """ISO text for a date known to the day, the month (YYYY-MM) or the year (YYYY)."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return f"{value.year:04d}"
    if precision == DatePrecision.MONTH:
        return f"{value.year:04d}-{value.month:02d}"
    return value.isoformat()


def partial_date_error(value, precision):
    """Why `value` cannot stand for a date known to `precision`, or None: a month is entered as its first
    day, a year as the first of January (so that dates sort and compare by their beginning)."""
    if value is None:
        return None
    if precision == DatePrecision.MONTH and value.day != 1:
        return _("A date known to the month is entered as the first of that month.")
    if precision == DatePrecision.YEAR and (value.month, value.day) != (1, 1):
        return _("A date known to the year is entered as the first of January.")
    return None


def partial_date_constraint(date, precision, name):
    """The database's side of partial_date_error: a month is its first day, a year the first of January (dates
    then sort and compare by their beginning, as the newest fact's text order relies on)."""
    return models.CheckConstraint(
        condition=Q(**{f"{date}__isnull": True})
        | ~Q(**{precision + "__in": [DatePrecision.MONTH, DatePrecision.YEAR]})
        | Q(**{precision: DatePrecision.MONTH, f"{date}__day": 1})
        | Q(**{precision: DatePrecision.YEAR, f"{date}__month": 1, f"{date}__day": 1}),
        name=name,
        violation_error_message=_("A date known to the month or the year is entered as the first day of it."),
    )


def period_end(value, precision):
    """The last day a partial date can mean: 2026-07 ends on 31 July 2026, 2028 on 31 December 2028."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return value.replace(month=12, day=31)
    if precision == DatePrecision.MONTH:
        following = value.replace(day=28) + timedelta(days=4)
        return following - timedelta(days=following.day)
    return value


class StatusAsLoaded(models.Model):
    """Remembers the status a record was read with (`leave_status_to_the_timeline`)."""

    class Meta:
        abstract = True

    @classmethod
    def from_db(cls, db, field_names, values):
        instance = super().from_db(db, field_names, values)
        instance._loaded_status = instance.__dict__.get("status")
        return instance

    def save(self, *args, **kwargs):
        super().save(*args, **kwargs)
        self._loaded_status = self.status


def leave_status_to_the_timeline(instance, timeline, kwargs):
    """The save's keyword arguments, less the status when the record has a timeline and the code did not
    change the status it read: the database writes it (agreements/timeline.py), and an instance read before
    a colleague's new entry would write an old one, which the database refuses. A status the code did
    change is written, and refused by the database if it contradicts the timeline."""
    if instance._state.adding or kwargs.get("update_fields") is not None or kwargs.get("force_insert"):
        return kwargs
    if instance.status != getattr(instance, "_loaded_status", instance.status):
        return kwargs
    if not getattr(instance, timeline).exists():
        return kwargs
    fields = [
        field.name for field in instance._meta.concrete_fields if not field.primary_key and field.name != "status"
    ]
    return {**kwargs, "update_fields": fields}


class NaturalKeySlugManager(models.Manager):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Sector(KeepsFormerSlugs):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=120, unique=True)
    slug_kind = SluggedKind.SECTOR

    objects = NaturalKeySlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("sector")

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("agreements:sector-detail", kwargs={"slug": self.slug})


class Source(models.Model):
    """A citation: a publication the register relies on."""

    key = models.SlugField(
        max_length=60, unique=True, help_text=_("A short stable handle, such as mfa-2025-11-07 or timesca-17b.")
    )
    publisher = models.CharField(max_length=200)
    title = models.CharField(max_length=300)
    url = models.URLField(max_length=500, blank=True)
    published_on = models.DateField(null=True, blank=True)
    language = models.CharField(max_length=8, blank=True, help_text=_("BCP 47 code, such as en, de, ru."))
    retrieved_on = models.DateField(null=True, blank=True)

    history = HistoricalRecords()

    class SourceManager(models.Manager):
        def get_by_natural_key(self, key):
            return self.get(key=key)

    objects = SourceManager()

    class Meta:
        ordering = ["publisher", "title"]
        verbose_name = _("source")

    def __str__(self):
        return f"{self.publisher}: {self.title}"

    def natural_key(self):
        return (self.key,)


class Organization(KeepsFormerSlugs):
    name = models.CharField(max_length=250)
    short_name = models.CharField(max_length=80, blank=True)
    slug = models.SlugField(max_length=120, unique=True)
    slug_kind = SluggedKind.ORGANIZATION
    country = models.CharField(max_length=2, validators=[country_validator], help_text=_("ISO 3166 alpha-2."))
    org_type = models.CharField(_("type"), max_length=32, choices=OrgType.choices, blank=True)
    website = models.URLField(max_length=300, blank=True)
    wikidata_qid = models.CharField("Wikidata QID", max_length=20, blank=True, validators=[qid_validator])
    registry_number = models.CharField(_("company registry number"), max_length=60, blank=True)
    names_source = models.CharField(
        _("source of the names"),
        max_length=300,
        blank=True,
        help_text=_("Where the Russian and Kazakh names come from, as the sources are cited."),
    )

    history = HistoricalRecords()

    objects = NaturalKeySlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        constraints = [
            models.CheckConstraint(condition=Q(country__regex=r"^[A-Z]{2}$"), name="organization_country_alpha2"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("agreements:organization-detail", kwargs={"slug": self.slug})


class AliasKind(models.TextChoices):
    SHORT_NAME = "short_name", _("Short name")
    ACRONYM = "acronym", _("Acronym")
    OTHER_NAME = "other_name", _("Other name")
    SPELLING = "spelling", _("Spelling")
    SUBSIDIARY = "subsidiary", _("Name of a vehicle or subsidiary")


class OrganizationAlias(models.Model):
    """Another name an organisation goes by ("KTZ", "ҚТЖ"): shown on its page and searched."""

    organization = models.ForeignKey(
        Organization, on_delete=models.CASCADE, related_name="aliases", verbose_name=_("organisation")
    )
    name = models.CharField(_("name"), max_length=250)
    kind = models.CharField(_("kind"), max_length=12, choices=AliasKind.choices, blank=True)
    language = models.CharField(
        _("language"),
        max_length=16,
        blank=True,
        help_text=_("BCP 47 code with the script where it matters, such as ru, kk, kk-Latn."),
    )
    source = models.ForeignKey(
        Source,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aliases",
        verbose_name=_("source"),
    )
    note = models.CharField(_("note"), max_length=300, blank=True, help_text=_("Where the name is used, and by whom."))

    class AliasManager(models.Manager):
        def get_by_natural_key(self, organization_slug, name):
            return self.get(organization__slug=organization_slug, name=name)

    objects = AliasManager()

    class Meta:
        ordering = ["organization", "name"]
        verbose_name = _("alias")
        verbose_name_plural = _("aliases")
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "name"],
                name="organization_alias_unique",
                violation_error_message=_("This organisation already has this alias."),
            ),
            models.CheckConstraint(condition=~Q(name=""), name="organization_alias_not_empty"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (*self.organization.natural_key(), self.name)

    natural_key.dependencies = ["agreements.organization"]


class Event(KeepsFormerSlugs):
    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=120, unique=True)
    slug_kind = SluggedKind.EVENT
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    place = models.CharField(max_length=200, blank=True)
    announced_documents = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("How many documents were announced, where a source says so.")
    )
    announced_amount = models.DecimalField(
        max_digits=18, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    announced_currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    announced_approximate = models.BooleanField(default=False)
    announced_source = models.ForeignKey(
        Source, null=True, blank=True, on_delete=models.PROTECT, related_name="announced_events"
    )

    history = HistoricalRecords()

    objects = NaturalKeySlugManager()

    class Meta:
        ordering = ["-starts_on"]
        verbose_name = _("event")
        constraints = [
            models.CheckConstraint(
                condition=Q(announced_amount__isnull=True) | Q(announced_amount__gte=0),
                name="event_announced_amount_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="event_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("agreements:event-detail", kwargs={"slug": self.slug})


class Group(models.Model):
    """A value announced once for several agreements ("three agreements worth about USD 1 billion").

    Members carry no value of their own (a database constraint on Agreement), so totals add the
    group's amount once, whatever number of its members a selection holds.
    """

    name = models.CharField(max_length=250)
    slug = models.SlugField(max_length=120, unique=True)
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="groups")
    amount = models.DecimalField(max_digits=18, decimal_places=2, validators=NON_NEGATIVE)
    currency = models.CharField(max_length=3, default="USD", validators=[currency_validator])
    approximate = models.BooleanField(default=False)
    basis = models.CharField(max_length=12, choices=Basis.choices, default=Basis.ANNOUNCED)
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="groups")

    history = HistoricalRecords()

    objects = NaturalKeySlugManager()

    class Meta:
        ordering = ["name"]
        verbose_name = _("group")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="group_amount_not_negative"),
        ]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.slug,)


@dataclass
class CurrencyTotal:
    currency: str
    total: Decimal = Decimal("0.00")
    binding: Decimal = Decimal("0.00")
    non_binding: Decimal = Decimal("0.00")
    approximate: bool = False

    def add(self, amount, is_binding, approximate):
        # SQLite's SUM drops the scale PostgreSQL keeps: fix it to cents so both answer "100.00".
        amount = Decimal(amount).quantize(CENT)
        self.total += amount
        if is_binding:
            self.binding += amount
        else:
            self.non_binding += amount
        self.approximate = self.approximate or approximate


def sort_currencies(lines):
    """US dollars first, then the other currencies in alphabetical order."""
    return sorted(lines, key=lambda line: (line.currency != "USD", line.currency))


@dataclass
class Totals:
    """What a selection of agreements adds up to, per currency; shared group values counted once."""

    count: int = 0
    valued: int = 0
    currencies: list = field(default_factory=list)
    last_modified: object = None  # when the selection last changed, for Last-Modified (AgreementFilterSet.totals)

    @property
    def unvalued(self):
        return self.count - self.valued

    def in_currency(self, currency):
        return next((row for row in self.currencies if row.currency == currency), None)

    def as_dict(self):
        return {
            "count": self.count,
            "valued": self.valued,
            "unvalued": self.unvalued,
            "by_currency": [
                {
                    "currency": row.currency,
                    "total": str(row.total),
                    "binding": str(row.binding),
                    "non_binding": str(row.non_binding),
                    "approximate": row.approximate,
                }
                for row in self.currencies
            ],
        }


class InlineText(Value):
    """A constant text written into the SQL itself rather than bound as a parameter.

    SQLite can use a partial index (`WHERE publication_state = 'published'`) well only when the query
    states that literal: bound as a parameter, the totals of one sector at 100,000 agreements took
    20-30 ms instead of 2-5 ms. Only for constants of the code, never for visitor input.
    """

    def as_sql(self, compiler, connection):
        return "'{}'".format(str(self.value).replace("'", "''")), []


class AgreementQuerySet(models.QuerySet):
    def public(self):
        """The one definition of what the public may see: published records only.

        Compared with a literal so SQLite can use the partial indexes on the state column.
        """
        return self.filter(publication_state=InlineText(PublicationState.PUBLISHED.value))

    def binding(self):
        return self.filter(kind__in=Kind.binding())

    def non_binding(self):
        return self.filter(kind__in=Kind.non_binding())

    def signed(self):
        return self.exclude(status__in=[Status.ANNOUNCED, Status.CANCELLED])

    def in_sector(self, sector):
        return self.filter(sector=sector)

    def stale(self, stale=True):
        """Never verified, or last verified more than REGISTER_STALE_AFTER_DAYS ago (or the others)."""
        from .followup import stale_q

        return self.filter(stale_q()) if stale else self.exclude(stale_q())

    def with_overdue_commitments(self, overdue=True):
        """With at least one overdue commitment (or with none), through an EXISTS: one row per agreement."""
        from .followup import overdue_q

        exists = Exists(Commitment.objects.filter(overdue_q(), agreement=OuterRef("pk")))
        return self.filter(exists if overdue else ~exists)

    def with_relations(self):
        """What a list needs, in a fixed number of queries whatever the number of rows."""
        return self.select_related("sector", "event", "group").prefetch_related(
            models.Prefetch("parties", queryset=Party.objects.select_related("organization"))
        )

    def refresh_search_documents(self):
        """Rebuild the stored full-text document of these agreements (PostgreSQL; a no-op on SQLite)."""
        from ..search import refresh_search_documents

        return refresh_search_documents(self)

    def totals(self):
        """Count and value of this selection: two aggregate queries (the second returns a row per group).

        A value of its own counts once per agreement; a group's shared value counts once per group
        that has at least one member in the selection, as binding only when every selected member
        of the group is a binding instrument. The count comes from the same two queries, so a list
        that shows totals needs no separate COUNT.
        """
        return self.totals_by(None).get(None, Totals())

    def totals_by(self, key):
        """{value of `key`: Totals} (such as per sector), by the rules of `totals()`, in the same two
        queries; `key=None` gives the whole selection under the key None. A group's value counts once
        per key value it has members in."""
        keys = [key] if key else []
        base = self.order_by()
        non_binding = Q(kind__in=Kind.non_binding())
        own = (
            base.filter(group__isnull=True)
            .values(*keys, "value_currency")
            .annotate(
                total=Sum("value_amount"),
                non_binding_total=Sum("value_amount", filter=non_binding),
                rows=Count("pk"),
                valued=Count("value_amount"),
                approximate_rows=Count("pk", filter=Q(value_approximate=True, value_amount__isnull=False)),
            )
            .order_by(*keys, "value_currency")
        )
        groups = (
            base.filter(group__isnull=False)
            .values(*keys, "group_id", "group__amount", "group__currency", "group__approximate")
            .annotate(
                members=Count("pk"),
                non_binding_members=Count("pk", filter=non_binding),
            )
            .order_by(*keys, "group_id")
        )
        result, currencies = {}, {}

        def entry(row, currency=None):
            value = row[key] if key else None
            totals = result.setdefault(value, Totals())
            totals.count += row.get("rows", row.get("members", 0))
            if currency is None:
                return totals, None
            by_currency = currencies.setdefault(value, {})
            return totals, by_currency.setdefault(currency, CurrencyTotal(currency))

        for row in own:
            if not row["valued"]:
                entry(row)
                continue
            totals, line = entry(row, row["value_currency"])
            non_binding_total = row["non_binding_total"] or Decimal("0")
            line.add(row["total"] - non_binding_total, True, row["approximate_rows"] > 0)
            line.add(non_binding_total, False, False)
            totals.valued += row["valued"]
        for row in groups:
            totals, line = entry(row, row["group__currency"])
            line.add(row["group__amount"], row["non_binding_members"] == 0, row["group__approximate"])
            totals.valued += row["members"]
        for value, by_currency in currencies.items():
            result[value].currencies = sort_currencies(by_currency.values())
        return result


class AgreementManager(models.Manager.from_queryset(AgreementQuerySet)):
    def get_by_natural_key(self, slug):
        return self.get(slug=slug)


class Agreement(KeepsFormerSlugs, StatusAsLoaded):
    title = models.CharField(max_length=300)
    slug = models.SlugField(max_length=160, unique=True)
    slug_kind = SluggedKind.AGREEMENT
    kind = models.CharField(max_length=20, choices=Kind.choices)
    status = models.CharField(
        max_length=12,
        choices=Status.choices,
        default=Status.SIGNED,
        help_text=_("The deal's life. Whether the public sees the record is the publication state."),
    )
    sector = models.ForeignKey(Sector, on_delete=models.PROTECT, related_name="agreements")
    event = models.ForeignKey(Event, null=True, blank=True, on_delete=models.PROTECT, related_name="agreements")
    group = models.ForeignKey(
        Group,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="agreements",
        help_text=_(
            "Set when a value was announced for several agreements together; the member then has no value of its own."
        ),
    )
    signed_on = models.DateField(
        null=True,
        blank=True,
        help_text=_("For a date known only to the month or year, enter its first day and set the precision."),
    )
    signed_on_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    entry_into_force_on = models.DateField(null=True, blank=True)
    expires_on = models.DateField(null=True, blank=True)
    value_amount = models.DecimalField(
        _("value"), max_digits=18, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE
    )
    value_currency = models.CharField(
        _("currency"), max_length=3, default="USD", validators=[currency_validator], help_text=_("ISO 4217.")
    )
    value_approximate = models.BooleanField(_("approximate"), default=False)
    value_basis = models.CharField(_("basis"), max_length=12, choices=Basis.choices, default=Basis.ANNOUNCED)
    summary = models.TextField(blank=True)
    places = models.CharField(max_length=400, blank=True, help_text=_("Places named by the sources, separated by ';'."))
    last_verified_on = models.DateField(
        _("last verified"),
        null=True,
        blank=True,
        help_text=_(
            "The day staff last checked the record against its sources (stale after REGISTER_STALE_AFTER_DAYS days)."
        ),
    )
    publication_state = models.CharField(
        max_length=10, choices=PublicationState.choices, default=PublicationState.DRAFT, db_index=True
    )
    published_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Title, summary and party names as a tsvector, kept current by agreements.search (PostgreSQL,
    # GIN-indexed there); always null on SQLite, where search matches words instead.
    search_document = SearchVectorField(null=True, editable=False)

    history = HistoricalRecords(excluded_fields=["created_at", "search_document"])
    objects = AgreementManager()

    class Meta:
        ordering = ["-signed_on", "title"]
        verbose_name = _("agreement")
        permissions = [("publish_agreement", _("Can publish agreements"))]
        constraints = [
            models.CheckConstraint(
                condition=Q(value_amount__isnull=True) | Q(value_amount__gte=0), name="agreement_value_not_negative"
            ),
            partial_date_constraint("signed_on", "signed_on_precision", "agreement_signed_on_partial_date"),
            models.CheckConstraint(
                condition=Q(group__isnull=True) | Q(value_amount__isnull=True),
                name="agreement_group_member_has_no_own_value",
                violation_error_message="A member of a group has no value of its own: the group holds the "
                "shared value. Clear the value or the group.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True) | Q(signed_on__isnull=True) | Q(expires_on__gte=F("signed_on")),
                name="agreement_expires_not_before_signature",
                violation_error_message="The expiry date cannot be before the signature date.",
            ),
            models.CheckConstraint(
                condition=Q(expires_on__isnull=True)
                | Q(entry_into_force_on__isnull=True)
                | Q(expires_on__gte=F("entry_into_force_on")),
                name="agreement_expires_not_before_entry_into_force",
                violation_error_message="The expiry date cannot be before the entry into force.",
            ),
            models.CheckConstraint(condition=Q(value_currency__regex=r"^[A-Z]{3}$"), name="agreement_currency_iso4217"),
            models.CheckConstraint(
                condition=Q(publication_state__in=PublicationState.values), name="agreement_publication_state_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=Kind.values), name="agreement_kind_valid"),
            models.CheckConstraint(condition=Q(status__in=Status.values), name="agreement_status_valid"),
        ]
        indexes = [
            # PostgreSQL also gets these two in NULLS LAST order (migration 0003); SQLite cannot
            # declare NULLS LAST in an index but already sorts NULLs last in a DESC order.
            models.Index(
                fields=["sector", "-signed_on", "title"],
                name="agreement_public_sector_idx",
                condition=Q(publication_state="published"),
            ),
            models.Index(
                fields=["-signed_on", "title"],
                name="agreement_public_signed_idx",
                condition=Q(publication_state="published"),
            ),
            models.Index(
                fields=["-published_at"], name="agreement_public_feed_idx", condition=Q(publication_state="published")
            ),
            # The contract's other orders: oldest first, and by title either way (read backwards).
            models.Index(
                fields=["signed_on", "title"],
                name="agreement_public_oldest_idx",
                condition=Q(publication_state="published"),
            ),
            models.Index(
                fields=["title", "id"], name="agreement_public_title_idx", condition=Q(publication_state="published")
            ),
            # The admin's changelist (all publication states) in its default order, and filtered by sector
            # (the admin adds -pk to make the order total).
            models.Index(fields=["-signed_on", "title"], name="agreement_signed_title_idx"),
            models.Index(fields=["sector", "-signed_on", "title", "-id"], name="agreement_sector_signed_idx"),
            # totals() reads only these columns: an index that holds them all answers without the table.
            models.Index(
                fields=["sector", "group", "value_currency", "kind", "value_amount", "value_approximate", "updated_at"],
                name="agreement_pub_sector_sum_idx",
                condition=Q(publication_state="published"),
            ),
            models.Index(
                fields=["group", "value_currency", "kind", "value_amount", "value_approximate", "updated_at"],
                name="agreement_public_sum_idx",
                condition=Q(publication_state="published"),
            ),
        ]

    def __str__(self):
        return self.title

    def natural_key(self):
        return (self.slug,)

    def get_absolute_url(self):
        return reverse("agreements:agreement-detail", kwargs={"slug": self.slug})

    @property
    def is_stale(self):
        """Not checked against its sources within REGISTER_STALE_AFTER_DAYS (PRODUCT.md, "Follow-up")."""
        from .followup import is_stale

        return is_stale(self.last_verified_on)

    def clean(self):
        super().clean()
        if self.group_id and self.value_amount is not None:
            raise ValidationError(
                {"value_amount": _("A member of a group has no value of its own: the group holds the shared value.")}
            )
        if self.signed_on is None and self.signed_on_precision != DatePrecision.DAY:
            self.signed_on_precision = DatePrecision.DAY
        error = partial_date_error(self.signed_on, self.signed_on_precision)
        if error:
            raise ValidationError({"signed_on": error})

    def save(self, *args, **kwargs):
        if self.publication_state == PublicationState.PUBLISHED and self.published_at is None:
            self.published_at = timezone.now()
        super().save(*args, **leave_status_to_the_timeline(self, "status_entries", kwargs))

    @property
    def is_public(self):
        return self.publication_state == PublicationState.PUBLISHED

    @property
    def binding(self):
        return self.kind not in Kind.non_binding()

    @property
    def signed_on_display(self):
        """ISO text: YYYY-MM-DD, or YYYY-MM / YYYY for a partial date."""
        return format_partial_date(self.signed_on, self.signed_on_precision)

    @property
    def place_list(self):
        return [place.strip() for place in self.places.split(";") if place.strip()]

    @property
    def has_value(self):
        return self.value_amount is not None or self.group_id is not None


class Party(models.Model):
    """An organisation's part in an agreement, and who signed for it."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="parties")
    organization = models.ForeignKey(Organization, on_delete=models.PROTECT, related_name="parties")
    side = models.CharField(max_length=2, choices=Side.choices)
    role = models.CharField(max_length=12, choices=Role.choices, default=Role.PARTY)
    signed_by = models.CharField(max_length=200, blank=True, help_text=_("The person who signed, where known."))
    signer_title = models.CharField(max_length=250, blank=True, help_text=_("That person's office when signing."))
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class PartyManager(models.Manager):
        def get_by_natural_key(self, agreement_slug, organization_slug):
            return self.get(agreement__slug=agreement_slug, organization__slug=organization_slug)

    objects = PartyManager()

    class Meta:
        ordering = ["side", "organization__name"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "organization"],
                name="party_unique_per_agreement",
                violation_error_message="This organisation is already a party to this agreement.",
            ),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="party_side_valid"),
        ]

    def __str__(self):
        return f"{self.organization} ({self.get_side_display()}) in {self.agreement}"

    def natural_key(self):
        return (*self.agreement.natural_key(), *self.organization.natural_key())

    natural_key.dependencies = ["agreements.agreement", "agreements.organization"]


class Commitment(StatusAsLoaded):
    """What an agreement promises, with its milestone status."""

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="commitments")
    position = models.PositiveSmallIntegerField(default=1)
    description = models.CharField(max_length=400)
    quantity = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE)
    unit = models.CharField(max_length=60, blank=True)
    due_on = models.DateField(
        null=True,
        blank=True,
        help_text=_('For a month or a year ("by 2028"), enter its first day and set the precision.'),
    )
    due_precision = models.CharField(max_length=5, choices=DatePrecision.choices, default=DatePrecision.DAY)
    status = models.CharField(
        max_length=14,
        choices=MilestoneStatus.choices,
        default=MilestoneStatus.SCHEDULED,
        help_text=_("Its latest update's, once it has updates."),
    )
    source = models.ForeignKey(Source, null=True, blank=True, on_delete=models.PROTECT, related_name="commitments")

    history = HistoricalRecords()

    class CommitmentManager(models.Manager):
        def get_by_natural_key(self, agreement_slug, position):
            return self.get(agreement__slug=agreement_slug, position=position)

    objects = CommitmentManager()

    class Meta:
        ordering = ["agreement", "position"]
        verbose_name = _("commitment")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "position"], name="commitment_unique_position"),
            models.CheckConstraint(
                condition=Q(quantity__isnull=True) | Q(quantity__gte=0), name="commitment_quantity_not_negative"
            ),
            partial_date_constraint("due_on", "due_precision", "commitment_due_on_partial_date"),
        ]

    def __str__(self):
        return self.description

    def save(self, *args, **kwargs):
        super().save(*args, **leave_status_to_the_timeline(self, "updates", kwargs))

    def clean(self):
        super().clean()
        if self.due_on is None:
            self.due_precision = DatePrecision.DAY
        error = partial_date_error(self.due_on, self.due_precision)
        if error:
            raise ValidationError({"due_on": error})

    @property
    def due_display(self):
        return format_partial_date(self.due_on, self.due_precision)

    def natural_key(self):
        return (*self.agreement.natural_key(), self.position)

    natural_key.dependencies = ["agreements.agreement"]


class Citation(models.Model):
    """A source attached to an agreement, and, where it backs one figure, to that figure.

    A citation may carry the source's own claim (a different amount, say): where `disputes` is set,
    the page shows it beside the register's figure instead of hiding the disagreement.
    """

    agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="citations")
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="citations")
    supports = models.CharField(max_length=12, choices=Supports.choices, default=Supports.RECORD)
    claim = models.CharField(max_length=400, blank=True, help_text=_("What this source says, in a few words."))
    claim_amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True, validators=NON_NEGATIVE)
    claim_currency = models.CharField(max_length=3, blank=True, validators=[currency_validator])
    claim_approximate = models.BooleanField(default=False)
    disputes = models.BooleanField(
        default=False, help_text=_("This source disagrees with the register's figure; both are shown.")
    )

    history = HistoricalRecords()

    class CitationManager(models.Manager):
        def get_by_natural_key(self, agreement_slug, source_key, supports):
            return self.get(agreement__slug=agreement_slug, source__key=source_key, supports=supports)

    objects = CitationManager()

    class Meta:
        ordering = ["agreement", "pk"]
        verbose_name = _("citation")
        constraints = [
            models.UniqueConstraint(fields=["agreement", "source", "supports"], name="citation_unique"),
            models.CheckConstraint(
                condition=Q(claim_amount__isnull=True) | Q(claim_amount__gte=0),
                name="citation_claim_amount_not_negative",
            ),
        ]

    def __str__(self):
        return f"{self.source} on {self.get_supports_display().lower()}"

    def natural_key(self):
        return (*self.agreement.natural_key(), *self.source.natural_key(), self.supports)

    natural_key.dependencies = ["agreements.agreement", "agreements.source"]


class Relation(models.Model):
    """A typed link: `from_agreement` amends, supersedes, implements or follows `to_agreement`."""

    from_agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="relations_out")
    to_agreement = models.ForeignKey(Agreement, on_delete=models.CASCADE, related_name="relations_in")
    kind = models.CharField(max_length=12, choices=RelationKind.choices)
    note = models.CharField(max_length=300, blank=True)

    history = HistoricalRecords()

    class RelationManager(models.Manager):
        def get_by_natural_key(self, from_slug, to_slug, kind):
            return self.get(from_agreement__slug=from_slug, to_agreement__slug=to_slug, kind=kind)

    objects = RelationManager()

    class Meta:
        ordering = ["from_agreement", "kind"]
        verbose_name = _("relation")
        constraints = [
            models.UniqueConstraint(fields=["from_agreement", "to_agreement", "kind"], name="relation_unique"),
            models.CheckConstraint(
                condition=~Q(from_agreement=F("to_agreement")),
                name="relation_not_to_itself",
                violation_error_message="An agreement cannot relate to itself.",
            ),
        ]

    def __str__(self):
        return f"{self.from_agreement} {self.get_kind_display().lower()} {self.to_agreement}"

    def natural_key(self):
        return (self.from_agreement.slug, self.to_agreement.slug, self.kind)

    natural_key.dependencies = ["agreements.agreement"]
