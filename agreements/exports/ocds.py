"""The public register as an OCDS 1.1 release package: one release per agreement.

OCDS describes public procurement; the mapping below says how an intergovernmental or commercial
agreement fits it, and where it does not:

- ocid: `settings.OCDS_OCID_PREFIX` + "-" + slug. The default prefix is a placeholder, not one
  registered with the Open Contracting Partnership.
- release id: slug + the time of the last change, so a changed record gets a new release id.
- tag: an announced deal is a `planning` release (planning.budget, no award or contract); any
  other status gives an `award` and a `contract` release. The status is the timeline's latest entry's
  (the database keeps it so).
- initiationType: always "tender", the only value the closed codelist allows; these agreements
  were negotiated, not tendered.
- contract status: announced -> pending; signed, in force -> active (signature is what makes most
  of these instruments effective); completed, expired -> terminated; cancelled -> cancelled.
- parties: each party's organisation with roles from the partyRole codelist (party and partner ->
  interestedParty, investor -> funder, buyer, supplier) and its country name; a Wikidata QID
  becomes identifier.uri, a registry number an additional identifier.
- value: a deal's own value only. A group's shared value is not repeated on every member's
  release, so a reader adding releases up does not count it several times; the JSON and CSV
  exports carry it (group, group_amount, group_currency).
- contract dateSigned (and the award's date): the first `signed` entry of the timeline, or the
  record's signature date when its timeline has none, only when known to the day. OCDS dates are full
  date-times and have no month or year precision: the first day of "November 2025" would state a day
  that no source gives, so a partial signature date is left out (the CSV and JSON exports carry it).
- documents: the sources cited for the agreement.
- milestones: its commitments (planning.milestones for an announced deal, contract.milestones
  otherwise): id its position, title its description, description the latest update's note, type
  "delivery", status mapped to milestoneStatus (scheduled, met, notMet, partiallyMet). `dueDate`: the
  end of the due period (31 July 2026 for "July 2026", 31 December for a year) at 23:59:59Z, as OCDS
  dates an end; the register calls a commitment overdue only the day after. `dateMet`: the date of the
  update from which it has been met; `dateModified`: its latest update's date; both at 00:00:00Z, and
  left out when the update is dated only to its month or year, for the reason above.
"""

import datetime

import pycountry
from django.conf import settings
from django.db.models import Max

from agreements import links
from agreements.licence import data_license
from agreements.models import DatePrecision, MilestoneStatus, Role, Status, period_end

from .tabular import iterate, with_citations, with_follow_up

OCDS_VERSION = "1.1"
CONTRACT_STATUS = {
    Status.ANNOUNCED: "pending",
    Status.SIGNED: "active",
    Status.IN_FORCE: "active",
    Status.COMPLETED: "terminated",
    Status.EXPIRED: "terminated",
    Status.CANCELLED: "cancelled",
}
AWARD_STATUS = {Status.CANCELLED: "cancelled"}
PARTY_ROLES = {
    Role.PARTY: "interestedParty",
    Role.PARTNER: "interestedParty",
    Role.INVESTOR: "funder",
    Role.BUYER: "buyer",
    Role.SUPPLIER: "supplier",
}
MILESTONE_STATUS = {
    MilestoneStatus.SCHEDULED: "scheduled",
    MilestoneStatus.MET: "met",
    MilestoneStatus.NOT_MET: "notMet",
    MilestoneStatus.PARTIALLY_MET: "partiallyMet",
}


def ocid(agreement):
    return f"{settings.OCDS_OCID_PREFIX}-{agreement.slug}"


