"""`/api/v1/changes/`: the public change log, newest first, paginated like every list; only changes between
published states of records public now, never an editor's name; `since` and `agreement`, with a 400 naming
each bad one; the same HTTP behaviour as the other lists; a fixed number of queries."""

import datetime

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, PublicationState, PublishedVersion, Status, StatusEntry
from tests.factories import AgreementFactory, SourceFactory

from .conftest import get_json

CHANGES_URL = "/api/v1/changes/"
SITE = "http://127.0.0.1:8000"


def moment(*args):
    return datetime.datetime(*args, tzinfo=datetime.UTC)


@pytest.fixture
def site(settings):
    settings.SITE_URL = SITE


@pytest.fixture
def story(db, site, django_capture_on_commit_callbacks):
    """A record written and rewritten as a draft by a named editor, published, then changed twice."""
    editor = User.objects.create_user("alice-editor", first_name="Alice", last_name="Editorson")

    def save(agreement):
        agreement._history_user = editor
        with django_capture_on_commit_callbacks(execute=True):
            agreement.save()

    agreement = AgreementFactory.build(
        slug="deal",
        title="Abandoned title",
        status=Status.SIGNED,
        publication_state=PublicationState.DRAFT,
        sector=AgreementFactory().sector,
    )
    save(agreement)
    agreement.title = "Title when published"
    agreement.value_amount = 5
    save(agreement)
    agreement.publication_state = PublicationState.PUBLISHED
    save(agreement)
    agreement.title = "Published title"
    save(agreement)
    source = SourceFactory(key="gazette-2026-01-05")
    with django_capture_on_commit_callbacks(execute=True):
        StatusEntry.objects.create(
            agreement=agreement, status=Status.IN_FORCE, date=datetime.date(2026, 1, 5), source=source, note="In force"
        )
    return agreement


def test_only_changes_between_published_states_are_listed_newest_first(client, story):
    response = client.get(CHANGES_URL)
    data = response.json()
    text = response.content.decode()

    assert data["count"] == 2
    assert (data["next"], data["previous"]) == (None, None)
    newest, first = data["results"]
    agreement = {"slug": "deal", "title": "Published title", "url": f"{SITE}/agreements/deal/"}
    assert first["agreement"] == newest["agreement"] == agreement
    assert first["changes"] == [{"field": "title", "before": "Title when published", "after": "Published title"}]
    assert newest["changes"] == [
        {"field": "status", "before": "signed", "after": "in_force"},
        {"field": "status_history", "before": None, "after": "in_force · 2026-01-05 · In force · gazette-2026-01-05"},
    ]
    assert newest["at"] >= first["at"]
    assert datetime.datetime.fromisoformat(first["at"]).tzinfo is not None
    # What the draft went through, and who wrote it, never shows.
    for secret in ("Abandoned", "alice", "Alice", "Editorson", "draft", "review", "publication"):
        assert secret not in text
    assert set(newest) == {"agreement", "at", "changes"}


def test_unpublishing_a_record_takes_its_changes_out_of_the_log(client, story):
    Agreement.objects.filter(pk=story.pk).update(publication_state=PublicationState.REVIEW)
    assert get_json(client, CHANGES_URL)["count"] == 0


@pytest.fixture
def logged(db, site):
    """Three public agreements with a change each on three days, and a draft's version."""
    records = []
    for number, day in enumerate((1, 2, 3)):
        agreement = AgreementFactory(slug=f"deal-{number}", title=f"Deal {number}")
        PublishedVersion.objects.create(
            agreement=agreement,
            at=moment(2026, 3, day, 12),
            versions={},
            changes=[{"field": "title", "before": f"Old {number}", "after": f"Deal {number}"}],
        )
        records.append(agreement)
    draft = AgreementFactory(slug="secret", publication_state=PublicationState.DRAFT)
    PublishedVersion.objects.create(
        agreement=draft, at=moment(2026, 3, 4), versions={}, changes=[{"field": "title", "before": "a", "after": "b"}]
    )
    PublishedVersion.objects.create(agreement=records[0], at=moment(2026, 3, 5), versions={}, changes=[])
    return records


def slugs(client, **params):
    return [row["agreement"]["slug"] for row in get_json(client, CHANGES_URL, **params)["results"]]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["deal-2", "deal-1", "deal-0"]),
        ({"since": "2026-03-02T12:00:00Z"}, ["deal-2"]),  # after, not at
        ({"since": "2026-03-02T11:59:59Z"}, ["deal-2", "deal-1"]),
        ({"since": "2026-03-02T11:59:59.999999+00:00"}, ["deal-2", "deal-1"]),
        ({"since": "2026-03-02T13:00:00+02:00"}, ["deal-2", "deal-1"]),  # 11:00 UTC
        ({"since": "2026-03-02T13:00:00"}, ["deal-2"]),  # no offset: UTC
        ({"since": "2026-03-02t13:00:00z"}, ["deal-2"]),
        ({"since": "2026-03-02"}, ["deal-2", "deal-1"]),  # its midnight, UTC
        ({"since": "2026-03-03T12:00:00Z"}, []),
        ({"since": "0001-01-01T00:00:00+01:00"}, ["deal-2", "deal-1", "deal-0"]),  # before the calendar's start
        ({"since": "9999-12-31T23:59:59-01:00"}, []),  # past its end
        ({"since": ""}, ["deal-2", "deal-1", "deal-0"]),
        ({"agreement": "deal-1"}, ["deal-1"]),
        ({"agreement": "deal-1", "since": "2026-03-02T12:00:00Z"}, []),
    ],
)
def test_filters(client, logged, params, expected):
    assert slugs(client, **params) == expected


