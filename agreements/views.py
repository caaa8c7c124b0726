"""The public pages. Every query starts from `Agreement.objects.public()`; lists add `with_relations()`.

Each page runs a fixed number of queries whatever the number of rows (tests/test_views.py checks it).
"""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Value, prefetch_related_objects
from django.forms import ModelChoiceField
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_safe
from django.views.generic import DetailView, ListView

from . import citing, content_language, links
from .api.pagination import CountedPaginator
from .caching import cached_scorecards, cached_totals, memoize
from .change_words import describe, published_changes
from .charts import bar_chart, count_chart, timeline_chart
from .downloads import exports_with_sizes
from .filters import (
    DEFAULT_ORDERING,
    ORDERINGS,
    AgreementFilterSet,
    ChangeFilterSet,
    country_name,
    in_contract_terms,
    public_organizations,
)
from .licence import data_license
from .models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    Event,
    EventClaim,
    InlineText,
    MilestoneStatus,
    Organization,
    Party,
    PublicationState,
    PublishedVersion,
    Relation,
    Sector,
    Status,
    StatusEntry,
    Supports,
    agreement_news_since,
    is_overdue,
    is_stale,
    parse_partial_date,
)
from .models import followup as follow_up
from .tally import tallied_totals, tallied_totals_by
from .templatetags.register_tags import format_money, format_number, partial_date_words

PAGE_SIZE = 25
MAX_PAGE_SIZE = 100
LATEST = 8
SECTOR_NEWEST = 50
ORGANIZATIONS_PAGE = 100
PUBLISHED = Value(PublicationState.PUBLISHED)
SORTABLE = [("title", gettext_lazy("Title")), ("signed_on", gettext_lazy("Signed")), ("value", gettext_lazy("Value"))]


def public_agreements():
    return Agreement.objects.public().with_relations()


# A scorecard's commitments, in the order PRODUCT.md names them.
MILESTONES = [MilestoneStatus.MET, MilestoneStatus.PARTIALLY_MET, MilestoneStatus.NOT_MET, MilestoneStatus.SCHEDULED]
CLAIMS = Prefetch("claims", queryset=EventClaim.objects.select_related("source"))


def event_report(event, totals, scorecard=None):
    """Announced against itemised for one event: the gap in value and in documents; with its scorecard,
    what became of them (counts and charts of the same numbers), and the claims of other sources (the
    event's `claims`, prefetched), never itemised."""
    line = totals.in_currency(event.announced_currency) if totals else None
    itemised = line.total if line else Decimal("0")
    count = totals.count if totals else 0
    report = {
        "event": event,
        "totals": totals,
        "count": count,
        "itemised": itemised,
        "itemised_approximate": bool(line and line.approximate),
        "binding": line.binding if line else Decimal("0"),
        "non_binding": line.non_binding if line else Decimal("0"),
        "value_gap": None,
        "percent_itemised": None,
        "documents_gap": None,
        "claims": list(event.claims.all()),
        "scorecard": scorecard,
        "stale_after_days": settings.REGISTER_STALE_AFTER_DAYS,
    }
    if event.announced_amount:
        report["value_gap"] = max(event.announced_amount - itemised, Decimal("0"))
        report["percent_itemised"] = itemised / event.announced_amount * 100
    if event.announced_documents is not None:
        report["documents_gap"] = max(event.announced_documents - count, 0)
    if scorecard is not None:
        labels = dict(MilestoneStatus.choices)
        report["by_status"] = [(label, scorecard.by_status[status]) for status, label in Status.choices]
        report["by_milestone"] = [(labels[status], scorecard.commitments[status]) for status in MILESTONES]
        report["commitment_count"] = sum(count for _label, count in report["by_milestone"])
        report["status_chart"] = count_chart(report["by_status"])
        report["milestone_chart"] = count_chart(report["by_milestone"])
    return report


