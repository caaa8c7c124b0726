"""No lost updates: two editors in two sessions open the same record; the second to save, from the version
both opened, is refused with what changed and who changed it, and keeps their input; saving again goes through.
Two saves racing from the same version: one passes, the other is refused."""

import html
import re
import threading
from decimal import Decimal
from html.parser import HTMLParser

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse

from agreements.models import Agreement, Event, Group, Organization, Source
from tests import servers
from tests.factories import (
    AgreementFactory,
    CommitmentFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    PartyFactory,
    SourceFactory,
    staff_in,
)
from tests.test_admin import form_data, form_errors

PASSWORD = "a long and good password"


def signed_in(username):
    user = User.objects.create_superuser(username, f"{username}@example.org", PASSWORD, first_name=username.title())
    client = Client()
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture
def alice(db):
    return signed_in("alice")


@pytest.fixture
def bob(db):
    return signed_in("bob")


def change_url(obj):
    return reverse(f"admin:agreements_{obj._meta.model_name}_change", args=[obj.pk])


def opened(client, url):
    response = client.get(url)
    assert response.status_code == 200
    data = form_data(response)
    assert data["edit_version"]
    return data


def test_a_save_from_an_older_version_is_refused_naming_fields_and_who(alice, bob):
    agreement = AgreementFactory(title="Locomotive supply", summary="", value_amount=Decimal("4200000000"))
    url = change_url(agreement)
    alices, bobs = opened(alice, url), opened(bob, url)

    bobs["value_amount"] = "4,300,000,000"
    bobs["summary_en"] = "300 locomotives."
    assert bob.post(url, bobs).status_code == 302

    alices["title_en"] = "Locomotive supply (Wabtec)"
    response = alice.post(url, alices)
    assert response.status_code == 200
    message = form_errors(response)
    assert "Not saved: this record changed after you opened it" in message
    assert "Bob changed value, summary" in message
    # Alice's input is kept; Bob's save stands.
    assert response.context["adminform"].form["title_en"].value() == "Locomotive supply (Wabtec)"
    agreement.refresh_from_db()
    assert (agreement.title, agreement.value_amount) == ("Locomotive supply", Decimal("4300000000"))

    # The form shown again has Bob's values where Alice had changed nothing, and carries the current version:
    # saving it again keeps both changes.
    again = form_data(response)
    assert (again["title_en"], again["value_amount"], again["summary_en"]) == (
        "Locomotive supply (Wabtec)",
        "4,300,000,000",
        "300 locomotives.",
    )
    assert alice.post(url, again).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.title, agreement.value_amount, agreement.summary) == (
        "Locomotive supply (Wabtec)",
        Decimal("4300000000"),
        "300 locomotives.",
    )
    assert agreement.history.latest("history_id").history_user == alice.user


def test_a_field_both_changed_keeps_the_input_of_the_one_refused(alice, bob):
    agreement = AgreementFactory(title="Locomotive supply", value_approximate=False)
    url = change_url(agreement)
    alices, bobs = opened(alice, url), opened(bob, url)
    bobs["title_en"] = "Bob's title"
    bobs["value_approximate"] = "on"
    assert bob.post(url, bobs).status_code == 302

    alices["title_en"] = "Alice's title"
    response = alice.post(url, alices)
    assert response.status_code == 200
    assert "Bob changed title, approximate" in form_errors(response)
    again = form_data(response)
    assert again["title_en"] == "Alice's title"
    assert again["value_approximate"] == "on"
    assert alice.post(url, again).status_code == 302
    agreement.refresh_from_db()
    assert (agreement.title, agreement.value_approximate) == ("Alice's title", True)


def test_a_save_from_the_current_version_goes_through(alice, bob):
    agreement = AgreementFactory(title="Old")
    url = change_url(agreement)
    data = opened(alice, url)
    bob.get(url)  # opening is not saving
    data["title_en"] = "New"
    assert alice.post(url, data).status_code == 302
    data = opened(alice, url)
    data["title_en"] = "Newer"
    assert alice.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Newer"


def test_a_colleagues_change_to_inline_rows_only_counts(alice, bob):
    agreement = AgreementFactory()
    commitment = CommitmentFactory(agreement=agreement, description="300 locomotives")
    url = change_url(agreement)
    alices, bobs = opened(alice, url), opened(bob, url)

    prefix = next(key for key, value in bobs.items() if value == commitment.pk and key.endswith("-id"))[: -len("id")]
    bobs[f"{prefix}description_en"] = "310 locomotives"
    assert bob.post(url, bobs).status_code == 302

    alices["title_en"] = "Renamed"
    response = alice.post(url, alices)
    assert response.status_code == 200
    assert "Bob changed commitments (changed)" in form_errors(response)
    agreement.refresh_from_db()
    assert agreement.title != "Renamed"


def test_a_party_added_by_a_script_counts_and_names_no_one(alice):
    agreement = AgreementFactory()
    url = change_url(agreement)
    data = opened(alice, url)
    PartyFactory(agreement=agreement)
    response = alice.post(url, data)
    assert response.status_code == 200
    assert "An import or a script changed parties (added)" in form_errors(response)


@pytest.mark.parametrize(
    ("factory", "model", "field"),
    [
        (OrganizationFactory, Organization, "name_en"),
        (EventFactory, Event, "name_en"),
        (GroupFactory, Group, "name_en"),
        (SourceFactory, Source, "title"),
    ],
)
def test_shared_records_refuse_a_save_from_an_older_version(alice, bob, factory, model, field):
    record = factory()
    url = change_url(record)
    alices, bobs = opened(alice, url), opened(bob, url)
    bobs[field] = "Bob's"
    assert bob.post(url, bobs).status_code == 302, form_errors(bob.post(url, bobs))
    alices[field] = "Alice's"
    response = alice.post(url, alices)
    assert response.status_code == 200
    assert f"Bob changed {model._meta.get_field(field.removesuffix('_en')).verbose_name}" in form_errors(response)
    assert getattr(model.objects.get(pk=record.pk), field) == "Bob's"
    # Whose change it was stays in the record's history.
    assert model.history.filter(id=record.pk).latest("history_id").history_user == bob.user


