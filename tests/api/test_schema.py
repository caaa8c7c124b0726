"""The OpenAPI schema is valid and documents the parameters; its docs page runs under the strict CSP."""

import re

import pytest
import yaml
from django.contrib.staticfiles import finders
from django.urls import reverse
from drf_spectacular.validation import validate_schema

from tests.factories import AgreementFactory


@pytest.fixture
def schema(client, db):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


def filter_schema(parameter):
    """A filter's own schema: every filter also takes the empty value, which is no filter."""
    first, empty = parameter["schema"]["anyOf"]
    assert empty["enum"] == [""]
    return first


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)
    assert schema["openapi"].startswith("3.")


def test_schema_served_as_yaml_by_default(client, db):
    response = client.get("/api/v1/schema/")

    assert response.status_code == 200
    assert yaml.safe_load(response.content)["info"]["title"] == "kzdeals API"


def test_schema_has_every_public_path_and_only_gets(schema):
    assert set(schema["paths"]) == {
        "/api/v1/agreements/",
        "/api/v1/agreements/{slug}/",
        "/api/v1/organizations/",
        "/api/v1/organizations/{slug}/",
        "/api/v1/events/",
        "/api/v1/events/{slug}/",
        "/api/v1/sectors/",
        "/api/v1/sectors/{slug}/",
        "/api/v1/changes/",
        # The index, and the downloads (agreements/api/downloads.py).
        "/api/v1/",
        "/api/v1/exports/agreements.csv",
        "/api/v1/exports/agreements.xlsx",
        "/api/v1/exports/agreements.json",
        "/api/v1/exports/parties.csv",
        "/api/v1/exports/sources.csv",
        "/api/v1/exports/ocds.json",
        "/api/v1/exports/datapackage.json",
    }
    assert {method for operations in schema["paths"].values() for method in operations} == {"get"}


def parameter_names(operation):
    """Each parameter's name; `lang`, shared by every operation, is a reference to its one definition."""
    return {parameter.get("name") or parameter["$ref"].rsplit("/", 1)[-1] for parameter in operation["parameters"]}


def test_schema_documents_every_query_parameter_and_the_400_shape(schema):
    operation = schema["paths"]["/api/v1/agreements/"]["get"]
    names = parameter_names(operation)

    assert names == {
        "lang",
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
        "stale",
        "overdue",
        "ordering",
        "page",
        "page_size",
    }
    for name in ("stale", "overdue"):
        parameter = next(parameter for parameter in operation["parameters"] if parameter.get("name") == name)
        assert filter_schema(parameter) == {"type": "string", "enum": ["false", "true"]}
        assert "`true`" in parameter["description"] and "`false`" in parameter["description"]
    ordering = next(parameter for parameter in operation["parameters"] if parameter.get("name") == "ordering")
    assert set(filter_schema(ordering)["enum"]) == {"signed_on", "-signed_on", "value", "-value", "title", "-title"}
    assert set(operation["responses"]) == {"200", "400", "404", "429"}
    error = schema["components"]["schemas"]["InvalidQuery"]
    assert set(error["properties"]) == {"detail", "errors"}
    paginated = schema["components"]["schemas"]["PaginatedAgreementList"]
    assert set(paginated["properties"]) == {"count", "next", "previous", "results", "totals"}


def test_schema_documents_the_change_log(schema):
    operation = schema["paths"]["/api/v1/changes/"]["get"]
    parameters = {parameter["name"]: parameter for parameter in operation["parameters"] if "name" in parameter}
    assert set(parameters) == {"since", "agreement", "page", "page_size"}
    assert parameter_names(operation) == {*parameters, "lang"}
    assert filter_schema(parameters["since"]) == {"type": "string", "format": "date-time"}
    assert filter_schema(parameters["agreement"])["pattern"] == "^[-a-zA-Z0-9_]+$"
    assert set(operation["responses"]) == {"200", "400", "404", "429"}
    assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/InvalidQuery")
    change = schema["components"]["schemas"]["Change"]
    assert change["required"] == ["agreement", "at", "changes"]
    item = schema["components"]["schemas"]["ChangeItem"]
    assert set(item["properties"]) == {"field", "before", "after"}


def test_schema_describes_the_agreement_without_publication_state(schema):
    agreement = schema["components"]["schemas"]["AgreementDetail"]

    assert {"slug", "value", "group", "parties", "sources", "url", "relations"} <= set(agreement["properties"])
    assert "publication_state" not in str(schema)
    assert "PublicationState" not in str(schema)