@require_safe
def home(request):
    # The register's, each event's and each sector's totals from the tally: a few rows each, at any size.
    by_event = tallied_totals_by("event")
    events = Event.objects.filter(pk__in=list(by_event)).select_related("announced_source").prefetch_related(CLAIMS)
    # Every event's scorecard in the same two queries, whatever the number of events.
    cards = cached_scorecards(Agreement.objects.public().filter(event__in=list(by_event)), "event")
    by_sector = tallied_totals_by("sector")
    sectors = Sector.objects.filter(pk__in=list(by_sector))
    sector_rows = []
    for sector in sectors:
        line = by_sector[sector.pk].in_currency("USD")
        sector_rows.append(
            {
                "sector": sector,
                "count": by_sector[sector.pk].count,
                "amount": line.total if line else None,
                "approximate": bool(line and line.approximate),
            }
        )
    sector_rows.sort(key=lambda row: (-(row["amount"] or 0), row["sector"].name))
    chart = bar_chart([(row["sector"].name, row["amount"], row["approximate"]) for row in sector_rows])
    context = {
        "totals": tallied_totals("all"),
        "events": [event_report(event, by_event[event.pk], cards.get(event.pk)) for event in events],
        "as_of": follow_up.today(),
        "sector_rows": sector_rows,
        "chart": chart,
        "latest": public_agreements().order_by("-published_at", "title")[:LATEST],
    }
    return render(request, "agreements/home.html", context)


def _positive_int(raw):
    try:
        value = int(raw)
    except (TypeError, ValueError, OverflowError):
        return None
    return value if value >= 1 else None


def _label_empty_choices(form):
    """Say "Any" instead of dashes for an unset select, which a screen reader reads out."""
    for field in form.fields.values():
        if getattr(field, "empty_label", None) is not None:
            field.empty_label = _("Any")
            if not isinstance(field, ModelChoiceField):
                field.widget.choices = list(field.choices)


def _sort_columns(current):
    columns = []
    for key, label in SORTABLE:
        if current == key:
            target, sort = f"-{key}", "ascending"
        elif current == f"-{key}":
            target, sort = key, "descending"
        else:
            target, sort = (f"-{key}" if key != "title" else key), None
        columns.append({"key": key, "label": label, "target": target, "sort": sort})
    return columns


def _readers_form(form, data):
    """The list's form in a reader's words: a party and a country by name, each with a list of the public ones
    to pick from (an HTML datalist: no script), and the order in effect preselected."""
    party = form.fields["party"]
    party.label = _("Party")
    party.help_text = _("An organisation's name, short name or address (such as wabtec).")
    party.widget.attrs.update({"list": "party-names", "placeholder": _("e.g. Wabtec Corporation")})
    country = form.fields["country"]
    country.label = _("Party country")
    country.help_text = _("A country's name or two-letter code, such as Kazakhstan or KZ.")
    country.widget.attrs.update({"list": "country-names", "maxlength": "60"})
    if (data.get("q") or "").strip() and not data.get("ordering"):
        # A search with no order asked for is ranked by relevance: say so rather than preselect another.
        form.fields["ordering"].choices = [("", _("Best match first")), *form.fields["ordering"].choices]
    return {"datalists": memoize(("datalists",), _datalists)}


# Suggestions a reader can scan: a register with more public organisations offers none in the party box (which
# still takes any name, short name or address) rather than thousands of options on every page (50,000, 2.5 MB,
# at 1,000,000 synthetic agreements).
PARTY_SUGGESTIONS = 1000


def _datalists():
    """The options of the party and country datalists, as HTML: every public organisation (its name in the page's
    language, and its short name as the hint), up to PARTY_SUGGESTIONS, and every country of one, by name.
    Written by format_html_join, which escapes each name, rather than a template loop, which cost 90 ms a page
    for the 5,000 organisations of a 100,000-agreement register; kept for the register version when the shared
    cache is on. One query, two beyond PARTY_SUGGESTIONS."""
    # The name shown in the page's language: the first of its chain's columns that is not empty (as pick()).
    names = [f"name_{code}" for code in content_language.chain(content_language.active())]
    public = public_organizations().order_by()
    rows = list(public.values_list("country", "short_name", *names, "name")[: PARTY_SUGGESTIONS + 1])
    if len(rows) > PARTY_SUGGESTIONS:
        codes = set(public.values_list("country", flat=True).distinct())
        rows = []
    else:
        codes = {row[0] for row in rows}
    organizations = sorted(
        ((next(filter(None, row[2:]), row[-1]), row[1]) for row in rows),
        key=lambda organization: organization[0].casefold(),
    )
    party_options = format_html_join(
        "",
        '<option value="{}">{}</option>',
        ((name, short if short and short != name else "") for name, short in organizations),
    )
    country_options = format_html_join(
        "", '<option value="{}">{}</option>', sorted((country_name(code), code) for code in codes)
    )
    return {"party": party_options, "country": country_options}


