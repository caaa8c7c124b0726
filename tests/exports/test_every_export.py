"""What holds for every export: bad parameters, hidden records, a fixed number of queries."""

import pytest
from django.urls import reverse

from tests.exports.conftest import body_json

from .conftest import body

EXPORTS = [
    "agreements-csv",
    "agreements-xlsx",
    "agreements-json",
    "parties-csv",
    "sources-csv",
    "ocds-release-package",
    "datapackage",
]
# Queries for a whole export, whatever the number of rows: the rows, then one per prefetched relation
# (agreements: parties, status entries, commitments and their updates; plus totals for JSON, the
# publication date for OCDS; the descriptor reads nothing).
# Each with one read of the register's version first (agreements/validators.py).
MAX_QUERIES = {
    "agreements-csv": 6,
    "agreements-xlsx": 6,
    "agreements-json": 9,
    "parties-csv": 3,
    "sources-csv": 3,
    "ocds-release-package": 9,  # one EXISTS first: an empty package is a 404, never invalid OCDS
    "datapackage": 1,
}
BAD_PARAMETERS = [
    ("sector", "no-such-sector"),
    ("kind", "treaty"),
    ("status", "dreaming"),
    ("party", "nobody"),
    ("country", "KAZ"),
    ("event", "no-such-event"),
    ("signed_after", "2025-13-01"),
    ("signed_before", "yesterday"),
    ("value_min", "-5"),
    ("value_max", "lots"),
    ("binding", "maybe"),
    ("stale", "maybe"),
    ("overdue", "1"),
    ("ordering", "random"),
]


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize(("parameter", "value"), BAD_PARAMETERS)
def test_bad_parameter_is_a_400_naming_it(client, db, name, parameter, value):
    response = client.get(reverse(f"exports:{name}"), {parameter: value})
    assert response.status_code == 400
    data = body_json(response)
    assert list(data["errors"]) == [parameter]
    messages = data["errors"][parameter]
    assert messages
    assert len(messages) == len(set(messages))


@pytest.mark.parametrize("name", EXPORTS)
def test_drafts_and_records_in_review_never_appear(client, deals, hidden, name):
    deals(1)
    content = body(client.get(reverse(f"exports:{name}")))
    assert b"secret" not in content.lower()
    assert b"Secret" not in content


@pytest.mark.parametrize("name", EXPORTS)
@pytest.mark.parametrize("rows", [3, 30])
def test_query_count_does_not_grow_with_the_rows(client, deals, django_assert_max_num_queries, name, rows):
    deals(rows)
    with django_assert_max_num_queries(MAX_QUERIES[name]):
        response = client.get(reverse(f"exports:{name}"))
        content = body(response)
    assert response.status_code == 200
    assert content


@pytest.mark.parametrize("name", EXPORTS)
def test_only_safe_methods_are_allowed(client, db, name):
    assert client.post(reverse(f"exports:{name}")).status_code == 405


@pytest.mark.parametrize(
    "name", ["agreements-csv", "parties-csv", "sources-csv", "agreements-json", "ocds-release-package"]
)
def test_row_exports_stream_so_memory_stays_flat(client, deals, name):
    deals(3)
    assert client.get(reverse(f"exports:{name}")).streaming
