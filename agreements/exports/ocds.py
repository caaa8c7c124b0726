"""The public register as an OCDS 1.1 release package: one release per agreement.

OCDS describes public procurement; the mapping below says how an intergovernmental or commercial
agreement fits it, and where it does not:

- ocid: `settings.OCDS_OCID_PREFIX` + "-" + slug. The default prefix is a placeholder, not one
  registered with the Open Contracting Partnership.
- release id: slug + the time of the last change, so a changed record gets a new release id.
- tag: an announced deal is a `planning` release (planning.budget, no award or contract); any
  other status gives an `award` and a `contract` release.
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
- documents: the sources cited for the agreement; milestones: its commitments.
"""

import datetime

import pycountry
from django.conf import settings
from django.db.models import Max

from agreements import links
from agreements.models import DatePrecision, MilestoneStatus, Role, Status

from .tabular import iterate, with_citations

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


def milestones(agreement):
    return [
        {
            "id": str(commitment.position),
            "title": commitment.description,
            "type": "delivery",
            "status": MILESTONE_STATUS[commitment.status],
            **({"dueDate": day(commitment.due_on)} if commitment.due_on else {}),
        }
        for commitment in agreement.commitments.all()
    ]


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

    signed = agreement.signed_on if agreement.signed_on_precision == DatePrecision.DAY else None
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
        award["date"] = contract["dateSigned"] = day(signed)
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
    queryset = with_citations(queryset.with_relations()).prefetch_related("commitments")
    last_change = queryset.order_by().aggregate(last=Max("updated_at"))["last"]
    header = {
        "uri": links.absolute_url(request.get_full_path()),
        "version": OCDS_VERSION,
        "publishedDate": timestamp(last_change or datetime.datetime.now(datetime.UTC)),
        "publisher": {"name": "kzdeals", "uri": links.absolute_url("/")},
    }
    return header, (release(agreement) for agreement in iterate(queryset))