def _filters_in_words(form):
    """What the valid filters keep, as a reader would say it: [(label, value)]."""
    words = []
    for name, value in form.cleaned_data.items():
        if name in ("ordering", "q") or value in (None, "", [], ()):
            continue
        field = form.fields[name]
        if hasattr(value, "_meta"):
            text = str(value)
        elif isinstance(value, datetime.date):
            text = partial_date_words(value)
        elif isinstance(value, Decimal):
            text = format_number(value)
        elif name == "country":
            text = f"{country_name(value.upper())} ({value.upper()})"
        elif getattr(field, "choices", None):
            text = str(dict(field.choices).get(value, value))
        else:
            text = str(value)
        words.append((field.label, text))
    return words


READABLE_ERRORS = {
    "party": _("No public organisation has the name, short name or address “%(value)s”: pick one from the list."),
    "country": _("No country is called “%(value)s”: use its name or two-letter code, such as Kazakhstan or KZ."),
}


@require_safe
def agreement_list(request):
    """Filter, count, add up, sort and page the public agreements.

    Bad filter values give the page with the reasons and status 400; a bad `page` or `page_size`
    gives a message and the first page; a page past the end is a 404.
    """
    messages = []
    data = request.GET.copy()
    for name in list(data):
        if any("\x00" in value for value in data.getlist(name)) or "\x00" in name:
            messages.append(_("“%(name)s” contains a null character and was ignored.") % {"name": name[:40]})
            del data[name]
    data = in_contract_terms(data)
    filterset = AgreementFilterSet(data or None, queryset=Agreement.objects.public().with_relations())
    _label_empty_choices(filterset.form)
    choices = _readers_form(filterset.form, data)
    errors = []
    if filterset.is_bound and not filterset.form.is_valid():
        for name, field_errors in filterset.form.errors.items():
            if name in READABLE_ERRORS:
                field_errors = [READABLE_ERRORS[name] % {"value": data.get(name, "")[:80]}]
                filterset.form.errors[name] = field_errors
            errors.extend({"name": name, "message": message} for message in field_errors)
        queryset = Agreement.objects.none()
    else:
        queryset = filterset.qs

    page_size = PAGE_SIZE
    if "page_size" in data:
        requested = _positive_int(data.get("page_size"))
        if requested is None or requested > MAX_PAGE_SIZE:
            messages.append(
                _("page_size must be a whole number from 1 to %(max)s; showing %(default)s per page.")
                % {"max": MAX_PAGE_SIZE, "default": PAGE_SIZE}
            )
        else:
            page_size = requested
    page_number = 1
    if "page" in data:
        requested = _positive_int(data.get("page"))
        if requested is None:
            messages.append(_("page must be a whole number of 1 or more; showing the first page."))
        else:
            page_number = requested
    if errors:
        page_number = 1
    # totals() counts the selection anyway: the paginator takes its count instead of a COUNT of its own.
    totals = cached_totals(queryset, filterset.totals) if not errors else None
    paginator = CountedPaginator(queryset, page_size, count=totals.count if totals is not None else None)
    if page_number > paginator.num_pages:
        raise Http404(_("There is no page %(page)s.") % {"page": page_number})
    page = paginator.page(page_number)
    ordering = data.get("ordering") if not errors and data.get("ordering") else DEFAULT_ORDERING
    csv_query = data.copy()  # in the contract's terms: the export's API-side filters take slugs and codes
    csv_query.pop("page", None)
    context = {
        "filterset": filterset,
        "form": filterset.form,
        "errors": errors,
        "messages_list": messages,
        "page_obj": page,
        "paginator": paginator,
        "agreements": page.object_list,
        "totals": totals,
        "columns": _sort_columns(ordering),
        "csv_query": csv_query.urlencode(),
        "filters_in_use": sum(1 for name in filterset.filters if name not in ("q", "ordering") and data.get(name)),
        "filters_in_words": _filters_in_words(filterset.form) if not errors and filterset.is_bound else [],
        "coarse_left_out": filterset.coarse_dates_left_out() if not errors else 0,
        **choices,
    }
    return render(request, "agreements/agreement_list.html", context, status=400 if errors else 200)


