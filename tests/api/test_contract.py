"""The API contract end to end: Last-Modified and conditional GET, an event's announced/itemised/gap,
the dataset's figures through the API, constant queries per page size, a schema spectacular validates
without a warning, and JSON declared as UTF-8."""

import datetime
from pathlib import Path

import pytest
import yaml
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.http import http_date

from agreements import tally
from agreements.models import Agreement, Event, Kind, PublicationState
from tests.factories import AgreementFactory, EventFactory, GroupFactory, SourceFactory

from .conftest import LIST_URL, detail_url, get_json, make_deal

NOVEMBER = "tokayev-washington-2025-11"
SEPTEMBER = "tokayev-new-york-2025-09"
CYRILLIC = "Соглашение о поставке"  # noqa: RUF001 (Cyrillic on purpose)


def event_url(slug):
    return f"/api/v1/events/{slug}/"


def at(*parts):
    return datetime.datetime(*parts, tzinfo=datetime.UTC)


def set_updated_at(agreement, moment):
    """As if the agreement had last been saved at `moment`: the tally's moments only move forward, so
    they are rebuilt from the agreements' dates, as the migration that made them did."""
    Agreement.objects.filter(pk=agreement.pk).update(updated_at=moment)
    tally.rebuild(connection)


# --- Last-Modified and conditional GET ------------------------------------------------------------


@pytest.fixture
def dated(db):
    """Two public agreements in different sectors, and a draft modified later than both."""
    old = AgreementFactory(title="Old deal")
    new = AgreementFactory(title="New deal")
    draft = AgreementFactory(title="Draft deal", publication_state=PublicationState.DRAFT)
    set_updated_at(old, at(2025, 3, 4, 5, 6, 7, 890000))
    set_updated_at(new, at(2025, 8, 9, 10, 11, 12))
    set_updated_at(draft, at(2026, 1, 1))
    return old, new


def test_list_last_modified_is_the_latest_public_agreement_of_the_filtered_set(client, dated):
    old, _ = dated

    # The draft's later date never shows: only public agreements count.
    assert client.get(LIST_URL)["Last-Modified"] == "Sat, 09 Aug 2025 10:11:12 GMT"
    # Filtered to the old one's sector: its date, rounded down to the second.
    assert client.get(LIST_URL, {"sector": old.sector.slug})["Last-Modified"] == "Tue, 04 Mar 2025 05:06:07 GMT"


def test_detail_last_modified_is_the_agreements_updated_at(client, dated):
    old, new = dated

    assert client.get(detail_url(old.slug))["Last-Modified"] == "Tue, 04 Mar 2025 05:06:07 GMT"
    assert client.get(detail_url(new.slug))["Last-Modified"] == "Sat, 09 Aug 2025 10:11:12 GMT"


def test_an_empty_selection_has_no_last_modified(client, dated):
    response = client.get(LIST_URL, {"q": "nothing matches this"})

    assert response.status_code == 200
    assert "Last-Modified" not in response
    assert response["ETag"]


@pytest.mark.parametrize("which", ["list", "detail"])
@pytest.mark.parametrize(
    ("since", "expected"),
    [
        ("Sat, 09 Aug 2025 10:11:12 GMT", 304),  # exactly Last-Modified
        ("Sun, 10 Aug 2025 00:00:00 GMT", 304),  # after it
        ("Sat, 09 Aug 2025 10:11:11 GMT", 200),  # a second before it
        ("not a date", 200),  # an unreadable date is ignored
    ],
)
def test_if_modified_since(client, dated, which, since, expected):
    url = LIST_URL if which == "list" else detail_url(dated[1].slug)

    response = client.get(url, headers={"if-modified-since": since})

    assert response.status_code == expected
    assert response["Last-Modified"] == "Sat, 09 Aug 2025 10:11:12 GMT"
    assert response["ETag"]
    if expected == 304:
        assert response.content == b""
        assert response["ETag"] == client.get(url)["ETag"]


@pytest.mark.parametrize("which", ["list", "detail"])
def test_if_none_match_takes_precedence_over_if_modified_since(client, dated, which):
    url = LIST_URL if which == "list" else detail_url(dated[1].slug)
    first = client.get(url)
    fresh = {"if-modified-since": first["Last-Modified"]}

    # A stale ETag: 200 though the date alone would give a 304.
    assert client.get(url, headers={"if-none-match": '"stale"', **fresh}).status_code == 200
    # A matching ETag with a date before Last-Modified: the ETag decides, 304.
    old_date = http_date(at(2000, 1, 1).timestamp())
    assert client.get(url, headers={"if-none-match": first["ETag"], "if-modified-since": old_date}).status_code == 304


