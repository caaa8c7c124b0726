"""The first dataset (fixtures/register.json) holds the facts of FACTS.md, adds up honestly and reloads cleanly."""

import datetime
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.db import IntegrityError, transaction

from agreements.models import (
    Agreement,
    Citation,
    Commitment,
    CommitmentUpdate,
    DatePrecision,
    Event,
    EventClaim,
    Group,
    Kind,
    Organization,
    Party,
    PublicationState,
    Sector,
    Source,
    Status,
    StatusEntry,
)
from tests.dumps import as_instants
from tests.test_hardening import flush

FIXTURE = settings.BASE_DIR / "fixtures" / "register.json"
NOVEMBER = "tokayev-washington-2025-11"
SEPTEMBER = "tokayev-new-york-2025-09"
MFA = "mfa-2025-11-07"
FACT_SHEET = "state-dept-fact-sheet-2025-11-07"
USD = Decimal

# An agreement's own value and the source it is the figure of: the MFA's, but for Leidos, which only the
# US fact sheet names.
OWN_VALUES = {
    "john-deere-agricultural-machinery": (USD("2500000000"), MFA),
    "cove-capital-tungsten": (USD("1100000000"), MFA),
    "samruk-kazyna-ashmore-clinic": (USD("150000000"), MFA),
    "1thirty-chemical-complex": (USD("130000000"), MFA),
    "wabtec-locomotives": (USD("4000000000"), MFA),
    "leidos-air-traffic-management": (USD("200000000"), FACT_SHEET),
}
GROUPS = {
    "joby-beta-smart-mobility": (USD("300000000"), {"joby-aero-air-taxis", "beta-technologies-electric-aviation"}),
    "nic-investment-funds": (USD("1000000000"), {"nic-brookfield", "nic-cerberus", "nic-ashmore"}),
    "education-package-2025-11": (
        USD("50000000"),
        {
            "colorado-school-of-mines-ulytau-university",
            "arizona-state-university-double-degrees",
            "coursera-digital-teaching",
            "openai-chatgpt-edu",
            "freedom-group-education",
        },
    ),
}
# (agreement, source, supports, claim amount, claim approximate)
DISPUTES = {
    ("air-astana-boeing-787", "state-dept-fact-sheet-2025-11-07", "value", USD("7000000000"), False),
    ("air-astana-boeing-787", "vlast-kz-67103", "value", USD("7000000000"), False),
    ("air-astana-boeing-787", "gulfnews-boeing-central-asia", "commitments", None, False),
    ("air-astana-boeing-787", "aerotelegraph-air-astana-787", "commitments", None, False),
    ("air-astana-boeing-787", "gulfnews-boeing-central-asia", "kind", None, False),
    ("air-astana-boeing-787", "aerotelegraph-air-astana-787", "kind", None, False),
    ("john-deere-agricultural-machinery", "state-dept-fact-sheet-2025-11-07", "value", None, False),
    ("joby-aero-air-taxis", "caspianpost-alatau-air-taxi", "value", USD("300000000"), True),
    ("nic-cerberus", "state-dept-fact-sheet-2025-11-07", "value", USD("250000000"), False),
    ("1thirty-chemical-complex", "trend-az-4114816", "value", USD("130000000"), True),
    ("wabtec-locomotives", "manufacturingdive-wabtec", "value", USD("4200000000"), False),
}


def register_models():
    return list(apps.get_app_config("agreements").get_models())


def usd(totals):
    return totals.in_currency("USD")


def snapshot():
    """Every row of every table of the app, primary key included, as plain values."""
    return {
        model._meta.label: sorted(map(repr, model.objects.order_by("pk").values_list())) for model in register_models()
    }


# ---------------------------------------------------------------- the file itself