class AgreementDetailView(DetailView):
    template_name = "agreements/agreement_detail.html"
    context_object_name = "agreement"

    def get_queryset(self):
        return Agreement.objects.public().select_related("sector", "event", "group", "group__source")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        agreement = self.object
        public = Agreement.objects.public()
        parties = list(agreement.parties.select_related("organization"))
        citations = list(Citation.objects.filter(agreement=agreement).select_related("source").order_by("pk"))
        # The timeline and the commitments with their updates, each with its source: three queries.
        prefetch_related_objects(
            [agreement],
            Prefetch("status_entries", queryset=StatusEntry.objects.select_related("source")),
            Prefetch(
                "commitments",
                queryset=Commitment.objects.select_related("source").prefetch_related(
                    Prefetch("updates", queryset=CommitmentUpdate.objects.select_related("source"))
                ),
            ),
        )
        entries = list(agreement.status_entries.all())
        commitments = list(agreement.commitments.all())
        numbers, sources = {}, []

        def number(source, use=None):
            """The source's number in the page's list, given the first time it is cited."""
            if source.pk not in numbers:
                numbers[source.pk] = len(numbers) + 1
                sources.append({"number": numbers[source.pk], "source": source, "citations": [], "uses": []})
            entry = sources[numbers[source.pk] - 1]
            said = {*entry["uses"], *(citation.get_supports_display().lower() for citation in entry["citations"])}
            if use is not None and use not in said:
                entry["uses"].append(use)
            return numbers[source.pk]

        def marks_of(row, use):
            return [number(row.source, use)] if row.source_id else []

        for citation in citations:
            citation.number = number(citation.source)
            sources[citation.number - 1]["citations"].append(citation)
        # Sources cited only by the follow-up get the next numbers, in the order the page shows them.
        for entry in entries:
            entry.marks = marks_of(entry, _("status timeline"))
        for commitment in commitments:
            commitment.marks = marks_of(commitment, _("commitments"))
            updates = list(commitment.updates.all())
            for update in updates:
                update.marks = marks_of(update, _("commitment updates"))
            commitment.latest = updates[-1] if updates else None
            commitment.progress_update = next((u for u in reversed(updates) if u.progress is not None), None)
            commitment.overdue = is_overdue(commitment.due_on, commitment.due_precision, commitment.status)
        marks = {}
        for citation in citations:
            if not citation.disputes:
                numbers_for = marks.setdefault(citation.supports, [])
                if citation.number not in numbers_for:
                    numbers_for.append(citation.number)
        disputes = disagreements(agreement, citations, sources, marks, commitments)
        group_members = []
        if agreement.group_id:
            group_members = list(public.filter(group_id=agreement.group_id).exclude(pk=agreement.pk).order_by("title"))
        # The other end's state tested on the join: `IN (every public id)` cost SQLite 20-60 ms at 100,000 rows.
        published = InlineText(PublicationState.PUBLISHED.value)
        related = list(
            Relation.objects.filter(from_agreement=agreement, to_agreement__publication_state=published).select_related(
                "to_agreement"
            )
        )
        related_in = list(
            Relation.objects.filter(to_agreement=agreement, from_agreement__publication_state=published).select_related(
                "from_agreement"
            )
        )
        # The public change log's days for this record (never a draft's edits, never an editor's name).
        changed = PublishedVersion.objects.changes().filter(agreement=agreement).values_list("at", flat=True)
        history = sorted({timezone.localdate(moment) for moment in changed}, reverse=True)
        # The version is the latest published change's day, else the publication's (as citing.version_date).
        version = history[0] if history else timezone.localdate(agreement.published_at or agreement.updated_at)
        news_since = agreement_news_since(agreement)
        context.update(
            {
                "kz_parties": [party for party in parties if party.side == "KZ"],
                "us_parties": [party for party in parties if party.side == "US"],
                "commitments": commitments,
                "timeline": entries,
                "timeline_chart": timeline_chart(
                    [(entry.date, entry.date_precision, entry.status) for entry in entries], agreement.last_verified_on
                ),
                "stale": is_stale(agreement.last_verified_on),
                "stale_after_days": settings.REGISTER_STALE_AFTER_DAYS,
                "news_since": parse_partial_date(news_since) if news_since else None,
                "sources": sources,
                "marks": {key: marks.get(key, []) for key in Supports.values},
                "disputes": disputes,
                "group_members": group_members,
                "relations_out": related,
                "relations_in": related_in,
                "history": history,
                "cite": citing.citation(agreement, version),
            }
        )
        return context

    @staticmethod
    def register_figure(agreement, supports, commitments=()):
        if supports == Supports.VALUE:
            if agreement.group_id:
                group = agreement.group
                return format_money(group.amount, group.currency, group.approximate)
            return format_money(agreement.value_amount, agreement.value_currency, agreement.value_approximate)
        if supports == Supports.SIGNED_ON:
            return agreement.signed_on_display
        if supports == Supports.STATUS:
            return agreement.get_status_display()
        if supports == Supports.KIND:
            return agreement.get_kind_display()
        if supports == Supports.COMMITMENTS and commitments:
            return ", ".join(
                f"{format_number(c.quantity)} {c.unit}".strip() if c.quantity is not None else c.description
                for c in commitments
            )
        return None


