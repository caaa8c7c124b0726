"""Every public change is reviewed: an editor's change to a published record waits as a pending revision that no
public surface sees, until a publisher publishes it after comparing it with what is live."""

import re

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from agreements.models import (
    Agreement,
    Citation,
    Commitment,
    Organization,
    Party,
    PublicationState,
    PublishedVersion,
    ReviewComment,
    Revision,
    RevisionState,
    Side,
)
from tests.factories import (
    AgreementFactory,
    CitationFactory,
    CommitmentFactory,
    CommitmentUpdateFactory,
    EventFactory,
    OrganizationFactory,
    PartyFactory,
    SectorFactory,
    SourceFactory,
    StatusEntryFactory,
    staff_in,
)
from tests.test_admin import form_data, form_errors
from tests.test_workflow import change_url, run_action

pytestmark = pytest.mark.django_db

MARK = "Changedxyz"
NEW_ORG = "Neworgxyz"


@pytest.fixture
def commit(django_capture_on_commit_callbacks):
    """Run a request as its own committed transaction would (the change log is written at commit)."""

    def run(call, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return call(*args, **kwargs)

    return run


@pytest.fixture
def live(commit):
    """A published agreement with a party, a commitment, a timeline entry and a citation, published in the log."""

    def build():
        agreement = AgreementFactory(
            title="Locomotive supply", slug="locomotive-supply", summary="Three hundred locomotives."
        )
        StatusEntryFactory(agreement=agreement)
        PartyFactory(agreement=agreement, organization=OrganizationFactory(name="KTZ", slug="ktz"), side=Side.KZ)
        CommitmentFactory(agreement=agreement, position=1, description="At least 300 locomotives")
        CitationFactory(agreement=agreement, source=SourceFactory(key="wabtec", title="Wabtec press release"))
        return agreement

    return commit(build)


def review_url(agreement):
    return reverse("admin:agreements_agreement_review", args=[agreement.pk])


def edit_as(client, user, agreement, change, commit):
    """Open the change form as `user`, change what `change(data)` changes, and save."""
    client.force_login(user)
    data = form_data(client.get(change_url(agreement)))
    change(data)
    return commit(client.post, change_url(agreement), data)


def editors_change(data):
    """A new title and summary, a new party, the citation deleted, the commitment reworded."""
    data["title_en"] = f"{MARK} locomotive supply"
    data["summary_en"] = f"{MARK} summary."
    organization = OrganizationFactory(name=NEW_ORG, slug="neworgxyz", country="US")
    total = int(data["parties-TOTAL_FORMS"])
    data.update(
        {
            "parties-TOTAL_FORMS": str(total + 1),
            f"parties-{total}-organization": str(organization.pk),
            f"parties-{total}-side": "US",
            f"parties-{total}-role": "supplier",
        }
    )
    data["citations-0-DELETE"] = "on"
    data["commitments-0-description_en"] = f"{MARK} at least 310 locomotives"


PUBLIC_URLS = [
    "/agreements/",
    "/agreements/locomotive-supply/",
    "/api/v1/agreements/",
    "/api/v1/agreements/locomotive-supply/",
    "/api/v1/organizations/",
    "/api/v1/exports/agreements.csv",
    "/api/v1/exports/parties.csv",
    "/api/v1/exports/agreements.json",
    "/feeds/agreements/",
    "/changes/",
    "/api/v1/changes/",
    "/feeds/changes/",
    "/agreements/locomotive-supply/feed/",
    "/sitemap.xml",
]


def found_by_search(client):
    return client.get(f"/api/v1/agreements/?q={MARK}").json()["count"]


NONCE = re.compile(r' nonce="[^"]*"')


def public_text(client):
    client.logout()
    texts = []
    for url in PUBLIC_URLS:
        response = client.get(url)
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        texts.append(f"{url}\n{NONCE.sub('', body.decode())}")
    return "\n".join(texts)


def test_an_editors_change_to_a_published_record_stays_unseen_until_a_publisher_publishes_it(
    client, editor, publisher, live, commit
):
    before = public_text(client)
    assert "Wabtec press release" in before and "At least 300 locomotives" in before
    client.force_login(editor)
    assert "your changes will wait for a publisher's review" in client.get(change_url(live)).content.decode()

    response = edit_as(client, editor, live, editors_change, commit)
    assert response.status_code == 302, form_errors(response)
    assert response["Location"] == review_url(live)

    # The live rows are as they were, and so is every public surface.
    live.refresh_from_db()
    assert live.title == "Locomotive supply"
    assert not Party.objects.filter(organization__slug="neworgxyz").exists()
    assert Citation.objects.filter(agreement=live).count() == 1
    assert Commitment.objects.get(agreement=live).description == "At least 300 locomotives"
    assert public_text(client) == before
    assert MARK not in before and NEW_ORG not in before
    assert found_by_search(client) == 0
    revision = Revision.objects.get(agreement=live)
    assert revision.state == RevisionState.PENDING and revision.created_by == editor

    # The publisher sees the revision compared with what is live: only what differs.
    client.force_login(publisher)
    page = client.get(review_url(live))
    assert {"private", "no-store"} <= set(page["Cache-Control"].split(", "))
    comparison = page.context["comparison"]
    assert [change["label"] for change in comparison["fields"]] == ["title", "summary"]
    sections = {str(section["label"]): section["rows"] for section in comparison["sections"]}
    assert set(sections) == {"Parties", "Commitments", "Sources"}
    assert sections["Parties"][0]["change"] == "added" and NEW_ORG in sections["Parties"][0]["after"]
    assert sections["Sources"][0]["change"] == "removed"
    assert sections["Commitments"][0]["fields"] == [
        {"label": "description", "before": "At least 300 locomotives", "after": f"{MARK} at least 310 locomotives"}
    ]

    response = commit(client.post, review_url(live), {"decision": "publish"})
    assert response.status_code == 302
    revision.refresh_from_db()
    assert revision.state == RevisionState.PUBLISHED and revision.decided_by == publisher
    after = public_text(client)
    assert f"{MARK} locomotive supply" in after and NEW_ORG in after
    detail = client.get("/api/v1/agreements/locomotive-supply/").json()
    assert [row["description"] for row in detail["commitments"]] == [f"{MARK} at least 310 locomotives"]
    assert detail["sources"] == []
    assert found_by_search(client) == 1
    assert not Citation.objects.filter(agreement=live).exists()
    # The change log shows the publication, never the editor's name.
    version = PublishedVersion.objects.filter(agreement=live).latest("at")
    assert {change["field"] for change in version.changes} >= {"title", "summary", "parties", "sources"}
    assert "editor" not in after


def test_a_publishers_own_edit_goes_live_at_once(client, publisher, live, commit):
    response = edit_as(client, publisher, live, editors_change, commit)
    assert response.status_code == 302, form_errors(response)
    live.refresh_from_db()
    assert live.title.startswith(MARK)
    assert not Revision.objects.exists()
    assert MARK in public_text(client)


def test_a_second_save_replaces_the_open_revision(client, editor, live, commit):
    edit_as(client, editor, live, lambda data: data.update(title_en="First try"), commit)
    edit_as(client, editor, live, lambda data: data.update(title_en="Second try"), commit)
    assert [
        (revision.snapshot["agreement"]["fields"]["title"], revision.state) for revision in Revision.objects.all()
    ] == [
        ("Second try", RevisionState.PENDING),
        ("First try", RevisionState.SUPERSEDED),
    ]
    # The change form shows the published version and says a revision waits, and that saving adds to it.
    page = client.get(change_url(live))
    assert page.context["adminform"].form.initial["title_en"] == "Locomotive supply"
    assert "what you change here is added to that revision" in page.content.decode()


def test_a_second_save_keeps_what_the_open_revision_changed_and_it_did_not(client, editor, publisher, live, commit):
    """No edit is lost: the form shows the published version, so a second save (the editor's own or a
    colleague's) carries the open revision's changes over wherever it left the record as it is live."""
    colleague = staff_in("editors", "colleague")
    response = edit_as(client, editor, live, editors_change, commit)
    assert response.status_code == 302, form_errors(response)

    def second(data):
        data["summary_en"] = "A colleague's summary."  # the first revision changed it too: the later save wins
        data["places_en"] = "Astana"
        data["commitments-0-unit_en"] = "locomotives"
        total = int(data["citations-TOTAL_FORMS"])
        source = SourceFactory(key="akorda", title="Akorda statement")
        data.update(
            {
                "citations-TOTAL_FORMS": str(total + 1),
                f"citations-{total}-source": str(source.pk),
                f"citations-{total}-supports": "record",
            }
        )

    response = edit_as(client, colleague, live, second, commit)
    assert response.status_code == 302, form_errors(response)
    first, replaced = Revision.objects.order_by("created_at", "pk")
    assert (first.state, replaced.state) == (RevisionState.SUPERSEDED, RevisionState.PENDING)

    client.force_login(publisher)
    response = commit(client.post, review_url(live), {"decision": "publish"})
    assert response.status_code == 302
    live.refresh_from_db()
    assert live.title == f"{MARK} locomotive supply"  # the first revision's, untouched by the second
    assert live.summary == "A colleague's summary."
    assert live.places == "Astana"
    assert Party.objects.filter(agreement=live, organization__slug="neworgxyz").exists()
    commitment = Commitment.objects.get(agreement=live)
    assert (commitment.description, commitment.unit) == (f"{MARK} at least 310 locomotives", "locomotives")
    # The first revision removed the Wabtec citation, the second added Akorda's: both hold.
    assert list(Citation.objects.filter(agreement=live).values_list("source__key", flat=True)) == ["akorda"]


def test_a_second_save_keeps_a_commitment_that_the_open_revision_added(client, editor, publisher, commit):
    agreement = commit(AgreementFactory, slug="with-commitment")
    StatusEntryFactory(agreement=agreement)
    client.force_login(editor)
    data = form_data(client.get(change_url(agreement)))
    data.update(
        {
            "commitments-TOTAL_FORMS": "1",
            "commitments-0-position": "1",
            "commitments-0-description_en": "A depot in Astana",
            "commitments-0-due_precision": "day",
        }
    )
    assert commit(client.post, change_url(agreement), data).status_code == 302
    edit_as(client, editor, agreement, lambda data: data.update(title_en="Retitled"), commit)
    revision = Revision.objects.open().get()
    assert revision.snapshot["agreement"]["fields"]["title_en"] == "Retitled"
    assert [row["fields"]["description_en"] for row in revision.snapshot["commitments"]] == ["A depot in Astana"]
    assert all(row["pk"] < 0 for row in revision.snapshot["commitments"])

    client.force_login(publisher)
    commit(client.post, review_url(agreement), {"decision": "publish"})
    agreement.refresh_from_db()
    assert agreement.title == "Retitled"
    assert list(Commitment.objects.filter(agreement=agreement).values_list("description", flat=True)) == [
        "A depot in Astana"
    ]


def add_commitment(description):
    def change(data):
        total = int(data["commitments-TOTAL_FORMS"])
        data.update(
            {
                "commitments-TOTAL_FORMS": str(total + 1),
                f"commitments-{total}-position": "2",
                f"commitments-{total}-description_en": description,
                f"commitments-{total}-due_precision": "day",
            }
        )

    return change


def test_two_saves_adding_a_row_with_the_same_key_keep_the_later_one_and_publish(
    client, editor, publisher, live, commit
):
    """Carried over, the revision's commitment 2 would be a second commitment 2 (a unique position): the later
    save's is kept, and the revision publishes."""
    edit_as(client, editor, live, add_commitment("A depot in Astana"), commit)
    edit_as(client, editor, live, add_commitment("A depot in Almaty"), commit)
    revision = Revision.objects.open().get()
    assert [row["fields"]["description_en"] for row in revision.snapshot["commitments"]] == [
        "At least 300 locomotives",
        "A depot in Almaty",
    ]
    client.force_login(publisher)
    assert commit(client.post, review_url(live), {"decision": "publish"}).status_code == 302
    assert list(Commitment.objects.filter(agreement=live).values_list("position", "description")) == [
        (1, "At least 300 locomotives"),
        (2, "A depot in Almaty"),
    ]


def test_a_publishers_change_since_the_revision_is_never_undone_by_carrying_it_over(
    client, editor, publisher, live, commit
):
    edit_as(client, editor, live, lambda data: data.update(title_en="The editor's title"), commit)
    edit_as(client, publisher, live, lambda data: data.update(title_en="The publisher's title"), commit)
    live.refresh_from_db()
    assert live.title == "The publisher's title"

    response = edit_as(client, editor, live, lambda data: data.update(places_en="Astana"), commit)
    assert response.status_code == 302, form_errors(response)
    fields = Revision.objects.open().get().snapshot["agreement"]["fields"]
    assert (fields["title_en"], fields["places_en"]) == ("The publisher's title", "Astana")
    page = client.get(response["Location"])
    warning = [str(message) for message in page.context["messages"] if message.level_tag == "warning"]
    assert len(warning) == 1 and "Not carried over" in warning[0] and "title" in warning[0]


def test_a_commitment_the_revision_removed_and_the_next_save_changed_keeps_its_updates(
    client, editor, publisher, live, commit
):
    commitment = Commitment.objects.get(agreement=live)
    commit(CommitmentUpdateFactory, commitment=commitment, note="Ten delivered")
    edit_as(client, editor, live, lambda data: data.update({"commitments-0-DELETE": "on"}), commit)
    edit_as(client, editor, live, lambda data: data.update({"commitments-0-unit_en": "locomotives"}), commit)
    snapshot = Revision.objects.open().get().snapshot
    assert [row["fields"]["unit_en"] for row in snapshot["commitments"]] == ["locomotives"]
    assert [row["fields"]["note"] for row in snapshot["commitment_updates"]] == ["Ten delivered"]


def test_withdrawing_a_revision_keeps_the_published_version_and_the_next_save_starts_from_it(
    client, editor, publisher, live, commit
):
    edit_as(client, editor, live, lambda data: data.update(title_en="A rejected title"), commit)
    revision = Revision.objects.open().get()
    colleague = staff_in("editors", "colleague")
    client.force_login(colleague)
    assert "Withdraw this revision" not in client.get(review_url(live)).content.decode()
    assert client.post(review_url(live), {"decision": "withdraw"}).status_code == 403

    client.force_login(editor)
    assert "Withdraw this revision" in client.get(review_url(live)).content.decode()
    response = commit(client.post, review_url(live), {"decision": "withdraw"})
    assert response.status_code == 302 and response["Location"] == change_url(live)
    revision.refresh_from_db()
    assert revision.state == RevisionState.WITHDRAWN and revision.decided_by == editor
    assert Agreement.objects.get(pk=live.pk).title == "Locomotive supply"

    edit_as(client, editor, live, lambda data: data.update(places_en="Astana"), commit)
    fields = Revision.objects.open().get().snapshot["agreement"]["fields"]
    assert (fields["title_en"], fields["places_en"]) == ("Locomotive supply", "Astana")
    # A publisher may withdraw an editor's revision too.
    client.force_login(publisher)
    commit(client.post, review_url(live), {"decision": "withdraw"})
    assert not Revision.objects.open().exists()


def test_a_revision_adding_a_commitment_with_its_update_publishes_both(client, editor, publisher, commit):
    agreement = commit(AgreementFactory, slug="with-commitment")
    StatusEntryFactory(agreement=agreement)
    commitment = CommitmentFactory(agreement=agreement, position=1)
    client.force_login(editor)
    data = form_data(client.get(change_url(agreement)))
    data.update(
        {
            "commitments-TOTAL_FORMS": "2",
            "commitments-1-position": "2",
            "commitments-1-description_en": "A depot in Astana",
            "commitments-1-due_precision": "day",
            "commitment_updates-TOTAL_FORMS": str(int(data["commitment_updates-TOTAL_FORMS"]) + 1),
            "commitment_updates-0-commitment": str(commitment.pk),
            "commitment_updates-0-date": "2026-03-01",
            "commitment_updates-0-date_precision": "day",
            "commitment_updates-0-status": "met",
        }
    )
    response = commit(client.post, change_url(agreement), data)
    assert response.status_code == 302, form_errors(response)
    assert Commitment.objects.filter(agreement=agreement).count() == 1
    assert Commitment.objects.get(pk=commitment.pk).status == "scheduled"
    client.force_login(publisher)
    commit(client.post, review_url(agreement), {"decision": "publish"})
    assert list(Commitment.objects.filter(agreement=agreement).values_list("description", "status")) == [
        ("At least 3,000 units", "met"),
        ("A depot in Astana", "scheduled"),
    ]


def test_editors_cannot_publish_a_revision_or_a_record_in_review(client, editor, live, commit):
    edit_as(client, editor, live, lambda data: data.update(title_en="Not yet"), commit)
    in_review = AgreementFactory(slug="in-review", publication_state=PublicationState.REVIEW)
    for agreement in (live, in_review):
        response = client.post(review_url(agreement), {"decision": "publish"})
        assert response.status_code == 403
    assert Agreement.objects.get(pk=live.pk).title == "Locomotive supply"
    assert Agreement.objects.get(pk=in_review.pk).publication_state == PublicationState.REVIEW
    run_action(client, "publish", in_review)
    assert Agreement.objects.get(pk=in_review.pk).publication_state == PublicationState.REVIEW


def test_an_editor_cannot_delete_a_published_record(client, editor, live):
    client.force_login(editor)
    response = client.post(reverse("admin:agreements_agreement_delete", args=[live.pk]), {"post": "yes"})
    assert response.status_code == 403
    assert Agreement.objects.filter(pk=live.pk).exists()


def test_an_editors_mark_verified_today_is_no_change_of_the_records_facts_and_needs_no_review(client, editor, live):
    # The change log counts a verification as no public change (agreements/changelog.py UNSEEN): editors clear
    # the desk's stale queue themselves.
    client.force_login(editor)
    run_action(client, "mark_verified_today", live)
    assert Agreement.objects.get(pk=live.pk).last_verified_on is not None
    assert not Revision.objects.exists()


def test_request_changes_and_resubmit(client, editor, publisher, commit):
    draft = AgreementFactory(slug="draft-deal", title="Draft deal", publication_state=PublicationState.REVIEW)
    StatusEntryFactory(agreement=draft)
    client.force_login(publisher)
    empty = client.post(review_url(draft), {"decision": "request_changes", "body": "  "})
    assert empty.status_code == 200 and "Say what should change" in empty.content.decode()
    response = client.post(review_url(draft), {"decision": "request_changes", "body": "Cite the MFA for the date."})
    assert response.status_code == 302
    draft.refresh_from_db()
    assert draft.publication_state == PublicationState.DRAFT
    comment = ReviewComment.objects.get(agreement=draft)
    assert comment.author == publisher and comment.resolved_at is None

    # The editor sees the open request on the record and on the desk.
    client.force_login(editor)
    page = client.get(change_url(draft)).content.decode()
    assert "Cite the MFA for the date." in page
    desk = {queue["label"]: queue["count"] for queue in client.get(reverse("admin:index")).context["desk"]}
    assert desk["Changes requested"] == 1
    changelist = client.get(reverse("admin:agreements_agreement_changelist") + "?desk=changes")
    assert [row.pk for row in changelist.context["cl"].result_list] == [draft.pk]

    # Submitting again resolves it; the thread stays in the admin.
    run_action(client, "submit_for_review", draft)
    comment.refresh_from_db()
    assert comment.resolved_by == editor and comment.resolved_at is not None
    assert "Cite the MFA" in client.get(review_url(draft)).content.decode()
    assert "Cite the MFA" not in client.get(change_url(draft)).content.decode()


def test_request_changes_on_a_revision_and_save_again(client, editor, publisher, live, commit):
    edit_as(client, editor, live, lambda data: data.update(title_en="Too bold a title"), commit)
    client.force_login(publisher)
    client.post(review_url(live), {"decision": "request_changes", "body": "Keep the press release's title."})
    assert Revision.objects.get().state == RevisionState.CHANGES_REQUESTED
    response = edit_as(client, editor, live, lambda data: data.update(title_en="Locomotive supply deal"), commit)
    assert response.status_code == 302
    assert ReviewComment.objects.unresolved().count() == 0
    assert Revision.objects.open().get().snapshot["agreement"]["fields"]["title"] == "Locomotive supply deal"


def test_the_review_thread_never_leaves_the_admin(client, editor, publisher, live, commit):
    edit_as(client, editor, live, lambda data: data.update(title_en="Reworded"), commit)
    client.force_login(publisher)
    client.post(review_url(live), {"decision": "request_changes", "body": "Secretcommentxyz please"})
    edit_as(client, editor, live, lambda data: data.update(title_en="Reworded again"), commit)
    client.force_login(publisher)
    commit(client.post, review_url(live), {"decision": "publish"})
    assert "Secretcommentxyz" not in public_text(client)


def test_preview_of_a_draft_and_of_a_pending_revision(client, editor, live, commit):
    draft = AgreementFactory(slug="draft-preview", title="Unpublishedxyz deal", publication_state="draft")
    client.force_login(editor)
    preview = client.get(reverse("admin:agreements_agreement_preview", args=[draft.pk]))
    assert preview.status_code == 200
    assert "Unpublishedxyz deal" in preview.content.decode()
    assert {"private", "no-store"} <= set(preview["Cache-Control"].split(", "))
    assert "noindex" in preview["X-Robots-Tag"]
    assert preview.templates[0].name == "agreements/agreement_detail.html"
    # Nothing of the preview stayed: the draft is still a draft, its page still a 404.
    assert Agreement.objects.get(pk=draft.pk).publication_state == PublicationState.DRAFT
    client.logout()
    assert client.get("/agreements/draft-preview/").status_code == 404
    assert "Unpublishedxyz" not in client.get("/sitemap.xml").content.decode()

    edit_as(client, editor, live, lambda data: data.update(title_en="Previewedxyz title"), commit)
    revision = Revision.objects.get()
    url = reverse("admin:agreements_agreement_revision_preview", args=[live.pk, revision.pk])
    assert "Previewedxyz title" in client.get(url).content.decode()
    assert Agreement.objects.get(pk=live.pk).title == "Locomotive supply"
    client.logout()
    assert client.get(url).status_code == 302  # to the admin's login


def view_on_site_link(page):
    return re.search(r'<a href="([^"]+)" class="viewsitelink"', page.content.decode()).group(1)


def test_view_on_site_of_a_draft_opens_its_preview(client, editor):
    draft = AgreementFactory(slug="draft-preview", publication_state="draft")
    published = AgreementFactory(slug="published-one")
    client.force_login(editor)
    assert view_on_site_link(client.get(change_url(draft))) == reverse(
        "admin:agreements_agreement_preview", args=[draft.pk]
    )
    # A published record keeps Django's "View on site" (its public page).
    content_type = ContentType.objects.get_for_model(Agreement)
    assert view_on_site_link(client.get(change_url(published))) == reverse(
        "admin:view_on_site", args=[content_type.pk, published.pk]
    )


def desk_counts(client):
    return {queue["label"]: queue["count"] for queue in client.get(reverse("admin:index")).context["desk"]}


def test_the_desk_counts_each_queue_in_constant_queries_and_links_its_filtered_list(
    client, editor, publisher, commit, django_assert_max_num_queries
):
    def fill(n):
        for i in range(n):
            mine = AgreementFactory(slug=f"mine-{n}-{i}", publication_state="draft")
            mine.history.update(history_user=editor)
            AgreementFactory(slug=f"review-{n}-{i}", publication_state="review")
            live = commit(AgreementFactory, slug=f"live-{n}-{i}")
            Revision.objects.create(agreement=live, snapshot={}, created_by=editor)
            asked = AgreementFactory(slug=f"asked-{n}-{i}", publication_state="draft")
            ReviewComment.objects.create(agreement=asked, author=publisher, body="Source?")

    client.force_login(editor)
    fill(1)
    with django_assert_max_num_queries(40) as few:
        counts = desk_counts(client)
    fill(5)
    with django_assert_max_num_queries(len(few.captured_queries)):
        more = desk_counts(client)
    assert (counts["My drafts"], more["My drafts"]) == (2, 12)  # drafts and open revisions of mine
    assert (counts["Awaiting review"], more["Awaiting review"]) == (2, 12)
    assert (counts["Changes requested"], more["Changes requested"]) == (1, 6)
    assert more["Stale records"] == Agreement.objects.stale().count() > 0
    assert more["Published changes, last 7 days"] == 6
    for queue in client.get(reverse("admin:index")).context["desk"]:
        listed = client.get(queue["url"]).context["cl"].result_count
        assert listed == queue["count"], queue["label"]


def test_a_sector_an_editor_creates_is_listed_only_once_a_published_record_uses_it(client, editor):
    sector = SectorFactory(name="Newsectorxyz", slug="newsectorxyz")
    AgreementFactory(sector=sector, publication_state=PublicationState.DRAFT)
    assert "Newsectorxyz" not in client.get("/api/v1/sectors/").content.decode()
    assert client.get("/api/v1/sectors/newsectorxyz/").status_code == 404
    assert client.get("/sectors/newsectorxyz/").status_code == 404
    AgreementFactory(sector=sector)
    assert "Newsectorxyz" in client.get("/api/v1/sectors/").content.decode()
    assert client.get("/sectors/newsectorxyz/").status_code == 200


def test_organisations_and_events_an_editor_creates_are_listed_only_once_a_published_record_uses_them(client):
    organization = OrganizationFactory(name="Draftorgxyz", slug="draftorgxyz")
    PartyFactory(organization=organization, agreement=AgreementFactory(publication_state=PublicationState.DRAFT))
    assert "Draftorgxyz" not in client.get("/api/v1/organizations/").content.decode()
    event = EventFactory(name="Draftevent", slug="draftevent")
    AgreementFactory(event=event, publication_state=PublicationState.DRAFT)
    assert "draftevent" not in client.get("/api/v1/events/").content.decode()


def test_an_editors_import_cannot_change_a_published_record_and_says_so_per_row(editor, publisher, live):
    from agreements.resources import AgreementResource
    from tests.test_import import dataset

    def row(slug, title):
        return f"{slug},{title},agreement,signed,{live.sector.slug},,2025-11-06,day,100000000,USD,0,announced,,"

    rows = [row("locomotive-supply", "Importedxyz title"), row("a-new-draft", "A new draft")]
    result = AgreementResource().import_data(dataset(*rows), user=editor)
    errors = {invalid.number: " ".join(map(str, invalid.error_dict.get("slug", []))) for invalid in result.invalid_rows}
    assert list(errors) == [1]
    assert "'locomotive-supply' is published: an editor's import cannot change it" in errors[1]
    assert Agreement.objects.get(pk=live.pk).title == "Locomotive supply"
    assert not Agreement.objects.filter(slug="a-new-draft").exists()  # one bad row saves nothing

    # A publisher's import of the same file goes through.
    result = AgreementResource().import_data(dataset(*rows), user=publisher)
    assert not result.has_validation_errors()
    assert Agreement.objects.get(pk=live.pk).title == "Importedxyz title"


def test_an_editor_cannot_change_or_delete_a_published_records_timeline_from_its_own_list(client, editor, live):
    entry = live.status_entries.get()
    client.force_login(editor)
    url = reverse("admin:agreements_statusentry_change", args=[entry.pk])
    page = client.get(url)
    assert page.status_code == 200 and not page.context["has_change_permission"]
    response = client.post(url, {"date": "2026-01-01", "date_precision": "day", "status": "cancelled", "note": ""})
    assert response.status_code == 403
    assert (
        client.post(reverse("admin:agreements_statusentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    )
    changelist = reverse("admin:agreements_statusentry_changelist")
    client.post(changelist, {"action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert Agreement.objects.get(pk=live.pk).status_entries.get() == entry
    assert Agreement.objects.get(pk=live.pk).status == "signed"
    # Nor revert it from its history (django-simple-history asks only for the view permission).
    entry.note = "Corrected"
    entry.save()
    version = entry.history.order_by("history_date").first()
    revert = reverse("admin:agreements_statusentry_simple_history", args=[entry.pk, version.history_id])
    page = client.get(revert)
    assert page.status_code == 200
    assert client.post(revert, form_data(page)).status_code == 403
    assert live.status_entries.get().note == "Corrected"


def test_the_review_warns_when_the_live_record_changed_since_the_revision(client, editor, publisher, live, commit):
    edit_as(client, editor, live, lambda data: data.update(summary="The editor's summary."), commit)
    client.force_login(publisher)
    assert client.get(review_url(live)).context["changed_since"]["empty"]
    edit_as(client, publisher, live, lambda data: data.update(title_en="The publisher's title"), commit)
    page = client.get(review_url(live))
    assert page.context["changed_since"]["fields"] == [
        {"label": "title", "before": "Locomotive supply", "after": "The publisher's title"}
    ]
    assert "The live record changed since this revision was made" in page.content.decode()


def test_a_revision_that_no_longer_fits_the_live_record_is_refused_with_a_message(
    client, editor, publisher, live, commit
):
    edit_as(client, editor, live, editors_change, commit)  # adds Neworgxyz as a party
    Organization.objects.get(slug="neworgxyz").delete()  # no live row uses it
    revision = Revision.objects.get()
    client.force_login(publisher)
    preview = client.get(reverse("admin:agreements_agreement_revision_preview", args=[live.pk, revision.pk]))
    assert preview.status_code == 302 and preview["Location"] == review_url(live)
    response = commit(client.post, review_url(live), {"decision": "publish"}, follow=True)
    assert "This revision no longer fits the live record" in response.content.decode()
    revision.refresh_from_db()
    assert revision.state == RevisionState.PENDING
    assert Agreement.objects.get(pk=live.pk).title == "Locomotive supply"
