import datetime
from decimal import Decimal

import factory

from agreements import models


class SectorFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Sector
        django_get_or_create = ("slug",)

    name = factory.Sequence(lambda n: f"Sector {n}")
    slug = factory.Sequence(lambda n: f"sector-{n}")


class SourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Source

    key = factory.Sequence(lambda n: f"source-{n}")
    publisher = "Example Press"
    title = factory.Sequence(lambda n: f"Report {n}")
    url = factory.Sequence(lambda n: f"https://example.org/report-{n}")
    published_on = datetime.date(2025, 11, 7)
    language = "en"


class OrganizationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Organization

    name = factory.Sequence(lambda n: f"Organisation {n}")
    slug = factory.Sequence(lambda n: f"organisation-{n}")
    country = "KZ"
    org_type = models.OrgType.PRIVATE_COMPANY


class EventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Event

    name = factory.Sequence(lambda n: f"Visit {n}")
    slug = factory.Sequence(lambda n: f"visit-{n}")
    starts_on = datetime.date(2025, 11, 6)
    place = "Washington, D.C."


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Group

    name = factory.Sequence(lambda n: f"Package {n}")
    slug = factory.Sequence(lambda n: f"package-{n}")
    amount = Decimal("1000000000")
    currency = "USD"
    approximate = True


class AgreementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Agreement

    title = factory.Sequence(lambda n: f"Agreement {n}")
    slug = factory.Sequence(lambda n: f"agreement-{n}")
    kind = models.Kind.AGREEMENT
    status = models.Status.SIGNED
    sector = factory.SubFactory(SectorFactory)
    signed_on = datetime.date(2025, 11, 6)
    value_amount = Decimal("100000000")
    publication_state = models.PublicationState.PUBLISHED


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Party

    agreement = factory.SubFactory(AgreementFactory)
    organization = factory.SubFactory(OrganizationFactory)
    side = models.Side.KZ
    role = models.Role.PARTY


class CommitmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Commitment

    agreement = factory.SubFactory(AgreementFactory)
    position = factory.Sequence(lambda n: n + 1)
    description = "At least 3,000 units"
    quantity = Decimal("3000")
    unit = "units"


class CitationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.Citation

    agreement = factory.SubFactory(AgreementFactory)
    source = factory.SubFactory(SourceFactory)
    supports = models.Supports.RECORD


class StatusEntryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.StatusEntry

    agreement = factory.SubFactory(AgreementFactory)
    status = models.Status.SIGNED
    date = datetime.date(2025, 11, 6)
    source = factory.SubFactory(SourceFactory)


class CommitmentUpdateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = models.CommitmentUpdate

    commitment = factory.SubFactory(CommitmentFactory)
    status = models.MilestoneStatus.SCHEDULED
    date = datetime.date(2026, 3, 1)
    source = factory.SubFactory(SourceFactory)


def staff_in(group_name, username):
    """A staff member in one of the editorial groups ("editors", "publishers": agreements/roles.py)."""
    from django.contrib.auth.models import Group as AuthGroup
    from django.contrib.auth.models import User

    user = User.objects.create_user(username, password="not-used-in-tests", is_staff=True)
    user.groups.add(AuthGroup.objects.get(name=group_name))
    return user