def test_fixture_file_uses_natural_keys_only_and_publishes_everything():
    objects = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert objects, "the fixture is empty"
    assert all("pk" not in obj for obj in objects)
    models_in_order = [obj["model"] for obj in objects]
    order = [
        "agreements.sector",
        "agreements.source",
        "agreements.organization",
        "agreements.organizationalias",
        "agreements.event",
        "agreements.eventclaim",
        "agreements.group",
        "agreements.agreement",
        "agreements.party",
        "agreements.commitment",
        "agreements.commitmentupdate",
        "agreements.citation",
        "agreements.statusentry",
    ]
    # Dependencies come first: the models appear in blocks, in this order.
    assert [
        model for index, model in enumerate(models_in_order) if index == 0 or models_in_order[index - 1] != model
    ] == order
    for obj in objects:
        fields = obj["fields"]
        for name in (
            "sector",
            "event",
            "group",
            "agreement",
            "organization",
            "source",
            "announced_source",
            "commitment",
        ):
            if fields.get(name) is not None:
                assert isinstance(fields[name], list), (obj["model"], name)
        if obj["model"] == "agreements.agreement":
            assert fields["publication_state"] == "published"
            assert fields["published_at"] and fields["created_at"] and fields["updated_at"]


# ---------------------------------------------------------------- counts and totals


def test_twenty_two_public_agreements_in_thirteen_sectors(register):
    public = Agreement.objects.public()
    assert public.count() == 22
    assert Agreement.objects.count() == 22
    assert public.filter(event__slug=NOVEMBER).count() == 21
    assert list(public.filter(event__slug=SEPTEMBER).values_list("slug", flat=True)) == ["wabtec-locomotives"]
    assert Sector.objects.count() == 13
    assert Sector.objects.filter(agreements__isnull=True).count() == 0
    assert Source.objects.count() == 29
    assert Group.objects.count() == 3
    assert not apps.get_model("agreements", "Relation").objects.exists()


def test_every_record_is_published_with_a_fixed_date(register):
    assert set(Agreement.objects.values_list("publication_state", flat=True)) == {PublicationState.PUBLISHED}
    november = datetime.datetime(2025, 11, 7, 12, tzinfo=datetime.UTC)
    september = datetime.datetime(2025, 9, 23, 12, tzinfo=datetime.UTC)
    follow_up = datetime.datetime(2026, 12, 1, 12, tzinfo=datetime.UTC)  # Leidos and Cisco, added with it
    added = {"wabtec-locomotives": september, "leidos-air-traffic-management": follow_up}
    added["cisco-digital-memorandum"] = follow_up
    for agreement in Agreement.objects.all():
        expected = added.get(agreement.slug, november)
        assert agreement.published_at == expected
        assert agreement.created_at == expected
        assert agreement.updated_at == expected


def test_november_event_itemises_5_43_billion_in_21_documents_against_17_announced(register):
    event = Event.objects.get(slug=NOVEMBER)
    assert event.announced_documents == 29
    assert event.announced_amount == USD("17000000000")
    assert event.announced_approximate is True
    assert event.announced_source.key == MFA

    totals = Agreement.objects.public().filter(event=event).totals()
    assert totals.count == 21
    row = usd(totals)
    assert row.total == USD("5430000000.00")  # the MFA's 5.23, and Leidos's 0.20 from the US fact sheet
    assert row.binding == USD("4850000000.00")  # Deere 2.5 + Cove 1.1 + NIC 1.0 + education 0.05 + Leidos 0.2
    assert row.non_binding == USD("580000000.00")  # Joby/BETA 0.3 + clinic 0.15 + 1Thirty 0.13
    assert row.approximate is True
    assert str(row.total) == "5430000000.00"
    assert round(row.total / event.announced_amount * 100, 1) == USD("31.9")


def test_the_fact_sheets_package_is_the_events_claim_never_itemised(register):
    (claim,) = EventClaim.objects.filter(event__slug=NOVEMBER)
    assert claim.source.key == FACT_SHEET
    assert claim.amount == USD("3700000000") and claim.currency == "USD" and not claim.approximate
    assert "up to $3.7 billion" in claim.claim and "Cisco" in claim.claim
    assert usd(Agreement.objects.public().filter(event__slug=NOVEMBER).totals()).total == USD("5430000000")


