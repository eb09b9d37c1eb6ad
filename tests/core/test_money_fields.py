"""How typed amounts are read (``microcredit.core.money_fields``), in French and in English, and that every
money field of every form reads them that way."""

from decimal import Decimal

import pytest
from django import forms
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from microcredit.core.money_fields import MoneyField, MoneyModelField, parse_amount
from microcredit.core.percent_fields import PercentField

D = Decimal
NBSP, NNBSP = "\u00a0", "\u202f"
BOTH = ("fr-ca", "en")

# (typed, amount read) the same way in both languages
READ_ALIKE = [
    ("21,50", D("21.50")),
    ("21.50", D("21.50")),
    ("21,5", D("21.50")),
    ("21", D("21.00")),
    ("0", D("0.00")),
    (",50", D("0.50")),
    ("1500,50", D("1500.50")),
    ("1 500,50", D("1500.50")),
    (f"1{NBSP}500,50", D("1500.50")),
    (f"1{NNBSP}500,50", D("1500.50")),
    ("1 500.50", D("1500.50")),
    ("1 500,50 $", D("1500.50")),
    (f"1{NBSP}500,50{NBSP}$", D("1500.50")),
    ("1 500,50$", D("1500.50")),
    ("$1,500.50", D("1500.50")),
    ("$ 21.50", D("21.50")),
    ("1,500.50", D("1500.50")),
    ("1.500,50", D("1500.50")),
    ("1,500,000", D("1500000.00")),
    ("1 500 000,00", D("1500000.00")),
    ("  21,50  ", D("21.50")),
]

# (typed, error code) refused the same way in both languages
REFUSED_ALIKE = [
    ("1.500,5.0", "invalid"),
    ("21,5,0", "invalid"),
    ("1,500,00", "invalid"),
    ("15 00", "invalid"),
    ("1 5000", "invalid"),
    ("1  500", "invalid"),
    ("21 ,50", "invalid"),
    ("21,", "invalid"),
    (",", "invalid"),
    ("$", "invalid"),
    ("abc", "invalid"),
    ("21,50 CAD", "invalid"),
    ("1e3", "invalid"),
    ("NaN", "invalid"),
    ("1 500.000,00", "invalid"),
    ("21.505", "ambiguous"),
    ("1.500", "ambiguous"),
    ("21,5055", "decimals"),
    ("21.999", "ambiguous"),
    ("1 500,505", "decimals"),
    ("1,500.505", "decimals"),
    ("-21,50", "negative"),
    ("\u221221,50", "negative"),
    ("-$21.50", "negative"),
    ("$-21.50", "negative"),
    ("(21.50)", "negative"),
]

# Where the languages differ: a single comma followed by exactly 3 digits is English thousands.
BY_LANGUAGE = [
    ("12,345", {"en": D("12345.00"), "fr-ca": "ambiguous"}),
    ("1,500", {"en": D("1500.00"), "fr-ca": "ambiguous"}),
    ("21,505", {"en": D("21505.00"), "fr-ca": "ambiguous"}),
    ("$1,500", {"en": D("1500.00"), "fr-ca": "ambiguous"}),
]


def _read(text, language):
    with translation.override(language):
        return parse_amount(text)


@pytest.mark.parametrize("language", BOTH)
@pytest.mark.parametrize(("typed", "expected"), READ_ALIKE)
def test_amounts_read_alike_in_both_languages(language, typed, expected):
    amount = _read(typed, language)
    assert amount == expected and isinstance(amount, Decimal)
    assert amount.as_tuple().exponent == -2  # to the cent


@pytest.mark.parametrize("language", BOTH)
@pytest.mark.parametrize(("typed", "code"), REFUSED_ALIKE)
def test_unclear_or_malformed_amounts_are_refused_in_both_languages(language, typed, code):
    with pytest.raises(ValidationError) as refused:
        _read(typed, language)
    assert refused.value.code == code


@pytest.mark.parametrize("language", BOTH)
@pytest.mark.parametrize(("typed", "by_language"), BY_LANGUAGE)
def test_a_single_comma_before_three_digits_is_thousands_in_english_only(language, typed, by_language):
    expected = by_language[language]
    if isinstance(expected, Decimal):
        assert _read(typed, language) == expected
    else:
        with pytest.raises(ValidationError) as refused:
            _read(typed, language)
        assert refused.value.code == expected


class AmountForm(forms.Form):
    amount = MoneyField(label="Montant", min_value=D("0.01"))


