"""The OpenAPI schema is valid and documents the parameters; its docs page runs under the strict CSP."""

import re

import pytest
import yaml
from django.urls import reverse
from drf_spectacular.validation import validate_schema


@pytest.fixture
def schema(client, db):
    response = client.get(reverse("api:schema"), {"format": "json"})
    assert response.status_code == 200
    return response.json()


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
        assert parameter["schema"] == {"type": "string", "enum": ["false", "true"]}
        assert "`true`" in parameter["description"] and "`false`" in parameter["description"]
    ordering = next(parameter for parameter in operation["parameters"] if parameter.get("name") == "ordering")
    assert set(ordering["schema"]["enum"]) == {"signed_on", "-signed_on", "value", "-value", "title", "-title"}
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
    assert parameters["since"]["schema"] == {"type": "string", "format": "date-time"}
    assert parameters["agreement"]["schema"]["pattern"] == "^[-a-zA-Z0-9_]+$"
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