def test_all_public_totals_include_wabtec(register):
    totals = Agreement.objects.public().totals()
    assert totals.count == 22
    assert totals.valued == 16  # six own values and ten group members
    assert totals.unvalued == 6  # Boeing, Starlink, Visa, ETS, critical minerals, Cisco
    assert [row.currency for row in totals.currencies] == ["USD"]
    row = usd(totals)
    assert row.total == USD("9430000000.00")
    assert row.binding == USD("8850000000.00")
    assert row.non_binding == USD("580000000.00")
    assert row.approximate is True


def test_group_members_have_no_value_of_their_own(register):
    for slug, (amount, members) in GROUPS.items():
        group = Group.objects.get(slug=slug)
        assert group.amount == amount
        assert group.currency == "USD"
        assert group.approximate is True
        assert group.basis == "announced"
        assert group.source.key == MFA
        assert group.event.slug == NOVEMBER
        assert set(group.agreements.values_list("slug", flat=True)) == members
        assert not group.agreements.filter(value_amount__isnull=False).exists()
    member = Agreement.objects.get(slug="nic-cerberus")
    member.value_amount = USD("250000000")
    with pytest.raises(IntegrityError), transaction.atomic():
        member.save()


@pytest.mark.parametrize("slug", sorted(GROUPS))
def test_a_group_value_counts_once_for_one_member_and_for_all(register, slug):
    amount, members = GROUPS[slug]
    public = Agreement.objects.public()
    one = public.filter(slug=sorted(members)[0]).totals()
    assert one.count == 1
    assert usd(one).total == amount
    everyone = public.filter(slug__in=members).totals()
    assert everyone.count == len(members)
    assert everyone.valued == len(members)
    assert usd(everyone).total == amount
    assert usd(everyone).approximate is True


def test_members_of_two_groups_and_an_own_value_add_up_once_each(register):
    slugs = ["joby-aero-air-taxis", "beta-technologies-electric-aviation", "nic-brookfield", "nic-ashmore"]
    row = usd(Agreement.objects.public().filter(slug__in=[*slugs, "cove-capital-tungsten"]).totals())
    assert row.total == USD("300000000") + USD("1000000000") + USD("1100000000")
    assert row.non_binding == USD("300000000")  # the Joby/BETA memoranda


# ---------------------------------------------------------------- reloading


def test_loading_twice_changes_nothing(register):
    before = snapshot()
    assert sum(len(rows) for rows in before.values()) > 0
    call_command("loaddata", "register", verbosity=0)
    assert snapshot() == before


def test_no_duplicates_after_reloading(register):
    call_command("loaddata", "register", verbosity=0)
    for model in (*REGISTER_MODEL_CLASSES, EventClaim, StatusEntry, CommitmentUpdate):
        keys = [obj.natural_key() for obj in model.objects.all()]
        assert len(keys) == len(set(keys)), model.__name__
    assert Agreement.objects.count() == 22
    assert Party.objects.count() == 43
    assert Organization.objects.filter(name="Republic of Kazakhstan").count() == 1
    assert Organization.objects.filter(name="Ashmore Investment Advisors Corporation").count() == 1


def test_reloading_restores_an_edited_record(register):
    Agreement.objects.filter(slug="wabtec-locomotives").update(title="Edited", value_amount=USD("1"))
    call_command("loaddata", "register", verbosity=0)
    wabtec = Agreement.objects.get(slug="wabtec-locomotives")
    assert wabtec.title == "Purchase of locomotives and railway equipment from Wabtec"
    assert wabtec.value_amount == USD("4000000000")


