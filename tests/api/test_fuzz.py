"""Schemathesis fuzzes every operation of the schema through the WSGI app: never a 5xx, every answer
conforms to the schema, and a request the schema calls valid is refused only for an unknown slug."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.config._checks import POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES

from agreements.models import PublicationState
from kzdeals.wsgi import application

from .conftest import make_deal

# Every default check on. The one setting: a schema-valid request may be refused with the documented 400 when
# it names a slug that does not exist (`sector=0`). Which slugs exist is data, not schema (sectors, events,
# organisations and agreements are added by editors), and PRODUCT.md's contract is that an unknown filter value
# is a 400 naming the parameter, never a 404. The test below still holds such a 400 to the slug parameters alone.
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": [*POSITIVE_DATA_ACCEPTANCE_EXPECTED_STATUSES, "400"],
            }
        }
    }
)

# Loaded at collection: generating the schema reads no table.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application, config=CONFIG)

# Which slugs exist is data, not schema: a well-formed unknown slug is a 400 naming the parameter.
SLUG_PARAMETERS = {"sector", "party", "event", "agreement"}
EXPECTED = {"GET": {200, 400, 404}, "HEAD": {200, 400, 404}, "OPTIONS": {200}}


@pytest.fixture
def wsgi_keeps_the_test_connection():
    """As Django's test client does: the handler would close the connection holding the test's transaction."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def records(db, hidden, wsgi_keeps_the_test_connection):
    """Three public agreements beside a draft and a record in review, for the fuzzer to find or miss."""
    return [make_deal(publication_state=PublicationState.PUBLISHED) for _ in range(3)]


@schema.parametrize()
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)
def test_every_operation_answers_within_its_schema(records, case):
    response = case.call()

    # The coverage phase also tries the methods the API refuses (POST, TRACE, ...).
    expected = EXPECTED.get(case.method, {405})
    if case.method == "OPTIONS" and case.path.startswith("/api/v1/exports/"):
        expected = {405}  # the downloads are GET and HEAD only (the API's views answer OPTIONS with their metadata)
    assert response.status_code in expected, (case.method, case.formatted_path, response.text)
    case.validate_response(response)
    schema_valid = case.meta is not None and not case.meta.generation.mode.is_negative
    if response.status_code == 400 and schema_valid:
        assert set(response.json()["errors"]) <= SLUG_PARAMETERS, response.text
