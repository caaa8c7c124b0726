"""Formatting for the public pages: money and numbers as the register writes them, dates as a reader
writes them, and absolute URLs."""

from decimal import Decimal

from django import template
from django.conf import settings
from django.urls import reverse
from django.utils import formats, translation
from django.utils.html import format_html

from agreements import languages, links
from agreements.models import DatePrecision, format_partial_date

register = template.Library()


def format_money(amount, currency="USD", approximate=False):
    """`≈ USD 1,000,000,000` (grouped as the active language groups): cents only where there are any; None
    for an unknown amount."""
    if amount is None:
        return None
    text = f"{currency} {format_number(amount)}"
    return f"≈ {text}" if approximate else text


def format_number(amount):
    """A quantity grouped by thousands as the active language writes it (`84,000`, `84 000`, `1 234,50`),
    cents only where there are any."""
    if amount is None:
        return None
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    # Rounded here: Django's number_format cuts the digits past `decimal_pos` off.
    rounded = amount.quantize(Decimal(1).scaleb(-places))
    return formats.number_format(rounded, decimal_pos=places, use_l10n=True, force_grouping=True)


def partial_date_words(value, precision=DatePrecision.DAY):
    """A date as a reader writes it, to the precision it is known: "12 March 2026", "November 2025",
    "2028" (in the active language's words and order); None for an unknown date."""
    if value is None:
        return None
    if precision == DatePrecision.YEAR:
        return str(value.year)
    if precision == DatePrecision.MONTH:
        return formats.date_format(value, "YEAR_MONTH_FORMAT")
    # The active language's (kzdeals/formats): "12 March 2026", "12 марта 2026", "2026 ж. 12 наурыз".
    return formats.date_format(value, "DAY_IN_WORDS_FORMAT")


@register.simple_tag
def partial_date(value, precision=DatePrecision.DAY):
    """`<time datetime="2025-11">November 2025</time>`, or "—" for an unknown date."""
    if value is None:
        return "—"
    return format_html(
        '<time datetime="{}">{}</time>',
        format_partial_date(value, precision),  # ISO text, valid in `datetime`: 2026-03-12, 2025-11, 2028
        partial_date_words(value, precision),
    )


@register.filter
def number(amount):
    return format_number(amount) or "—"


@register.simple_tag
def money(amount, currency="USD", approximate=False):
    return format_money(amount, currency, approximate) or "—"


@register.filter
def percent(value):
    if value is None:
        return "—"
    rounded = Decimal(value).quantize(Decimal("0.1"))
    return f"{formats.number_format(rounded, decimal_pos=1, use_l10n=True)}%"


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    """An absolute URL for `path` (default: this page without its query string), for canonical and OG tags."""
    if path is None:
        request = context.get("request")
        path = request.path if request is not None else "/"
    return links.absolute_url(path)


@register.simple_tag(takes_context=True)
def language_alternates(context):
    """This page in every language (agreements/languages.py), or nothing on a page with one address
    (the admin's sign-in lockout, for one)."""
    request = context.get("request")
    if request is None or not languages.is_public_page(request):
        return []
    return languages.alternates(request)


@register.simple_tag
def og_locale(language):
    return languages.OG_LOCALES.get(language, "en_US")


@register.simple_tag
def one_address_url(name):
    """The address of what has one address in every language (the sitemap): never under a prefix."""
    with translation.override(settings.LANGUAGE_CODE):
        return reverse(name)


@register.simple_tag
def stale_after_days():
    """REGISTER_STALE_AFTER_DAYS, for a stale badge's explanation wherever a row is shown."""
    return settings.REGISTER_STALE_AFTER_DAYS
