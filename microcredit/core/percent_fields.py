"""The one way percentages and interest rates are typed: ``PercentField`` (a form field) and
``PercentModelField`` (the model field whose forms, the admin's included, use it).

Like amounts (``microcredit.core.money_fields``), a rate is typed in a text box (``inputmode="decimal"``,
never ``type=number``: a browser whose locale is not French reads "4,5" as 45) and read on the server the
same way in French and in English, into a ``Decimal`` (an ``int`` for a whole-percent field).

How a percentage is read
------------------------
- Surrounding spaces (ordinary, non-breaking, narrow, thin) and one percent sign at the end (``4,5 %``,
  ``4.5%``) are ignored.
- The decimal mark is a comma or a dot, either language: ``4,5`` = ``4.5`` = 4.5 %.
- A minus sign: refused, a rate is never negative. Letters, several marks (``4,5.0``), spaces inside the
  number (``4 5``) and thousands (``1 000``): refused.
- More decimals than the field keeps is refused; a mark followed by exactly 3 digits (``4,500``) cannot be
  told apart from thousands and is refused with a message asking for the rate as "4,5".

A stored rate is shown back for editing with the reader's decimal mark, without trailing zeros ("4,5" in
French, "4.5" in English); what was typed is shown back unchanged when the form is refused.
"""

import re
from decimal import Decimal

from django import forms
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext_lazy as _

from microcredit.core.money_fields import MINUS, SPACES, DecimalTextInput, TypedDecimalField

_NUMBER = re.compile(r"([0-9]*)(?:[,.]([0-9]+))?")

MESSAGES = {
    "invalid": _("Enter a percentage, for example 4.5 (or 4,5)."),
    "negative": _("The percentage cannot be negative."),
    "decimals": _("Enter at most %(places)s decimals."),
    "whole": _("Enter a whole percentage, without decimals."),
    "ambiguous": _("This percentage is unclear: write it with at most 2 decimals, for example 4.5."),
}


def _refuse(code: str, **params):
    message = MESSAGES[code]
    raise ValidationError(message, code=code, params=params or None)


def parse_percent(text: str, decimal_places: int = 2) -> Decimal:
    """Read a typed percentage (rules in this module's docstring) as a Decimal with at most
    ``decimal_places`` decimals, or raise a ``ValidationError`` (``invalid``, ``negative``, ``decimals``,
    ``whole``, ``ambiguous``)."""
    value = str(text)
    for space in SPACES:
        value = value.replace(space, " ")
    value = value.strip()
    if value.endswith("%"):
        value = value[:-1].rstrip()
    if value[:1] in MINUS:
        _refuse("negative")
    match = _NUMBER.fullmatch(value)
    if not value or not match or not any(c.isdigit() for c in value):
        _refuse("invalid")
    integer, decimals = match.group(1), match.group(2) or ""
    if decimals and len(decimals) > decimal_places:
        if len(decimals) == 3 and integer:
            _refuse("ambiguous")  # "4,500": 4.5 % or 4 500 %?
        if decimal_places == 0:
            _refuse("whole")
        _refuse("decimals", places=decimal_places)
    return Decimal(f"{integer or '0'}.{decimals}" if decimals else integer)


def format_percent_input(value) -> str:
    """A rate as a percent input shows it back: the reader's decimal mark, no trailing zeros, no sign."""
    value = Decimal(value)
    normalized = value.normalize() if value != value.to_integral() else value.quantize(Decimal(1))
    places = max(-normalized.as_tuple().exponent, 0)
    return formats.number_format(normalized, places, use_l10n=True, force_grouping=False)


class PercentInput(DecimalTextInput):
    """A text box for a percentage."""

    def show_value(self, value) -> str:
        return format_percent_input(value)


class PercentField(TypedDecimalField):
    """A percentage (4.5 means 4.5 %), typed the way either language writes it. With ``decimal_places=0``
    the cleaned value is an ``int`` (a whole-percent column)."""

    widget = PercentInput
    default_error_messages = {"invalid": MESSAGES["invalid"]}
    what = "A rate"

    def __init__(self, *, max_digits=None, decimal_places=2, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def parse(self, text):
        return parse_percent(text, self.decimal_places or 0)

    def clean(self, value):
        value = super().clean(value)
        return int(value) if value is not None and self.decimal_places == 0 else value

    def widget_attrs(self, widget):
        # Not DecimalField's: no ``step``, ``min`` or ``max`` on a text box.
        return forms.Field.widget_attrs(self, widget)


class WholePercentField(PercentField):
    """A whole percentage (a ``PositiveSmallIntegerField`` column): "50", "50 %"; cleaned as an ``int``."""

    def __init__(self, *, decimal_places=0, **kwargs):
        super().__init__(decimal_places=decimal_places, **kwargs)


class PercentModelField(models.DecimalField):
    """A rate column (a ``DecimalField``, given in percent) whose form field is ``PercentField``.

    It is a plain ``DecimalField`` for migrations (``deconstruct`` says so): only forms differ.
    """

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": PercentField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