def test_loaddata_on_a_fresh_database(db):
    assert not Agreement.objects.exists()
    out = StringIO()
    call_command("loaddata", "register", stdout=out)
    objects = json.loads(FIXTURE.read_text(encoding="utf-8"))
    assert f"Installed {len(objects)} object(s) from 1 fixture(s)" in out.getvalue()
    assert Agreement.objects.public().count() == 22


HISTORIED = (Agreement, Party, Commitment, CommitmentUpdate, Citation, StatusEntry)


def test_every_loaded_row_has_its_first_version_in_the_history_and_a_reload_adds_none(register):
    # loaddata saves raw, which simple_history skips; the project's loaddata writes each row's first
    # version after it, once: a reload finds them there and writes nothing.
    for model in HISTORIED:
        assert model.history.count() == model.objects.count() > 0, model.__name__
        assert set(model.history.values_list("history_type", flat=True)) == {"+"}
    call_command("loaddata", "register", verbosity=0)
    for model in HISTORIED:
        assert model.history.count() == model.objects.count(), model.__name__

    # An editor's ordinary save on a loaded record is recorded as usual, and the original can be restored.
    deere = Agreement.objects.get(slug="john-deere-agricultural-machinery")
    original = deere.summary
    deere.summary = "Edited by an editor."
    deere.save()
    assert deere.history.count() == 2
    assert deere.history.first().history_type == "~"
    assert deere.history.last().summary == original

    # A reload puts the fixture's text back, and the history says so.
    call_command("loaddata", "register", verbosity=0)
    deere.refresh_from_db()
    assert deere.summary == original
    assert deere.history.count() == 3
    assert deere.history.first().summary == original


# ---------------------------------------------------------------- sources and conflicts


def test_every_agreement_has_citations_and_every_citation_a_source(register):
    source_ids = set(Source.objects.values_list("pk", flat=True))
    for agreement in Agreement.objects.all():
        assert agreement.citations.exists(), agreement.slug
    assert set(Citation.objects.values_list("source_id", flat=True)) <= source_ids
    assert set(Commitment.objects.values_list("source_id", flat=True)) <= source_ids
    # The MFA statement backs every record it mentions; #19 comes from [1] only, Leidos and Cisco from the
    # sources that name them.
    without_mfa = Agreement.objects.exclude(citations__source__key=MFA).values_list("slug", flat=True)
    assert sorted(without_mfa) == [
        "cisco-digital-memorandum",
        "critical-minerals-memorandum",
        "leidos-air-traffic-management",
    ]
    # Every source listed in FACTS.md is used somewhere.
    for source in Source.objects.all():
        used = (
            source.citations.exists()
            or source.groups.exists()
            or source.announced_events.exists()
            or source.event_claims.exists()
        )
        assert used, source.key


def test_every_own_value_is_backed_by_its_source(register):
    for slug, (_, source) in OWN_VALUES.items():
        assert Citation.objects.filter(
            agreement__slug=slug, source__key=source, supports="value", disputes=False
        ).exists(), slug


def test_the_conflicts_are_kept_as_disputing_citations(register):
    disputing = {
        (c.agreement.slug, c.source.key, c.supports, c.claim_amount, c.claim_approximate)
        for c in Citation.objects.filter(disputes=True).select_related("agreement", "source")
    }
    assert disputing == DISPUTES
    for citation in Citation.objects.filter(disputes=True):
        assert citation.claim
        assert citation.claim_currency == ("USD" if citation.claim_amount is not None else "")
    boeing = Citation.objects.get(
        agreement__slug="air-astana-boeing-787", source__key="gulfnews-boeing-central-asia", supports="commitments"
    )
    assert boeing.claim == "15 direct from Boeing plus 3 leased"
    deere = Citation.objects.get(agreement__slug="john-deere-agricultural-machinery", source__key=FACT_SHEET)
    assert deere.claim == "USD 3 to 5 billion"  # a range: no single amount to put beside the MFA's