@pytest.mark.parametrize(
    ("language", "typed", "message"),
    [
        ("fr-ca", "21,5,0", "Entrez un montant en dollars, par exemple 1\u00a0500,50."),
        ("en", "21,5,0", "Enter an amount in dollars, for example 1,500.50."),
        ("fr-ca", "-5", "Le montant ne peut pas être négatif."),
        ("en", "-5", "The amount cannot be negative."),
        ("fr-ca", "21,505", "Ce montant n'est pas clair"),
        ("fr-ca", "21,5055", "Entrez au plus 2 décimales (les cents)."),
        ("en", "21.5055", "Enter at most 2 decimals (cents)."),
        ("fr-ca", "0", "supérieure ou égale à"),
    ],
)
def test_a_refused_amount_says_why_in_the_readers_language_and_keeps_what_was_typed(language, typed, message):
    with translation.override(language):
        form = AmountForm(data={"amount": typed})
        assert not form.is_valid()
        assert message in form.errors["amount"][0]
        assert f'value="{typed}"' in str(form["amount"])


def test_the_input_is_a_text_box_with_a_decimal_keypad():
    html = str(AmountForm()["amount"])
    assert 'type="text"' in html and 'inputmode="decimal"' in html
    assert 'type="number"' not in html and "step=" not in html


@pytest.mark.parametrize(("language", "shown"), [("fr-ca", f"1{NBSP}500,50"), ("en", "1,500.50")])
def test_an_existing_amount_is_shown_back_the_readers_way_and_reads_back_the_same(language, shown):
    with translation.override(language):
        html = str(AmountForm(initial={"amount": D("1500.5")})["amount"])
        assert f'value="{shown}"' in html
        form = AmountForm(data={"amount": shown})
        assert form.is_valid() and form.cleaned_data["amount"] == D("1500.50")


def test_a_float_is_never_money():
    with pytest.raises(TypeError):
        MoneyField().clean(21.5)


def test_too_many_digits_are_refused():
    with translation.override("en"):
        form = AmountForm(data={"amount": "12 345 678 901,00"})
        assert not form.is_valid() and "12 digits" in form.errors["amount"][0]


def _project_models():
    return [m for m in apps.get_models() if not m.__module__.startswith("django.")]


def test_every_money_column_gives_its_forms_the_money_field():
    """Amount columns (12 digits, 2 decimals) are MoneyModelField: their ModelForms and the admin use
    MoneyField. Other decimals (interest rates, 5 digits) are not money."""
    money_columns = [
        (model, field)
        for model in _project_models()
        for field in model._meta.get_fields()
        if isinstance(field, models.DecimalField) and (field.max_digits, field.decimal_places) == (12, 2)
    ]
    assert len(money_columns) >= 10
    for model, field in money_columns:
        assert isinstance(field, MoneyModelField), f"{model.__name__}.{field.name}"
        assert isinstance(field.formfield(), MoneyField), f"{model.__name__}.{field.name}"


def _project_form_classes():
    import importlib

    for module in (
        "loans.forms",
        "coaching.forms.records",
        "coaching.forms.partners",
        "coaching.forms.caseload",
        "circles.forms",
        "microcredit.core.forms",
        "microcredit.accounts.forms",
        "reports.forms",
    ):
        for value in vars(importlib.import_module(module)).values():
            if isinstance(value, type) and issubclass(value, forms.BaseForm) and value.__module__ == module:
                yield value


def test_every_decimal_field_of_every_form_is_the_money_field():
    seen = []
    for form_class in _project_form_classes():
        for name, field in form_class.base_fields.items():
            if "rate" in name or "percent" in name:
                # Rates and percentages: the percent field (microcredit/core/percent_fields.py).
                assert isinstance(field, PercentField), f"{form_class.__name__}.{name}"
            elif isinstance(field, forms.DecimalField):
                assert isinstance(field, MoneyField), f"{form_class.__name__}.{name}"
                seen.append(f"{form_class.__name__}.{name}")
    assert {
        "LoanRequestForm.amount",
        "ApprovalForm.amount",
        "PaymentForm.amount",
        "LoanProductForm.min_amount",
        "LoanProductForm.max_amount",
        "FinancingForm.amount_requested",
        "FinancingStatusForm.amount_obtained",
        "OrganizationSettingsForm.circle_guarantee_threshold",
    } <= set(seen)


@pytest.mark.django_db
def test_the_admin_forms_use_the_money_field_too(rf):
    from django.contrib import admin

    from funds.models import FundSource
    from tests.factories import CoordinatorFactory

    request = rf.get("/")
    request.user = CoordinatorFactory(is_staff=True, is_superuser=True)
    form_class = admin.site._registry[FundSource].get_form(request)
    assert isinstance(form_class.base_fields["amount_committed"], MoneyField)
