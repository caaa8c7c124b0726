"""The real dataset passes the open-standard validators, as the product promises."""

import json

import frictionless
from django.urls import reverse

from agreements.models import Agreement
from tests.exports.conftest import body_json

from .conftest import body, errors
from .test_datapackage import CSV_ENDPOINTS


def test_register_is_a_valid_ocds_release_package(client, register, validator):
    package = body_json(client.get(reverse("exports:ocds-release-package")))
    assert errors(validator, package) == []
    assert len(package["releases"]) == Agreement.objects.public().count()


def test_register_is_a_valid_data_package(client, register, tmp_path):
    descriptor = body_json(client.get(reverse("exports:datapackage")))
    for resource in descriptor["resources"]:
        response = client.get(reverse(f"exports:{CSV_ENDPOINTS[resource['name']]}"))
        (tmp_path / f"{resource['name']}.csv").write_bytes(body(response))
        resource["path"] = f"{resource['name']}.csv"
    (tmp_path / "datapackage.json").write_text(json.dumps(descriptor))
    report = frictionless.validate(str(tmp_path / "datapackage.json"))
    assert report.valid, report.flatten(["rowNumber", "fieldName", "type", "note"])
    assert report.tasks[0].stats["rows"] == Agreement.objects.public().count()


def test_register_json_totals_match_the_rows(client, register):
    data = body_json(client.get(reverse("exports:agreements-json")))
    assert data["totals"]["count"] == len(data["agreements"]) == Agreement.objects.public().count()
