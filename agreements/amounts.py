"""Amounts as staff type and read them: the one definition of what an amount may look like.

A typed amount is digits, with commas or spaces (a no-break or thin space too) between groups of three, and
a point before at most two decimals: `2,500,000,000`, `2 500 000 000`, `4200000000.50`. Anything else is
refused, never guessed: "250 million" (whose letters a number field once dropped, saving USD 250) and
"2.500.000,00" (a point between thousands, or before decimals?) get a message instead. The admin's form
field, its widget and the CSV/XLSX import all read amounts with `parse_amount`, and show them with
`format_amount` (every digit, in groups) and `describe_amount` ("USD 2.5 billion", beside the field) or
`short_amount` ("USD 2.5 bn", in a changelist's column). static/js/admin-amounts.js mirrors `parse_amount`
and `describe_amount` in the browser, with the words given by the widget (tests/browser/test_admin_forms.py
checks the two agree).
"""

import re
from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, gettext_lazy

# Spaces that may stand between groups of digits: a space, a no-break space, a narrow no-break and a thin space.
GROUP_SPACES = "\u00a0\u202f\u2009"
PLAIN = re.compile(r"^\d+(?:\.\d+)?$")
GROUPED = re.compile(r"^\d{1,3}(?P<separator>[, ])\d{3}(?:(?P=separator)\d{3})*(?:\.\d+)?$")
LETTERS = re.compile(r"[^\W\d_]")
DECIMALS = 2

NOT_AN_AMOUNT = gettext_lazy(
    '"%(value)s" is not an amount: type digits, with commas or spaces between thousands and a point before '
    "cents, such as 2,500,000,000 or 2 500 000 000.50."
)
IN_WORDS = gettext_lazy(
    '"%(value)s" is not an amount: type every digit, such as 250,000,000 for 250 million (words are not read).'
)
NEGATIVE = gettext_lazy('"%(value)s" is not an amount: an amount is never negative.')
TOO_PRECISE = gettext_lazy('"%(value)s" has more than two decimals: an amount is given to the cent at most.')

# Scales written out beside a field, largest first (the short forms are the changelist's).
SCALES = [
    (Decimal(10) ** 12, gettext_lazy("%(currency)s %(number)s trillion"), gettext_lazy("%(currency)s %(number)s tn")),
    (Decimal(10) ** 9, gettext_lazy("%(currency)s %(number)s billion"), gettext_lazy("%(currency)s %(number)s bn")),
    (Decimal(10) ** 6, gettext_lazy("%(currency)s %(number)s million"), gettext_lazy("%(currency)s %(number)s mn")),
]


def parse_amount(text):
    """The Decimal that `text` says, None for blank text; a ValidationError (code "invalid_amount") saying why
    for anything else."""
    if text is None:
        return None
    if isinstance(text, (Decimal, int)):
        return Decimal(text)
    typed = str(text).strip()
    if not typed:
        return None
    normalised = typed
    for space in GROUP_SPACES:
        normalised = normalised.replace(space, " ")
    if normalised.startswith("-") and (PLAIN.match(normalised[1:]) or GROUPED.match(normalised[1:])):
        raise ValidationError(NEGATIVE, code="invalid_amount", params={"value": typed})
    if not (PLAIN.match(normalised) or GROUPED.match(normalised)):
        message = IN_WORDS if LETTERS.search(normalised) else NOT_AN_AMOUNT
        raise ValidationError(message, code="invalid_amount", params={"value": typed})
    digits = normalised.replace(",", "").replace(" ", "")
    if "." in digits and len(digits.split(".")[1]) > DECIMALS:
        raise ValidationError(TOO_PRECISE, code="invalid_amount", params={"value": typed})
    try:
        return Decimal(digits)
    except InvalidOperation:  # the patterns above let through nothing Decimal refuses; kept as a form error
        raise ValidationError(NOT_AN_AMOUNT, code="invalid_amount", params={"value": typed}) from None


def format_amount(value):
    """Every digit, in groups of three: 4,000,000,000 (cents only where there are some: 2,500,000.50)."""
    if value is None:
        return ""
    value = Decimal(value)
    if value == value.to_integral_value():
        return f"{value:,.0f}"
    return f"{value:,.2f}"


def scaled(value, scale):
    """`value` in units of `scale`, to at most two decimals, without trailing zeros: 2.5, 17, 1.23."""
    number = (Decimal(value) / scale).quantize(Decimal("0.01"))
    text = f"{number:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def in_scale(value, currency, short):
    value = Decimal(value)
    for scale, long_form, short_form in SCALES:
        if value >= scale:
            template = short_form if short else long_form
            return (str(template) % {"currency": currency, "number": scaled(value, scale)}).strip()
    return f"{currency} {format_amount(value)}".strip()


def describe_amount(value, currency=""):
    """The amount as a person says it: "USD 2.5 billion", "USD 250 million", "USD 12,500"."""
    if value is None:
        return ""
    return in_scale(value, currency, short=False)


def short_amount(value, currency=""):
    """The amount in a narrow column: "USD 2.5 bn", "USD 250 mn", "USD 12,500"."""
    if value is None:
        return ""
    return in_scale(value, currency, short=True)


def understood(text, currency=""):
    """What the form will save for `text`, as the line beside the field says it (blank text: nothing)."""
    try:
        value = parse_amount(text)
    except ValidationError:
        return gettext("Not an amount yet: digits only, such as 2,500,000,000.")
    if value is None:
        return ""
    return gettext("Understood: %(amount)s") % {"amount": describe_amount(value, currency)}
