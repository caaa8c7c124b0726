"""The API in three languages: `lang` or Accept-Language, a 400 naming `lang`, Content-Language and Vary on
every answer, the answer cache and ETags per language, `lang` documented once, and queries per request that
do not depend on the language."""

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from agreements.models import Agreement, Organization
from tests.factories import AgreementFactory, EventFactory, GroupFactory

from .conftest import LIST_URL, make_deal

pytestmark = pytest.mark.django_db

EVERY_ANSWER = [
    LIST_URL,
    "/api/v1/organizations/",
    "/api/v1/sectors/",
    "/api/v1/exports/agreements.csv",
    "/api/v1/exports/agreements.json",
    "/api/v1/schema/",
]


@pytest.fixture
def translated():
    agreement = AgreementFactory(title="Locomotives", title_ru="Локомотивы")
    return agreement


@pytest.mark.parametrize("url", EVERY_ANSWER)
def test_every_answer_says_its_language_and_varies_by_accept_language(client, translated, url):
    for params, headers, language in (
        ({}, {}, "en"),
        ({"lang": "ru"}, {}, "ru"),
        ({}, {"HTTP_ACCEPT_LANGUAGE": "kk-KZ,ru;q=0.5"}, "kk"),
        ({"lang": "en"}, {"HTTP_ACCEPT_LANGUAGE": "ru"}, "en"),  # lang wins
        ({}, {"HTTP_ACCEPT_LANGUAGE": "de, ru;q=0.3"}, "ru"),  # the first the register speaks
        ({}, {"HTTP_ACCEPT_LANGUAGE": "de"}, "en"),
    ):
        response = client.get(url, params, **headers)
        assert response.status_code == 200, (url, params, headers)
        assert response["Content-Language"] == language, (url, params, headers)
        assert "Accept-Language" in response["Vary"]


@pytest.mark.parametrize("url", [LIST_URL, "/api/v1/exports/agreements.csv", "/api/v1/organizations/"])
@pytest.mark.parametrize("value", ["de", "RU", "", "ru-RU", "en\x00"])
def test_an_unknown_lang_is_a_400_naming_it(client, url, value):
    response = client.get(url, {"lang": value})
    assert response.status_code == 400
    body = orjson.loads(response.content)
    assert body["detail"] == "Invalid query parameters."
    assert list(body["errors"]) == ["lang"]
    assert response["Content-Language"] == "en"
    assert "Accept-Language" in response["Vary"]


def test_the_list_and_detail_answer_the_language_asked(client, translated):
    def title(**params):
        return orjson.loads(client.get(LIST_URL, params).content)["results"][0]["title"]

    assert title() == "Locomotives"
    assert title(lang="ru") == "Локомотивы"
    assert title(lang="kk") == "Локомотивы"  # kk falls back to ru
    detail = f"{LIST_URL}{translated.slug}/"
    assert orjson.loads(client.get(detail, HTTP_ACCEPT_LANGUAGE="ru").content)["title"] == "Локомотивы"


def test_the_shape_is_the_same_in_every_language(client, translated):
    shapes = set()
    for language in ("en", "ru", "kk"):
        row = orjson.loads(client.get(LIST_URL, {"lang": language}).content)["results"][0]
        shapes.add(tuple(row))
    assert len(shapes) == 1


def test_the_answer_cache_and_etags_are_kept_per_language(client, settings, translated):
    settings.REGISTER_CACHE_TIMEOUT = 300
    for _ in range(2):  # the second round is answered from the cache
        english = client.get(LIST_URL)
        russian = client.get(LIST_URL, HTTP_ACCEPT_LANGUAGE="ru")
        assert orjson.loads(english.content)["results"][0]["title"] == "Locomotives"
        assert orjson.loads(russian.content)["results"][0]["title"] == "Локомотивы"
        assert english["ETag"] != russian["ETag"]
        assert russian["Content-Language"] == "ru"
    # A validator of one language does not answer 304 for another.
    assert client.get(LIST_URL, HTTP_IF_NONE_MATCH=russian["ETag"], HTTP_ACCEPT_LANGUAGE="ru").status_code == 304
    assert client.get(LIST_URL, HTTP_IF_NONE_MATCH=russian["ETag"]).status_code == 200


def body(response):
    return b"".join(response.streaming_content)


def test_exports_carry_the_translations(client, translated):
    rows = orjson.loads(body(client.get("/api/v1/exports/agreements.json", {"lang": "kk"})))["agreements"]
    assert (rows[0]["title"], rows[0]["title_ru"], rows[0]["title_kk"]) == ("Locomotives", "Локомотивы", None)
    csv = body(client.get("/api/v1/exports/agreements.csv")).decode()
    assert csv.splitlines()[0].startswith("slug,title,title_ru,title_kk,")
    assert "Локомотивы" in csv


def test_lang_is_documented_once_and_used_by_every_operation(client):
    schema = orjson.loads(client.get("/api/v1/schema/", {"format": "json"}).content)
    assert schema["components"]["parameters"]["lang"]["schema"]["enum"] == ["en", "ru", "kk"]
    operations = [operation for path in schema["paths"].values() for operation in path.values()]
    assert operations
    for operation in operations:
        assert {"$ref": "#/components/parameters/lang"} in operation["parameters"]


def count_queries(client, url, params):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url, params).status_code == 200
    return len(context)


def build(count):
    event = EventFactory()
    group = GroupFactory(event=event)
    for number in range(count):
        make_deal(event=event, group=group if number % 3 == 0 else None, value_amount=None if number % 3 == 0 else 1000)
    Organization.objects.update(name_ru="Организация")


@pytest.mark.parametrize("url", [LIST_URL, "/api/v1/organizations/", "/api/v1/exports/agreements.json"])
def test_queries_do_not_depend_on_the_language_or_the_rows(client, url):
    build(3)
    few = {language: count_queries(client, url, {"lang": language}) for language in ("en", "ru", "kk")}
    build(27)
    many = {language: count_queries(client, url, {"lang": language}) for language in ("en", "ru", "kk")}
    assert len(set(few.values()) | set(many.values())) == 1, (few, many)


def test_detail_queries_do_not_depend_on_the_language(client):
    build(3)
    slug = Agreement.objects.first().slug
    counts = {language: count_queries(client, f"{LIST_URL}{slug}/", {"lang": language}) for language in ("en", "ru")}
    assert counts["en"] == counts["ru"]
