# ruff: noqa: RUF001 (Russian and Kazakh text, Cyrillic on purpose)
"""The content in three languages (PRODUCT.md, "Languages"): translated fields, the English original column,
fallbacks, history, the dataset's names and aliases, the children arrays and search in every language."""

import orjson
import pytest
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.utils import translation

from agreements import children, content_language
from agreements.models import Agreement, Commitment, Organization, OrganizationAlias, Sector
from agreements.search import search_agreements

LIST_URL = "/api/v1/agreements/"


def public_slugs(text):
    return set(search_agreements(Agreement.objects.public(), text).values_list("slug", flat=True))


def raw_title(pk):
    with connection.cursor() as cursor:
        cursor.execute("SELECT title, title_en, title_ru FROM agreements_agreement WHERE id = %s", [pk])
        return cursor.fetchone()


# ---------------------------------------------------------------- the English original column


def test_a_save_under_russian_keeps_english_in_the_original_column(register):
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    english = agreement.title
    with translation.override("ru"):
        agreement.title = "Закупка локомотивов Wabtec"
        agreement.save()
    assert raw_title(agreement.pk) == (english, english, "Закупка локомотивов Wabtec")
    latest = agreement.history.first()
    assert (latest.title, latest.title_en, latest.title_ru) == (english, english, "Закупка локомотивов Wabtec")


def test_fallbacks_kk_to_ru_to_en_and_ru_to_en(register):
    organization = Organization.objects.get(slug="air-astana")  # Russian name, no Kazakh one (FACTS.md)
    with translation.override("kk"):
        assert organization.name == "«Эйр Астана»"
        assert content_language.shown_language(organization, "name") == "ru"
    with translation.override("ru"):
        assert organization.name == "«Эйр Астана»"
    assert organization.name == "Air Astana JSC"
    wabtec = Organization.objects.get(slug="wabtec")  # no translation at all
    with translation.override("kk"):
        assert wabtec.name == "Wabtec Corporation"
        assert content_language.shown_language(wabtec, "name") == "en"


def test_ordering_and_lookups_stay_on_the_english_column(register):
    with translation.override("ru"):
        ordered = list(Sector.objects.order_by("name").values_list("name", flat=True))
        assert Organization.objects.filter(name="Air Astana JSC").exists()
    assert ordered == sorted(ordered)
    assert ordered == list(Sector.objects.order_by("name").values_list("name", flat=True))


# ---------------------------------------------------------------- the dataset


NAMES = {
    "samruk-kazyna": (
        "АО «Фонд национального благосостояния «Самрук-Қазына»",
        "«Самұрық-Қазына» ұлттық әл-ауқат қоры» АҚ",
    ),
    "tau-ken-samruk": ("АО «НГК «Тау-Кен Самрук»", "«Тау-Кен Самұрық» ұлттық тау-кен компаниясы» АҚ"),
    "kazakhstan-temir-zholy": ("АО «НК «Қазақстан темір жолы»", None),
    "agromashholding-kz": ("АО «АгромашХолдинг KZ»", "«АгромашХолдинг KZ» АҚ"),
    "air-astana": ("«Эйр Астана»", None),
    "national-bank-of-kazakhstan": ("Национальный Банк Республики Казахстан", "Қазақстан Республикасының Ұлттық Банкі"),
}


def test_the_names_facts_gives_with_their_sources_and_no_other_translation(register):
    translated = {
        org.slug: (org.name_ru, org.name_kk)
        for org in Organization.objects.all()
        if org.name_ru or org.name_kk or org.names_source
    }
    assert translated == NAMES
    assert Organization.objects.get(slug="samruk-kazyna").names_source.startswith("Government Decree No. 1418")
    assert all(org.names_source for org in Organization.objects.filter(slug__in=NAMES))
    for model, fields in (
        (Agreement, ("title", "summary", "places")),
        (Commitment, ("description", "unit")),
        (Sector, ("name",)),
    ):
        for field in fields:
            assert not model.objects.exclude(**{f"{field}_ru": None}).exists(), (model, field)
            assert not model.objects.exclude(**{f"{field}_kk": None}).exists(), (model, field)


