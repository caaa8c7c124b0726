"""The public pages: what each shows, and the fixed number of queries each costs."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from agreements import views
from agreements.models import Agreement, Event, Kind, MilestoneStatus, Relation, RelationKind, Sector, Side, Supports
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
    SourceFactory,
)

pytestmark = pytest.mark.django_db


def agreement_with_parties(**kwargs):
    agreement = AgreementFactory(**kwargs)
    PartyFactory(agreement=agreement, side=Side.KZ)
    PartyFactory(agreement=agreement, side=Side.US, organization=OrganizationFactory(country="US"))
    return agreement


def make_rows(count, **kwargs):
    return [agreement_with_parties(**kwargs) for _ in range(count)]


# Overview


def test_home_shows_announced_against_itemised_with_the_gap(client):
    event = EventFactory(
        name="Washington visit",
        announced_documents=29,
        announced_amount=Decimal("17000000000"),
        announced_approximate=True,
    )
    group = GroupFactory(name="NIC package", amount=Decimal("1000000000"), event=event)
    AgreementFactory(event=event, value_amount=Decimal("2500000000"))
    AgreementFactory(event=event, value_amount=None, group=group)
    AgreementFactory(event=event, value_amount=None, group=group, kind=Kind.MEMORANDUM)
    response = client.get(reverse("agreements:home"))
    html = response.content.decode()
    assert response.status_code == 200
    assert "Washington visit" in html
    assert "≈ USD 17,000,000,000" in html
    # Itemised: 2.5 bn + the group's 1 bn once = 3.5 bn; gap 13.5 bn; 20.6 % itemised; 26 documents short.
    assert "USD 3,500,000,000" in html
    assert "≈ USD 13,500,000,000" in html
    assert "20.6% itemised" in html
    assert ">26<" in html


def test_home_chart_is_an_accessible_svg_with_a_table_of_the_same_numbers(client):
    AgreementFactory(sector=SectorFactory(name="Mining", slug="mining"), value_amount=Decimal("1100000000"))
    response = client.get(reverse("agreements:home"))
    html = response.content.decode()
    assert '<svg viewBox="' in html
    assert 'role="img"' in html
    assert '<title id="chart-title">' in html
    assert "style=" not in html
    assert html.count("USD 1,100,000,000") >= 2  # the bar's label and the table cell


def test_home_counts_a_shared_group_value_once_per_sector(client):
    sector = SectorFactory(name="Finance", slug="finance")
    group = GroupFactory(amount=Decimal("1000000000"), approximate=True)
    for _ in range(3):
        AgreementFactory(sector=sector, value_amount=None, group=group)
    html = client.get(reverse("agreements:home")).content.decode()
    assert "≈ USD 1,000,000,000" in html
    assert "USD 3,000,000,000" not in html


def test_home_lists_the_latest_published(client):
    AgreementFactory(title="Tungsten joint venture")
    assert "Tungsten joint venture" in client.get(reverse("agreements:home")).content.decode()


@pytest.mark.parametrize("rows", [3, 30])
def test_home_query_count_is_constant(client, django_assert_max_num_queries, rows):
    event = EventFactory(announced_amount=Decimal("1000"))
    make_rows(rows, event=event, sector=SectorFactory())
    AgreementFactory(sector=SectorFactory(), event=EventFactory())
    with django_assert_max_num_queries(13):
        assert client.get(reverse("agreements:home")).status_code == 200


# The list


def test_list_shows_rows_with_kind_binding_status_sector_parties_date_and_value(client):
    group = GroupFactory(name="Education package", amount=Decimal("1000000000"), approximate=True)
    agreement_with_parties(title="ChatGPT Edu", value_amount=None, group=group, kind=Kind.MEMORANDUM)
    agreement_with_parties(
        title="Locomotives",
        value_amount=Decimal("4000000000"),
        value_approximate=True,
        signed_on=datetime.date(2025, 9, 1),
        signed_on_precision="month",
    )
    html = client.get(reverse("agreements:agreement-list")).content.decode()
    assert 'shared: ≈ USD 1,000,000,000 <span class="group-name">(Education package)</span>' in html
    assert "≈ USD 4,000,000,000" in html
    assert "non-binding" in html
    assert "2025-09" in html
    assert "Memorandum" in html


def test_list_shows_count_and_total_of_the_matches(client):
    AgreementFactory(title="Tractors", value_amount=Decimal("2500000000"))
    AgreementFactory(title="Tungsten", value_amount=Decimal("1100000000"))
    response = client.get(reverse("agreements:agreement-list"), {"q": "Tractors"})
    html = response.content.decode()
    assert "1 matching agreement" in html
    assert "USD 2,500,000,000" in html
    assert "Tungsten" not in html


def test_list_filter_form_has_labels_and_keeps_its_state(client):
    sector = SectorFactory(name="Mining", slug="mining")
    AgreementFactory(sector=sector)
    html = client.get(reverse("agreements:agreement-list"), {"q": "tungsten deal", "sector": "mining"}).content.decode()
    assert '<label for="id_q">' in html
    assert 'value="tungsten deal"' in html
    assert '<option value="mining" selected>' in html


def test_list_sort_headers_link_to_the_ordering(client):
    AgreementFactory()
    html = client.get(reverse("agreements:agreement-list"), {"ordering": "title", "page_size": "10"}).content.decode()
    assert "?ordering=-title&amp;page_size=10" in html
    assert 'aria-sort="ascending"' in html
    assert "ordering=-value" in html


def test_list_orders_by_title(client):
    AgreementFactory(title="Bravo")
    AgreementFactory(title="Alpha")
    html = client.get(reverse("agreements:agreement-list"), {"ordering": "title"}).content.decode()
    assert html.index("Alpha") < html.index("Bravo")
    html = client.get(reverse("agreements:agreement-list"), {"ordering": "-title"}).content.decode()
    assert html.index("Bravo") < html.index("Alpha")


def test_list_paginates_with_page_size(client):
    for index in range(5):
        AgreementFactory(title=f"Deal {index}", signed_on=datetime.date(2025, 1, index + 1))
    response = client.get(reverse("agreements:agreement-list"), {"page_size": "2", "page": "2"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Page 2 of 3" in html
    assert "Deal 2" in html
    assert "Deal 4" not in html
    assert 'rel="next"' in html
    assert 'rel="prev"' in html


def test_list_page_size_over_the_maximum_gives_a_message(client):
    AgreementFactory()
    response = client.get(reverse("agreements:agreement-list"), {"page_size": "101"})
    assert response.status_code == 200
    assert "page_size must be a whole number from 1 to 100" in response.content.decode()


def test_list_empty_state_says_what_to_try(client):
    AgreementFactory(title="Tractors")
    html = client.get(reverse("agreements:agreement-list"), {"q": "submarines"}).content.decode()
    assert "No agreement matches these filters" in html
    assert "Try fewer words" in html


def test_list_links_the_csv_export_with_the_same_filters_without_page(client):
    AgreementFactory(sector=SectorFactory(slug="mining"))
    html = client.get(reverse("agreements:agreement-list"), {"sector": "mining", "page": "1"}).content.decode()
    assert f'href="{reverse("exports:agreements-csv")}?sector=mining"' in html


def test_list_invalid_filter_names_the_parameter_and_reason(client):
    response = client.get(reverse("agreements:agreement-list"), {"kind": "treaty"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "<code>kind</code>" in html
    assert "Select a valid choice" in html


@pytest.mark.parametrize("rows", [3, 30])
def test_list_query_count_is_constant(client, django_assert_max_num_queries, rows):
    make_rows(rows, group=GroupFactory(), value_amount=None)
    with django_assert_max_num_queries(11):
        response = client.get(reverse("agreements:agreement-list"), {"ordering": "-value", "q": "Agreement"})
    assert response.status_code == 200


# The detail page


def test_detail_shows_kind_status_binding_value_basis_and_parties_by_side(client):
    agreement = AgreementFactory(
        title="Tungsten", kind=Kind.AGREEMENT, value_amount=Decimal("1100000000"), places="Karaganda region"
    )
    PartyFactory(
        agreement=agreement,
        side=Side.KZ,
        organization=OrganizationFactory(name="Tau-Ken Samruk"),
        signed_by="Nariman Absametov",
        signer_title="CEO",
    )
    PartyFactory(agreement=agreement, side=Side.US, organization=OrganizationFactory(name="Cove Capital", country="US"))
    CommitmentFactory(agreement=agreement, description="A joint venture", status=MilestoneStatus.MET)
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert "USD 1,100,000,000" in html
    assert "basis: announced" in html
    assert "Signed by Nariman Absametov, CEO" in html
    assert html.index("Tau-Ken Samruk") < html.index("Cove Capital")
    assert "A joint venture" in html
    assert "Met" in html
    assert "Karaganda region" in html
    assert "binding" in html


def test_detail_of_a_group_member_shows_the_shared_value_and_public_siblings(client):
    group = GroupFactory(name="NIC package", amount=Decimal("1000000000"), approximate=True)
    member = AgreementFactory(title="Brookfield", group=group, value_amount=None)
    AgreementFactory(title="Cerberus", group=group, value_amount=None)
    AgreementFactory(title="Hidden sibling", group=group, value_amount=None, publication_state="draft")
    html = client.get(member.get_absolute_url()).content.decode()
    assert "≈ USD 1,000,000,000" in html
    assert "NIC package" in html
    assert "Cerberus" in html
    assert "Hidden sibling" not in html


def test_detail_numbers_each_source_once_and_marks_the_figures(client):
    agreement = AgreementFactory(value_amount=Decimal("4000000000"))
    mfa = SourceFactory(publisher="MFA", title="Statement")
    other = SourceFactory(publisher="Trend", title="Wabtec report")
    CitationFactory(agreement=agreement, source=mfa, supports=Supports.RECORD)
    CitationFactory(agreement=agreement, source=mfa, supports=Supports.VALUE)
    CitationFactory(
        agreement=agreement,
        source=other,
        supports=Supports.VALUE,
        disputes=True,
        claim_amount=Decimal("4200000000"),
        claim_currency="USD",
    )
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert html.count('id="source-1"') == 1
    assert html.count('id="source-2"') == 1
    assert 'id="source-3"' not in html
    mfa = 'MFA<sup class="cite"><a href="#source-1">[1]</a></sup>'
    assert f"<strong>Value:</strong>\n      {mfa} gives USD 4,000,000,000; " in html
    assert 'Trend<sup class="cite"><a href="#source-2">[2]</a></sup> gives USD 4,200,000,000.' in html
    assert 'href="#source-2">[2]' in html


def test_detail_shows_published_history_dates_without_editors(client, admin_user, django_capture_on_commit_callbacks):
    # The days of the public change log (agreements.changelog writes it once a change commits).
    with django_capture_on_commit_callbacks(execute=True):
        agreement = AgreementFactory()
    with django_capture_on_commit_callbacks(execute=True):
        agreement.title = "Renamed"
        agreement._history_user = admin_user
        agreement.save()
    html = client.get(agreement.get_absolute_url()).content.decode()
    today = agreement.updated_at.date().isoformat()
    assert f'<time datetime="{today}">' in html
    assert admin_user.username not in html


def test_detail_of_a_record_never_edited_since_loading_shows_its_first_publication(client):
    published = datetime.datetime(2025, 11, 7, 12, tzinfo=datetime.UTC)
    agreement = AgreementFactory(published_at=published)
    agreement.history.all().delete()
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert 'First published: <time datetime="2025-11-07T12:00:00+00:00">2025-11-07</time>' in html
    assert "No changes since first publication." in html


@pytest.mark.parametrize("rows", [3, 30])
def test_detail_query_count_is_constant(client, django_assert_max_num_queries, rows):
    group = GroupFactory()
    agreement = agreement_with_parties(group=group, value_amount=None)
    for _ in range(rows):
        CitationFactory(agreement=agreement, supports=Supports.VALUE)
        CommitmentFactory(agreement=agreement)
        PartyFactory(agreement=agreement)
        sibling = AgreementFactory(group=group, value_amount=None)
        Relation.objects.create(from_agreement=agreement, to_agreement=sibling, kind=RelationKind.FOLLOWS)
        Relation.objects.create(from_agreement=sibling, to_agreement=agreement, kind=RelationKind.AMENDS)
    with django_assert_max_num_queries(10):
        assert client.get(agreement.get_absolute_url()).status_code == 200


def test_title_with_markup_is_escaped_on_list_and_detail(client):
    agreement = AgreementFactory(title="<script>alert(1)</script>")
    for url in (reverse("agreements:agreement-list"), agreement.get_absolute_url()):
        html = client.get(url).content.decode()
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


# Organisations, events, sectors


def test_organization_list_counts_public_agreements(client):
    organization = OrganizationFactory(name="Samruk-Kazyna")
    for _ in range(2):
        PartyFactory(organization=organization)
    html = client.get(reverse("agreements:organization-list")).content.decode()
    assert "Samruk-Kazyna" in html
    assert '<td class="num">2</td>' in html


def test_organization_list_pages_by_name_and_counts_each_pages_rows(client, monkeypatch):
    monkeypatch.setattr(views.OrganizationListView, "paginate_by", 2)
    for name in ("Alpha", "Bravo", "Charlie"):
        PartyFactory(organization=OrganizationFactory(name=name))
    PartyFactory(
        organization=OrganizationFactory(name="Aardvark"), agreement=AgreementFactory(publication_state="draft")
    )
    url = reverse("agreements:organization-list")

    first = client.get(url).content.decode()
    second = client.get(url, {"page": 2}).content.decode()

    assert "Alpha" in first and "Bravo" in first and "Charlie" not in first
    assert "Charlie" in second and "Page 2 of 2" in second and 'rel="prev"' in second
    assert "Aardvark" not in first + second  # known only from a draft
    assert client.get(url, {"page": 3}).status_code == 404
    assert client.get(url, {"page": "x"}).status_code == 404


def test_organization_detail_shows_agreements_total_and_counterparties(client):
    nic = OrganizationFactory(name="NIC")
    agreement = AgreementFactory(title="Investment cooperation", value_amount=Decimal("250000000"))
    PartyFactory(agreement=agreement, organization=nic, side=Side.KZ)
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="Cerberus", country="US"), side=Side.US)
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="Co-signer KZ"), side=Side.KZ)
    html = client.get(nic.get_absolute_url()).content.decode()
    assert "Investment cooperation" in html
    assert "USD 250,000,000" in html
    counterparties = html[html.index('id="counterparties-heading"') :]
    assert "Cerberus" in counterparties
    assert "Co-signer KZ" not in counterparties
    assert reverse("agreements:organization-feed", args=[nic.slug]) in html


def test_organization_without_public_agreement_is_404(client):
    organization = OrganizationFactory()
    assert client.get(organization.get_absolute_url()).status_code == 404


@pytest.mark.parametrize("rows", [3, 30])
def test_organization_detail_query_count_is_constant(client, django_assert_max_num_queries, rows):
    organization = OrganizationFactory()
    for agreement in make_rows(rows):
        PartyFactory(agreement=agreement, organization=organization, side=Side.US)
    with django_assert_max_num_queries(8):
        assert client.get(organization.get_absolute_url()).status_code == 200


@pytest.mark.parametrize("rows", [3, 30])
def test_organization_list_query_count_is_constant(client, django_assert_max_num_queries, rows):
    make_rows(rows)
    with django_assert_max_num_queries(3):
        assert client.get(reverse("agreements:organization-list")).status_code == 200


def test_event_page_shows_gap_and_every_public_agreement(client):
    event = EventFactory(name="Wabtec visit", announced_documents=3, announced_amount=Decimal("5000000000"))
    AgreementFactory(event=event, title="Locomotives", value_amount=Decimal("4000000000"))
    html = client.get(event.get_absolute_url()).content.decode()
    assert "Locomotives" in html
    assert "USD 1,000,000,000" in html
    assert "80.0% itemised" in html


@pytest.mark.parametrize("rows", [3, 30])
def test_event_and_sector_query_counts_are_constant(client, django_assert_max_num_queries, rows):
    event = EventFactory()
    sector = SectorFactory()
    make_rows(rows, event=event, sector=sector)
    with django_assert_max_num_queries(7):
        assert client.get(event.get_absolute_url()).status_code == 200
    with django_assert_max_num_queries(7):
        assert client.get(sector.get_absolute_url()).status_code == 200


def test_sector_page_shows_its_agreements_and_total(client):
    sector = SectorFactory(name="Aviation", slug="aviation")
    AgreementFactory(sector=sector, title="Dreamliners", value_amount=Decimal("7000000000"))
    AgreementFactory(title="Elsewhere")
    html = client.get(sector.get_absolute_url()).content.decode()
    assert "Dreamliners" in html
    assert "Elsewhere" not in html
    assert "USD 7,000,000,000" in html
    assert reverse("agreements:sector-feed", args=["aviation"]) in html


def test_unknown_slugs_are_404(client):
    for name in ("agreement-detail", "organization-detail", "event-detail", "sector-detail"):
        assert client.get(reverse(f"agreements:{name}", args=["nope"])).status_code == 404


def test_pages_have_landmarks_and_skip_link(client):
    AgreementFactory()
    html = client.get(reverse("agreements:home")).content.decode()
    assert '<html lang="en">' in html
    for landmark in ("<header", "<nav", '<main id="main"', "<footer", 'href="#main"'):
        assert landmark in html


def test_list_selects_offer_any_instead_of_dashes(client):
    AgreementFactory()
    html = client.get(reverse("agreements:agreement-list")).content.decode()
    assert "---------" not in html
    assert '<option value="" selected>Any</option>' in html


def test_detail_lists_public_related_agreements_only(client):
    agreement = AgreementFactory()
    amended = AgreementFactory(title="Original deal")
    hidden = AgreementFactory(title="Hidden follow-up", publication_state="review")
    Relation.objects.create(from_agreement=agreement, to_agreement=amended, kind=RelationKind.AMENDS)
    Relation.objects.create(from_agreement=hidden, to_agreement=agreement, kind=RelationKind.FOLLOWS)
    html = client.get(agreement.get_absolute_url()).content.decode()
    assert "This agreement amends" in html
    assert "Original deal" in html
    assert "Hidden follow-up" not in html


def test_overview_of_the_real_register_shows_the_announced_gap(client, register):
    html = client.get(reverse("agreements:home")).content.decode()
    # FACTS.md: 29 documents and about USD 17 billion announced; USD 5.43 billion itemised (31.9%).
    assert "≈ USD 17,000,000,000" in html
    assert "≈ USD 5,430,000,000" in html
    assert "31.9% itemised" in html


def test_every_public_page_of_the_real_register_renders(client, register):
    urls = [reverse("agreements:agreement-list"), reverse("agreements:organization-list")]
    urls += [agreement.get_absolute_url() for agreement in Agreement.objects.public()]
    urls += [event.get_absolute_url() for event in Event.objects.all()]
    urls += [sector.get_absolute_url() for sector in Sector.objects.all()]
    for url in urls:
        assert client.get(url).status_code == 200, url


def test_overview_and_list_totals_stay_few_queries_and_follow_every_save(
    client, settings, django_assert_max_num_queries
):
    from django.core.cache import cache

    settings.REGISTER_CACHE_TIMEOUT = 300
    cache.clear()
    agreement = AgreementFactory(value_amount=Decimal("700000000"))
    client.get(reverse("agreements:home"))
    client.get(reverse("agreements:agreement-list"))
    # The overview's totals are the tally's (a few rows each); the rest: its events, sectors and latest.
    with django_assert_max_num_queries(7):
        home = client.get(reverse("agreements:home")).content.decode()
    assert "700,000,000" in home

    agreement.value_amount = Decimal("800000000")
    agreement.save()

    assert "800,000,000" in client.get(reverse("agreements:home")).content.decode()
    assert "800,000,000" in client.get(reverse("agreements:agreement-list")).content.decode()


def test_sector_page_shows_its_newest_agreements_and_links_to_the_rest(client, monkeypatch):
    """A sector holds a twelfth of the register: its page shows the newest and its totals (all of
    them), and the list, filtered by the sector, pages through the rest."""
    monkeypatch.setattr(views, "SECTOR_NEWEST", 2)
    sector = SectorFactory(slug="energy")
    for day in (1, 2, 3):
        AgreementFactory(sector=sector, title=f"Deal {day}", signed_on=datetime.date(2025, 1, day))
    AgreementFactory(sector=sector, title="Hidden", publication_state="draft")

    html = client.get(reverse("agreements:sector-detail", args=["energy"])).content.decode()

    assert "Deal 3" in html and "Deal 2" in html and "Deal 1" not in html and "Hidden" not in html
    assert "The newest 2 of 3, by signature date." in html
    assert 'href="/agreements/?sector=energy">See all 3 in the list</a>' in html

    monkeypatch.setattr(views, "SECTOR_NEWEST", 3)
    html = client.get(reverse("agreements:sector-detail", args=["energy"])).content.decode()
    assert "Deal 1" in html and "See all" not in html
