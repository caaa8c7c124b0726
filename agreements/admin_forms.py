"""Amount fields of the admin's forms: typed with thousands separators, shown with them, and read back beside
the field as the number the form will save ("Understood: USD 2.5 billion"), before saving (agreements/amounts.py
says what an amount may look like).

`AmountFieldsMixin` gives every decimal field of a model admin or inline this form field; the line beside it is
written by the server (so it shows without JavaScript, and after a refused save) and kept current as one types
by static/js/admin-amounts.js (a file: the CSP allows no inline script)."""

from decimal import Decimal

from django import forms
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.forms.boundfield import BoundField
from django.utils.translation import gettext, gettext_lazy

from .amounts import SCALES, format_amount, parse_amount, understood


def currency_field_name(model, amount_field):
    """The currency beside an amount field (value_amount: value_currency, amount: currency), or None."""
    name = amount_field.replace("amount", "currency")
    if name == amount_field:
        return None
    try:
        model._meta.get_field(name)
    except FieldDoesNotExist:
        return None
    return name


SCALE_NAMES = ["trillion", "billion", "million"]  # the data attributes static/js/admin-amounts.js reads


class AmountInput(forms.TextInput):
    template_name = "agreements/widgets/amount.html"

    class Media:
        js = ["js/admin-amounts.js"]
        css = {"all": ["css/admin-forms.css"]}

    def __init__(self, attrs=None):
        super().__init__({"class": "amount-input", "inputmode": "decimal", "autocomplete": "off", **(attrs or {})})

    def format_value(self, value):
        if isinstance(value, (Decimal, int, float)):
            return format_amount(value)
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        currency = context["widget"]["attrs"].get("data-currency", "")
        context["widget"]["understood"] = understood(value, currency)
        context["widget"]["words"] = {
            "understood": gettext("Understood: %(amount)s"),
            "invalid": gettext("Not an amount yet: digits only, such as 2,500,000,000."),
            **{
                key: str(template)
                for key, (_, template, _) in zip(["trillion", "billion", "million"], SCALES, strict=True)
            },
        }
        return context


class AmountBoundField(BoundField):
    """Tells the widget the currency the amount is in: its value in the form (or on the record) for the line
    the server writes, and the currency input's field name for the script."""

    def build_widget_attrs(self, attrs, widget=None):
        attrs = super().build_widget_attrs(attrs, widget)
        currency_field = self.field.currency_field
        if currency_field is None:
            return attrs
        if currency_field in self.form.fields:
            currency = self.form[currency_field].value()
        else:
            currency = getattr(self.form.instance, currency_field, "")
        attrs.update({"data-field": self.name, "data-currency-field": currency_field, "data-currency": currency or ""})
        return attrs


class AmountField(forms.DecimalField):
    widget = AmountInput
    bound_field_class = AmountBoundField

    def __init__(self, *, currency_field=None, **kwargs):
        kwargs.pop("widget", None)  # the admin offers a number input: an amount is typed as text, in groups
        super().__init__(widget=AmountInput, **kwargs)
        self.currency_field = currency_field

    def to_python(self, value):
        if value in self.empty_values:
            return None
        try:
            return parse_amount(value)
        except forms.ValidationError as error:
            # Named: the message also shows at the top of a long form and in an inline row.
            raise forms.ValidationError(
                gettext_lazy("%(field)s: %(problem)s"),
                code="invalid_amount",
                params={"field": self.label or "", "problem": error.messages[0]},
            ) from None


class AmountFieldsMixin:
    """For a ModelAdmin or an inline: its decimal fields typed and shown as amounts (`AmountField`)."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, models.DecimalField):
            currency_field = currency_field_name(db_field.model, db_field.name)
            return db_field.formfield(form_class=AmountField, currency_field=currency_field, **kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)