def test_the_aliases_facts_gives(register):
    aliases = {
        (alias.organization.slug, alias.name) for alias in OrganizationAlias.objects.select_related("organization")
    }
    assert aliases == {
        ("kazakhstan-temir-zholy", "KTZ"),
        ("kazakhstan-temir-zholy", "ҚТЖ"),
        ("national-investment-corporation", "NIC"),
        ("cove-capital", "Cove Kaz"),
    }
    assert OrganizationAlias.objects.get(name="Cove Kaz").source.key == "aijourn-cove-capital-tungsten"
    assert OrganizationAlias.objects.get(name="ҚТЖ").language == "kk"


def test_an_alias_is_unique_per_organisation(register):
    ktz = Organization.objects.get(slug="kazakhstan-temir-zholy")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrganizationAlias.objects.create(organization=ktz, name="KTZ")
    OrganizationAlias.objects.create(organization=Organization.objects.get(slug="wabtec"), name="KTZ")


def test_loading_the_translated_dataset_twice_changes_nothing(register):
    before = {org.slug: (org.name_en, org.name_ru, org.name_kk) for org in Organization.objects.all()}
    with translation.override("ru"):  # whatever language is active, the fixture's English stays English
        call_command("loaddata", "register", verbosity=0)
    assert {org.slug: (org.name_en, org.name_ru, org.name_kk) for org in Organization.objects.all()} == before
    assert OrganizationAlias.objects.count() == 4
    assert children.stale() == []


# ---------------------------------------------------------------- the children arrays, per language


def test_every_language_has_its_arrays_and_they_stay_current(register):
    assert {"parties_ru", "parties_kk", "commitments_ru", "commitments_kk"} <= set(children.columns())
    assert children.stale() == []
    samruk = Organization.objects.get(slug="samruk-kazyna")
    samruk.name_ru = "Самрук-Казына (исправлено)"
    samruk.save()
    commitment = Commitment.objects.first()
    commitment.description_kk = "Міндеттеме"
    commitment.save()
    OrganizationAlias.objects.create(organization=samruk, name="ФНБ")
    assert children.stale() == []


def api_list(client, language, **headers):
    response = client.get(LIST_URL, {"lang": language, "page_size": 50}, **headers)
    assert response.status_code == 200
    return orjson.loads(response.content)["results"]


def parties_of(rows, slug):
    return [party["organization"]["name"] for row in rows if row["slug"] == slug for party in row["parties"]]


def test_the_api_list_answers_names_in_the_language_asked_with_fallbacks(client, register):
    slug = "air-astana-boeing-787"
    assert "Air Astana JSC" in parties_of(api_list(client, "en"), slug)
    assert "«Эйр Астана»" in parties_of(api_list(client, "ru"), slug)
    assert "«Эйр Астана»" in parties_of(api_list(client, "kk"), slug)  # no Kazakh name: the Russian one
    kazakh = parties_of(api_list(client, "kk"), "cove-capital-tungsten")
    assert "«Тау-Кен Самұрық» ұлттық тау-кен компаниясы» АҚ" in kazakh


def test_a_russian_title_and_commitment_in_the_list_and_the_detail(client, register):
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    agreement.title_ru = "Закупка локомотивов"
    agreement.summary_ru = "Локомотивы для КТЖ."
    agreement.save()
    commitment = agreement.commitments.first()
    commitment.description_ru = "Поставка локомотивов"
    commitment.save()
    rows = {row["slug"]: row for row in api_list(client, "ru")}
    assert rows["wabtec-locomotives"]["title"] == "Закупка локомотивов"
    assert rows["wabtec-locomotives"]["commitments"][0]["description"] == "Поставка локомотивов"
    assert {row["slug"]: row for row in api_list(client, "en")}["wabtec-locomotives"]["title"] == agreement.title_en
    detail = orjson.loads(client.get(f"{LIST_URL}wabtec-locomotives/", HTTP_ACCEPT_LANGUAGE="kk,ru;q=0.8").content)
    assert detail["title"] == "Закупка локомотивов"  # kk falls back to ru
    assert detail["summary"] == "Локомотивы для КТЖ."


# ---------------------------------------------------------------- search in every language and script


