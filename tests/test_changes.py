"""The public change log: `/changes/`, the Atom feeds `/feeds/changes/` and `/agreements/<slug>/feed/`.

Only changes between published states reach them (agreements/changelog.py writes them); here: that they
say those changes in a reader's words, page and feed alike, never name an editor, and cost a fixed
number of queries.
"""

import datetime
import re
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from django.urls import reverse
from django.utils import timezone

from agreements.change_words import describe
from agreements.models import (
    Agreement,
    CommitmentUpdate,
    DatePrecision,
    MilestoneStatus,
    PublicationState,
    PublishedVersion,
    Relation,
    RelationKind,
    Status,
    StatusEntry,
)
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    SectorFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db
ATOM = "{http://www.w3.org/2005/Atom}"
CHANGES = reverse("agreements:changes")
CHANGES_FEED = reverse("agreements:changes-feed")


def text_of(html):
    """The page's words as they read on screen: tags and screen-reader-only words dropped, spaces collapsed."""
    html = re.sub(r'<span class="visually-hidden">[^<]*</span>', "", html)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", html)).strip()


def feed_entries(response):
    """[(title, summary element)] of an Atom answer, parsed by an XML parser."""
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ElementTree.fromstring(response.content)  # noqa: S314 - our own response, built by Django
    return root, [(entry.findtext(f"{ATOM}title"), entry.find(f"{ATOM}summary")) for entry in root.iter(f"{ATOM}entry")]


def version(agreement, changes, minutes=0):
    """A published version written directly (the change log's own tests are in test_changelog)."""
    at = timezone.now() - datetime.timedelta(minutes=minutes)
    return PublishedVersion.objects.create(agreement=agreement, at=at, versions={}, changes=changes)


# ---------------------------------------------------------------- in words


def test_changes_read_as_words_with_codes_as_labels_and_slugs_as_names():
    sector = SectorFactory(name="Aviation", slug="aviation")
    old_sector = SectorFactory(name="Rail transport", slug="rail")
    source = SourceFactory(key="qazinform-2026-03-12", publisher="Kazinform", title="Tungsten documents")
    organization = OrganizationFactory(slug="air-astana", name="Air Astana")
    agreement = AgreementFactory(title="Dreamliners", sector=sector)
    version(
        agreement,
        [
            {"field": "status", "before": "signed", "after": "in_force"},
            {"field": "kind", "before": "letter_of_intent", "after": "contract"},
            {"field": "sector", "before": "rail", "after": "aviation"},
            {"field": "value", "before": None, "after": "≈ 7000000000.00 USD (announced)"},
            {"field": "signed_on", "before": "2025-11", "after": "2025-11-06"},
            {"field": "commitments.2.status", "before": "scheduled", "after": "met"},
            {"field": "commitments.2.due_on", "before": "2026-07", "after": "2028"},
            {"field": "commitments.1.quantity", "before": "18.00", "after": "15.00"},
            {"field": "parties.air-astana.role", "before": "party", "after": "buyer"},
            {
                "field": "status_history",
                "before": None,
                "after": "signed · 2026-03-12 · Documents signed · qazinform-2026-03-12",
            },
            {
                "field": "commitment_updates",
                "before": None,
                "after": "2 · partially_met · 2026-05-20 · 84000.00 · Educators trained · qazinform-2026-03-12",
            },
            {
                "field": "commitment_updates.2/2026-05-20/partially_met.progress",
                "before": "80000.00",
                "after": "84000.00",
            },
            {"field": "parties", "before": "air-astana · KZ · buyer", "after": None},
        ],
    )
    (entry,) = describe(PublishedVersion.objects.changes().select_related("agreement"))
    assert entry.agreement == agreement
    lines = entry.as_text().splitlines()
    assert lines == [
        "Status: Signed → In force",
        "Kind: Letter of intent → Contract",
        "Sector: Rail transport → Aviation",
        "Value: (none) → ≈ USD 7,000,000,000 (announced)",
        "Signed: November 2025 → 6 November 2025",
        "Commitment 2 · status: Scheduled → Met",
        "Commitment 2 · due: July 2026 → 2028",
        "Commitment 1 · quantity: 18 → 15",
        "Party Air Astana · role: Party → Buyer",
        f"Status timeline: added Signed · 12 March 2026 · Documents signed · {source.publisher}: {source.title}",
        "Commitment updates: added commitment 2 · Partially met · 20 May 2026 · 84,000 · Educators trained · "
        "Kazinform: Tungsten documents",
        "Commitment 2, update of 2026-05-20 (Partially met) · progress: 80,000 → 84,000",
        "Parties: removed Air Astana · Kazakhstan · Buyer",
    ]
    assert old_sector.name in entry.as_text() and organization.name in entry.as_text()


