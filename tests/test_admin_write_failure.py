"""A save the database refuses (a full disk) keeps the editor's work: the form comes back (200) with a message at
the top and the typed values, nothing half-saved; /healthz notices a database that cannot write.

On SQLite the disk is full for real: the file may not grow (`max_page_count` at its size, its free pages used up
first) and SQLite answers "database or disk is full" to a write that needs a new page (long text does). On
PostgreSQL, and for the sweep over every model on both, a query wrapper makes every write after the first fail as a
full disk makes it fail (an OperationalError), so the first write must be rolled back."""

import contextlib
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group as UserGroup
from django.db import OperationalError, connection
from django.forms.models import model_to_dict
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils.html import escape

from agreements.models import Agreement, Citation, Party, PublicationState, Sector
from kzdeals.admin import ACTION_REFUSED_MESSAGE, WRITE_REFUSED_MESSAGE
from tests.factories import (
    AgreementFactory,
    EventFactory,
    GroupFactory,
    OrganizationFactory,
    SectorFactory,
    SourceFactory,
)
from tests.test_admin import agreement_post

pytestmark = pytest.mark.django_db

MESSAGE = escape(str(WRITE_REFUSED_MESSAGE))
LONG_TEXT = "Three hundred locomotives, assembled in Astana. " * 120  # more than a page of the database file
WRITES = ("INSERT", "UPDATE", "DELETE")


class FullDisk:
    """PostgreSQL's side: lets `allowed` writes through, then fails every write."""

    def __init__(self, allowed):
        self.allowed = allowed

    def __call__(self, execute, sql, params, many, context):
        if sql.lstrip().upper().startswith(WRITES):
            if self.allowed <= 0:
                raise OperationalError('could not extend file "base/16384/16397": No space left on device')
            self.allowed -= 1
        return execute(sql, params, many, context)


def sqlite_value(cursor, pragma):
    cursor.execute(f"PRAGMA {pragma}")
    return cursor.fetchone()[0]


@contextlib.contextmanager
def writes_refused():
    with connection.execute_wrapper(FullDisk(allowed=1)):
        yield


@contextlib.contextmanager
def disk_full():
    if connection.vendor != "sqlite":
        with writes_refused():
            yield
        return
    with connection.cursor() as cursor:
        limit = sqlite_value(cursor, "max_page_count")
        room = sqlite_value(cursor, "freelist_count") * sqlite_value(cursor, "page_size")
        cursor.execute("CREATE TABLE test_filler (content BLOB)")  # gone with the test's transaction
        cursor.execute("INSERT INTO test_filler VALUES (zeroblob(%s))", [room])
        cursor.execute(f"PRAGMA max_page_count = {sqlite_value(cursor, 'page_count')}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA max_page_count = {limit}")


@pytest.fixture
def staff(admin_user):
    client = Client()
    client.force_login(admin_user)
    return client


def snapshot():
    """What a save could have written: the register's rows, their history and the admin's log."""
    return {
        "agreements": list(Agreement.objects.values_list("slug", "title")),
        "parties": Party.objects.count(),
        "citations": Citation.objects.count(),
        "history": Agreement.history.count(),
        "log": LogEntry.objects.count(),
    }