def test_a_revert_from_an_older_version_is_refused(alice, bob):
    agreement = AgreementFactory(title="First")
    url = change_url(agreement)
    data = opened(alice, url)
    data["title_en"] = "Second"
    assert alice.post(url, data).status_code == 302
    first = agreement.history.order_by("history_id").first()
    revert_url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, first.history_id])
    reverting = opened(alice, revert_url)

    bobs = opened(bob, url)
    bobs["title_en"] = "Third"
    assert bob.post(url, bobs).status_code == 302

    response = alice.post(revert_url, reverting)
    assert response.status_code == 200
    assert "Bob changed title" in " ".join(str(error) for error in response.context["errors"])
    agreement.refresh_from_db()
    assert agreement.title == "Third"

    # From the current version, the revert goes through.
    assert alice.post(revert_url, form_data(response)).status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "First"


def test_a_post_without_a_version_is_refused(alice):
    agreement = AgreementFactory(title="Kept")
    url = change_url(agreement)
    data = opened(alice, url)
    del data["edit_version"]
    data["title_en"] = "Changed"
    response = alice.post(url, data)
    assert response.status_code == 200
    assert "did not say which version" in form_errors(response)
    assert Agreement.objects.get(pk=agreement.pk).title == "Kept"


class FormFields(HTMLParser):
    """The values a browser would post for a page's change form (text, hidden and selected options)."""

    def __init__(self):
        super().__init__()
        self.values = {}
        self.select = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") and attrs.get("type") not in ("submit", "checkbox"):
            self.values[attrs["name"]] = attrs.get("value") or ""
        elif tag == "select":
            self.select = attrs.get("name")
            self.values[self.select] = ""
        elif tag == "option" and self.select and "selected" in attrs:
            self.values[self.select] = attrs.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "select":
            self.select = None


def posted_fields(html):
    parser = FormFields()
    parser.feed(html)
    return parser.values


def test_two_saves_racing_from_the_same_version_cannot_both_pass(server_env, served_database, tmp_path):
    """Two editors (two sessions, two gunicorn workers) save an organisation at the same moment from the version
    both opened. The served app pauses after reading a version (tests/slow_version_wsgi.py): were the check and
    the write not one atomic step, under the row lock (PostgreSQL) or the write transaction (SQLite), both
    would pass and the first save would be lost."""
    env = {**server_env, "DATABASE_URL": served_database}
    with servers.gunicorn(tmp_path / "gunicorn.log", env, workers=2, app="tests.slow_version_wsgi") as server:
        editors = [servers.Browser(server.port, timeout=60), servers.Browser(server.port, timeout=60)]
        for editor in editors:
            assert editor.sign_in().status == 302
        listing = editors[0].get("/admin/agreements/organization/")
        url = re.search(r'href="(/admin/agreements/organization/\d+/change/)', listing.text).group(1)
        forms = [posted_fields(editor.get(url).text) for editor in editors]
        assert forms[0]["edit_version"] == forms[1]["edit_version"] != ""
        for number, form in enumerate(forms):
            form["name_en"] = f"Renamed by editor {number}"
        start = threading.Barrier(2)
        answers = [None, None]

        def save(number):
            start.wait()
            answers[number] = editors[number].post(url, forms[number])

        threads = [threading.Thread(target=save, args=(number,)) for number in (0, 1)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        statuses = [answer.status for answer in answers]
        assert sorted(statuses) == [200, 302], server.log()[-2000:]
        refused = answers[statuses.index(200)]
        assert "Not saved: this record changed after you opened it" in html.unescape(refused.text)
        winner = statuses.index(302)
        assert f"Renamed by editor {winner}" in editors[0].get(url).text


def test_a_colleagues_change_waiting_for_review_counts(db, django_capture_on_commit_callbacks):
    """Two editors open a published record; the first one's save becomes a pending revision (the live record is
    unchanged). The second one's save, from the version both opened, would replace that revision: it is refused
    naming the colleague, and goes through once saved again from the form shown."""
    from agreements.models import Revision

    agreement = AgreementFactory(title="Locomotive supply", summary="Old summary.")
    url = change_url(agreement)
    clients = {}
    for name in ("erin", "frank"):
        user = staff_in("editors", name)
        user.first_name = name.title()
        user.save()
        clients[name] = Client()
        clients[name].force_login(user)
    erins, franks = opened(clients["erin"], url), opened(clients["frank"], url)

    erins["summary_en"] = "Erin's summary."
    with django_capture_on_commit_callbacks(execute=True):
        assert clients["erin"].post(url, erins).status_code == 302
    assert Revision.objects.open().filter(agreement=agreement).count() == 1
    agreement.refresh_from_db()
    assert agreement.summary == "Old summary."  # waiting for review, not live

    franks["title_en"] = "Frank's title"
    response = clients["frank"].post(url, franks)
    assert response.status_code == 200
    assert "Erin changed the record (a change now waiting for review)" in form_errors(response)
    assert Revision.objects.open().get(agreement=agreement).created_by.username == "erin"

    with django_capture_on_commit_callbacks(execute=True):
        assert clients["frank"].post(url, form_data(response)).status_code == 302
    assert Revision.objects.open().get(agreement=agreement).created_by.username == "frank"
