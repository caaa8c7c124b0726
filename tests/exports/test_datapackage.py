import json

import frictionless
from django.conf import settings
from django.urls import reverse

from agreements.exports.tabular import AGREEMENT_COLUMNS, PARTY_COLUMNS, SOURCE_COLUMNS
from tests.exports.conftest import body_json

from .conftest import body

CSV_ENDPOINTS = {"agreements": "agreements-csv", "parties": "parties-csv", "sources": "sources-csv"}


def get_descriptor(client, **params):
    response = client.get(reverse("exports:datapackage"), params)
    assert response.status_code == 200
    return body_json(response)


def test_descriptor_fields_are_the_csv_columns(client, db):
    descriptor = get_descriptor(client)
    fields = {
        resource["name"]: [field["name"] for field in resource["schema"]["fields"]]
        for resource in descriptor["resources"]
    }
    assert fields == {"agreements": AGREEMENT_COLUMNS, "parties": PARTY_COLUMNS, "sources": SOURCE_COLUMNS}


def test_resources_point_at_the_csv_exports_of_the_same_selection(client, energy):
    descriptor = get_descriptor(client, sector="energy", ordering="title")
    paths = {resource["name"]: resource["path"] for resource in descriptor["resources"]}
    assert paths == {
        name: f"{settings.SITE_URL}{reverse(f'exports:{url_name}')}?sector=energy&ordering=title"
        for name, url_name in CSV_ENDPOINTS.items()
    }


def test_descriptor_is_a_valid_tabular_data_package(client, db):
    descriptor = get_descriptor(client)
    report = frictionless.Package.validate_descriptor(descriptor)
    assert report.valid, report.flatten(["type", "note"])
    descriptor["resources"][0]["schema"]["fields"][0]["type"] = "slug"
    assert not frictionless.Package.validate_descriptor(descriptor).valid


def test_package_data_is_valid_against_its_schemas(client, deals, hidden, tmp_path):
    """Fetch each CSV through the app, point a local copy of the descriptor at the files, validate all."""
    deals(3)
    descriptor = get_descriptor(client)
    for resource in descriptor["resources"]:
        response = client.get(reverse(f"exports:{CSV_ENDPOINTS[resource['name']]}"))
        (tmp_path / f"{resource['name']}.csv").write_bytes(body(response))
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert [task.stats["rows"] for task in report.tasks] == [3, 6, 3]


def test_data_breaking_the_schema_is_caught(client, deals, tmp_path):
    """The validation above is not vacuous: a party of an agreement missing from the package fails."""
    deals(1)
    descriptor = get_descriptor(client)
    for resource in descriptor["resources"]:
        response = client.get(reverse(f"exports:{CSV_ENDPOINTS[resource['name']]}"))
        content = body(response)
        if resource["name"] == "agreements":
            content = content.splitlines(keepends=True)[0]
        (tmp_path / f"{resource['name']}.csv").write_bytes(content)
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert not report.valid
    assert "foreign-key" in {error[0] for error in report.flatten(["type"])}