def test_docs_page_has_no_inline_script_or_style(client, db):
    response = client.get(reverse("api:docs"))
    html = response.content.decode()

    assert response.status_code == 200
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", html, flags=re.S)
    assert len(scripts) == 3
    assert all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert "<style" not in html
    assert " style=" not in html
    assert "script-src 'self'" in response["Content-Security-Policy"]


def test_docs_script_is_served_from_this_site_and_points_at_the_schema(client, db):
    page = client.get(reverse("api:docs")).content.decode()
    script_url = re.findall(r'<script src="([^"]+)"', page)[-1].replace("&amp;", "&")

    response = client.get(script_url)

    assert script_url.startswith("/api/v1/docs/?")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert "/api/v1/schema/" in response.content.decode()


def test_an_empty_filter_is_no_filter_and_the_schema_says_so(client, schema):
    for parameter in schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]:
        name = parameter.get("name")
        if name is None:  # `lang`, a reference to its one definition (tests/api/test_content_languages.py)
            continue
        if name in ("page", "page_size"):
            assert "anyOf" not in parameter["schema"], name
            assert client.get("/api/v1/agreements/", {name: ""}).status_code == 400, name
        else:
            filter_schema(parameter)
            assert client.get("/api/v1/agreements/", {name: ""}).status_code == 200, name


DOWNLOADS = {
    "/api/v1/exports/agreements.csv": "text/csv",
    "/api/v1/exports/agreements.xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "/api/v1/exports/agreements.json": "application/json",
    "/api/v1/exports/parties.csv": "text/csv",
    "/api/v1/exports/sources.csv": "text/csv",
    "/api/v1/exports/ocds.json": "application/json",
    "/api/v1/exports/datapackage.json": "application/json",
}


def test_the_downloads_are_in_the_schema_with_the_lists_parameters(client, schema):
    listing = schema["paths"]["/api/v1/agreements/"]["get"]["parameters"]
    filters = [parameter for parameter in listing if parameter.get("name") not in ("page", "page_size")]
    for path, media_type in DOWNLOADS.items():
        operation = schema["paths"][path]["get"]
        assert operation["parameters"] == filters, path
        assert list(operation["responses"]["200"]["content"]) == [media_type], path
        assert operation["responses"]["400"]["content"]["application/json"]["schema"]["$ref"].endswith("/InvalidQuery")
        # What the schema says is what the download answers.
        response = client.get(path, {"kind": "treaty"})
        assert response.status_code == 400 and set(response.json()["errors"]) == {"kind"}, path
    assert "404" in schema["paths"]["/api/v1/exports/ocds.json"]["get"]["responses"]


def test_the_docs_page_has_its_language_and_the_sites_icon(client, db):
    html = client.get(reverse("api:docs")).content.decode()
    assert re.search(r'<html lang="en">', html)
    assert '<link rel="icon" type="image/svg+xml" href="/static/favicon.svg">' in html


def test_the_index_lists_every_resource_and_download_on_site_url(client, db, settings):
    settings.SITE_URL = "https://register.example"
    AgreementFactory()  # an OCDS package needs one release
    response = client.get("/api/v1/")
    assert response.status_code == 200
    index = response.json()
    resources = {item["name"]: item for item in index["resources"]}
    assert set(resources) == {"agreements", "organizations", "events", "sectors", "changes"}
    for item in [*index["resources"], *index["downloads"]]:
        assert item["url"].startswith("https://register.example/api/v1/"), item
        # Each address answers.
        assert client.get(item["url"].removeprefix("https://register.example")).status_code == 200, item
    assert resources["agreements"]["detail"] == "https://register.example/api/v1/agreements/{slug}/"
    assert resources["changes"]["detail"] is None
    site = "https://register.example"
    assert {item["url"].removeprefix(site): item["media_type"] for item in index["downloads"]} == DOWNLOADS
    assert index["schema"] == "https://register.example/api/v1/schema/"
    assert index["docs"] == "https://register.example/api/v1/docs/"


def test_every_page_links_the_sites_icon(client, db):
    assert finders.find("favicon.svg")
    for url in ("/", "/agreements/"):
        html = client.get(url).content.decode()
        assert re.search(r'<link rel="icon" type="image/svg\+xml" href="[^"]*favicon[^"]*\.svg">', html), url
