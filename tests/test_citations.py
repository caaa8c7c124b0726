"""Citations (issue 18): each record says how to cite it (register, title, address from SITE_URL, version
date, accessed date) and offers CSL-JSON and BibTeX, escaped for what an editor might type."""

import datetime
import json
import re

import pytest
from django.urls import reverse

from agreements.models import PublicationState
from tests.factories import AgreementFactory
from tests.hostile import MARKUP

pytestmark = pytest.mark.django_db
LATEX_HOSTILE = r"50% of {Tau-Ken} & #1 costs $5 ~ ^_^ \end{document} \\ }{"


@pytest.fixture
def agreement(settings):
    settings.SITE_URL = "https://register.example.org"
    return AgreementFactory(
        slug="cited-deal",
        title="Locomotive supply",
        published_at=datetime.datetime(2025, 11, 7, 12, tzinfo=datetime.UTC),
    )


def test_the_page_says_how_to_cite_the_record(client, agreement, monkeypatch):
    monkeypatch.setattr("agreements.models.followup.today", lambda: datetime.date(2026, 12, 1))
    html = client.get(agreement.get_absolute_url()).content.decode()
    text = " ".join(re.sub(r"<[^>]+>", "", re.search(r'<p class="citation">(.*?)</p>', html, re.S).group(1)).split())
    assert text == (
        "kzdeals, “Locomotive supply”, Kazakhstan\u2013USA agreements register, "
        "https://register.example.org/agreements/cited-deal/, version of 2025-11-07, accessed 2026-12-01."
    )
    assert 'href="/agreements/cited-deal/cite.json"' in html
    assert 'href="/agreements/cited-deal/cite.bib"' in html


def test_csl_json_has_the_fields_a_reference_manager_reads(client, agreement, monkeypatch):
    monkeypatch.setattr("agreements.models.followup.today", lambda: datetime.date(2026, 12, 1))
    response = client.get(reverse("agreements:agreement-csl", args=["cited-deal"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.citationstyles.csl+json; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="kzdeals-cited-deal.json"'
    (item,) = json.loads(response.content)
    assert item == {
        "id": "kzdeals-cited-deal",
        "type": "dataset",
        "title": "Locomotive supply",
        "container-title": "kzdeals: Kazakhstan\u2013USA agreements register",
        "publisher": "kzdeals",
        "URL": "https://register.example.org/agreements/cited-deal/",
        "issued": {"date-parts": [[2025, 11, 7]]},
        "accessed": {"date-parts": [[2026, 12, 1]]},
        "version": "2025-11-07",
    }


def test_bibtex_is_a_misc_entry_with_url_version_and_access_date(client, agreement, monkeypatch):
    monkeypatch.setattr("agreements.models.followup.today", lambda: datetime.date(2026, 12, 1))
    response = client.get(reverse("agreements:agreement-bibtex", args=["cited-deal"]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/x-bibtex; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("@misc{kzdeals-cited-deal,\n")
    assert "  title = {{Locomotive supply}},\n" in text
    assert "  howpublished = {\\url{https://register.example.org/agreements/cited-deal/}},\n" in text
    assert "  urldate = {2026-12-01},\n" in text
    assert "  version = {2025-11-07},\n" in text
    assert text.endswith("}\n")


def unescaped_braces(text):
    """Braces that are not LaTeX-escaped (\\{ or \\}), in order."""
    return re.sub(r"\\[{}]", "", text).replace("\\textbackslash{}", "").replace("\\textasciitilde{}", "")


def balanced(text):
    depth = 0
    for character in unescaped_braces(text).replace("\\textasciicircum{}", ""):
        depth += {"{": 1, "}": -1}.get(character, 0)
        if depth < 0:
            return False
    return depth == 0


@pytest.mark.parametrize("title", [*MARKUP, LATEX_HOSTILE, "Bell\x07and\nnew line"])
def test_hostile_titles_stay_text_in_every_format(client, settings, title):
    settings.SITE_URL = "https://register.example.org"
    agreement = AgreementFactory(slug="hostile", title=title)
    bib = client.get(reverse("agreements:agreement-bibtex", args=[agreement.slug])).content.decode()
    assert balanced(bib), bib
    title_field = re.search(r"  title = \{\{(.*)\}\},\n", bib).group(1)
    for special in "%&#$_":
        assert re.search(rf"(?<!\\){re.escape(special)}", title_field) is None, (special, title_field)
    assert "\x07" not in bib
    assert "\n" not in title_field  # a control character becomes a space: one line per field
    (item,) = json.loads(client.get(reverse("agreements:agreement-csl", args=[agreement.slug])).content)
    assert item["title"] == title
    html = client.get(agreement.get_absolute_url()).content.decode()
    citation = re.search(r'<p class="citation">(.*?)</p>', html, re.S).group(1)
    assert "<script" not in citation and "<img" not in citation and "<svg" not in citation


def test_a_draft_has_no_citation(client, db):
    draft = AgreementFactory(slug="draft-deal", publication_state=PublicationState.DRAFT)
    for name in ("agreements:agreement-csl", "agreements:agreement-bibtex"):
        assert client.get(reverse(name, args=[draft.slug])).status_code == 404


def test_an_old_address_of_a_citation_moves_with_the_record(client, agreement):
    agreement.slug = "renamed-deal"
    agreement.save()
    response = client.get("/agreements/cited-deal/cite.bib")
    assert response.status_code == 301
    assert response["Location"] == "/agreements/renamed-deal/cite.bib"
