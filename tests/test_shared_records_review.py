"""Every public change is reviewed, shared records included: an organisation, source, event, value group or
sector that a published agreement shows is read-only for an editor (form, inlines, history revert); a
publisher changes it, and one that only drafts use stays the editor's to change."""

import pytest
from django.urls import reverse

from agreements.admin_shared import LOCKED
from agreements.models import Organization, PublicationState, Sector, Source
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SourceFactory,
)
from tests.test_admin import form_data

pytestmark = pytest.mark.django_db


def url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


def used_by(state, **kwargs):
    return AgreementFactory(publication_state=state, **kwargs)


def shared_records(state):
    """One of each shared record, shown by an agreement in `state` (a source through its citation)."""
    organization = OrganizationFactory(name="Kazakhstan Temir Zholy", slug="ktz")
    source = SourceFactory(key="wabtec-release", title="Wabtec press release")
    event = EventFactory(name="Washington visit", slug="washington-visit")
    group = GroupFactory(name="Locomotive package", slug="locomotive-package")
    agreement = used_by(state, event=event, group=group, value_amount=None)
    PartyFactory(agreement=agreement, organization=organization)
    CitationFactory(agreement=agreement, source=source)
    return [organization, source, event, group, agreement.sector]


def rename(obj):
    return "title" if isinstance(obj, Source) else "name_en"


def test_an_editor_sees_a_shared_record_a_published_agreement_shows_read_only_and_cannot_save_it(client, editor):
    client.force_login(editor)
    for obj in shared_records(PublicationState.PUBLISHED):
        page = client.get(url(obj))
        assert page.status_code == 200, obj
        assert str(LOCKED) in page.content.decode(), obj
        assert not page.context["has_change_permission"], obj
        assert 'name="_save"' not in page.content.decode(), obj
        before = type(obj).objects.get(pk=obj.pk)
        data = {**form_data(page), rename(obj): "Renamed by an editor"} if page.context.get("adminform") else {}
        assert client.post(url(obj), data).status_code == 403, obj
        assert str(type(obj).objects.get(pk=obj.pk)) == str(before), obj


def test_an_editor_cannot_revert_a_shown_shared_record_from_its_history(client, editor):
    (organization, *_rest) = shared_records(PublicationState.PUBLISHED)
    organization.name = "KTZ, renamed"
    organization.save()
    version = organization.history.order_by("history_date").first()
    revert = reverse("admin:agreements_organization_simple_history", args=[organization.pk, version.history_id])
    client.force_login(editor)
    page = client.get(revert)
    assert page.status_code == 200  # the version can be read
    assert client.post(revert, form_data(page)).status_code == 403
    assert Organization.objects.get(pk=organization.pk).name == "KTZ, renamed"


def test_an_organisations_aliases_are_read_only_with_it(client, editor):
    (organization, *_rest) = shared_records(PublicationState.PUBLISHED)
    client.force_login(editor)
    page = client.get(url(organization))
    (aliases,) = page.context["inline_admin_formsets"]
    assert not aliases.has_add_permission and not aliases.has_change_permission and not aliases.has_delete_permission


def test_an_event_claims_are_read_only_with_it(client, editor):
    _organization, _source, event, *_rest = shared_records(PublicationState.PUBLISHED)
    client.force_login(editor)
    (claims,) = client.get(url(event)).context["inline_admin_formsets"]
    assert not claims.has_add_permission and not claims.has_change_permission


def test_an_editor_changes_a_shared_record_that_only_drafts_use(client, editor):
    client.force_login(editor)
    for obj in shared_records(PublicationState.DRAFT):
        if isinstance(obj, Sector):
            continue  # the factory's sector may be shared with nothing else; checked below
        page = client.get(url(obj))
        assert page.context["has_change_permission"], obj
        assert str(LOCKED) not in page.content.decode()
        response = client.post(url(obj), {**form_data(page), rename(obj): "Renamed by an editor"})
        assert response.status_code == 302, obj
        assert "Renamed by an editor" in str(type(obj).objects.get(pk=obj.pk).__dict__), obj


def test_a_publisher_changes_a_shown_shared_record(client, publisher):
    organization, *_rest = shared_records(PublicationState.PUBLISHED)
    client.force_login(publisher)
    page = client.get(url(organization))
    assert page.context["has_change_permission"]
    response = client.post(url(organization), {**form_data(page), "name_en": "Kazakhstan Temir Zholy JSC"})
    assert response.status_code == 302
    assert Organization.objects.get(pk=organization.pk).name == "Kazakhstan Temir Zholy JSC"


def test_a_source_is_shown_through_a_published_records_status_timeline_too(client, editor):
    from tests.factories import StatusEntryFactory

    source = SourceFactory(key="akorda", title="Akorda")
    StatusEntryFactory(agreement=used_by(PublicationState.PUBLISHED), source=source)
    unused = SourceFactory(key="unused", title="Unused")
    client.force_login(editor)
    assert not client.get(url(source)).context["has_change_permission"]
    assert client.get(url(unused)).context["has_change_permission"]
