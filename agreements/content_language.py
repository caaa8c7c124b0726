"""The language a reader reads in, and the text shown in it (PRODUCT.md, "Languages").

Every translated field (agreements/translation.py) has a column per language (`title_ru`), and its original
column (`title`) is the English text. The text shown in a language is the first of its fallback chain that
is translated (kk -> ru -> en, ru -> en): `chain()` says the chain, `sql()` writes it for the register's
raw SQL (the list's page, the children arrays), and `shown_language()` says which language an instance's
text is in (a page marks a fallback with its real `lang`).
"""

from django.conf import settings
from django.utils import translation

DEFAULT = "en"
CODES = tuple(code for code, _ in settings.LANGUAGES)
OTHERS = tuple(code for code in CODES if code != DEFAULT)


def normalize(code):
    """One of CODES for a language code such as `ru-RU` or `kk`, or None."""
    if not code:
        return None
    code = code.lower().replace("_", "-")
    if code in CODES:
        return code
    base = code.split("-")[0]
    return base if base in CODES else None


def active():
    """The active language, as one of CODES (English when none is active or it is another)."""
    return normalize(translation.get_language()) or DEFAULT


def chain(language):
    """The languages whose text is shown in `language`, in order: itself, then its fallbacks."""
    fallbacks = settings.MODELTRANSLATION_FALLBACK_LANGUAGES
    order = [language, *fallbacks.get(language, fallbacks.get("default", ())), DEFAULT]
    return tuple(dict.fromkeys(order))


def sql(column, language):
    """SQL for the text of a translated column (`alias.title`) shown in `language`: the first translation
    of the chain that is not empty, else the original (English) column."""
    if language == DEFAULT:
        return column
    parts = [f"NULLIF({column}_{code}, '')" for code in chain(language) if code != DEFAULT]
    return f"COALESCE({', '.join(parts)}, {column})"


def shown_language(instance, field, language=None):
    """The language of the text `instance.<field>` shows in `language` (default: the active one)."""
    language = language or active()
    for code in chain(language):
        if code == DEFAULT:
            return DEFAULT
        if getattr(instance, f"{field}_{code}", None):
            return code
    return DEFAULT


def every_column(field):
    """A translated field's names in every language, the original's first: for `.only()` and `.values()`,
    so that the text can be shown in any language without reading the row again."""
    return [field, *(f"{field}_{code}" for code in CODES)]


def pick(values, field, language=None):
    """The text of `field` shown in `language` (default: the active one), from a `.values()` row that holds
    every_column(field)."""
    language = language or active()
    for code in chain(language):
        if code == DEFAULT:
            return values[field]
        if values.get(f"{field}_{code}"):
            return values[f"{field}_{code}"]
    return values[field]
