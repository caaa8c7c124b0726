import datetime
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse

from agreements.models import Kind, PublicationState, Role, Side
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    SourceFactory,
)

LIST_URL = "/api/v1/agreements/"


@pytest.fixture(autouse=True)
def _fresh_cache(settings):
    """No count of the rate limit and no kept answer from an earlier test."""
    cache.clear()
    yield
    cache.clear()


def make_deal(parties=True, **kwargs):
    """A published agreement with a KZ buyer who signed, a US supplier, a disputing source and a commitment."""
    agreement = AgreementFactory(**kwargs)
    if parties:
        PartyFactory(
            agreement=agreement,
            organization=OrganizationFactory(country="KZ"),
            side=Side.KZ,
            role=Role.BUYER,
            signed_by="Ivan Ivanov",
            signer_title="Chair",
        )
        PartyFactory(agreement=agreement, organization=OrganizationFactory(country="US"), side=Side.US)
    CitationFactory(
        agreement=agreement,
        source=SourceFactory(publisher="Kazinform", title="Deals signed", language="ru"),
        supports="value",
        claim="USD 4.2 billion",
        claim_amount=Decimal("4200000000"),
        claim_currency="USD",
        claim_approximate=True,
        disputes=True,
    )
    CommitmentFactory(agreement=agreement, position=1, due_on=datetime.date(2027, 12, 31))
    return agreement


@pytest.fixture
def deals(db):
    def build(count, **kwargs):
        return [make_deal(**kwargs) for _ in range(count)]

    return build


@pytest.fixture
def hidden(db):
    """A draft and a record in review, with parties, sources, a sector and an event of their own."""
    return [
        make_deal(slug="secret-draft", title="Secret draft zebra", publication_state=PublicationState.DRAFT),
        make_deal(
            slug="secret-review",
            title="Secret review zebra",
            kind=Kind.MEMORANDUM,
            publication_state=PublicationState.REVIEW,
        ),
    ]


def get_json(client, url, expect=200, **params):
    response = client.get(url, params)
    assert response.status_code == expect, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def detail_url(slug):
    return reverse("api:agreement-detail", kwargs={"slug": slug})
