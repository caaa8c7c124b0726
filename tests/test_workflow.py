"""Draft → review → published: editors prepare and submit, only publishers publish or unpublish."""

import pytest
from django.contrib.auth.models import Group as AuthGroup
from django.urls import reverse

from agreements.models import Agreement, PublicationState
from tests.factories import AgreementFactory, SectorFactory
from tests.test_admin import agreement_post, form_data, form_errors

pytestmark = pytest.mark.django_db

DRAFT, REVIEW, PUBLISHED = PublicationState.DRAFT, PublicationState.REVIEW, PublicationState.PUBLISHED


@pytest.fixture
def editor_client(client, editor):
    client.force_login(editor)
    return client


@pytest.fixture
def publisher_client(client, publisher):
    client.force_login(publisher)
    return client


def changelist():
    return reverse("admin:agreements_agreement_changelist")


def change_url(agreement):
    return reverse("admin:agreements_agreement_change", args=[agreement.pk])


def run_action(client, action, *agreements):
    return client.post(
        changelist(), {"action": action, "_selected_action": [str(agreement.pk) for agreement in agreements]}
    )


def offered_states(response):
    return [value for value, _label in response.context["adminform"].form.fields["publication_state"].widget.choices]


def test_groups_from_the_migration_split_the_publish_permission(editor, publisher):
    assert not editor.has_perm("agreements.publish_agreement")
    assert editor.has_perms(["agreements.add_agreement", "agreements.change_agreement"])
    assert publisher.has_perm("agreements.publish_agreement")


def test_editor_is_offered_draft_and_review_only(editor_client):
    response = editor_client.get(reverse("admin:agreements_agreement_add"))
    assert response.status_code == 200
    assert offered_states(response) == [DRAFT, REVIEW]


def test_publisher_is_offered_every_state(publisher_client):
    response = publisher_client.get(reverse("admin:agreements_agreement_add"))
    assert offered_states(response) == [DRAFT, REVIEW, PUBLISHED]


def test_editor_can_create_a_record_for_review(editor_client):
    response = editor_client.post(
        reverse("admin:agreements_agreement_add"), agreement_post(SectorFactory(), publication_state="review")
    )
    assert response.status_code == 302
    assert Agreement.objects.get(slug="locomotive-supply").publication_state == REVIEW


def test_forged_publish_from_an_editor_is_refused(editor_client):
    response = editor_client.post(
        reverse("admin:agreements_agreement_add"), agreement_post(SectorFactory(), publication_state="published")
    )
    assert response.status_code == 200
    assert "Only a publisher can publish a record" in form_errors(response)
    assert not Agreement.objects.filter(slug="locomotive-supply").exists()


def test_forged_publish_of_an_existing_draft_leaves_it_unchanged(editor_client):
    agreement = AgreementFactory(title="Draft title", publication_state=DRAFT)
    data = form_data(editor_client.get(change_url(agreement)))
    data.update(title_en="Changed", publication_state="published")
    response = editor_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert "Only a publisher can publish a record" in form_errors(response)
    agreement.refresh_from_db()
    assert (agreement.title, agreement.publication_state, agreement.published_at) == ("Draft title", DRAFT, None)


def test_editor_may_edit_a_published_record_which_stays_published_until_the_change_is_reviewed(editor_client):
    agreement = AgreementFactory(title="Old", publication_state=PUBLISHED)
    response = editor_client.get(change_url(agreement))
    assert offered_states(response) == [PUBLISHED]
    data = form_data(response)
    data["title_en"] = "Corrected"
    assert editor_client.post(change_url(agreement), data).status_code == 302
    agreement.refresh_from_db()
    # The change waits as a pending revision (tests/test_review.py); the live record is as it was.
    assert (agreement.title, agreement.publication_state) == ("Old", PUBLISHED)
    assert agreement.revisions.get().snapshot["agreement"]["fields"]["title"] == "Corrected"


def test_editor_cannot_take_a_published_record_back_to_draft(editor_client):
    agreement = AgreementFactory(title="Old", publication_state=PUBLISHED)
    data = form_data(editor_client.get(change_url(agreement)))
    data.update(title_en="Changed", publication_state="draft")
    response = editor_client.post(change_url(agreement), data)
    assert response.status_code == 200
    assert "Only a publisher can take a published record back" in form_errors(response)
    agreement.refresh_from_db()
    assert (agreement.title, agreement.publication_state) == ("Old", PUBLISHED)