def test_a_relation_to_a_record_not_public_names_no_title():
    agreement = AgreementFactory(title="Public record")
    public = AgreementFactory(title="Original deal", slug="original-deal")
    AgreementFactory(title="Secret draft", slug="secret-draft", publication_state=PublicationState.DRAFT)
    version(
        agreement,
        [
            {"field": "relations", "before": None, "after": "amends · original-deal"},
            {"field": "relations", "before": None, "after": "follows · secret-draft"},
        ],
    )
    (entry,) = describe(PublishedVersion.objects.changes().select_related("agreement"))
    assert entry.as_text().splitlines() == [
        f"Related agreements: added Amends · {public.title}",
        "Related agreements: added Follows · a record not yet published",
    ]


def test_names_are_read_once_per_kind_of_object_for_a_whole_page(django_assert_num_queries):
    for index in range(5):
        agreement = AgreementFactory(sector=SectorFactory())
        version(
            agreement,
            [
                {"field": "sector", "before": None, "after": agreement.sector.slug},
                {"field": "event", "before": None, "after": EventFactory().slug},
                {"field": "group", "before": None, "after": GroupFactory().slug},
                {"field": "parties", "before": None, "after": f"{OrganizationFactory().slug} · US · party"},
                {"field": "sources", "before": None, "after": f"{SourceFactory().key} · value · False · False"},
                {"field": "relations", "before": None, "after": f"amends · {AgreementFactory().slug}"},
            ],
            minutes=index,
        )
    versions = list(PublishedVersion.objects.changes().select_related("agreement"))
    with django_assert_num_queries(6):  # sectors, events, groups, organisations, sources, agreements
        entries = describe(versions)
    assert len(entries) == 5


# ---------------------------------------------------------------- honest by construction


def edit(agreement, user, **fields):
    for name, value in fields.items():
        setattr(agreement, name, value)
    agreement._history_user = user
    agreement.save()


@pytest.fixture
def edited_record(admin_user, django_capture_on_commit_callbacks):
    """A published record taken back to draft, edited twice there, published again, then edited again;
    and a record that was never published, edited too. An editor's name is on every history row."""
    admin_user.username = "editor-jane-doe"
    admin_user.save()
    with django_capture_on_commit_callbacks(execute=True):
        record = AgreementFactory(title="Tractor assembly", slug="tractors", value_amount=Decimal("100"))
    with django_capture_on_commit_callbacks(execute=True):
        edit(record, admin_user, publication_state=PublicationState.DRAFT)
    with django_capture_on_commit_callbacks(execute=True):
        edit(record, admin_user, title="Draft wording nobody saw")
    with django_capture_on_commit_callbacks(execute=True):
        edit(record, admin_user, title="Tractor assembly plant", value_amount=Decimal("250"))
    with django_capture_on_commit_callbacks(execute=True):
        edit(record, admin_user, publication_state=PublicationState.PUBLISHED)
    with django_capture_on_commit_callbacks(execute=True):
        source = SourceFactory(key="baq-kz", publisher="BAQ.kz", title="Plant opened")
        StatusEntry.objects.create(
            agreement=record,
            date=datetime.date(2026, 3, 1),
            date_precision=DatePrecision.MONTH,
            status=Status.IN_FORCE,
            source=source,
            note="Assembly began",
        )
    with django_capture_on_commit_callbacks(execute=True):
        hidden = AgreementFactory(
            title="Unpublished deal", slug="unpublished", publication_state=PublicationState.DRAFT
        )
    with django_capture_on_commit_callbacks(execute=True):
        edit(hidden, admin_user, title="Unpublished deal, renamed")
    return record


