"""History from the start, compare any two versions (inline rows included) and restore either."""

import pytest
from django.core.management import call_command
from django.urls import reverse

from agreements.models import (
    Agreement,
    Citation,
    Commitment,
    Party,
    PublicationState,
    Relation,
    Revision,
    Side,
    StatusEntry,
)
from tests.factories import AgreementFactory, CommitmentFactory, OrganizationFactory, PartyFactory, StatusEntryFactory
from tests.test_admin import form_data, form_errors
from tests.test_review import commit  # noqa: F401 (a fixture)
from tests.test_workflow import change_url

pytestmark = pytest.mark.django_db

HISTORIED = (Agreement, Party, Commitment, Citation, Relation, StatusEntry)


def history_counts():
    return {model.__name__: model.history.count() for model in HISTORIED}


def test_every_record_of_the_dataset_has_its_first_version_and_loading_again_adds_none(register):
    assert all(model.objects.exists() for model in (Agreement, Party, Commitment, Citation, StatusEntry))
    for model in HISTORIED:
        without = model.objects.exclude(pk__in=model.history.values("id"))
        assert not without.exists(), model.__name__
    before = history_counts()
    call_command("loaddata", "register", verbosity=0)
    assert history_counts() == before


@pytest.fixture
def versions(client, publisher, commit):  # noqa: F811
    """A published agreement in two versions: then with KTZ and one wording, now with Wabtec and another."""
    agreement = commit(AgreementFactory, title="Locomotive supply", slug="locomotive-supply")
    StatusEntryFactory(agreement=agreement)
    PartyFactory(agreement=agreement, organization=OrganizationFactory(name="KTZ", slug="ktz"), side=Side.KZ)
    CommitmentFactory(agreement=agreement, position=1, description="At least 300 locomotives")
    first = agreement.history.latest()
    wabtec = OrganizationFactory(name="Wabtec", slug="wabtec", country="US")
    client.force_login(publisher)
    data = form_data(client.get(change_url(agreement)))
    data.update(
        {
            "title_en": "Locomotive supply and service",
            "parties-0-DELETE": "on",
            "parties-TOTAL_FORMS": "2",
            "parties-1-organization": str(wabtec.pk),
            "parties-1-side": "US",
            "parties-1-role": "supplier",
            "commitments-0-description_en": "At least 310 locomotives",
        }
    )
    response = commit(client.post, change_url(agreement), data)
    assert response.status_code == 302, form_errors(response)
    second = agreement.history.latest()
    assert second.history_id != first.history_id
    return agreement, first, second


def compare_url(agreement, old, new):
    url = reverse("admin:agreements_agreement_compare", args=[agreement.pk])
    return f"{url}?from={old.history_id}&to={new.history_id}"


def test_compare_shows_only_the_fields_and_inline_rows_that_differ(client, versions):
    agreement, first, second = versions
    response = client.get(compare_url(agreement, first, second))
    assert response.status_code == 200
    comparison = response.context["comparison"]
    assert comparison["fields"] == [
        {"label": "title", "before": "Locomotive supply", "after": "Locomotive supply and service"}
    ]
    sections = {str(section["label"]): section["rows"] for section in comparison["sections"]}
    assert set(sections) == {"Parties", "Commitments"}
    assert sorted((row["change"], row.get("before", row.get("after"))[:6]) for row in sections["Parties"]) == [
        ("added", "Wabtec"),
        ("removed", "KTZ · "),
    ]
    assert sections["Commitments"][0]["fields"] == [
        {"label": "description", "before": "At least 300 locomotives", "after": "At least 310 locomotives"}
    ]
    # Either order: the older version is always on the left.
    assert client.get(compare_url(agreement, second, first)).context["comparison"] == comparison
    page = response.content.decode()
    for version in (first, second):
        assert reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, version.history_id]) in page
    assert "<style" not in page and " style=" not in page


def test_the_history_page_offers_the_comparison(client, versions):
    agreement, first, _second = versions
    page = client.get(reverse("admin:agreements_agreement_history", args=[agreement.pk])).content.decode()
    assert reverse("admin:agreements_agreement_compare", args=[agreement.pk]) in page
    assert f'name="from" value="{first.history_id}"' in page


@pytest.mark.parametrize("query", ["", "?from=1", "?from=x&to=2", "?from=999999&to=999998"])
def test_compare_without_two_versions_goes_back_to_the_history_with_a_message(client, versions, query):
    agreement, _first, _second = versions
    response = client.get(reverse("admin:agreements_agreement_compare", args=[agreement.pk]) + query)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:agreements_agreement_history", args=[agreement.pk])


def revert(client, agreement, version, commit):  # noqa: F811
    url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, version.history_id])
    return commit(client.post, url, form_data(client.get(url)))


def test_a_revert_restores_the_inline_rows_as_they_were(client, versions, commit):  # noqa: F811
    agreement, first, _second = versions
    response = revert(client, agreement, first, commit)
    assert response.status_code == 302, form_errors(response)
    agreement.refresh_from_db()
    assert agreement.title == "Locomotive supply"
    assert list(agreement.parties.values_list("organization__slug", "side")) == [("ktz", "KZ")]
    assert list(agreement.commitments.values_list("description", flat=True)) == ["At least 300 locomotives"]
    assert agreement.publication_state == PublicationState.PUBLISHED


def test_an_editors_revert_of_a_published_record_waits_for_review(client, versions, editor, commit):  # noqa: F811
    agreement, first, _second = versions
    client.force_login(editor)
    response = revert(client, agreement, first, commit)
    assert response.status_code == 302, form_errors(response)
    agreement.refresh_from_db()
    assert agreement.title == "Locomotive supply and service"
    assert list(agreement.parties.values_list("organization__slug", flat=True)) == ["wabtec"]
    snapshot = Revision.objects.get(agreement=agreement).snapshot
    assert snapshot["agreement"]["fields"]["title"] == "Locomotive supply"
    assert [row["fields"]["description"] for row in snapshot["commitments"]] == ["At least 300 locomotives"]
    assert len(snapshot["parties"]) == 1 and snapshot["parties"][0]["fields"]["side"] == "KZ"
