"""Loan products' names and descriptions in French and English (see microcredit/core/bilingual.py)."""

from modeltranslation.translator import TranslationOptions, register

from loans.models import LoanProduct


@register(LoanProduct)
class LoanProductTranslation(TranslationOptions):
    fields = ("name", "description")
    required_languages = ("fr",)
    empty_values = {"name": None}  # an empty English name is NULL: several products may leave it empty