def test_the_log_shows_the_difference_at_publication_and_the_later_edit_never_a_draft(client, edited_record):
    html = client.get(CHANGES).content.decode()
    words = text_of(html)
    # Newest first: the later edit on its own, then the draft's edits as one difference at publication.
    later = words.index("Status timeline: added In force · March 2026 · Assembly began · BAQ.kz: Plant opened")
    publication = words.index("Title: Tractor assembly → Tractor assembly plant")
    assert later < publication
    assert "Status: Signed → In force" in words
    assert "Value: USD 100 (announced) → USD 250 (announced)" in words
    assert "Draft wording nobody saw" not in html
    assert "Unpublished deal" not in html
    assert "editor-jane-doe" not in html
    assert html.count('class="change"') == 2
    assert f'href="{edited_record.get_absolute_url()}">Tractor assembly plant</a>' in html


def test_both_feeds_show_the_same_published_changes_as_plain_text(client, edited_record):
    for url in (CHANGES_FEED, reverse("agreements:agreement-feed", args=["tractors"])):
        response = client.get(url)
        body = response.content.decode()
        root, entries = feed_entries(response)
        assert [title for title, _ in entries] == ["Tractor assembly plant", "Tractor assembly plant"]
        for _, summary in entries:
            assert summary.get("type") == "text"
        later, publication = (summary.text for _, summary in entries)
        assert "Status timeline: added In force · March 2026 · Assembly began · BAQ.kz: Plant opened" in later
        assert "Title: Tractor assembly → Tractor assembly plant" in publication.splitlines()
        assert "Draft wording nobody saw" not in body
        assert "Unpublished deal" not in body
        assert "editor-jane-doe" not in body
        ids = [entry.findtext(f"{ATOM}id") for entry in root.iter(f"{ATOM}entry")]
        assert len(set(ids)) == 2  # each version its own id, though both link to the same record


def test_a_changed_record_links_its_changes_and_its_feed(client, edited_record):
    html = client.get(edited_record.get_absolute_url()).content.decode()
    feed = reverse("agreements:agreement-feed", args=["tractors"])
    # Absolute (on the site's origin, whichever way the site builds it).
    alternate = '<link rel="alternate" type="application/atom+xml" title="Changes to “Tractor assembly plant”" href="'
    assert re.search(rf'{re.escape(alternate)}https?://[^"/]+{feed}">', html)
    assert f'href="{CHANGES}?agreement=tractors">Changes to this record, field by field</a>' in html
    assert f'href="{feed}"' in html
    assert "editor-jane-doe" not in html
    page = client.get(CHANGES, {"agreement": "tractors"})
    assert page.status_code == 200
    assert "Changes to “Tractor assembly plant”" in page.content.decode()
    assert page.content.decode().count('class="change"') == 2


def test_markup_in_a_change_is_text_on_the_page_and_in_the_feed(client):
    agreement = AgreementFactory(title="<b>Deal</b>")
    version(agreement, [{"field": "summary", "before": "old", "after": '<img src=x onerror="alert(1)">'}])
    html = client.get(CHANGES).content.decode()
    assert "<img src=x" not in html and "&lt;img src=x" in html
    _, entries = feed_entries(client.get(CHANGES_FEED))
    ((title, summary),) = entries
    assert title == "<b>Deal</b>"
    assert summary.get("type") == "text"
    assert summary.text == 'Summary: old → <img src=x onerror="alert(1)">'


def test_a_record_no_longer_public_leaves_the_log_and_its_feed_is_404(client):
    agreement = AgreementFactory(title="Withdrawn deal", slug="withdrawn")
    version(agreement, [{"field": "title", "before": "Old", "after": "Withdrawn deal"}])
    assert "Withdrawn deal" in client.get(CHANGES).content.decode()
    Agreement.objects.filter(pk=agreement.pk).update(publication_state=PublicationState.REVIEW)
    assert "Withdrawn deal" not in client.get(CHANGES).content.decode()
    assert "Withdrawn deal" not in client.get(CHANGES_FEED).content.decode()
    assert client.get(reverse("agreements:agreement-feed", args=["withdrawn"])).status_code == 404
    assert client.get(reverse("agreements:agreement-feed", args=["no-such-record"])).status_code == 404
    response = client.get(CHANGES, {"agreement": "withdrawn"})
    assert response.status_code == 400
    assert "No published agreement has the address “withdrawn”." in response.content.decode()


# ---------------------------------------------------------------- the page


