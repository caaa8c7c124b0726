"""Last-Modified, conditional GET by date, and the server-side answer cache that any save invalidates."""

import datetime
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.utils.http import http_date

from agreements import tally
from agreements.caching import memoize
from agreements.models import Agreement, PublicationState
from tests.factories import AgreementFactory, CitationFactory, OrganizationFactory, PartyFactory

from .conftest import LIST_URL

pytestmark = pytest.mark.django_db


@pytest.fixture
def answer_cache(settings):
    settings.REGISTER_CACHE_TIMEOUT = 300


def detail(agreement):
    return f"{LIST_URL}{agreement.slug}/"


def test_list_and_detail_carry_last_modified_of_what_they_show(client):
    old = AgreementFactory()
    new = AgreementFactory()
    Agreement.objects.filter(pk=old.pk).update(updated_at=datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC))
    Agreement.objects.filter(pk=new.pk).update(updated_at=datetime.datetime(2025, 6, 7, 8, 9, 10, tzinfo=datetime.UTC))
    tally.rebuild(connection)  # as if saved at those dates (the tally's moments only move forward)

    assert client.get(LIST_URL)["Last-Modified"] == "Sat, 07 Jun 2025 08:09:10 GMT"
    # A search is not one of the tally's scopes: the register's moment, never earlier than its own.
    assert client.get(LIST_URL, {"slug": "x", "q": old.title})["Last-Modified"] == "Sat, 07 Jun 2025 08:09:10 GMT"
    assert client.get(detail(old))["Last-Modified"] == "Thu, 02 Jan 2025 03:04:05 GMT"


def test_if_modified_since_gets_a_304_until_something_changes(client):
    agreement = AgreementFactory()
    Agreement.objects.filter(pk=agreement.pk).update(
        updated_at=datetime.datetime(2025, 1, 1, 12, 30, 15, 250000, tzinfo=datetime.UTC)
    )
    tally.rebuild(connection)
    last_modified = client.get(detail(agreement))["Last-Modified"]

    assert client.get(detail(agreement), headers={"if-modified-since": last_modified}).status_code == 304
    assert client.get(LIST_URL, headers={"if-modified-since": last_modified}).status_code == 304

    agreement.title = "Renamed"
    agreement.save()
    assert client.get(detail(agreement), headers={"if-modified-since": last_modified}).status_code == 200


def test_if_none_match_wins_over_if_modified_since(client):
    agreement = AgreementFactory()
    response = client.get(detail(agreement))
    stale_etag = '"not-the-current-body"'
    again = client.get(
        detail(agreement), headers={"if-none-match": stale_etag, "if-modified-since": response["Last-Modified"]}
    )
    assert again.status_code == 200


def test_editing_an_organisation_moves_the_agreements_that_show_it(client):
    party = PartyFactory()
    Agreement.objects.filter(pk=party.agreement_id).update(
        updated_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    before = client.get(detail(party.agreement))["Last-Modified"]

    party.organization.name = "Renamed Holding"
    party.organization.save()

    assert client.get(detail(party.agreement))["Last-Modified"] != before
    assert "Renamed Holding" in client.get(detail(party.agreement)).content.decode()


def test_a_source_edit_moves_its_agreements_too():
    citation = CitationFactory()
    Agreement.objects.filter(pk=citation.agreement_id).update(
        updated_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    )
    citation.source.title = "Corrected title"
    citation.source.save()
    assert Agreement.objects.get(pk=citation.agreement_id).updated_at.year > 2025


def test_loading_the_dataset_again_leaves_updated_at_alone(register):
    before = dict(Agreement.objects.values_list("slug", "updated_at"))
    call_command("loaddata", "register", verbosity=0)
    assert dict(Agreement.objects.values_list("slug", "updated_at")) == before


def test_a_repeated_request_is_answered_from_the_cache_without_sql(client, answer_cache, django_assert_num_queries):
    PartyFactory()
    first = client.get(LIST_URL)
    with django_assert_num_queries(0):
        second = client.get(LIST_URL)
    assert second["X-Cache"] == "hit"
    assert second.content == first.content
    assert second["ETag"] == first["ETag"]
    assert second["Last-Modified"] == first["Last-Modified"]
    with django_assert_num_queries(0):
        assert client.get(LIST_URL, headers={"if-none-match": first["ETag"]}).status_code == 304


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda agreement: setattr(agreement, "publication_state", PublicationState.DRAFT), id="unpublish"),
        pytest.param(lambda agreement: setattr(agreement, "title", "A new title"), id="edit"),
    ],
)
def test_a_save_is_visible_at_once_despite_the_cache(client, answer_cache, change):
    agreement = AgreementFactory(title="The old title")
    assert "The old title" in client.get(LIST_URL).content.decode()
    assert client.get(detail(agreement)).status_code == 200

    change(agreement)
    agreement.save()

    listing = client.get(LIST_URL)
    assert "X-Cache" not in listing
    assert "The old title" not in listing.content.decode()


