"""Rates and percentages: typed in a text box, read the Quebec way (microcredit/core/percent_fields.py)."""

from decimal import Decimal as D

import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.utils import translation

from microcredit.core.percent_fields import PercentField, WholePercentField, parse_percent

NBSP = "\u00a0"


@pytest.mark.parametrize(
    ("typed", "read"),
    [
        ("4,5", D("4.5")),
        ("4.5", D("4.5")),
        ("4,5 %", D("4.5")),
        (f"4,5{NBSP}%", D("4.5")),
        ("4.5%", D("4.5")),
        (" 6 ", D("6")),
        ("0", D("0")),
        ("7,25", D("7.25")),
        (",5", D("0.5")),
    ],
)
def test_a_rate_is_read_either_way(typed, read):
    assert parse_percent(typed) == read


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("4,500", "ambiguous"),  # 4.5 % or 4 500 %?
        ("4.500", "ambiguous"),
        ("4,5555", "decimals"),
        ("-4,5", "negative"),
        ("4,5.0", "invalid"),
        ("4 5", "invalid"),
        ("1 000", "invalid"),
        ("quatre", "invalid"),
        ("4e1", "invalid"),
        ("%", "invalid"),
        ("4,", "invalid"),
    ],
)
def test_unclear_or_wrong_rates_are_refused(typed, code):
    with pytest.raises(ValidationError) as error:
        parse_percent(typed)
    assert error.value.code == code


class RateForm(forms.Form):
    rate = PercentField(label="Taux", max_value=D("50"))
    share = WholePercentField(label="Part", max_value=100, required=False)


def test_the_input_is_a_text_box_with_a_decimal_keypad():
    html = str(RateForm()["rate"]) + str(RateForm()["share"])
    assert html.count('type="text"') == 2 and html.count('inputmode="decimal"') == 2
    assert "number" not in html and "step=" not in html


@pytest.mark.parametrize(("language", "shown"), [("fr-ca", "4,5"), ("en", "4.5")])
def test_a_stored_rate_is_shown_back_the_readers_way(language, shown):
    with translation.override(language):
        html = str(RateForm(initial={"rate": D("4.50"), "share": 50})["rate"])
        assert f'value="{shown}"' in html
        assert 'value="50"' in str(RateForm(initial={"share": 50})["share"])
        form = RateForm(data={"rate": shown, "share": "50 %"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data == {"rate": D("4.5"), "share": 50}
        assert isinstance(form.cleaned_data["share"], int)


def test_the_refusal_is_translated_at_the_field_and_keeps_what_was_typed():
    with translation.override("fr-ca"):
        form = RateForm(data={"rate": "4,500", "share": "50,5"})
        assert not form.is_valid()
        assert form.errors["rate"] == [
            f"Ce pourcentage est ambigu{NBSP}: écrivez-le avec au plus 2 décimales, par exemple 4,5."
        ]
        assert form.errors["share"] == ["Entrez un pourcentage entier, sans décimales."]
        assert 'value="4,500"' in str(form["rate"])
        assert not RateForm(data={"rate": "50,5"}).is_valid()  # above the maximum of 50
