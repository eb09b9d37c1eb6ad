"""The one way amounts of money are typed: ``MoneyField`` (a form field) and ``MoneyModelField`` (the model
field whose forms, the admin's included, use it).

Amounts are typed in a text box (``inputmode="decimal"``, never ``type=number``, whose reading depends on
the browser and its locale) and read on the server by ``parse_amount``, the same way in French and in
English, into a ``Decimal`` (never a float).

How an amount is read
---------------------
- Surrounding spaces and one dollar sign, before or after (``$1,500.50``, ``1 500,50 $``), are ignored.
- A minus sign or parentheses: refused, an amount is never negative.
- Anything else than digits, spaces (ordinary, non-breaking U+00A0, narrow U+202F, thin U+2009), commas
  and dots is refused (letters, ``1e3``…).
- The **decimal mark** is the last comma or dot when 1 or 2 digits follow it: ``21,50``, ``21.50``,
  ``21,5`` (21.50), ``,50`` (0.50). More than 2 decimals is refused: there are no fractions of a cent.
- **Thousands** are grouped by spaces, or by the other mark than the decimal one, in groups of exactly
  3 digits, one kind of grouping per amount: ``1 500,50``, ``1 500.50``, ``1,500.50``, ``1.500,50``,
  ``1,500,000``. A malformed grouping (``15 00``, ``21,5,0``, ``1.500,5.0``) is refused.
- The one case that cannot be told apart is a single comma or dot followed by exactly 3 digits (``12,345``,
  ``1.500``): thousands, or a mistyped amount in cents? It is read as thousands only where that is how the
  language writes them, a comma in English (``12,345`` = 12 345.00); in French, and for a dot in English,
  it is refused with a message asking for cents with at most 2 decimals or thousands with a space.

An amount shown back for editing is written as the reader types it, with the decimal mark and grouping of
the reader's language (``1 500,50`` with a non-breaking space / ``1,500.50``), which reads back the same;
what was typed is shown back unchanged when the form is refused.
"""

import re
from decimal import Decimal

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from microcredit.core.formatting import format_amount_input
from microcredit.core.money import MONEY_DECIMAL_PLACES, MONEY_MAX_DIGITS, to_cents

SPACES = "\u00a0\u202f\u2009"  # non-breaking, narrow non-breaking, thin: read as ordinary spaces
MARKS = ",."
MINUS = ("-", "\u2212")
_ALLOWED = re.compile(r"[0-9 ,.]+")
_DIGITS = re.compile(r"[0-9]+")

MESSAGES = {
    "invalid": _("Enter an amount in dollars, for example 1,500.50."),
    "negative": _("The amount cannot be negative."),
    "decimals": _("Enter at most 2 decimals (cents)."),
    "ambiguous": _(
        "This amount is unclear: write the cents with at most 2 decimals (12.34), "
        "or the thousands with a space (12 345)."
    ),
}


def _refuse(code: str):
    raise ValidationError(MESSAGES[code], code=code)


def _integer_digits(integer: str, decimal_mark: str | None) -> str:
    """The digits of the part before the decimal mark, once its grouping is checked."""
    grouping = {c for c in integer if c in " " + MARKS}
    if not grouping:
        return integer
    if len(grouping) > 1 or decimal_mark in grouping:
        _refuse("invalid")
    (separator,) = grouping
    groups = integer.split(separator)
    if not (1 <= len(groups[0]) <= 3 and all(len(group) == 3 for group in groups[1:])):
        _refuse("invalid")
    if not all(_DIGITS.fullmatch(group) for group in groups):
        _refuse("invalid")
    return "".join(groups)