def disagreements(agreement, citations, sources, marks, commitments):
    """Where sources disagree, in sentences: for each disputed figure, who gives the register's figure (the
    sources that back it, else those of the whole record) and what it is, or that they give none, then each
    other claim once with every source that makes it: "The Foreign Ministry [1] gives no value; the U.S.
    Department of State [2] gives USD 7,000,000,000." Commitments are compared by what they list."""
    by_figure = {}
    for citation in citations:
        if citation.disputes:
            by_figure.setdefault(citation.supports, []).append(citation)
    found = []
    for supports, disputing in by_figure.items():
        label = disputing[0].get_supports_display()
        numbers = marks.get(supports) or marks.get(Supports.RECORD, [])
        figure = AgreementDetailView.register_figure(agreement, supports, commitments)
        register = {"sources": [sources[number - 1] for number in numbers], "what": figure}
        register["predicate"] = predicate(len(numbers) or 1, figure, label, supports)
        claims = {}
        for citation in disputing:
            amount = format_money(
                citation.claim_amount, citation.claim_currency or agreement.value_currency, citation.claim_approximate
            )
            what = amount or citation.claim or None
            claim = claims.setdefault(what, {"sources": [], "what": what, "notes": []})
            claim["sources"].append(sources[citation.number - 1])
            if amount and citation.claim and citation.claim not in claim["notes"]:
                claim["notes"].append(citation.claim)
        for claim in claims.values():
            claim["predicate"] = predicate(len(claim["sources"]), claim["what"], label, supports)
        found.append({"label": label, "sides": [register, *claims.values()]})
    return found


def predicate(count, what, label, supports):
    """What one source or several say of a figure: "gives USD 7,000,000,000", "give no value", "lists 18 aircraft",
    "calls it “Letter of intent”"."""
    if what is None:
        return ngettext("gives no %(figure)s", "give no %(figure)s", count) % {"figure": label.lower()}
    if supports == Supports.COMMITMENTS:
        return ngettext("lists %(what)s", "list %(what)s", count) % {"what": what}
    if supports == Supports.KIND:
        return ngettext("calls it “%(what)s”", "call it “%(what)s”", count) % {"what": what}
    return ngettext("gives %(what)s", "give %(what)s", count) % {"what": what}


