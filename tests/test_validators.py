"""The register's validators (agreements/validators.py): every public answer (API lists and records, every
export, every feed) carries an ETag and a Last-Modified known before the answer is built, a current copy gets
a 304 for one read of one row, and any kind of change (an edit, a publish, an unpublish, a delete, a timeline
entry, a source edit) ends the 304 at once, with the answer cache on or off."""

import datetime

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation
from django.utils.http import http_date

from agreements import validators
from agreements.models import Agreement, PublicationState, Status
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    PartyFactory,
    StatusEntryFactory,
)

pytestmark = pytest.mark.django_db


def token():
    return validators.read()[0]


def moment():
    return validators.read()[1]


def set_moment(value):
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {validators.TABLE} SET changed_at = %s",  # noqa: S608
            [connection.ops.adapt_datetimefield_value(value)],
        )


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(params=["without answer cache", "with answer cache"])
def answer_cache(request, settings):
    settings.REGISTER_CACHE_TIMEOUT = 0 if request.param == "without answer cache" else 300
    return request.param


@pytest.fixture
def deal():
    """A public agreement with a party (its organisation's feed) and a citation (its source)."""
    agreement = AgreementFactory(title="Grain terminal")
    PartyFactory(agreement=agreement)
    CitationFactory(agreement=agreement)
    return agreement


def urls(agreement):
    """Every kind of public answer: the API's lists and records, each download, each feed."""
    organization = agreement.parties.first().organization
    return {
        "api list": "/api/v1/agreements/?ordering=-signed_on",
        "api detail": f"/api/v1/agreements/{agreement.slug}/",
        "api organisations": "/api/v1/organizations/",
        "api organisation": f"/api/v1/organizations/{organization.slug}/",
        "api sectors": "/api/v1/sectors/",
        "api sector": f"/api/v1/sectors/{agreement.sector.slug}/",
        "api changes": "/api/v1/changes/",
        "csv": reverse("exports:agreements-csv"),
        "parties csv": reverse("exports:parties-csv"),
        "sources csv": reverse("exports:sources-csv"),
        "json": reverse("exports:agreements-json"),
        "xlsx": reverse("exports:agreements-xlsx"),
        "ocds": reverse("exports:ocds-release-package"),
        "data package": reverse("exports:datapackage"),
        "feed": reverse("agreements:feed"),
        "organisation feed": reverse("agreements:organization-feed", args=[organization.slug]),
        "sector feed": reverse("agreements:sector-feed", args=[agreement.sector.slug]),
        "changes feed": reverse("agreements:changes-feed"),
        "agreement changes feed": reverse("agreements:agreement-feed", args=[agreement.slug]),
    }


def fetch(client, url, **headers):
    response = client.get(url, headers=headers)
    if hasattr(response, "streaming_content"):
        response.content_bytes = b"".join(response.streaming_content)
    return response


def test_every_kind_of_answer_gets_a_304_for_one_read(client, deal, answer_cache, django_assert_max_num_queries):
    for name, url in urls(deal).items():
        first = fetch(client, url)
        assert first.status_code == 200, name
        assert first["ETag"].startswith('W/"'), name
        assert first["Cache-Control"] == "public, max-age=60", name
        assert first["Last-Modified"], name
        with django_assert_max_num_queries(1):  # the register's version: nothing of the answer is built
            again = fetch(client, url, if_none_match=first["ETag"])
        assert again.status_code == 304, name
        assert again.content == b"", name
        assert again["ETag"] == first["ETag"], name
        # HEAD as GET; a stale tag gets the whole answer.
        assert client.head(url, headers={"if-none-match": first["ETag"]}).status_code == 304, name
        assert fetch(client, url, if_none_match='W/"stale"').status_code == 200, name


def test_every_kind_of_answer_gets_a_304_by_date(client, deal, django_assert_max_num_queries):
    """If-Modified-Since at or after the register's last change: a 304 before anything is built. Feeds
    answered 200 to every If-Modified-Since before."""
    changed = moment()
    later = http_date(changed.timestamp() + 60)
    for name, url in urls(deal).items():
        with django_assert_max_num_queries(1):
            response = fetch(client, url, if_modified_since=later)
        assert response.status_code == 304, name
        earlier = http_date(changed.timestamp() - 3600)
        assert fetch(client, url, if_modified_since=earlier).status_code == 200, name


def test_exports_and_feeds_date_their_answers_by_the_register(client, deal):
    changed = int(moment().timestamp())
    for name, url in urls(deal).items():
        if not name.startswith("api"):
            response = fetch(client, url)
            assert response["Last-Modified"] == http_date(changed), name
            # Exactly that date (as a client sends it back): a 304.
            assert fetch(client, url, if_modified_since=response["Last-Modified"]).status_code == 304, name


def edit(agreement):
    agreement.title = "Grain terminal, second phase"
    agreement.save()


def unpublish(agreement):
    agreement.publication_state = PublicationState.DRAFT
    agreement.save()


def delete(agreement):
    agreement.delete()


