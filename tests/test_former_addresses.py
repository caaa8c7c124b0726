"""Permanent addresses (issue 18): a renamed record's old address answers 301 to its new one on its page, its
feed and its API detail; the rename is recorded in the model's save path; unknown slugs still 404 and a
draft's new slug is never told."""

import pytest
from django.urls import reverse

from agreements.models import Agreement, FormerSlug, PublicationState, SluggedKind
from tests.factories import AgreementFactory, EventFactory, OrganizationFactory, PartyFactory, SectorFactory

pytestmark = pytest.mark.django_db


def rename(record, slug):
    record = type(record).objects.get(pk=record.pk)  # as the admin or an import reads it
    record.slug = slug
    record.save()
    return record


@pytest.fixture
def agreement():
    agreement = AgreementFactory(slug="old-title", event=EventFactory(slug="old-event"), sector=SectorFactory())
    PartyFactory(agreement=agreement, organization=OrganizationFactory(slug="old-organisation"))
    return agreement


def assert_moved(client, old, new):
    response = client.get(old)
    assert response.status_code == 301, old
    assert response["Location"] == new
    assert client.get(new).status_code == 200, new


def test_a_renamed_agreement_answers_301_on_its_page_feed_and_api(client, agreement):
    rename(agreement, "new-title")
    assert_moved(client, "/agreements/old-title/", "/agreements/new-title/")
    assert_moved(client, "/agreements/old-title/feed/", "/agreements/new-title/feed/")
    assert_moved(client, "/api/v1/agreements/old-title/", "/api/v1/agreements/new-title/")
    # The query string goes along.
    assert client.get("/api/v1/agreements/old-title/?lang=en")["Location"] == "/api/v1/agreements/new-title/?lang=en"
    assert FormerSlug.objects.get(kind=SluggedKind.AGREEMENT, slug="old-title").record_id == agreement.pk


def test_organisations_events_and_sectors_keep_their_old_addresses(client, agreement):
    organization = agreement.parties.get().organization
    rename(organization, "new-organisation")
    assert_moved(client, "/organizations/old-organisation/", "/organizations/new-organisation/")
    assert_moved(client, "/organizations/old-organisation/feed/", "/organizations/new-organisation/feed/")
    rename(agreement.event, "new-event")
    assert_moved(client, "/events/old-event/", "/events/new-event/")
    assert_moved(client, "/api/v1/events/old-event/", "/api/v1/events/new-event/")
    sector = agreement.sector
    old = sector.slug
    rename(sector, "renamed-sector")
    assert_moved(client, f"/sectors/{old}/", "/sectors/renamed-sector/")
    assert_moved(client, f"/sectors/{old}/feed/", "/sectors/renamed-sector/feed/")


def test_every_old_address_of_a_record_renamed_twice_leads_to_the_latest(client, agreement):
    rename(agreement, "second-title")
    rename(agreement, "third-title")
    assert client.get("/agreements/old-title/")["Location"] == "/agreements/third-title/"
    assert client.get("/agreements/second-title/")["Location"] == "/agreements/third-title/"
    # Back to a former slug: it is the record's address again, and no longer a former one.
    rename(agreement, "old-title")
    assert client.get("/agreements/old-title/").status_code == 200
    assert client.get("/agreements/third-title/")["Location"] == "/agreements/old-title/"
    assert not FormerSlug.objects.filter(kind=SluggedKind.AGREEMENT, slug="old-title").exists()


def test_a_new_record_may_take_a_former_slug(client, agreement):
    rename(agreement, "new-title")
    newcomer = AgreementFactory(slug="old-title", title="Another agreement")
    response = client.get("/agreements/old-title/")
    assert response.status_code == 200
    assert newcomer.title in response.content.decode()
    assert not FormerSlug.objects.filter(kind=SluggedKind.AGREEMENT, slug="old-title").exists()


def test_unknown_slugs_still_404(client, agreement):
    for url in ("/agreements/never-was/", "/agreements/never-was/feed/", "/api/v1/agreements/never-was/"):
        assert client.get(url).status_code == 404, url


def test_a_drafts_new_slug_is_never_told(client, agreement):
    agreement = rename(agreement, "secret-new-title")
    Agreement.objects.filter(pk=agreement.pk).update(publication_state=PublicationState.DRAFT)
    for url in ("/agreements/old-title/", "/api/v1/agreements/old-title/"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert "secret-new-title" not in response.content.decode()


def test_a_save_without_a_rename_records_nothing(agreement):
    agreement = Agreement.objects.get(pk=agreement.pk)
    agreement.title = "Same address, new title"
    agreement.save()
    assert not FormerSlug.objects.exists()


def test_the_register_renamed_through_the_admin_keeps_its_link(admin_client, client, register):
    """The admin's change form saves through the model: a rename there is remembered too."""
    from agreements.models import Sector

    sector = Sector.objects.get(slug="rail-transport")
    url = reverse("admin:agreements_sector_change", args=[sector.pk])
    response = admin_client.post(url, {"name_en": sector.name, "slug": "railways"})
    assert response.status_code == 302, response.content.decode()[:2000]
    assert_moved(client, "/sectors/rail-transport/", "/sectors/railways/")