def test_etag_behaviour_is_kept(client, dated, django_assert_num_queries):
    first = client.get(LIST_URL)
    with django_assert_num_queries(1):  # the register's version, nothing of the answer
        again = client.get(LIST_URL, headers={"if-none-match": first["ETag"]})

    assert again.status_code == 304
    assert again["ETag"] == first["ETag"]
    assert again["Cache-Control"] == first["Cache-Control"]
    # Decided before the answer's own date is known: RFC 9110 (15.4.5) does not ask a 304 to repeat it.
    assert "Last-Modified" not in again


def test_an_edit_moves_last_modified_and_ends_the_304(client, dated):
    old, _ = dated
    url = detail_url(old.slug)
    before = client.get(url)["Last-Modified"]

    old.title = "Old deal, renamed"
    old.save()

    response = client.get(url, headers={"if-modified-since": before})
    assert response.status_code == 200
    assert response["Last-Modified"] != before


@pytest.mark.parametrize("removal", ["unpublish", "delete"])
@pytest.mark.parametrize("params", [{}, {"sector": "own"}, {"kind": "contract"}], ids=["all", "sector", "kind"])
def test_removing_the_latest_agreement_ends_the_304_by_date(client, db, removal, params):
    """Regression: Last-Modified was the latest updated_at of what remains, so taking away the newest
    agreement moved it back and a client holding the old list got a 304 by date for a changed list."""
    stays = AgreementFactory(title="Stays", kind=Kind.CONTRACT)
    goes = AgreementFactory(title="Goes", kind=Kind.CONTRACT, sector=stays.sector)
    set_updated_at(stays, at(2025, 3, 4, 5, 6, 7))
    set_updated_at(goes, at(2025, 8, 9, 10, 11, 12))
    query = {"sector": stays.sector.slug} if "sector" in params else params
    before = client.get(LIST_URL, query)
    assert before["Last-Modified"] == "Sat, 09 Aug 2025 10:11:12 GMT"

    if removal == "unpublish":
        goes.publication_state = PublicationState.DRAFT
        goes.save()
    else:
        goes.delete()

    after = client.get(LIST_URL, query, headers={"if-modified-since": before["Last-Modified"]})
    assert after.status_code == 200
    assert [row["slug"] for row in after.json()["results"]] == [stays.slug]
    assert after["Last-Modified"] != before["Last-Modified"]
    # And then the date works again: nothing changed since.
    assert client.get(LIST_URL, query, headers={"if-modified-since": after["Last-Modified"]}).status_code == 304


# --- an event: announced, itemised, gap -----------------------------------------------------------


def test_november_event_announced_itemised_and_gap(client, register):
    data = get_json(client, event_url(NOVEMBER))

    announced = data["announced"]
    assert announced["documents"] == 29
    assert announced["amount"] == "17000000000.00"
    assert announced["currency"] == "USD"
    assert announced["approximate"] is True
    source = Event.objects.get(slug=NOVEMBER).announced_source
    assert announced["source"] == {"publisher": source.publisher, "title": source.title, "url": source.url}
    assert announced["source"]["publisher"]

    itemised = data["itemised"]
    assert itemised["count"] == 21
    usd = next(row for row in itemised["by_currency"] if row["currency"] == "USD")
    assert usd["total"] == "5430000000.00"
    assert itemised == data["totals"]

    assert data["gap"] == {
        "documents": 8,
        "amount": "11570000000.00",
        "currency": "USD",
        "itemised_share": "0.319",
    }


def test_an_event_without_announced_figures_has_a_null_gap(client, register):
    data = get_json(client, event_url(SEPTEMBER))

    assert data["announced"]["documents"] is None
    assert data["announced"]["amount"] is None
    assert data["announced"]["source"] is None
    assert data["itemised"]["count"] >= 1
    assert data["gap"]["documents"] is None
    assert data["gap"]["amount"] is None
    assert data["gap"]["itemised_share"] is None


def test_event_gap_counts_public_agreements_only(client, db):
    event = EventFactory(
        slug="summit",
        announced_documents=5,
        announced_amount="1000.00",
        announced_currency="USD",
        announced_source=SourceFactory(publisher="Akorda", title="Results", url="https://example.org/r"),
    )
    AgreementFactory(event=event, value_amount="200.00", value_currency="USD")
    AgreementFactory(event=event, group=GroupFactory(event=event, amount="150.00"), value_amount=None)
    AgreementFactory(event=event, value_amount="999.00", publication_state=PublicationState.DRAFT)
    AgreementFactory(event=event, value_amount="5.00", value_currency="EUR")

    data = get_json(client, event_url("summit"))

    assert data["itemised"]["count"] == 3
    assert data["gap"] == {"documents": 2, "amount": "650.00", "currency": "USD", "itemised_share": "0.350"}
    assert data["announced"]["source"] == {"publisher": "Akorda", "title": "Results", "url": "https://example.org/r"}


