"""Filters in words (issue 18): orderings by name with the one in effect preselected, a party and a country by
name on the page (the API keeps slugs and codes), values in words, and a message for every bad value."""

import re

import pytest
from django.urls import reverse

from agreements.models import PublicationState
from tests.factories import AgreementFactory, OrganizationFactory, PartyFactory

pytestmark = pytest.mark.django_db
LIST = reverse("agreements:agreement-list")


def selected_ordering(html):
    select = re.search(r'<select name="ordering" id="id_ordering">(.*?)</select>', html, re.S).group(1)
    options = re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    chosen = [label for _value, flag, label in options if flag] or [options[0][2]]  # a browser shows the first
    return chosen[0], [label for _value, _flag, label in options]


def test_orderings_have_labels_and_the_default_is_preselected(client, register):
    html = client.get(LIST).content.decode()
    chosen, labels = selected_ordering(html)
    assert chosen == "Newest first"
    assert labels == [
        "Newest first",
        "Oldest first",
        "Largest value first",
        "Smallest value first",
        "Title, A to Z",
        "Title, Z to A",
    ]
    # With another filter but no order, the list is still newest first, and so is the form.
    assert selected_ordering(client.get(LIST, {"sector": "education-and-science"}).content.decode())[0] == (
        "Newest first"
    )
    assert selected_ordering(client.get(LIST, {"ordering": "-value"}).content.decode())[0] == "Largest value first"


def test_a_search_without_an_order_says_best_match_first(client, register):
    chosen, labels = selected_ordering(client.get(LIST, {"q": "locomotives"}).content.decode())
    assert chosen == "Best match first"
    assert labels[0] == "Best match first"
    # Choosing it submits an empty ordering, which the list takes as no ordering.
    assert client.get(LIST, {"q": "locomotives", "ordering": ""}).status_code == 200
    assert selected_ordering(client.get(LIST, {"q": "locomotives", "ordering": "title"}).content.decode())[0] == (
        "Title, A to Z"
    )


@pytest.mark.parametrize("typed", ["Boeing", "the boeing company", "The Boeing Company", "boeing"])
def test_a_party_is_found_by_name_short_name_or_slug_on_the_page(client, register, typed):
    response = client.get(LIST, {"party": typed})
    html = response.content.decode()
    assert response.status_code == 200
    assert "1 matching agreement" in html
    assert "Air Astana: Boeing 787 Dreamliners" in html or "air-astana-boeing-787" in html
    assert "Party: <strong>The Boeing Company</strong>" in html
    # The download carries the contract's slug, which the export's filters take.
    assert "agreements.csv?party=boeing" in html


def test_a_party_name_of_a_draft_only_organisation_is_unknown(client, register):
    hidden = OrganizationFactory(name="Secret Partner Inc", slug="secret-partner")
    PartyFactory(agreement=AgreementFactory(publication_state=PublicationState.DRAFT), organization=hidden)
    response = client.get(LIST, {"party": "Secret Partner Inc"})
    html = response.content.decode()
    assert response.status_code == 400
    assert "No public organisation has the name, short name or address “Secret Partner Inc”" in html
    assert "Secret Partner Inc</option>" not in html
    assert client.get(LIST, {"party": "secret-partner"}).status_code == 400


def test_a_name_shared_by_two_public_organisations_is_not_guessed(client, db):
    for slug in ("acme-kz", "acme-us"):
        PartyFactory(agreement=AgreementFactory(), organization=OrganizationFactory(name="Acme", slug=slug))
    response = client.get(LIST, {"party": "Acme"})
    assert response.status_code == 400
    assert client.get(LIST, {"party": "acme-us"}).status_code == 200


def test_the_party_and_country_boxes_offer_public_names_without_script(client, register):
    html = client.get(LIST).content.decode()
    assert 'list="party-names"' in html
    assert '<option value="The Boeing Company">Boeing</option>' in html
    assert '<option value="Wabtec Corporation">Wabtec</option>' in html
    assert 'list="country-names"' in html
    assert '<option value="Kazakhstan">KZ</option>' in html
    assert '<option value="United States">US</option>' in html
    assert "<script" not in html


@pytest.mark.parametrize("typed", ["Kazakhstan", "kazakhstan", "KAZ", "KZ", "kz"])
def test_a_country_by_name_or_code(client, register, typed):
    by_code = client.get(LIST, {"country": "KZ", "page_size": 100}).content.decode()
    response = client.get(LIST, {"country": typed, "page_size": 100})
    assert response.status_code == 200
    html = response.content.decode()
    count = re.search(r"(\d+) matching agreements", by_code).group(1)
    assert f"{count} matching agreements" in html
    assert "Party country: <strong>Kazakhstan (KZ)</strong>" in html


@pytest.mark.parametrize(
    "params, message",
    [
        ({"party": "Nobody at all"}, "No public organisation has the name, short name or address “Nobody at all”"),
        ({"country": "Narnia"}, "No country is called “Narnia”"),
        ({"country": "X1"}, "No country is called “X1”"),
        ({"ordering": "cheapest"}, "Select a valid choice"),
    ],
)
def test_every_bad_value_gets_a_message_on_the_page(client, register, params, message):
    response = client.get(LIST, params)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html
    assert '<details class="filter-box" open>' in html