@pytest.fixture
def russian_title(register):
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    agreement.title_ru = "Поставка тепловозов и железнодорожного оборудования"
    agreement.save()
    return agreement


def test_a_russian_word_finds_a_russian_title(russian_title):
    assert public_slugs("тепловозов") == {"wabtec-locomotives"}
    assert public_slugs("Тепловозов") == {"wabtec-locomotives"}  # Cyrillic case folded


def test_samruk_in_kazakh_finds_samruk_kazynas_agreements(register):
    found = public_slugs("Самұрық")
    samruk = set(
        Agreement.objects.public().filter(parties__organization__slug="samruk-kazyna").values_list("slug", flat=True)
    )
    assert samruk and samruk <= found


@pytest.mark.parametrize("text", ["KTZ", "ҚТЖ", "қтж"])
def test_ktz_in_either_script_finds_kazakhstan_temir_zholy(register, text):
    ktz = set(
        Agreement.objects.public()
        .filter(parties__organization__slug="kazakhstan-temir-zholy")
        .values_list("slug", flat=True)
    )
    assert ktz and public_slugs(text) == ktz


def test_an_alias_added_is_searched_at_once(register):
    OrganizationAlias.objects.create(organization=Organization.objects.get(slug="wabtec"), name="Westinghouse")
    assert public_slugs("Westinghouse") == {"wabtec-locomotives"}
    OrganizationAlias.objects.filter(name="Westinghouse").delete()
    assert public_slugs("Westinghouse") == set()


def test_the_api_q_finds_a_russian_title(client, russian_title):
    rows = orjson.loads(client.get(LIST_URL, {"q": "тепловозов", "lang": "ru"}).content)["results"]
    assert [row["title"] for row in rows] == ["Поставка тепловозов и железнодорожного оборудования"]


# ---------------------------------------------------------------- the admin: every language on one form


def test_the_admin_edits_every_language_and_an_alias_on_one_form(admin_client, register):
    from django.urls import reverse

    from tests.test_admin import form_data

    ktz = Organization.objects.get(slug="kazakhstan-temir-zholy")
    url = reverse("admin:agreements_organization_change", args=[ktz.pk])
    page = admin_client.get(url)
    html = page.content.decode()
    for name in ("name_en", "name_ru", "name_kk"):
        assert f'name="{name}"' in html
    assert 'name="aliases-0-name"' in html
    data = form_data(page)
    data["name_kk"] = "«Қазақстан темір жолы» ҰК» АҚ"
    data["aliases-TOTAL_FORMS"] = str(int(data["aliases-TOTAL_FORMS"]) + 1)
    index = int(data["aliases-TOTAL_FORMS"]) - 1
    data.update({f"aliases-{index}-name": "Kazakhstan Railways", f"aliases-{index}-kind": "other_name"})
    with translation.override("ru"):  # a Russian-reading editor's save keeps English in the original column
        response = admin_client.post(url, data)
    assert response.status_code == 302
    ktz.refresh_from_db()
    assert (ktz.name, ktz.name_en, ktz.name_kk) == (
        "Kazakhstan Temir Zholy JSC",
        "Kazakhstan Temir Zholy JSC",
        data["name_kk"],
    )
    assert ktz.aliases.filter(name="Kazakhstan Railways").exists()
    assert public_slugs("Railways")  # searched at once

    # The same alias twice: a message on the form, not an error page.
    data = form_data(admin_client.get(url))
    index = int(data["aliases-TOTAL_FORMS"])
    data["aliases-TOTAL_FORMS"] = str(index + 1)
    data.update({f"aliases-{index}-name": "KTZ"})
    response = admin_client.post(url, data)
    assert response.status_code == 200
    assert "Please correct the duplicate data for name." in response.content.decode()
    assert ktz.aliases.filter(name="KTZ").count() == 1


def test_the_api_organisation_detail_lists_its_aliases(client, register):
    body = orjson.loads(client.get("/api/v1/organizations/kazakhstan-temir-zholy/", {"lang": "ru"}).content)
    assert body["name"] == "АО «НК «Қазақстан темір жолы»"
    assert {(alias["name"], alias["language"]) for alias in body["aliases"]} == {("KTZ", "en"), ("ҚТЖ", "kk")}