def test_non_disputing_claims_from_other_sources(register):
    kind = Citation.objects.get(agreement__slug="john-deere-agricultural-machinery", supports="kind")
    assert kind.source.key == "baq-kz-john-deere"
    assert kind.claim == "A strategic partnership agreement"
    assert not kind.disputes
    status = Citation.objects.get(
        agreement__slug="samruk-kazyna-ashmore-clinic", source__key="qazinform-ashmore-clinic"
    )
    assert status.supports == "status"
    assert "February 2026" in status.claim


# ---------------------------------------------------------------- values, dates, parties


def test_no_value_no_source_stated(register):
    own = dict(Agreement.objects.filter(value_amount__isnull=False).values_list("slug", "value_amount"))
    assert own == {slug: amount for slug, (amount, _) in OWN_VALUES.items()}
    assert not Agreement.objects.filter(value_approximate=True).exists()
    bases = dict(Agreement.objects.values_list("slug", "value_basis"))
    assert bases.pop("leidos-air-traffic-management") == "contracted"  # "a $200 million contract awarded"
    assert set(bases.values()) == {"announced"}
    assert set(Agreement.objects.values_list("value_currency", flat=True)) == {"USD"}
    for slug in (
        "air-astana-boeing-787",
        "beeline-starlink-direct-to-cell",
        "national-bank-visa",
        "ets-national-testing-roadmap",
        "critical-minerals-memorandum",
        "cisco-digital-memorandum",
    ):
        agreement = Agreement.objects.get(slug=slug)
        assert agreement.value_amount is None
        assert agreement.group is None
        assert not agreement.has_value


def test_signature_dates_and_their_precision(register):
    wabtec = Agreement.objects.get(slug="wabtec-locomotives")
    assert wabtec.signed_on_display == "2025-09-22"
    assert wabtec.signed_on_precision == DatePrecision.DAY
    clinic = Agreement.objects.get(slug="samruk-kazyna-ashmore-clinic")
    assert clinic.signed_on is None
    assert clinic.signed_on_display is None
    assert clinic.status == Status.ANNOUNCED
    assert clinic.kind == Kind.PROJECT
    november = Agreement.objects.filter(event__slug=NOVEMBER).exclude(pk=clinic.pk)
    assert november.count() == 20
    assert {a.signed_on_display for a in november} == {"2025-11"}
    assert set(november.values_list("status", flat=True)) == {Status.SIGNED}


def test_kinds_and_binding(register):
    kinds = dict(Agreement.objects.values_list("slug", "kind"))
    assert kinds["air-astana-boeing-787"] == Kind.LETTER_OF_INTENT
    assert kinds["beeline-starlink-direct-to-cell"] == Kind.PARTNERSHIP
    assert kinds["ets-national-testing-roadmap"] == Kind.ROADMAP
    non_binding = set(Agreement.objects.non_binding().values_list("slug", flat=True))
    assert non_binding == {
        "air-astana-boeing-787",
        "joby-aero-air-taxis",
        "beta-technologies-electric-aviation",
        "national-bank-visa",
        "ets-national-testing-roadmap",
        "samruk-kazyna-ashmore-clinic",
        "1thirty-chemical-complex",
        "critical-minerals-memorandum",
        "cisco-digital-memorandum",
    }
    assert kinds["leidos-air-traffic-management"] == Kind.CONTRACT