def timestamp(value):
    """RFC 3339 in UTC, as OCDS dates are date-times."""
    return value.astimezone(datetime.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def day(value):
    """A calendar date as the start of that day in UTC (OCDS has no date-only type)."""
    if value is None:
        return None
    return f"{value.isoformat()}T00:00:00Z"


def known_day(value, precision):
    """`day()` of a date known to the day; None for a month or a year (OCDS cannot say "some day in it")."""
    return day(value) if value is not None and precision == DatePrecision.DAY else None


def end_of(value, precision):
    """The last moment of a day, a month or a year, in UTC: a due date is met in time up to then."""
    return f"{period_end(value, precision).isoformat()}T23:59:59Z"


def number(amount):
    """A JSON number: exact for whole amounts (the register's are), a float only for cents."""
    return int(amount) if amount == amount.to_integral_value() else float(amount)


def country_name(code):
    country = pycountry.countries.get(alpha_2=code)
    return country.name if country else code


def organization(party):
    org = party.organization
    entry = {
        "id": org.slug,
        "name": org.name,
        "roles": [PARTY_ROLES[party.role]],
        "address": {"countryName": country_name(org.country)},
    }
    if org.wikidata_qid:
        entry["identifier"] = {"legalName": org.name, "uri": f"http://www.wikidata.org/entity/{org.wikidata_qid}"}
    if org.registry_number:
        entry["additionalIdentifiers"] = [{"id": org.registry_number, "legalName": org.name}]
    return entry


def reference(party):
    return {"id": party.organization.slug, "name": party.organization.name}


def documents(agreement):
    seen = {}
    for citation in agreement.citations.all():
        source = citation.source
        if source.key in seen:
            continue
        document = {"id": source.key, "title": source.title, "description": f"{source.publisher}: {source.title}"}
        if source.url:
            document["url"] = source.url
        if source.published_on:
            document["datePublished"] = day(source.published_on)
        if source.language:
            document["language"] = source.language
        seen[source.key] = document
    return list(seen.values())


def update_that_met(updates):
    """The update from which the commitment has been met: the first of the `met` updates that end its list."""
    met = None
    for update in updates:
        met = (met or update) if update.status == MilestoneStatus.MET else None
    return met


def milestone(commitment):
    updates = list(commitment.updates.all())  # by date, then as entered
    entry = {
        "id": str(commitment.position),
        "title": commitment.description,
        "type": "delivery",
        "status": MILESTONE_STATUS[commitment.status],
    }
    latest = updates[-1] if updates else None
    met = update_that_met(updates) if commitment.status == MilestoneStatus.MET else None
    if latest and latest.note:
        entry["description"] = latest.note
    if commitment.due_on:
        entry["dueDate"] = end_of(commitment.due_on, commitment.due_precision)
    if met and (when := known_day(met.date, met.date_precision)):
        entry["dateMet"] = when
    if latest and (when := known_day(latest.date, latest.date_precision)):
        entry["dateModified"] = when
    return entry


def milestones(agreement):
    return [milestone(commitment) for commitment in agreement.commitments.all()]


def date_signed(agreement):
    """The first `signed` entry of the timeline (the record's signature date without one), known to the day."""
    signed = next((entry for entry in agreement.status_entries.all() if entry.status == Status.SIGNED), None)
    if signed is not None:
        return known_day(signed.date, signed.date_precision)
    return known_day(agreement.signed_on, agreement.signed_on_precision)


def value(agreement):
    if agreement.value_amount is None:
        return None
    return {"amount": number(agreement.value_amount), "currency": agreement.value_currency}


def release(agreement):
    parties = list(agreement.parties.all())
    entry = {
        "ocid": ocid(agreement),
        "id": f"{agreement.slug}-{agreement.updated_at.astimezone(datetime.UTC):%Y%m%dT%H%M%SZ}",
        "date": timestamp(agreement.updated_at),
        "tag": ["planning"] if agreement.status == Status.ANNOUNCED else ["award", "contract"],
        "initiationType": "tender",
        "language": "en",
        "parties": [organization(party) for party in parties],
    }
    buyer = next((party for party in parties if party.role == Role.BUYER), None)
    if buyer:
        entry["buyer"] = reference(buyer)
    amount = value(agreement)
    if agreement.status == Status.ANNOUNCED:
        entry["planning"] = {
            "rationale": agreement.summary or agreement.title,
            "documents": documents(agreement),
            "milestones": milestones(agreement),
            **({"budget": {"description": agreement.title, "amount": amount}} if amount else {}),
        }
        return entry

    signed = date_signed(agreement)
    award = {
        "id": agreement.slug,
        "title": agreement.title,
        "status": AWARD_STATUS.get(agreement.status, "active"),
        "suppliers": [reference(party) for party in parties if party.role == Role.SUPPLIER],
    }
    contract = {
        "id": agreement.slug,
        "awardID": agreement.slug,
        "title": agreement.title,
        "description": agreement.summary or agreement.title,
        "status": CONTRACT_STATUS[agreement.status],
        "documents": documents(agreement),
        "milestones": milestones(agreement),
    }
    if signed:
        award["date"] = contract["dateSigned"] = signed
    if amount:
        award["value"] = contract["value"] = amount
    period = {
        key: day(date)
        for key, date in (("startDate", agreement.entry_into_force_on), ("endDate", agreement.expires_on))
        if date
    }
    if period:
        contract["period"] = period
    entry["awards"] = [award]
    entry["contracts"] = [contract]
    return entry


def release_package(queryset, request):
    """The package: two queries for the publication date, then the releases with their prefetches."""
    header, releases = release_package_parts(queryset, request)
    return {**header, "releases": list(releases)}


def release_package_parts(queryset, request):
    """The package without its releases, and the releases as a generator (for a streamed answer)."""
    queryset = with_follow_up(with_citations(queryset.with_relations()))
    last_change = queryset.order_by().aggregate(last=Max("updated_at"))["last"]
    header = {
        "uri": links.absolute_url(request.get_full_path()),
        "version": OCDS_VERSION,
        "publishedDate": timestamp(last_change or datetime.datetime.now(datetime.UTC)),
        "publisher": {"name": "kzdeals", "uri": links.absolute_url("/")},
        "license": data_license()["path"],
    }
    return header, (release(agreement) for agreement in iterate(queryset))
