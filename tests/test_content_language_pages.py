"""Pages in the reader's language: a fallback text carries its real `lang`, the page says once that some text
is not yet translated, organisations show their aliases, and a page costs the same queries in every
language."""

# ruff: noqa: RUF001 (Russian and Kazakh text, Cyrillic on purpose)

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from django.utils.html import escape
from django.utils.translation import gettext

from agreements import languages
from agreements.models import Agreement, Organization

MESSAGE = "Some of this page's text is not yet translated: it is shown in its original language."


def notice(language):
    """The page's one note on untranslated text, in `language` (as the catalogue has it), HTML-escaped."""
    with translation.override(language):
        return escape(gettext(MESSAGE))


NOTICE = notice("en")


def page(client, url, language):
    response = client.get(languages.path_in(language, url))
    assert response.status_code == 200
    return response.content.decode()


@pytest.fixture
def wabtec(register):
    agreement = Agreement.objects.get(slug="wabtec-locomotives")
    agreement.title_ru = "Закупка локомотивов"
    agreement.save()
    return agreement


def test_a_translated_title_has_no_lang_and_a_fallback_summary_says_english(client, wabtec):
    html = page(client, wabtec.get_absolute_url(), "ru")
    assert "<h1>Закупка локомотивов</h1>" in html
    assert f'<p class="lead"><span lang="en">{wabtec.summary_en[:20]}' in html
    assert html.count(notice("ru")) == 1
    assert notice("ru") != NOTICE  # said in the page's language


def test_kazakh_falls_back_to_russian_and_says_so(client, wabtec):
    html = page(client, wabtec.get_absolute_url(), "kk")
    assert '<h1><span lang="ru">Закупка локомотивов</span></h1>' in html
    assert html.count(notice("kk")) == 1


def test_english_pages_mark_nothing(client, wabtec):
    html = page(client, wabtec.get_absolute_url(), "en")
    assert "<span lang=" not in html and ' lang="ru">' not in html
    assert NOTICE not in html


def test_the_list_marks_each_fallback_and_says_it_once(client, wabtec):
    html = page(client, "/agreements/", "ru")
    assert "Закупка локомотивов" in html
    assert html.count('<span lang="en">') > 10
    assert html.count(notice("ru")) == 1


def test_an_organisation_page_shows_its_names_and_aliases(client, register):
    ktz = Organization.objects.get(slug="kazakhstan-temir-zholy")
    html = page(client, ktz.get_absolute_url(), "ru")
    assert "<h1>АО «НК «Қазақстан темір жолы»</h1>" in html
    assert '<li lang="kk">ҚТЖ</li>' in html and "KTZ" in html
    html = page(client, ktz.get_absolute_url(), "kk")
    assert '<h1><span lang="ru">АО «НК «Қазақстан темір жолы»</span></h1>' in html


@pytest.mark.parametrize("url", ["/", "/agreements/", "/organizations/", "/agreements/wabtec-locomotives/"])
def test_a_page_costs_the_same_queries_in_every_language(client, wabtec, url):
    counts = {}
    for language in ("en", "ru", "kk"):
        with CaptureQueriesContext(connection) as context:
            assert client.get(languages.path_in(language, url)).status_code == 200
        counts[language] = len(context)
    assert len(set(counts.values())) == 1, counts