def test_editor_cannot_publish_by_reverting_to_a_published_version(editor_client):
    agreement = AgreementFactory(title="Was public", publication_state=PUBLISHED)
    published_version = agreement.history.earliest("history_date")
    agreement.publication_state = DRAFT
    agreement.title = "Withdrawn"
    agreement.save()

    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, published_version.history_id])
    data = form_data(editor_client.get(revert_url))
    data["publication_state"] = "published"
    response = editor_client.post(revert_url, data)
    assert response.status_code == 200
    agreement.refresh_from_db()
    assert (agreement.title, agreement.publication_state) == ("Withdrawn", DRAFT)


def test_publisher_can_publish_in_the_form_which_sets_published_at(publisher_client):
    agreement = AgreementFactory(publication_state=REVIEW)
    data = form_data(publisher_client.get(change_url(agreement)))
    data["publication_state"] = "published"
    assert publisher_client.post(change_url(agreement), data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.publication_state == PUBLISHED
    assert agreement.published_at is not None


def test_editor_submits_drafts_for_review(editor_client):
    draft = AgreementFactory(publication_state=DRAFT)
    published = AgreementFactory(publication_state=PUBLISHED)
    assert run_action(editor_client, "submit_for_review", draft, published).status_code == 302
    draft.refresh_from_db()
    published.refresh_from_db()
    assert (draft.publication_state, published.publication_state) == (REVIEW, PUBLISHED)


def test_editor_has_no_publish_actions(editor_client):
    response = editor_client.get(changelist())
    actions = {name for name, _label in response.context["action_form"].fields["action"].choices}
    assert "submit_for_review" in actions
    assert not actions & {"publish", "unpublish", "delete_selected"}


def test_forged_publish_action_from_an_editor_does_nothing(editor_client):
    agreement = AgreementFactory(publication_state=REVIEW)
    run_action(editor_client, "publish", agreement)
    agreement.refresh_from_db()
    assert (agreement.publication_state, agreement.published_at) == (REVIEW, None)
    assert not Agreement.objects.public().exists()


def test_publisher_publishes_and_unpublishes(publisher_client):
    agreement = AgreementFactory(publication_state=REVIEW)
    assert run_action(publisher_client, "publish", agreement).status_code == 302
    agreement.refresh_from_db()
    assert agreement.publication_state == PUBLISHED
    first_published = agreement.published_at
    assert first_published is not None
    assert list(Agreement.objects.public()) == [agreement]

    run_action(publisher_client, "unpublish", agreement)
    agreement.refresh_from_db()
    assert agreement.publication_state == DRAFT
    assert not Agreement.objects.public().exists()

    run_action(publisher_client, "publish", agreement)
    agreement.refresh_from_db()
    assert agreement.published_at == first_published


def test_actions_are_recorded_in_history_with_the_user(publisher_client, publisher):
    agreement = AgreementFactory(publication_state=REVIEW)
    run_action(publisher_client, "publish", agreement)
    latest = agreement.history.latest("history_date")
    assert (latest.publication_state, latest.history_user) == (PUBLISHED, publisher)


def test_editor_cannot_delete_agreements(editor_client):
    agreement = AgreementFactory(publication_state=DRAFT)
    response = editor_client.post(reverse("admin:agreements_agreement_delete", args=[agreement.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Agreement.objects.filter(pk=agreement.pk).exists()


def test_editorial_groups_come_back_after_a_flush_with_their_permissions():
    """A post_migrate hook keeps the roles that migration 0002 created, even after `flush`."""
    from django.core.management import call_command

    call_command("flush", interactive=False, verbosity=0)

    editors = AuthGroup.objects.get(name="editors")
    publishers = AuthGroup.objects.get(name="publishers")
    assert editors.permissions.filter(codename="change_agreement").exists()
    assert not editors.permissions.filter(codename="publish_agreement").exists()
    assert publishers.permissions.filter(codename="publish_agreement").exists()
