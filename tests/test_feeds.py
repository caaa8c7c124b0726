"""Atom feeds: the whole register, per organisation and per sector; newest published first."""

import datetime
from decimal import Decimal
from html.parser import HTMLParser
from xml.etree import ElementTree

import feedparser
import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from agreements.models import Agreement
from tests import hostile
from tests.factories import AgreementFactory, GroupFactory, OrganizationFactory, PartyFactory, SectorFactory

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"


def entries(response):
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response, built by Django
    return [entry.find(f"{ATOM}title").text for entry in root.findall(f"{ATOM}entry")]


def test_feed_lists_newest_published_first(client):
    older = AgreementFactory(title="Older")
    newer = AgreementFactory(title="Newer")
    now = timezone.now()
    Agreement.objects.filter(pk=older.pk).update(published_at=now - datetime.timedelta(days=2))
    Agreement.objects.filter(pk=newer.pk).update(published_at=now)
    assert entries(client.get(reverse("agreements:feed"))) == ["Newer", "Older"]


def test_feed_entry_says_kind_and_value(client):
    group = GroupFactory(name="NIC package", amount=Decimal("1000000000"), approximate=True)
    AgreementFactory(title="Brookfield", group=group, value_amount=None)
    body = client.get(reverse("agreements:feed")).content.decode()
    assert "shared: ≈ USD 1,000,000,000 (NIC package)" in body


def test_organization_feed_lists_only_its_agreements(client):
    organization = OrganizationFactory(slug="air-astana")
    PartyFactory(organization=organization, agreement=AgreementFactory(title="Dreamliners"))
    AgreementFactory(title="Tractors")
    response = client.get(reverse("agreements:organization-feed", args=["air-astana"]))
    assert entries(response) == ["Dreamliners"]


def test_sector_feed_lists_only_its_agreements(client):
    AgreementFactory(title="Dreamliners", sector=SectorFactory(slug="aviation"))
    AgreementFactory(title="Tractors")
    assert entries(client.get(reverse("agreements:sector-feed", args=["aviation"]))) == ["Dreamliners"]


def test_unknown_feed_objects_are_404(client):
    assert client.get(reverse("agreements:organization-feed", args=["nope"])).status_code == 404
    assert client.get(reverse("agreements:sector-feed", args=["nope"])).status_code == 404


def test_feeds_are_linked_from_the_pages(client):
    organization = OrganizationFactory(slug="ktz")
    sector = SectorFactory(slug="rail")
    PartyFactory(organization=organization, agreement=AgreementFactory(sector=sector))
    home = client.get(reverse("agreements:home")).content.decode()
    feed_url = f"{settings.SITE_URL}{reverse('agreements:feed')}"
    assert f'type="application/atom+xml" title="Newly published agreements" href="{feed_url}"' in home
    org_page = client.get(organization.get_absolute_url()).content.decode()
    assert f'href="{settings.SITE_URL}{reverse("agreements:organization-feed", args=["ktz"])}"' in org_page
    sector_page = client.get(sector.get_absolute_url()).content.decode()
    assert f'href="{settings.SITE_URL}{reverse("agreements:sector-feed", args=["rail"])}"' in sector_page


@pytest.mark.parametrize("rows", [3, 30])
def test_feed_query_counts_are_constant(client, django_assert_max_num_queries, rows):
    organization = OrganizationFactory(slug="org")
    sector = SectorFactory(slug="sec")
    for _ in range(rows):
        PartyFactory(
            organization=organization,
            agreement=AgreementFactory(sector=sector, group=GroupFactory(), value_amount=None),
        )
    for url in (
        reverse("agreements:feed"),
        reverse("agreements:organization-feed", args=["org"]),
        reverse("agreements:sector-feed", args=["sec"]),
    ):
        # 3 for the feed, 1 for the register's version (agreements/validators.py).
        with django_assert_max_num_queries(4):
            assert client.get(url).status_code == 200


# --- editors' text reaches feed readers as text -------------------------------------------------------


class MarkupFinder(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)


def live_markup(detail):
    """The elements a reader would build from a feed text construct: none unless it is sent as HTML."""
    if detail["type"] not in ("text/html", "application/xhtml+xml"):
        return []
    finder = MarkupFinder()
    finder.feed(detail["value"])
    return finder.tags


def parsed(client, url):
    response = client.get(url)
    assert response.status_code == 200
    # Unsanitised, as a reader that trusts the feed's `type` would take it.
    return feedparser.parse(response.content, sanitize_html=False)


@pytest.mark.parametrize("text", hostile.MARKUP)
def test_feeds_hand_editors_text_to_readers_as_text(client, text):
    organization = OrganizationFactory(slug="org", name=f"Org {text}")
    sector = SectorFactory(slug="sec", name=f"Sector {text}")
    grouped = AgreementFactory(
        title=f"Grouped {text}", sector=sector, group=GroupFactory(name=f"Group {text}"), value_amount=None
    )
    own = AgreementFactory(title=f"Own {text}", sector=sector, summary=f"Summary {text}")
    for agreement in (grouped, own):
        PartyFactory(organization=organization, agreement=agreement)

    for url in (
        reverse("agreements:feed"),
        reverse("agreements:organization-feed", args=["org"]),
        reverse("agreements:sector-feed", args=["sec"]),
    ):
        feed = parsed(client, url)
        assert not feed.bozo, feed.bozo_exception
        details = [feed.feed.title_detail, feed.feed.subtitle_detail]
        for entry in feed.entries:
            details += [entry.title_detail, entry.summary_detail]
            assert [tag.term for tag in entry.tags] == [sector.name]
        assert all(live_markup(detail) == [] for detail in details), [(d.type, d.value) for d in details]
        texts = {entry.title: entry.summary for entry in feed.entries}
        # The reader shows exactly what the editor typed, once decoded: nothing lost, nothing added.
        assert texts[own.title].endswith(f". Summary {text}")
        assert f"(Group {text})" in texts[grouped.title]
        assert f"Sector {text}" in texts[own.title]
    assert feed.feed.title == f"kzdeals: agreements in Sector {text}"
    assert parsed(client, reverse("agreements:organization-feed", args=["org"])).feed.title == (
        f"kzdeals: agreements of Org {text}"
    )
