"""Fund sources' terms in French and English (see microcredit/core/bilingual.py)."""

from modeltranslation.translator import TranslationOptions, register

from funds.models import FundSource


@register(FundSource)
class FundSourceTranslation(TranslationOptions):
    fields = ("terms",)
    required_languages = ("fr",)