def test_signatories_of_the_tungsten_and_critical_minerals_agreements(register):
    tungsten = {p.side: p for p in Party.objects.filter(agreement__slug="cove-capital-tungsten")}
    assert (tungsten["KZ"].organization.slug, tungsten["KZ"].signed_by, tungsten["KZ"].signer_title) == (
        "tau-ken-samruk",
        "Nariman Absametov",
        "CEO of Tau-Ken Samruk",
    )
    assert (tungsten["US"].organization.slug, tungsten["US"].signed_by, tungsten["US"].signer_title) == (
        "cove-capital",
        "Pini Althaus",
        "CEO of Cove Capital",
    )
    assert "Cove Kaz Capital Group LLC" in tungsten["US"].note
    minerals = {p.side: p for p in Party.objects.filter(agreement__slug="critical-minerals-memorandum")}
    assert (minerals["KZ"].signed_by, minerals["KZ"].signer_title) == (
        "Yersayin Nagaspayev",
        "Minister of Industry and Construction of the Republic of Kazakhstan",
    )
    assert (minerals["US"].signed_by, minerals["US"].signer_title) == ("Howard Lutnick", "U.S. Secretary of Commerce")
    assert minerals["US"].organization.slug == "us-department-of-commerce"
    # Nobody else is named as a signatory: the sources name no one else.
    named = Party.objects.exclude(signed_by="").values_list("agreement__slug", flat=True)
    assert sorted(named) == ["cove-capital-tungsten"] * 2 + ["critical-minerals-memorandum"] * 2


def test_every_agreement_has_a_party_on_each_side_but_the_one_whose_kazakh_party_is_unnamed(register):
    for agreement in Agreement.objects.exclude(slug="leidos-air-traffic-management"):
        assert sorted(agreement.parties.values_list("side", flat=True)) == ["KZ", "US"], agreement.slug
    # The US fact sheet names Leidos and no Kazakh party: none is invented.
    leidos = Agreement.objects.get(slug="leidos-air-traffic-management")
    assert list(leidos.parties.values_list("organization__slug", "side")) == [("leidos", "US")]
    roles = {
        (p.agreement.slug, p.organization.slug): p.role
        for p in Party.objects.select_related("agreement", "organization")
    }
    assert roles[("air-astana-boeing-787", "air-astana")] == "buyer"
    assert roles[("air-astana-boeing-787", "boeing")] == "supplier"
    assert roles[("wabtec-locomotives", "kazakhstan-temir-zholy")] == "buyer"
    assert roles[("wabtec-locomotives", "wabtec")] == "supplier"
    joby = Party.objects.get(agreement__slug="joby-aero-air-taxis", side="KZ")
    assert joby.organization.slug == "republic-of-kazakhstan"
    assert "Ministry of Artificial Intelligence and Digital Development" in joby.note
    ashmore = Organization.objects.get(slug="ashmore-investment-advisors")
    assert set(ashmore.parties.values_list("agreement__slug", flat=True)) == {
        "nic-ashmore",
        "samruk-kazyna-ashmore-clinic",
    }


def test_places_and_commitments(register):
    places = dict(Agreement.objects.exclude(places="").values_list("slug", "places"))
    assert places == {
        "john-deere-agricultural-machinery": "Kostanay; Turkestan",
        "cove-capital-tungsten": "Karaganda region",
        "beeline-starlink-direct-to-cell": "Kazakhstan (whole country, remote regions included)",
        "joby-aero-air-taxis": "Alatau; Almaty",
        "colorado-school-of-mines-ulytau-university": "Zhezkazgan; Ulytau region",
        "1thirty-chemical-complex": "United States",
        "wabtec-locomotives": "Astana",
    }
    assert Agreement.objects.get(slug="john-deere-agricultural-machinery").place_list == ["Kostanay", "Turkestan"]
    deere = Commitment.objects.get(agreement__slug="john-deere-agricultural-machinery", position=1)
    assert (deere.quantity, deere.unit, deere.source.key) == (USD("3000"), "units", MFA)
    assert "over five years" in deere.description
    boeing = Commitment.objects.get(agreement__slug="air-astana-boeing-787", position=1)
    assert (boeing.quantity, boeing.unit, boeing.source.key) == (USD("18"), "aircraft", MFA)
    wabtec = Commitment.objects.get(agreement__slug="wabtec-locomotives", position=1)
    assert (wabtec.quantity, wabtec.unit, wabtec.source.key) == (
        USD("300"),
        "locomotive kits",
        "manufacturingdive-wabtec",
    )
    # Due dates only where a source gives one, to the precision it gives.
    due = {
        (c.agreement.slug, c.position): c.due_display
        for c in Commitment.objects.filter(due_on__isnull=False).select_related("agreement")
    }
    assert due == {
        ("air-astana-boeing-787", 2): "2026-07",
        ("beeline-starlink-direct-to-cell", 1): "2026-03",
        ("cove-capital-tungsten", 5): "2028",
        ("wabtec-locomotives", 3): "2036",
        ("wabtec-locomotives", 4): "2058",
    }
    assert set(Commitment.objects.values_list("status", flat=True)) == {"scheduled", "met", "partially_met"}
    assert "2026" in Commitment.objects.get(agreement__slug="beeline-starlink-direct-to-cell").description
    assert "2027" in Commitment.objects.get(agreement__slug="ets-national-testing-roadmap").description
    for agreement in Agreement.objects.prefetch_related("commitments"):
        positions = [c.position for c in agreement.commitments.all()]
        assert positions == list(range(1, len(positions) + 1)), agreement.slug