def add_timeline_entry(agreement):
    StatusEntryFactory(agreement=agreement, status=Status.IN_FORCE, date=datetime.date(2026, 1, 5))


def edit_source(agreement):
    source = agreement.citations.first().source
    source.title = "Corrected title"
    source.save()


def edit_party(agreement):
    organization = agreement.parties.first().organization
    organization.name = "Renamed Holding"
    organization.save()


def add_draft(agreement):
    """A draft's save changes no public answer, but the version says "changed" rather than guess: safe."""
    AgreementFactory(publication_state=PublicationState.DRAFT)


CHANGES = [edit, unpublish, delete, add_timeline_entry, edit_source, edit_party, add_draft]


@pytest.mark.parametrize("change", CHANGES, ids=[change.__name__ for change in CHANGES])
def test_every_kind_of_change_ends_every_304(client, deal, answer_cache, change):
    links = urls(deal)
    # As if the register had last changed two seconds ago (HTTP dates have whole seconds).
    set_moment(moment() - datetime.timedelta(seconds=2))
    before = {name: fetch(client, url)["ETag"] for name, url in links.items()}
    dated = {name: fetch(client, url)["Last-Modified"] for name, url in links.items()}

    change(deal)

    for name, url in links.items():
        response = fetch(client, url, if_none_match=before[name])
        assert response.status_code != 304, (name, response.status_code)
        if response.status_code == 200:
            assert response["ETag"] != before[name], name
        # By date: the register's moment for downloads and feeds (the API's own dates: tests/api/test_contract.py).
        if not name.startswith("api"):
            assert fetch(client, url, if_modified_since=dated[name]).status_code != 304, name


def test_publishing_ends_the_304_of_the_list_and_shows_the_record(client, deal, answer_cache):
    draft = AgreementFactory(publication_state=PublicationState.DRAFT, title="Fresh deal")
    url = "/api/v1/agreements/"
    first = client.get(url)
    assert first.json()["count"] == 1

    draft.publication_state = PublicationState.PUBLISHED
    draft.save()

    response = client.get(url, headers={"if-none-match": first["ETag"]})
    assert response.status_code == 200
    assert response.json()["count"] == 2


def test_the_version_commits_with_the_change(django_capture_on_commit_callbacks, deal):
    """Bumped in the saving transaction (a crash after the commit cannot lose it) and again at its commit (a
    request between the two read the old rows under the new version)."""
    before = token()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        edit(deal)
        inside = token()
    assert inside != before
    for callback in callbacks:
        callback()
    assert token() != inside


def test_the_moment_never_goes_back(deal):
    future = moment() + datetime.timedelta(hours=1)
    set_moment(future)
    validators.bump()
    assert moment() == future


def test_a_missing_version_row_is_made_again(client, deal):
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {validators.TABLE}")  # noqa: S608
    first = client.get("/api/v1/agreements/")
    assert first.status_code == 200
    assert client.get("/api/v1/agreements/", headers={"if-none-match": first["ETag"]}).status_code == 304
    edit(deal)
    assert client.get("/api/v1/agreements/", headers={"if-none-match": first["ETag"]}).status_code == 200


def tag(path, language="en"):
    with translation.override(language):
        return validators.validators(RequestFactory().get(path)).etag


def test_the_validator_reads_path_query_and_language():
    AgreementFactory()
    assert tag("/api/v1/agreements/?sector=a&kind=mou") == tag("/api/v1/agreements/?kind=mou&sector=a")
    assert tag("/api/v1/agreements/?sector=a") != tag("/api/v1/agreements/?sector=b")
    # The last of a repeated parameter wins in a filter: its values keep their order.
    assert tag("/api/v1/agreements/?sector=a&sector=b") != tag("/api/v1/agreements/?sector=b&sector=a")
    assert tag("/api/v1/agreements/") != tag("/api/v1/sectors/")
    assert tag("/api/v1/agreements/", "ru") != tag("/api/v1/agreements/", "en")


def test_the_validator_moves_with_the_day(monkeypatch):
    from agreements.models import followup

    AgreementFactory()
    today = tag("/api/v1/agreements/")
    monkeypatch.setattr(followup, "today", lambda: datetime.date(2030, 1, 1))
    assert tag("/api/v1/agreements/") != today


def test_a_bulk_load_changes_the_version(db):
    from django.core.management import call_command

    before = token()
    call_command("generate_register", agreements=20, seed=1, verbosity=0)
    assert token() != before
    assert Agreement.objects.exists()


def test_a_page_on_another_origin_may_read_the_etag(client, deal):
    response = client.get("/api/v1/agreements/", headers={"origin": "https://newsroom.example"})
    exposed = {name.strip().lower() for name in response["Access-Control-Expose-Headers"].split(",")}
    assert "etag" in exposed
    again = client.get(
        "/api/v1/agreements/", headers={"origin": "https://newsroom.example", "if-none-match": response["ETag"]}
    )
    assert again.status_code == 304
    assert again["Access-Control-Allow-Origin"] == "*"