def parse_amount(text: str, language: str | None = None) -> Decimal:
    """Read a typed amount (rules in this module's docstring) as a Decimal to the cent, or raise a
    ``ValidationError`` whose code is ``invalid``, ``negative``, ``decimals`` or ``ambiguous``."""
    language = language or get_language() or settings.LANGUAGE_CODE
    value = str(text)
    for space in SPACES:
        value = value.replace(space, " ")
    value = value.strip()
    if value.startswith("(") and value.endswith(")"):
        _refuse("negative")
    if value[:1] in MINUS:
        _refuse("negative")  # "-21,50", "-$21.50"
    if value.startswith("$"):
        value = value[1:].lstrip()
    elif value.endswith("$"):
        value = value[:-1].rstrip()
    if value[:1] in MINUS:
        _refuse("negative")  # "$-21.50"
    if not _ALLOWED.fullmatch(value) or not any(c.isdigit() for c in value) or "  " in value:
        _refuse("invalid")

    last = max(value.rfind(","), value.rfind("."))
    integer, decimals, decimal_mark = value, "", None
    if last >= 0:
        mark, tail = value[last], value[last + 1 :]
        if not _DIGITS.fullmatch(tail):
            _refuse("invalid")  # "21,", "1,5 00"
        if value.count(mark) > 1:
            pass  # "1,500,000": a repeated mark groups thousands (checked below)
        elif len(tail) <= 2:
            integer, decimals, decimal_mark = value[:last], tail, mark
        elif len(tail) == 3 and _DIGITS.fullmatch(value[:last]):
            # "12,345" / "1.500": thousands only where the language groups them with that mark.
            if not (language.startswith("en") and mark == ","):
                _refuse("ambiguous")
        else:
            _refuse("decimals")  # "21,505" after other marks or spaces, "21,5055"
    if integer == "" and not decimals:
        _refuse("invalid")
    if integer.endswith(" ") or integer.startswith(" "):
        _refuse("invalid")  # "21 ,50"
    digits = _integer_digits(integer, decimal_mark) or "0"
    return to_cents(Decimal(f"{digits}.{decimals or '0'}"))


class DecimalTextInput(forms.TextInput):
    """A text box for a number with decimals (an amount, a rate): the phone shows its numeric keypad with a
    decimal mark; what was typed is shown back as it was, a stored value as ``show_value`` writes it."""

    def __init__(self, attrs=None):
        super().__init__(
            {"inputmode": "decimal", "autocomplete": "off", "spellcheck": "false", **(attrs or {})}
        )

    def show_value(self, value) -> str:
        raise NotImplementedError

    def format_value(self, value):
        if value is None or value == "":
            return None
        if isinstance(value, str):
            return value  # what was typed, shown back as it was
        return self.show_value(value)


class TypedDecimalField(forms.DecimalField):
    """A number typed the way either language writes it (``parse`` reads the text); a number given as one
    is taken through ``from_number``; never a float (``what`` names the kind of number in that error)."""

    what = "A number"

    def from_number(self, value: Decimal | int) -> Decimal:
        return Decimal(value)

    def parse(self, text: str) -> Decimal:
        raise NotImplementedError

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, float):
            raise TypeError(f"{self.what} is never a float: pass a Decimal, an int or the typed text.")
        if isinstance(value, Decimal | int):
            return self.from_number(value)
        return self.parse(value)


class MoneyInput(DecimalTextInput):
    """A text box for an amount."""

    def show_value(self, value) -> str:
        return format_amount_input(value)


class MoneyField(TypedDecimalField):
    """An amount of money in dollars and cents, typed the way either language writes it."""

    widget = MoneyInput
    default_error_messages = {"invalid": MESSAGES["invalid"]}
    what = "Money"

    def __init__(self, *, max_digits=MONEY_MAX_DIGITS, decimal_places=MONEY_DECIMAL_PLACES, **kwargs):
        super().__init__(max_digits=max_digits, decimal_places=decimal_places, **kwargs)

    def from_number(self, value):
        return to_cents(value)

    def parse(self, text):
        return parse_amount(text)


class MoneyModelField(models.DecimalField):
    """A money column (12 digits, 2 decimals) whose form field is ``MoneyField``.

    It is a plain ``DecimalField`` for migrations (``deconstruct`` says so): only forms differ.
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_digits", MONEY_MAX_DIGITS)
        kwargs.setdefault("decimal_places", MONEY_DECIMAL_PLACES)
        super().__init__(*args, **kwargs)

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": MoneyField, **kwargs})

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DecimalField", args, kwargs
