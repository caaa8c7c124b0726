import datetime
import json
import os
from pathlib import Path

import pytest
from django.conf import settings
from jsonschema import Draft4Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4

from agreements.models import Organization, PublicationState, Role, Side, Source
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
)


def body(response):
    """The bytes of a response, streamed or not (consuming a stream runs its queries)."""
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def make_deal(**kwargs):
    """A published agreement with a KZ buyer who signed, a US supplier, a source and a commitment."""
    agreement = AgreementFactory(places="Astana; Washington", **kwargs)
    PartyFactory(
        agreement=agreement,
        organization=OrganizationFactory(country="KZ", wikidata_qid="Q4221", registry_number="020240000555"),
        side=Side.KZ,
        role=Role.BUYER,
        signed_by="Ivan Ivanov",
        signer_title="Chair",
    )
    PartyFactory(
        agreement=agreement,
        organization=OrganizationFactory(country="US"),
        side=Side.US,
        role=Role.SUPPLIER,
    )
    CitationFactory(agreement=agreement)
    CommitmentFactory(agreement=agreement, due_on=datetime.date(2027, 12, 31))
    return agreement


@pytest.fixture
def deals(db):
    def build(count, **kwargs):
        return [make_deal(**kwargs) for _ in range(count)]

    return build


@pytest.fixture
def hidden(db):
    """A draft and a record in review, each with parties and sources, that no export may show."""
    records = [
        make_deal(slug="secret-draft", title="Secret draft", publication_state=PublicationState.DRAFT),
        make_deal(slug="secret-review", title="Secret review", publication_state=PublicationState.REVIEW),
    ]
    for record in records:
        Organization.objects.filter(parties__agreement=record).update(
            name=f"Secret party of {record.slug}", name_en=f"Secret party of {record.slug}"
        )
        Source.objects.filter(citations__agreement=record).update(title=f"Secret source of {record.slug}")
    return records


@pytest.fixture
def energy(db):
    return SectorFactory(slug="energy", name="Energy")


def ocds_schema_dir():
    """OCDS_SCHEMA_DIR, else `../shared/schemas/ocds-1.1.5` beside the project, else the workplace's copy.

    A missing schema fails the tests loudly (FileNotFoundError below); it never skips them.
    """
    if os.environ.get("OCDS_SCHEMA_DIR"):
        return Path(os.environ["OCDS_SCHEMA_DIR"])
    candidates = [
        settings.BASE_DIR.parent / "shared" / "schemas" / "ocds-1.1.5",
        Path("/work/shared/schemas/ocds-1.1.5"),
    ]
    return next((path for path in candidates if path.is_dir()), candidates[0])


SCHEMA_DIR = ocds_schema_dir()


@pytest.fixture(scope="session")
def validator():
    """Draft 4 validation of a release package, offline: the schemas' own URLs map to the local files."""
    schemas = {
        name: json.loads((SCHEMA_DIR / name).read_text())
        for name in ("release-package-schema.json", "release-schema.json")
    }
    registry = Registry().with_resources(
        (schema["id"], Resource.from_contents(schema, default_specification=DRAFT4)) for schema in schemas.values()
    )
    return Draft4Validator(
        schemas["release-package-schema.json"], registry=registry, format_checker=Draft4Validator.FORMAT_CHECKER
    )


def errors(validator, package):
    return [f"{list(error.absolute_path)}: {error.message}" for error in validator.iter_errors(package)]


def body_json(response):
    """The JSON of an answer, streamed or not (the JSON and OCDS exports stream)."""
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return json.loads(content)