REGISTER_MODEL_CLASSES = (Sector, Source, Organization, Event, Group, Agreement, Party, Commitment, Citation)


def test_every_record_passes_model_validation(register):
    for model in (*REGISTER_MODEL_CLASSES, EventClaim, StatusEntry, CommitmentUpdate):
        for obj in model.objects.all():
            obj.full_clean()


REGISTER_MODELS = [
    "agreements.sector",
    "agreements.source",
    "agreements.organization",
    "agreements.organizationalias",
    "agreements.event",
    "agreements.eventclaim",
    "agreements.group",
    "agreements.agreement",
    "agreements.party",
    "agreements.commitment",
    "agreements.commitmentupdate",
    "agreements.citation",
    "agreements.statusentry",
    "agreements.relation",
]


def dump_register():
    out = StringIO()
    call_command("dumpdata", *REGISTER_MODELS, natural_foreign=True, natural_primary=True, indent=1, stdout=out)
    return json.loads(out.getvalue())


def test_dumpdata_flush_loaddata_round_trip_gives_back_the_same_data(register, tmp_path):
    before = dump_register()
    dump_file = tmp_path / "round-trip.json"
    dump_file.write_text(json.dumps(before))

    flush()
    assert Agreement.objects.count() == 0
    call_command("loaddata", str(dump_file), verbosity=0)

    assert as_instants(dump_register()) == as_instants(before)
    assert len(before) == 311


# ---------------------------------------------------------------- follow-up (FACTS.md, second half)

VERIFIED = datetime.date(2026, 12, 1)


def timeline(slug):
    return [
        (entry.date_display, entry.status, entry.source.key)
        for entry in StatusEntry.objects.filter(agreement__slug=slug).select_related("source")
    ]


def test_every_record_has_a_timeline_ending_in_its_status_and_was_verified_on_1_december_2026(register):
    for agreement in Agreement.objects.prefetch_related("status_entries"):
        entries = list(agreement.status_entries.all())
        assert entries, agreement.slug
        assert entries[-1].status == agreement.status, agreement.slug
        assert agreement.last_verified_on == VERIFIED, agreement.slug
        assert all(entry.source_id for entry in entries), agreement.slug


def test_the_clinic_was_announced_and_is_still_being_planned_in_february_2026(register):
    assert timeline("samruk-kazyna-ashmore-clinic") == [
        ("2025-11", Status.ANNOUNCED, MFA),
        ("2026-02", Status.ANNOUNCED, "qazinform-ashmore-clinic"),
    ]
    february = StatusEntry.objects.get(agreement__slug="samruk-kazyna-ashmore-clinic", date=datetime.date(2026, 2, 1))
    assert february.date_precision == DatePrecision.MONTH
    assert "Mount Sinai" in february.note and "2022plusz.hu" in february.note
    assert Agreement.objects.get(slug="samruk-kazyna-ashmore-clinic").status == Status.ANNOUNCED