class FormReader(HTMLParser):
    """What a browser submits for the admin form on a page, as it was rendered: {name: [values]}."""

    def __init__(self):
        super().__init__()
        self.inside = False
        self.data = {}
        self.select = None
        self.textarea = None

    def add(self, name, value):
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id", "").endswith("_form") and attrs.get("method") == "post"
        elif not self.inside or "disabled" in attrs:
            return
        elif tag == "input" and "name" in attrs:
            kind = attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.add(attrs["name"], attrs.get("value", "on"))
            elif kind not in ("submit", "button", "reset", "file", "image"):
                self.add(attrs["name"], attrs.get("value", ""))
        elif tag == "select":
            self.select = {"name": attrs["name"], "multiple": "multiple" in attrs, "options": [], "chosen": []}
        elif tag == "option" and self.select is not None:
            self.select["options"].append(attrs.get("value", ""))
            if "selected" in attrs:
                self.select["chosen"].append(attrs.get("value", ""))
        elif tag == "textarea":
            self.textarea = [attrs["name"], ""]

    def handle_data(self, data):
        if self.textarea is not None:
            self.textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select" and self.select is not None:
            chosen, options = self.select["chosen"], self.select["options"]
            if not chosen and options and not self.select["multiple"]:
                chosen = options[:1]
            for value in chosen:
                self.add(self.select["name"], value)
            self.select = None
        elif tag == "textarea" and self.textarea is not None:
            name, text = self.textarea
            self.add(name, text.removeprefix("\n"))
            self.textarea = None


def form_data(response):
    reader = FormReader()
    reader.feed(response.content.decode())
    return reader.data


def assert_form_is_back(response, *typed):
    assert response.status_code == 200
    html = response.content.decode()
    assert MESSAGE in html, response.context["errors"]
    assert html.index(MESSAGE) < html.index("<fieldset"), "the message is at the top of the form"
    kept = form_data(response)
    for value in typed:
        assert any(value in values for values in kept.values()), value[:40]


def test_adding_an_agreement_with_parties_on_a_full_disk_gives_the_form_back(staff):
    sector, organization, source = SectorFactory(), OrganizationFactory(), SourceFactory()
    summary = LONG_TEXT
    data = agreement_post(
        sector,
        title_en="Typed during the outage",
        summary_en=summary,
        **{
            "parties-TOTAL_FORMS": "1",
            "parties-0-organization": str(organization.pk),
            "parties-0-side": "KZ",
            "parties-0-role": "buyer",
            "parties-0-signed_by": "Talgat Alpysbayev",
            "citations-TOTAL_FORMS": "1",
            "citations-0-source": str(source.pk),
            "citations-0-supports": "record",
        },
    )
    before = snapshot()
    with disk_full():
        response = staff.post(reverse("admin:agreements_agreement_add"), data)
        assert snapshot() == before
    assert_form_is_back(response, "Typed during the outage", "Talgat Alpysbayev", summary)
    assert f'<option value="{organization.pk}" selected>' in response.content.decode()

    assert staff.post(reverse("admin:agreements_agreement_add"), data).status_code == 302
    saved = Agreement.objects.get(slug="locomotive-supply")
    assert saved.parties.get().signed_by == "Talgat Alpysbayev"
    assert saved.citations.count() == 1


def test_changing_an_agreement_on_a_full_disk_keeps_the_record_as_it_was(staff):
    agreement = AgreementFactory(title="Before the outage", summary="Short.")
    url = reverse("admin:agreements_agreement_change", args=[agreement.pk])
    data = {**form_data(staff.get(url)), "title_en": ["Typed during the outage"], "summary_en": [LONG_TEXT]}
    before = snapshot()
    with disk_full():
        response = staff.post(url, data)
        assert snapshot() == before
    assert_form_is_back(response, "Typed during the outage", LONG_TEXT)
    assert staff.post(url, data).status_code == 302
    agreement.refresh_from_db()
    assert agreement.title == "Typed during the outage"


def test_reverting_from_the_history_on_a_full_disk_keeps_the_record_as_it_was(staff):
    agreement = AgreementFactory(title="Old title")
    original = agreement.history.earliest("history_date")
    Agreement.objects.filter(pk=agreement.pk).update(title="New title", title_en="New title")
    url = reverse("admin:agreements_agreement_simple_history", args=[agreement.pk, original.history_id])
    data = form_data(staff.get(url))
    before = snapshot()
    with writes_refused():
        response = staff.post(url, data)
        assert snapshot() == before
    assert_form_is_back(response, "Old title")


