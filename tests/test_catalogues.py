"""The Russian and Kazakh catalogues (locale/): complete, none fuzzy, plural forms right, and as new as the
code (Django's own extractor, run on a copy of the sources, finds nothing they lack and nothing they keep
for nothing)."""

import os
import re
import shutil

import polib
import pytest
from django.conf import settings
from django.core.management import call_command

LOCALE = settings.BASE_DIR / "locale"
LANGUAGES = {"ru": 3, "kk": 2}  # language: plural forms
# What `make catalogues` extracts from (the Makefile's makemessages ignores the rest).
SOURCES = ["agreements", "kzdeals", "templates"]


def catalogue(language):
    return polib.pofile(str(LOCALE / language / "LC_MESSAGES" / "django.po"))


def keys(po):
    return {(entry.msgctxt, entry.msgid, entry.msgid_plural) for entry in po if not entry.obsolete}


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_entry_is_translated_and_none_is_fuzzy(language):
    po = catalogue(language)
    assert len(keys(po)) > 400
    assert [entry.msgid for entry in po.untranslated_entries()] == []
    assert [entry.msgid for entry in po.fuzzy_entries()] == []
    assert not po.metadata_is_fuzzy


@pytest.mark.parametrize(("language", "forms"), LANGUAGES.items())
def test_plural_entries_have_every_form_of_the_language(language, forms):
    po = catalogue(language)
    assert po.metadata["Plural-Forms"].startswith(f"nplurals={forms};")
    plurals = [entry for entry in po if entry.msgid_plural and not entry.obsolete]
    assert plurals
    for entry in plurals:
        assert sorted(entry.msgstr_plural) == list(range(forms)), entry.msgid
        assert all(text.strip() for text in entry.msgstr_plural.values()), entry.msgid


@pytest.mark.parametrize("language", LANGUAGES)
def test_translations_name_only_the_placeholders_of_their_source(language):
    for entry in catalogue(language):
        if entry.obsolete:
            continue
        named = set(re.findall(r"%\((\w+)\)", f"{entry.msgid} {entry.msgid_plural}"))
        translations = list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]
        for text in translations:
            assert set(re.findall(r"%\((\w+)\)", text)) <= named, entry.msgid


def test_catalogues_are_as_new_as_the_code(tmp_path, settings, monkeypatch):
    # On a copy: makemessages writes next to whatever locale folder holds a source, the real one included.
    copy = tmp_path / "src"
    for name in SOURCES:
        shutil.copytree(settings.BASE_DIR / name, copy / name, ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "locale").mkdir()
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["ru"], no_location=True, verbosity=0)
    fresh = keys(polib.pofile(str(copy / "locale" / "ru" / "LC_MESSAGES" / "django.po")))
    for language in LANGUAGES:
        committed = keys(catalogue(language))
        assert sorted(fresh - committed, key=str) == [], f"{language}: missing; run `make catalogues` and translate"
        assert sorted(committed - fresh, key=str) == [], f"{language}: no longer in the code; run `make catalogues`"


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalogue_is_newer_than_its_source(language):
    folder = LOCALE / language / "LC_MESSAGES"
    assert (folder / "django.mo").exists(), "run `make messages` (compilemessages)"
    assert os.path.getmtime(folder / "django.mo") >= os.path.getmtime(folder / "django.po"), "run `make messages`"