def test_the_tungsten_joint_ventures_documents_of_12_march_2026(register):
    assert timeline("cove-capital-tungsten") == [
        ("2025-11", Status.SIGNED, MFA),
        ("2026-03-12", Status.SIGNED, "qazinform-2026-03-12"),
    ]
    entry = StatusEntry.objects.get(agreement__slug="cove-capital-tungsten", date=datetime.date(2026, 3, 12))
    assert "share purchase agreement" in entry.note and "shareholders' agreement" in entry.note
    venture = Commitment.objects.get(agreement__slug="cove-capital-tungsten", position=1)
    (update,) = venture.updates.all()
    assert (update.date, update.status, update.source.key) == (
        datetime.date(2026, 3, 12),
        "met",
        "qazinform-2026-03-12",
    )
    assert venture.status == "met"
    commitments = dict(
        Commitment.objects.filter(agreement__slug="cove-capital-tungsten").values_list("description", "source__key")
    )
    assert commitments["Reserves registered to the JORC standard"] == "turkystan-kz-273046"
    assert commitments["About 1,000 jobs"] == "qazinform-2026-03-12"
    assert any("9,300 tonnes" in text for text in commitments)


def test_boeing_shareholders_approval_and_the_deliveries_due_in_july_2026(register):
    assert timeline("air-astana-boeing-787")[-1] == ("2026-01-19", Status.SIGNED, "sky-budget-2026-01-19")
    deliveries = Commitment.objects.get(agreement__slug="air-astana-boeing-787", position=2)
    assert (deliveries.due_display, deliveries.source.key, deliveries.status) == (
        "2026-07",
        "vlast-kz-67277",
        "scheduled",
    )
    (update,) = deliveries.updates.all()
    assert (update.date, update.source.key) == (datetime.date(2026, 2, 20), "astanatimes-2026-02-20")
    assert "second half of 2026" in update.note


def test_chatgpt_edu_is_partially_met_with_84000_educators_trained(register):
    (update,) = CommitmentUpdate.objects.filter(commitment__agreement__slug="openai-chatgpt-edu")
    assert (update.status, update.progress, update.source.key) == (
        "partially_met",
        USD("84000"),
        "aiphreaks-2026-05-20",
    )
    assert update.commitment.status == "partially_met"


def test_wabtec_locomotives_from_2027_to_2036_and_service_to_2058(register):
    wabtec = {c.description: c for c in Commitment.objects.filter(agreement__slug="wabtec-locomotives")}
    purchase = wabtec["Purchase of 300 locomotives in 2027\u20132036, 30 a year"]
    assert (purchase.quantity, purchase.due_display, purchase.source.key) == (
        USD("300"),
        "2036",
        "centrasia-2025-09-27",
    )
    service = wabtec["Service contract for 405 locomotives, extended to 2058"]
    assert (service.quantity, service.due_display) == (USD("405"), "2058")


def test_news_since_is_the_newest_dated_fact_and_no_more(register):
    from agreements.models import agreement_news_since

    agreements = Agreement.objects.prefetch_related("status_entries", "commitments__updates")
    news = {agreement.slug: agreement_news_since(agreement) for agreement in agreements}
    assert news["cove-capital-tungsten"] == "2026-03-12"
    assert news["air-astana-boeing-787"] == "2026-02-20"
    assert news["openai-chatgpt-edu"] == "2026-05-20"
    assert news["beeline-starlink-direct-to-cell"] == "2026-03-03"
    assert news["colorado-school-of-mines-ulytau-university"] == "2025-11-22"
    assert news["samruk-kazyna-ashmore-clinic"] == "2026-02"
    assert news["wabtec-locomotives"] == "2025-09-22"
    # Nothing dated after signing: "no news since" the signature, never more.
    for slug in (
        "john-deere-agricultural-machinery",
        "national-bank-visa",
        "nic-cerberus",
        "critical-minerals-memorandum",
    ):
        assert news[slug] == "2025-11", slug