def one_of_each():
    """A record of every model registered in the admin that has a change form."""
    SectorFactory()
    OrganizationFactory()
    SourceFactory()
    EventFactory()
    GroupFactory()
    AgreementFactory()
    UserGroup.objects.create(name="Fact checkers")


def first_text_field(data, model):
    """The first of the form's own text inputs, where the editor typed (None on a read-only form, such as axes')."""
    for name in data:
        field = next((field for field in model._meta.fields if field.name == name), None)
        if field is not None and field.get_internal_type() == "CharField" and not field.choices:
            return name
    return None


def test_every_change_form_of_the_admin_keeps_the_input_on_a_full_disk(staff, admin_user):
    one_of_each()
    request = RequestFactory().get("/")
    request.user = admin_user
    checked = []
    for model, model_admin in admin.site._registry.items():
        record = model.objects.order_by("pk").first()
        if record is None or not model_admin.has_change_permission(request, record):
            continue
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_change", args=[record.pk])
        data = form_data(staff.get(url))
        name = first_text_field(data, model)
        if name is None:
            continue
        data[name] = ["typed-during-the-outage"]
        stored = model_to_dict(record)
        with writes_refused():
            response = staff.post(url, data)
        assert_form_is_back(response, "typed-during-the-outage")
        record.refresh_from_db()
        assert model_to_dict(record) == stored, model._meta.label
        assert staff.post(url, data).status_code == 302, (model._meta.label, response.context["errors"])
        checked.append(model._meta.label_lower)
    assert {"agreements.agreement", "agreements.organization", "agreements.sector", "auth.user"} <= set(checked)
    assert len(checked) >= 8


def test_adding_a_sector_on_a_full_disk_keeps_the_input(staff):
    data = {"name_en": "Typed during the outage", "slug": "typed-during-the-outage"}
    with writes_refused():
        response = staff.post(reverse("admin:agreements_sector_add"), data)
    assert_form_is_back(response, "Typed during the outage", "typed-during-the-outage")
    assert not Sector.objects.exists()


def test_healthz_notices_a_database_that_cannot_write(client, monkeypatch):
    monkeypatch.setattr("kzdeals.views.WRITE_PROBE_SECONDS", 0)  # a probe every request, for this test
    assert client.get("/healthz").json() == {"status": "ok", "database": "ok"}
    with disk_full():
        response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "cannot write"}
    assert client.get("/healthz").status_code == 200


def test_healthz_writes_at_most_once_in_ten_seconds_a_process(client, monkeypatch):
    """/healthz is public: it must not let anyone make the database write as fast as they ask."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    monkeypatch.setattr("kzdeals.views.last_write_probe", {"at": None, "ok": True})
    clock = [1000.0]
    monkeypatch.setattr("kzdeals.views.time.monotonic", lambda: clock[0])

    def writes():
        with CaptureQueriesContext(connection) as captured:
            assert client.get("/healthz").status_code == 200
        return sum("INSERT INTO" in query["sql"] for query in captured)

    assert writes() == 1
    clock[0] += 9.9
    assert [writes() for _ in range(5)] == [0] * 5
    clock[0] += 0.2
    assert writes() == 1


def test_an_action_on_a_full_disk_changes_nothing_and_says_so(staff):
    """Publishing saves the agreements one by one: the first saved must not stay published."""
    drafts = AgreementFactory.create_batch(3, publication_state=PublicationState.DRAFT)
    changelist = reverse("admin:agreements_agreement_changelist")
    data = {"action": "publish", "_selected_action": [str(draft.pk) for draft in drafts]}
    with writes_refused():
        response = staff.post(changelist, data)
    assert response.status_code == 302
    assert not Agreement.objects.filter(publication_state=PublicationState.PUBLISHED).exists()
    page = staff.get(response["Location"])
    assert escape(str(ACTION_REFUSED_MESSAGE)) in page.content.decode()
