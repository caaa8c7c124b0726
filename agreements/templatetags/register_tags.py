"""Formatting for the public pages: money as the register writes it, and absolute URLs."""

from decimal import Decimal

from django import template

from agreements import links

register = template.Library()


def format_money(amount, currency="USD", approximate=False):
    """`≈ USD 1,000,000,000`: cents only where there are any; None for an unknown amount."""
    if amount is None:
        return None
    amount = Decimal(amount)
    places = 0 if amount == amount.to_integral_value() else 2
    text = f"{currency} {amount:,.{places}f}"
    return f"≈ {text}" if approximate else text


@register.simple_tag
def money(amount, currency="USD", approximate=False):
    return format_money(amount, currency, approximate) or "—"


@register.filter
def percent(value):
    if value is None:
        return "—"
    return f"{value:.1f}%"


@register.simple_tag(takes_context=True)
def absolute_url(context, path=None):
    """An absolute URL for `path` (default: this page without its query string), for canonical and OG tags."""
    if path is None:
        request = context.get("request")
        path = request.path if request is not None else "/"
    return links.absolute_url(path)
