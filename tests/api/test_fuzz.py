"""Schemathesis fuzzes every operation of the schema through the WSGI app: never a 5xx, every answer
conforms to the schema, and a request the schema calls valid is refused only for an unknown slug."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from agreements.models import PublicationState
from kzdeals.wsgi import application

from .conftest import make_deal

# Loaded at collection: generating the schema reads no table.
schema = schemathesis.openapi.from_wsgi("/api/v1/schema/?format=json", application)

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
    assert response.status_code in EXPECTED.get(case.method, {405}), (case.method, case.formatted_path, response.text)
    # An empty parameter means "no filter", as when the page's form is sent with an empty field, so
    # `?signed_before=` is accepted though the schema says date; the other checks all hold.
    case.validate_response(
        response,
        excluded_checks=[schemathesis.checks.positive_data_acceptance, schemathesis.checks.negative_data_rejection],
    )
    schema_valid = case.meta is not None and not case.meta.generation.mode.is_negative
    if response.status_code == 400 and schema_valid:
        assert set(response.json()["errors"]) <= SLUG_PARAMETERS, response.text