def test_event_list_shows_announced_sources_in_constant_queries(client, db):
    def count():
        with CaptureQueriesContext(connection) as context:
            assert client.get("/api/v1/events/", {"page_size": 100}).status_code == 200
        return len(context)

    EventFactory(announced_source=SourceFactory())
    few = count()
    for _ in range(10):
        EventFactory(announced_source=SourceFactory())
    assert count() == few


# --- the dataset's figures through the API --------------------------------------------------------


def test_john_deere_value(client, register):
    data = get_json(client, detail_url("john-deere-agricultural-machinery"))

    assert data["value"] == {"amount": "2500000000.00", "currency": "USD", "approximate": False, "basis": "announced"}
    assert data["group"] is None


def test_nic_group_member_has_the_groups_value_only(client, register):
    data = get_json(client, detail_url("nic-brookfield"))

    assert data["value"] is None
    assert data["group"]["slug"] == "nic-investment-funds"
    assert data["group"]["value"]["amount"] == "1000000000.00"
    assert data["group"]["value"]["approximate"] is True


def test_november_totals_through_the_list(client, register):
    data = get_json(client, LIST_URL, event=NOVEMBER)

    usd = next(row for row in data["totals"]["by_currency"] if row["currency"] == "USD")
    assert usd["total"] == "5430000000.00"
    assert usd["binding"] == "4850000000.00"
    assert usd["non_binding"] == "580000000.00"
    assert data["count"] == data["totals"]["count"] == 21


def test_listing_all_gives_22(client, register):
    data = get_json(client, LIST_URL)

    assert data["count"] == 22
    assert data["totals"]["count"] == 22


# --- query count per list request -----------------------------------------------------------------


@pytest.fixture
def hundred_deals(db):
    event = EventFactory()
    group = GroupFactory(event=event)
    for number in range(105):
        # parties, a commitment and a citation each; every fifth in a group, some without a value
        make_deal(event=event, group=group if number % 5 == 0 else None, value_amount=None if number % 5 == 0 else 1000)


def test_list_queries_are_the_same_for_page_sizes_10_50_100(client, hundred_deals):
    counts = {}
    for page_size in (10, 50, 100):
        with CaptureQueriesContext(connection) as context:
            data = get_json(client, LIST_URL, page_size=page_size)
        assert len(data["results"]) == page_size
        assert all(row["parties"] and row["commitments"] and row["sources"] for row in data["results"])
        counts[page_size] = len(context)

    assert counts[10] == counts[50] == counts[100], counts


# --- the schema -----------------------------------------------------------------------------------


def test_spectacular_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"

    # --fail-on-warn raises (CommandError/SystemExit) on any warning or error.
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))

    schema = yaml.safe_load(Path(target).read_text())
    assert "/api/v1/events/{slug}/" in schema["paths"]
    event = schema["components"]["schemas"]["EventDetail"]["properties"]
    assert {"announced", "itemised", "gap", "totals"} <= set(event)


# --- Content-Type ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "status"),
    [
        (LIST_URL, 200),
        (detail_url("deal"), 200),
        ("/api/v1/events/", 200),
        ("/api/v1/organizations/", 200),
        ("/api/v1/sectors/", 200),
        (detail_url("no-such-deal"), 404),
        (LIST_URL + "?kind=treaty", 400),
    ],
)
def test_json_is_declared_utf_8(client, db, url, status):
    make_deal(slug="deal", title=CYRILLIC)

    response = client.get(url)

    assert response.status_code == status
    assert response["Content-Type"] == "application/json; charset=utf-8"


def test_cyrillic_survives_the_round_trip(client, db):
    make_deal(slug="deal", title=CYRILLIC)

    response = client.get(detail_url("deal"))

    assert CYRILLIC.encode() in response.content
    assert response.json()["title"] == CYRILLIC


@pytest.mark.django_db
@pytest.mark.parametrize("accept", ["", "*/*", "application/json", "text/html,application/xhtml+xml,*/*;q=0.8"])
def test_the_api_answers_json_to_whoever_takes_it(client, accept):
    response = client.get("/api/v1/agreements/", HTTP_ACCEPT=accept)
    assert response.status_code == 200 and response["Content-Type"] == "application/json; charset=utf-8"


@pytest.mark.django_db
def test_an_accept_header_the_api_cannot_meet_is_a_406(client):
    assert client.get("/api/v1/agreements/", HTTP_ACCEPT="text/csv").status_code == 406
    assert client.get("/api/v1/agreements/", {"format": "xml"}).status_code == 404