def test_publishing_a_draft_is_visible_at_once_despite_the_cache(client, answer_cache):
    draft = AgreementFactory(publication_state=PublicationState.DRAFT, title="Fresh deal")
    assert client.get(LIST_URL).json()["count"] == 0
    assert client.get(detail(draft)).status_code == 404

    draft.publication_state = PublicationState.PUBLISHED
    draft.save()

    assert client.get(LIST_URL).json()["count"] == 1
    assert client.get(detail(draft)).status_code == 200


def test_renaming_an_organisation_is_visible_at_once_despite_the_cache(client, answer_cache):
    organization = OrganizationFactory(name="Old Name LLC")
    party = PartyFactory(organization=organization)
    assert "Old Name LLC" in client.get(detail(party.agreement)).content.decode()

    organization.name = "New Name LLC"
    organization.save()

    assert "New Name LLC" in client.get(detail(party.agreement)).content.decode()


def test_the_cache_is_off_without_a_shared_cache(client, settings):
    settings.REGISTER_CACHE_TIMEOUT = 0
    AgreementFactory()
    client.get(LIST_URL)
    assert "X-Cache" not in client.get(LIST_URL)


def test_http_date_helper_matches_the_header_format():
    assert http_date(0) == "Thu, 01 Jan 1970 00:00:00 GMT"


def test_an_answer_computed_before_a_save_commits_is_not_kept(answer_cache, django_capture_on_commit_callbacks):
    """A request served between a save and its commit reads the old rows: what it keeps must not outlive the commit."""
    agreement = AgreementFactory()
    with django_capture_on_commit_callbacks(execute=True):
        agreement.publication_state = PublicationState.DRAFT
        agreement.save()
        memoize(("answer",), lambda: "still published")

    assert memoize(("answer",), lambda: "unpublished") == "unpublished"


def test_a_kept_answer_goes_out_with_the_headers_it_had(client, answer_cache):
    PartyFactory()
    for url in (LIST_URL, detail(Agreement.objects.get())):
        first = client.get(url)
        second = client.get(url)
        assert "X-Cache" not in first and second["X-Cache"] == "hit", url
        for header in ("Content-Type", "ETag", "Last-Modified", "Cache-Control", "Vary", "Allow"):
            assert second[header] == first[header], (url, header)
        assert second.content == first.content
        # By date too, and HEAD as GET.
        assert client.get(url, headers={"if-modified-since": first["Last-Modified"]}).status_code == 304
        assert client.head(url)["ETag"] == first["ETag"]


def test_an_api_answer_served_before_a_save_commits_is_not_kept(
    client, answer_cache, django_capture_on_commit_callbacks
):
    """The version an answer is kept with is the one read before its rows: a request between a save and
    its commit (which reads the old rows) keeps an answer that the commit makes stale."""
    agreement = AgreementFactory(title="Before")
    with django_capture_on_commit_callbacks(execute=True):
        agreement.title = "After"
        agreement.save()
        client.get(LIST_URL)  # kept under the version of this moment

    response = client.get(LIST_URL)
    assert "X-Cache" not in response
    assert "After" in response.content.decode()


class UnreachableCache:
    """A cache that answers nothing (Redis down, as kzdeals/cache.py makes it look), recording what it is asked
    to keep."""

    def __init__(self):
        self.kept = []

    def get(self, key, default=None):
        return default

    def get_many(self, keys):
        return {}

    def add(self, key, value, timeout=None):
        return False

    def set(self, key, value, timeout=None):
        self.kept.append(key)


def test_with_the_cache_unreachable_nothing_is_kept_under_an_unknown_version(client, answer_cache):
    """Kept under no version, an answer could be read back as current by a request that also finds no version."""
    AgreementFactory()
    cache = UnreachableCache()
    with mock.patch("agreements.caching.cache", cache), mock.patch("agreements.api.conditional.cache", cache):
        assert client.get(LIST_URL).status_code == 200
        assert client.get("/agreements/").status_code == 200
        assert memoize(("answer",), lambda: "computed") == "computed"
    assert cache.kept == []