@pytest.mark.parametrize(
    ("param", "value"),
    [
        ("since", "yesterday"),
        ("since", "2026-13-01T00:00:00Z"),
        ("since", "2026-02-30"),
        ("since", "2026-03-02T12:00:00+25:00"),
        ("since", "1700000000"),
        ("since", "2026-03-02T12:00\x00"),
        ("agreement", "no-such-deal"),
        ("agreement", "secret"),  # a draft is as unknown here as anywhere public
        ("agreement", "deal-1\x00"),
    ],
)
def test_bad_value_is_a_400_naming_the_parameter(client, logged, param, value):
    data = get_json(client, CHANGES_URL, expect=400, **{param: value})
    assert data["detail"] == "Invalid query parameters."
    assert list(data["errors"]) == [param]
    assert all(len(reason) > 5 for reason in data["errors"][param])


def test_a_malformed_since_says_what_is_expected(client, logged):
    data = get_json(client, CHANGES_URL, expect=400, since="last week", agreement="nope")
    assert data["errors"]["since"] == [
        "Enter an ISO 8601 date-time, such as 2026-12-01T09:30:00Z, or a date, such as 2026-12-01."
    ]
    assert set(data["errors"]) == {"since", "agreement"}


def test_pages_like_every_list(client, logged):
    first = get_json(client, CHANGES_URL, page_size=2)
    assert first["count"] == 3
    assert [row["agreement"]["slug"] for row in first["results"]] == ["deal-2", "deal-1"]
    assert "page=2" in first["next"]
    last = get_json(client, CHANGES_URL, page_size=2, page=2)
    assert [row["agreement"]["slug"] for row in last["results"]] == ["deal-0"]
    assert get_json(client, CHANGES_URL, expect=404, page=3)["detail"]
    assert get_json(client, CHANGES_URL, expect=400, page_size=101)["errors"] == {
        "page_size": ["Must be a whole number from 1 to 100."]
    }


def test_http_like_every_list(client, logged):
    first = client.get(CHANGES_URL, headers={"origin": "https://newsroom.example"})
    assert first["Cache-Control"] == "public, max-age=60"
    assert first["Access-Control-Allow-Origin"] == "*"
    assert client.get(CHANGES_URL, headers={"if-none-match": first["ETag"]}).status_code == 304
    assert client.head(CHANGES_URL).status_code == 200
    assert client.post(CHANGES_URL, {}).status_code == 405
    assert client.get(f"{CHANGES_URL}deal-1/").status_code == 404  # a list, no detail


def test_throttled_like_every_list(client, logged, settings):
    settings.API_THROTTLE_ANON = "2/minute"
    cache.clear()
    assert [client.get(CHANGES_URL).status_code for _ in range(3)] == [200, 200, 429]


def test_a_new_change_is_visible_at_once_despite_the_answer_cache(
    client, story, settings, django_capture_on_commit_callbacks
):
    settings.REGISTER_CACHE_TIMEOUT = 300
    assert get_json(client, CHANGES_URL)["count"] == 2
    assert client.get(CHANGES_URL)["X-Cache"] == "hit"
    story.refresh_from_db()  # its status moved with its timeline
    story.title = "Retitled"
    with django_capture_on_commit_callbacks(execute=True):
        story.save()
    assert get_json(client, CHANGES_URL)["count"] == 3


@pytest.mark.parametrize("params", [{}, {"agreement": "deal-0"}, {"since": "2026-01-01"}])
def test_queries_do_not_grow_with_versions(client, db, site, params):
    """The count, then the page's versions with their agreement (and the agreement's slug, when given)."""
    agreement = AgreementFactory(slug="deal-0")

    def log(count):
        for number in range(count):
            PublishedVersion.objects.create(
                agreement=agreement if number % 2 else AgreementFactory(),
                at=moment(2026, 3, 1, 12, number),
                versions={},
                changes=[
                    {"field": "title", "before": "a", "after": "b"},
                    {"field": "parties", "before": None, "after": "wabtec · us · supplier"},
                ],
            )

    def queries():
        with CaptureQueriesContext(connection) as context:
            rows = get_json(client, CHANGES_URL, page_size=100, **params)["results"]
        return len(context), len(rows)

    log(3)
    few, shown = queries()
    log(27)
    many, more = queries()
    assert more > shown
    # the register's version, the count, the rows (and the agreement asked for)
    assert few == many == 3 + len(params.keys() & {"agreement"})