def test_the_log_is_newest_first_and_pages_like_the_list(client, monkeypatch):
    from agreements import views

    monkeypatch.setattr(views, "CHANGES_PAGE", 2)
    for index in range(5):
        version(AgreementFactory(title=f"Record {index}"), [{"field": "title", "before": "x", "after": "y"}], index)
    first = client.get(CHANGES).content.decode()
    assert re.findall(r">(Record \d)</a>", first) == ["Record 0", "Record 1"]
    assert "Page 1 of 3" in first and 'rel="next" href="?page=2"' in first
    third = client.get(CHANGES, {"page": "3"}).content.decode()
    assert re.findall(r">(Record \d)</a>", third) == ["Record 4"]
    assert client.get(CHANGES, {"page": "4"}).status_code == 404


@pytest.mark.parametrize("page", ["abc", "0", "-1", "1.5", "\x00"])
def test_a_bad_page_gives_a_message_and_the_first_page(client, page):
    version(AgreementFactory(title="Record"), [{"field": "title", "before": "x", "after": "y"}])
    response = client.get(CHANGES, {"page": page})
    assert response.status_code == 200
    html = response.content.decode()
    assert "page must be a whole number of 1 or more; showing the first page." in html
    assert ">Record</a>" in html


@pytest.mark.parametrize("slug", ["no-such-record", "bad slug", "x" * 500])
def test_an_unknown_record_is_a_400_naming_the_parameter(client, slug):
    version(AgreementFactory(title="Record"), [{"field": "title", "before": "x", "after": "y"}])
    response = client.get(CHANGES, {"agreement": slug})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>agreement</code>: No published agreement has the address" in html
    assert ">Record</a>" not in html


def test_a_null_character_in_a_parameter_is_a_400_naming_it(client):
    version(AgreementFactory(title="Record"), [{"field": "title", "before": "x", "after": "y"}])
    response = client.get(CHANGES, {"agreement": "a\x00b"})
    assert response.status_code == 400
    assert "<code>agreement</code>:" in response.content.decode()


def test_the_page_takes_the_apis_parameters_since_and_agreement(client):
    """The page binds the API's ChangeFilterSet: `since` keeps the changes published after it."""
    old = version(AgreementFactory(title="Older record"), [{"field": "title", "before": "a", "after": "b"}], 60)
    version(AgreementFactory(title="Newer record"), [{"field": "title", "before": "c", "after": "d"}])
    since = (old.at + datetime.timedelta(minutes=1)).isoformat()
    html = client.get(CHANGES, {"since": since}).content.decode()
    assert ">Newer record</a>" in html
    assert ">Older record</a>" not in html
    api = client.get(reverse("api:change-list"), {"since": since}).json()
    assert [row["agreement"]["title"] for row in api["results"]] == ["Newer record"]


@pytest.mark.parametrize("since", ["yesterday", "2026-02-30", "2026-13-01T00:00:00Z"])
def test_a_malformed_since_is_a_400_naming_it_with_the_apis_message(client, since):
    version(AgreementFactory(title="Record"), [{"field": "title", "before": "x", "after": "y"}])
    response = client.get(CHANGES, {"since": since})
    assert response.status_code == 400
    html = response.content.decode()
    assert "<code>since</code>: Enter an ISO 8601 date-time" in html
    assert ">Record</a>" not in html


def test_an_empty_log_says_so(client):
    AgreementFactory()
    html = client.get(CHANGES).content.decode()
    assert "No published change yet." in html


def test_the_log_is_in_the_navigation_the_footer_and_the_sitemap(client):
    AgreementFactory()
    home = client.get(reverse("agreements:home")).content.decode()
    assert f'<a href="{CHANGES}">Changes</a>' in home
    assert f'<a href="{CHANGES_FEED}">their feed</a>' in home
    page = client.get(CHANGES).content.decode()
    assert f'<a href="{CHANGES}" aria-current="page">Changes</a>' in page
    alternate = 'type="application/atom+xml" title="Changes to published records" href="'
    assert re.search(rf'{re.escape(alternate)}https?://[^"/]+{CHANGES_FEED}"', page)
    sitemap = client.get(reverse("agreements:sitemap")).content.decode()
    assert re.search(rf"<loc>https?://[^<]+{CHANGES}</loc>", sitemap)


# ---------------------------------------------------------------- the feeds