class OrganizationListView(ListView):
    """Organisations party to a public agreement, by name, a page at a time: the register names 50,000 at
    a million agreements. Each page counts the public agreements of its own rows only (one correlated
    count each); a page that is not a page of the list is a 404, as in the API."""

    template_name = "agreements/organization_list.html"
    context_object_name = "organizations"
    paginate_by = ORGANIZATIONS_PAGE

    def get_queryset(self):
        public_party = Party.objects.filter(organization=OuterRef("pk"), agreement__publication_state=PUBLISHED)
        return Organization.objects.filter(Exists(public_party)).order_by("name", "pk")

    def paginate_queryset(self, queryset, page_size):
        """Counts for the page's rows only, in one query: as a column of the paged query, SQLite
        counted the rows an offset skips too (a second for page 40 at 100,000 agreements)."""
        paginator, page, rows, more = super().paginate_queryset(queryset, page_size)
        rows = list(rows)
        counts = dict(
            Party.objects.filter(organization__in=rows, agreement__publication_state=PUBLISHED)
            .order_by()
            .values_list("organization")
            .annotate(count=Count("agreement", distinct=True))
        )
        for organization in rows:
            organization.public_count = counts.get(organization.pk, 0)
        page.object_list = rows
        return paginator, page, rows, more


@require_safe
def organization_detail(request, slug):
    organization = get_object_or_404(Organization, slug=slug)
    queryset = public_agreements().filter(
        Exists(Party.objects.filter(agreement=OuterRef("pk"), organization=organization))
    )
    agreements = list(queryset)
    if not agreements:
        raise Http404(_("No published agreement names this organisation."))
    counterparties = {}
    for agreement in agreements:
        sides = {party.side for party in agreement.parties.all() if party.organization_id == organization.pk}
        for party in agreement.parties.all():
            if party.organization_id != organization.pk and party.side not in sides:
                entry = counterparties.setdefault(
                    party.organization_id, {"organization": party.organization, "count": 0}
                )
                entry["count"] += 1
    context = {
        "organization": organization,
        "agreements": agreements,
        "totals": cached_totals(queryset),
        "counterparties": sorted(counterparties.values(), key=lambda entry: entry["organization"].name),
    }
    return render(request, "agreements/organization_detail.html", context)


@require_safe
def event_detail(request, slug):
    event = get_object_or_404(Event.objects.select_related("announced_source").prefetch_related(CLAIMS), slug=slug)
    queryset = public_agreements().filter(event=event)
    agreements = list(queryset)
    if not agreements:  # an event being prepared, with drafts only, is not published
        raise Http404(_("No public agreement for this event."))
    totals = tallied_totals("event", event.pk)
    scorecard = cached_scorecards(Agreement.objects.public().filter(event=event), "event").get(event.pk)
    context = {
        "event": event,
        "agreements": agreements,
        "report": event_report(event, totals, scorecard),
        "totals": totals,
        "as_of": follow_up.today(),
    }
    return render(request, "agreements/event_detail.html", context)


@require_safe
def sector_detail(request, slug):
    """A sector's totals (from the tally) and its newest agreements; the list, filtered by the sector,
    pages through the rest (a sector holds a twelfth of the register: 80,000 rows at a million)."""
    # A sector no public agreement is in is not published (an editor may have just created it).
    sector = get_object_or_404(
        Sector.objects.filter(Exists(Agreement.objects.public().filter(sector=OuterRef("pk")))), slug=slug
    )
    queryset = public_agreements().filter(sector=sector).order_by(*ORDERINGS[DEFAULT_ORDERING])
    context = {
        "sector": sector,
        "agreements": list(queryset[:SECTOR_NEWEST]),
        "totals": tallied_totals("sector", sector.pk),
    }
    return render(request, "agreements/sector_detail.html", context)


CHANGES_PAGE = 25


