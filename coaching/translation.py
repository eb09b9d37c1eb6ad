"""The services partners offer, in French and English (see microcredit/core/bilingual.py)."""

from modeltranslation.translator import TranslationOptions, register

from coaching.models import Partner


@register(Partner)
class PartnerTranslation(TranslationOptions):
    fields = ("services",)
    required_languages = ("fr",)