def test_values_in_use_are_said_in_words(client, register):
    html = client.get(
        LIST, {"sector": "rail-transport", "kind": "contract", "signed_after": "2025-01-01", "value_min": "1000000"}
    ).content.decode()
    words = re.search(r'<p class="filters-in-words">(.*?)</p>', html, re.S).group(1)
    assert "Sector: <strong>Rail transport</strong>" in words
    assert "Kind: <strong>Contract</strong>" in words
    assert "Signed on or after: <strong>1 January 2025</strong>" in words
    assert "1,000,000" in words


def test_the_api_keeps_slugs_and_codes(client, register):
    api = reverse("api:agreement-list")
    assert client.get(api, {"party": "boeing"}).status_code == 200
    assert client.get(api, {"party": "Boeing"}).status_code == 400
    assert client.get(api, {"country": "KZ"}).status_code == 200
    assert client.get(api, {"country": "Kazakhstan"}).status_code == 400


@pytest.mark.parametrize("rows", [3, 30])
def test_names_cost_a_constant_number_of_queries(client, django_assert_max_num_queries, rows):
    organization = OrganizationFactory(name="Constant Corp", short_name="Constant")
    for _ in range(rows):
        PartyFactory(agreement=AgreementFactory(), organization=organization)
        PartyFactory(agreement=AgreementFactory(), organization=OrganizationFactory())
    with django_assert_max_num_queries(12):
        response = client.get(LIST, {"party": "Constant", "country": "Kazakhstan", "ordering": "-value"})
    assert response.status_code == 200
    assert f"{rows} matching agreements" in response.content.decode()


def test_the_party_list_escapes_names_and_follows_the_language(client, db):
    """The datalists are written as HTML in one pass (agreements/views.py, _datalists): what a name holds is
    escaped as the template would, and the Russian page offers the Russian name."""
    hostile = OrganizationFactory(name='Quote "Co" <b>&</b>', short_name="<i>Q</i>", slug="quote-co")
    named = OrganizationFactory(name="Samruk-Kazyna", name_ru="Самрук-Казына", slug="samruk")
    for organization in (hostile, named):
        PartyFactory(agreement=AgreementFactory(), organization=organization)
    html = client.get(LIST).content.decode()
    assert '<option value="Quote &quot;Co&quot; &lt;b&gt;&amp;&lt;/b&gt;">&lt;i&gt;Q&lt;/i&gt;</option>' in html
    assert "<b>&" not in html
    assert '<option value="Samruk-Kazyna"></option>' in html
    russian = client.get("/ru" + LIST).content.decode()
    assert '<option value="Самрук-Казына"></option>' in russian


def test_a_kept_party_list_shows_an_organisation_as_soon_as_it_is_public(client, db, settings):
    """With the shared cache on, the lists are kept for the register version: publishing changes it at once."""
    settings.REGISTER_CACHE_TIMEOUT = 300
    agreement = AgreementFactory(publication_state=PublicationState.DRAFT)
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="Late Partner LLC", slug="late"))
    assert "Late Partner LLC</option>" not in client.get(LIST).content.decode()
    assert "Late Partner LLC</option>" not in client.get(LIST).content.decode()  # as kept
    agreement.publication_state = PublicationState.PUBLISHED
    agreement.save()
    assert '<option value="Late Partner LLC"></option>' in client.get(LIST).content.decode()


def test_a_party_named_in_russian_or_kazakh_is_found(client, db):
    """The datalist offers the Russian name on the Russian page: typed, it finds the organisation."""
    samruk = OrganizationFactory(name="Samruk-Kazyna", name_ru="Самрук-Казына", name_kk="Самұрық-Қазына", slug="sk")
    PartyFactory(agreement=AgreementFactory(title="Fund deal"), organization=samruk)
    PartyFactory(agreement=AgreementFactory(title="Other deal"))
    for typed in ("Самрук-Казына", "Самұрық-Қазына", "самрук-казына", "САМҰРЫҚ-ҚАЗЫНА"):
        response = client.get("/ru" + LIST, {"party": typed})
        assert response.status_code == 200, typed
        assert "Fund deal" in response.content.decode()
        assert "Other deal" not in response.content.decode()


def test_past_the_suggestions_limit_the_party_box_offers_none_and_still_takes_any_name(client, db, monkeypatch):
    """Thousands of options on every page help no one: beyond PARTY_SUGGESTIONS public organisations the party
    list is empty, the countries are still listed, and a typed name still finds its organisation."""
    from agreements import views

    monkeypatch.setattr(views, "PARTY_SUGGESTIONS", 2)
    for name, country in (("Alpha LLP", "KZ"), ("Beta Inc", "US"), ("Gamma GmbH", "DE")):
        PartyFactory(
            agreement=AgreementFactory(title=f"{name} deal"),
            organization=OrganizationFactory(name=name, country=country),
        )
    html = client.get(LIST).content.decode()
    assert '<datalist id="party-names"></datalist>' in html
    for country in ("Kazakhstan", "United States", "Germany"):
        assert f'<option value="{country}">' in html
    found = client.get(LIST, {"party": "Gamma GmbH"}).content.decode()
    assert "Gamma GmbH deal" in found and "Alpha LLP deal" not in found
    monkeypatch.setattr(views, "PARTY_SUGGESTIONS", 3)
    assert '<option value="Gamma GmbH"></option>' in client.get(LIST).content.decode()