def test_feed_links_are_on_site_url_whatever_the_host(client, settings):
    settings.SITE_URL = "https://kzdeals.example.org"
    settings.ALLOWED_HOSTS = ["attacker.example"]
    agreement = AgreementFactory(slug="deal")
    version(agreement, [{"field": "title", "before": "x", "after": "y"}])
    for url in (CHANGES_FEED, reverse("agreements:agreement-feed", args=["deal"])):
        response = client.get(url, HTTP_HOST="attacker.example")
        root, _ = feed_entries(response)
        links = [link.get("href") for link in root.iter(f"{ATOM}link")]
        ids = [element.text for element in root.iter(f"{ATOM}id")]
        assert links and ids
        assert all(value.startswith("https://kzdeals.example.org/") for value in links + ids), (links, ids)
        assert "attacker" not in response.content.decode()


def test_the_record_feed_holds_only_that_records_changes(client):
    mine = AgreementFactory(slug="mine", title="Mine")
    other = AgreementFactory(slug="other", title="Other")
    version(mine, [{"field": "title", "before": "x", "after": "Mine"}])
    version(other, [{"field": "title", "before": "x", "after": "Other"}])
    root, entries = feed_entries(client.get(reverse("agreements:agreement-feed", args=["mine"])))
    assert [title for title, _ in entries] == ["Mine"]
    assert root.findtext(f"{ATOM}title") == "kzdeals: changes to Mine"


# ---------------------------------------------------------------- queries


def rich_versions(count):
    """Versions whose changes name every kind of object, so every name lookup runs."""
    for index in range(count):
        agreement = AgreementFactory(sector=SectorFactory())
        commitment = CommitmentFactory(agreement=agreement)
        source = SourceFactory()
        CommitmentUpdate.objects.create(
            commitment=commitment, date=datetime.date(2026, 1, 1), status=MilestoneStatus.MET, source=source
        )
        Relation.objects.create(from_agreement=agreement, to_agreement=AgreementFactory(), kind=RelationKind.AMENDS)
        version(
            agreement,
            [
                {"field": "sector", "before": None, "after": agreement.sector.slug},
                {"field": "event", "before": None, "after": EventFactory().slug},
                {"field": "group", "before": None, "after": GroupFactory().slug},
                {"field": "parties", "before": None, "after": f"{OrganizationFactory().slug} · US · party"},
                {"field": "commitments.1.source", "before": None, "after": source.key},
                {"field": "relations", "before": None, "after": f"amends · {AgreementFactory().slug}"},
            ],
            minutes=index,
        )
    return agreement


@pytest.mark.parametrize("rows", [3, 30])
def test_change_log_and_feed_query_counts_are_constant(client, django_assert_max_num_queries, rows):
    last = rich_versions(rows)
    # The count, the page, six kinds of names.
    with django_assert_max_num_queries(8):
        assert client.get(CHANGES).status_code == 200
    # The record, the count, its page, six kinds of names.
    with django_assert_max_num_queries(9):
        assert client.get(CHANGES, {"agreement": last.slug}).status_code == 200
    # The register's version (agreements/validators.py), the versions and six kinds of names; the record feed
    # also reads its record.
    with django_assert_max_num_queries(8):
        assert client.get(CHANGES_FEED).status_code == 200
    with django_assert_max_num_queries(9):
        assert client.get(reverse("agreements:agreement-feed", args=[last.slug])).status_code == 200


def test_a_translation_added_or_changed_is_a_change_in_the_log_named_with_its_language(
    client, admin_user, django_capture_on_commit_callbacks
):
    """A reader of Russian sees a Russian title change: a translation is part of the public record."""
    with django_capture_on_commit_callbacks(execute=True):
        record = AgreementFactory(title="Tractor assembly", slug="tractors")
        CommitmentFactory(agreement=record, position=1, description="At least 3,000 units")
    with django_capture_on_commit_callbacks(execute=True):
        edit(record, admin_user, title_ru="Сборка тракторов")
    with django_capture_on_commit_callbacks(execute=True):
        commitment = record.commitments.get()
        commitment.description_kk = "Кемінде 3 000 бірлік"
        commitment.save()
    changes = [
        change["field"]
        for version in PublishedVersion.objects.filter(agreement=record).order_by("at", "id")
        for change in version.changes
    ]
    assert changes[-2:] == ["title_ru", "commitments.1.description_kk"]
    english = text_of(client.get(CHANGES).content.decode())
    assert "Title (Russian): (none) → Сборка тракторов" in english
    assert "Commitment 1 · description (Kazakh): (none) → Кемінде 3 000 бірлік" in english
    russian = text_of(client.get("/ru" + CHANGES).content.decode())
    assert "Название (Русский): (нет) → Сборка тракторов" in russian
