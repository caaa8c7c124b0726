"""Bad query parameters on the public pages give a visible message, a 400 or a 404, never a 500."""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

PARAMETERS = [
    "q",
    "sector",
    "kind",
    "status",
    "party",
    "country",
    "event",
    "signed_after",
    "signed_before",
    "value_min",
    "value_max",
    "binding",
    "ordering",
    "page",
    "page_size",
]


def get_list(client, params):
    return client.get(reverse("agreements:agreement-list"), params)


@pytest.mark.parametrize(
    ("name", "value", "reason"),
    [
        ("signed_after", "2025-13-45", "Enter a valid date"),
        ("signed_before", "yesterday", "Enter a valid date"),
        ("sector", "underwater-basket-weaving", "Select a valid choice"),
        ("kind", "treaty", "Select a valid choice"),
        ("status", "maybe", "Select a valid choice"),
        ("ordering", "price", "Select a valid choice"),
        ("binding", "perhaps", "Select a valid choice"),
        ("value_min", "-5", "greater than or equal to 0"),
        ("value_max", "abc", "Enter a number"),
        ("value_min", "9" * 400, "less than or equal to"),
        ("country", "Atlantis", "No country is called “Atlantis”"),
    ],
)
def test_invalid_filter_value_is_named_with_its_reason(client, name, value, reason):
    AgreementFactory()
    response = get_list(client, {name: value})
    body = response.content.decode()
    assert response.status_code == 400
    assert f"<code>{name}</code>" in body
    assert reason in body
    assert 'role="alert"' in body


def test_page_that_is_not_a_number_shows_the_first_page_with_a_message(client):
    AgreementFactory(title="Tractors")
    response = get_list(client, {"page": "abc"})
    assert response.status_code == 200
    assert "page must be a whole number" in response.content.decode()
    assert "Tractors" in response.content.decode()


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1e3", "9" * 50])
def test_bad_page_size_shows_a_message(client, value):
    AgreementFactory()
    response = get_list(client, {"page_size": value})
    assert response.status_code == 200
    assert "page_size must be a whole number from 1 to 100" in response.content.decode()


@pytest.mark.parametrize("page", ["2", "99999999999999999999999999"])
def test_page_past_the_end_is_404(client, page):
    AgreementFactory()
    assert get_list(client, {"page": page}).status_code == 404


@pytest.mark.parametrize("name", PARAMETERS)
def test_nul_bytes_give_a_visible_message(client, name):
    AgreementFactory(title="Tractors")
    response = get_list(client, {name: "abc\x00def"})
    assert response.status_code == 200
    assert "contains a null character" in response.content.decode()


def test_nul_bytes_in_a_parameter_name_give_a_visible_message(client):
    response = client.get(reverse("agreements:agreement-list") + "?q%00=1")
    assert response.status_code == 200
    assert "contains a null character" in response.content.decode()


def test_sitemap_page_that_is_not_a_number_is_404(client):
    assert client.get(reverse("agreements:sitemap"), {"p": "abc"}).status_code == 404


text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)


@pytest.mark.parametrize("name", PARAMETERS)
@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=text)
def test_any_text_in_a_parameter_never_gives_a_500(client, name, value):
    response = get_list(client, {name: value})
    assert response.status_code in {200, 400, 404}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(st.sampled_from(PARAMETERS), text, max_size=5))
def test_any_combination_of_parameters_never_gives_a_500(client, params):
    response = get_list(client, params)
    assert response.status_code in {200, 400, 404}


def test_nul_bytes_in_a_slug_are_404(client):
    for prefix in (reverse("agreements:agreement-list"), reverse("agreements:organization-list")):
        assert client.get(f"{prefix}a%00b/").status_code == 404