@require_safe
def changes(request):
    """The public change log, a page at a time, each version's changes in words (agreements.change_words).

    Its parameters are the API's (`ChangeFilterSet`: `since`, `agreement`), so the page and
    `/api/v1/changes/` select alike; a bad value is a 400 naming it, with the filter's own message. A bad
    `page` gives a message and the first page; a page past the end is a 404. Queries: the count, the page,
    the names its changes mention (one per kind), and the record when one is asked for.
    """
    messages = []
    data = request.GET.copy()
    data.pop("page", None)
    filterset = ChangeFilterSet(data, queryset=published_changes())
    errors = []
    if not filterset.is_valid():
        for name, field_errors in filterset.form.errors.items():
            errors.extend({"name": name, "message": message} for message in field_errors)
    agreement = None if errors else filterset.form.cleaned_data.get("agreement")
    page_number = 1
    if "page" in request.GET:
        requested = _positive_int(request.GET.get("page"))
        if requested is None:
            messages.append(_("page must be a whole number of 1 or more; showing the first page."))
        else:
            page_number = requested
    versions = PublishedVersion.objects.none() if errors else filterset.qs
    paginator = Paginator(versions, CHANGES_PAGE)
    if errors:
        page_number = 1
    if page_number > paginator.num_pages:
        raise Http404(_("There is no page %(page)s.") % {"page": page_number})
    page = paginator.page(page_number)
    context = {
        "agreement": agreement,
        "since": None if errors else filterset.form.cleaned_data.get("since"),
        "errors": errors,
        "messages_list": messages,
        "page_obj": page,
        "paginator": paginator,
        "entries": describe(page.object_list),
    }
    return render(request, "agreements/changes.html", context, status=400 if errors else 200)


def _citable(slug):
    return get_object_or_404(Agreement.objects.public(), slug=slug)


@require_safe
def agreement_csl(request, slug):
    """The record's citation as CSL-JSON (an attachment)."""
    response = JsonResponse(citing.csl_json(_citable(slug)), safe=False, json_dumps_params={"ensure_ascii": False})
    response["Content-Type"] = "application/vnd.citationstyles.csl+json; charset=utf-8"
    response["Content-Disposition"] = f'attachment; filename="kzdeals-{slug}.json"'
    return response


@require_safe
def agreement_bibtex(request, slug):
    """The record's citation as BibTeX (an attachment)."""
    response = HttpResponse(citing.bibtex(_citable(slug)), content_type="application/x-bibtex; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="kzdeals-{slug}.bib"'
    return response


@require_safe
def downloads(request):
    """/data/: every export with its format, size and last update, the data package, the licence; the list's
    filters, validated by the one FilterSet, carried into every link (a bad one: a message and status 400).
    Queries: the register's last change, and the filters' own lookups; sizes come from the cache
    (agreements/downloads.py)."""
    data = in_contract_terms(request.GET.copy())
    data.pop("page", None)
    data.pop("page_size", None)
    filterset = AgreementFilterSet(data or None, queryset=Agreement.objects.public())
    errors = []
    if filterset.is_bound and not filterset.form.is_valid():
        for name, field_errors in filterset.form.errors.items():
            errors.extend({"name": name, "message": message} for message in field_errors)
    exports, last_update = exports_with_sizes()
    query = "" if errors else data.urlencode()
    context = {
        "exports": [
            {
                "url": reverse(url_name) + (f"?{query}" if query else ""),
                "format": kind,
                "what": what,
                "size": size,
                "exact": exact,
            }
            for url_name, kind, what, size, exact in exports
        ],
        "last_update": last_update,
        "license": data_license(),
        "errors": errors,
        "query": query,
        "filters_in_words": _filters_in_words(filterset.form) if filterset.is_bound and not errors else [],
    }
    return render(request, "agreements/downloads.html", context, status=400 if errors else 200)


@require_safe
def robots_txt(request):
    lines = [
        "User-agent: *",
        "Allow: /",
        f"Disallow: {reverse('admin:index')}",
        f"Sitemap: {links.absolute_url(reverse('agreements:sitemap'))}",
    ]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
