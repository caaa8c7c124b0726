"""The downloads (agreements/exports) in the OpenAPI schema and in the API's index.

The exports are plain Django views (they stream), so drf-spectacular cannot see them: this hook adds their
paths to the schema it generates, with the agreements list's own filter parameters (the same
AgreementFilterSet answers both, so the two can never disagree), their answers' media types and the same
documented 400 as the list.
"""

import copy

from django.urls import reverse

from agreements.exports.views import XLSX_TYPE

# What the exports answer besides the list's parameters: no pages, the whole filtered selection.
NOT_FOR_DOWNLOADS = {"page", "page_size"}

ERROR = {"$ref": "#/components/schemas/Error"}
INVALID_QUERY = {"$ref": "#/components/schemas/InvalidQuery"}
OBJECT = {"type": "object"}


def downloads():
    """(url name, file name, media type, what it is, its body's schema or None): each takes the list's filters."""
    return [
        ("agreements-csv", "agreements.csv", "text/csv", "The filtered agreements, one row each (CSV).", None),
        (
            "agreements-xlsx",
            "agreements.xlsx",
            XLSX_TYPE,
            "The same rows as agreements.csv, as a spreadsheet (XLSX).",
            None,
        ),
        (
            "agreements-json",
            "agreements.json",
            "application/json",
            "The same rows as agreements.csv, typed, with the totals of the selection (JSON).",
            {
                "type": "object",
                "required": ["totals", "agreements"],
                "properties": {
                    "totals": {"$ref": "#/components/schemas/Totals"},
                    "agreements": {"type": "array", "items": OBJECT},
                },
            },
        ),
        ("parties-csv", "parties.csv", "text/csv", "The parties of the filtered agreements (CSV).", None),
        ("sources-csv", "sources.csv", "text/csv", "The sources cited by the filtered agreements (CSV).", None),
        (
            "ocds-release-package",
            "ocds.json",
            "application/json",
            "The filtered agreements as an OCDS 1.1 release package; no agreement matching is a 404 (an empty "
            "package is not valid OCDS).",
            {
                "type": "object",
                "required": ["uri", "publishedDate", "releases"],
                "properties": {"releases": {"type": "array", "minItems": 1, "items": OBJECT}},
            },
        ),
        (
            "datapackage",
            "datapackage.json",
            "application/json",
            "The Frictionless data package describing the CSV files: their columns, types and links.",
            {"type": "object", "required": ["name", "resources"], "properties": {"resources": {"type": "array"}}},
        ),
    ]


def export_path(name):
    return reverse(f"exports:{name}")


def add_downloads(result, generator, request, public):
    """drf-spectacular's postprocessing hook: the downloads' paths, after the API's."""
    from .pagination import TOTALS_SCHEMA

    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Totals"] = TOTALS_SCHEMA
    listing = result["paths"].get("/api/v1/agreements/", {}).get("get", {})
    parameters = [
        copy.deepcopy(parameter)
        for parameter in listing.get("parameters", [])
        if parameter["name"] not in NOT_FOR_DOWNLOADS
    ]
    throttled = listing.get("responses", {}).get("429")
    for name, filename, media_type, description, body in downloads():
        responses = {
            "200": {
                "description": f"{description} Sent as an attachment, `kzdeals-{filename}`.",
                "content": {media_type: {"schema": body or {"type": "string", "format": "binary"}}},
            },
            "400": {
                "description": "A bad query parameter: `errors` names each one with its reasons.",
                "content": {"application/json": {"schema": INVALID_QUERY}},
            },
        }
        if name == "ocds-release-package":
            responses["404"] = {
                "description": "No public agreement matches these parameters.",
                "content": {"application/json": {"schema": ERROR}},
            }
        if throttled:
            responses["429"] = copy.deepcopy(throttled)
        result["paths"][export_path(name)] = {
            "get": {
                "operationId": f"downloads_{name.replace('-', '_')}",
                "summary": description,
                "description": "The public agreements that the list's parameters select, whole (no pages). "
                "Conditional GET: ETag and Last-Modified from the register's version.",
                "tags": ["downloads"],
                "parameters": copy.deepcopy(parameters),
                "responses": responses,
            }
        }
    return result


# Parameters that are no filter: an empty one is refused (a 400) like any other value that is not a number.
NOT_FILTERS = {"page", "page_size"}
EMPTY = {"type": "string", "enum": [""], "description": "Empty: no filter."}


def empty_is_no_filter(result, generator, request, public):
    """drf-spectacular's postprocessing hook: a filter sent empty (`?signed_before=`, as the page's form sends an
    empty field) is no filter, and the schema says so, so that it calls valid exactly what the API takes."""
    for operations in result["paths"].values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter["in"] != "query" or parameter["name"] in NOT_FILTERS:
                    continue
                schema = parameter["schema"]
                if "anyOf" not in schema:
                    parameter["schema"] = {"anyOf": [schema, EMPTY]}
    return result
