"""Circle characteristics' names in French and English (see microcredit/core/bilingual.py)."""

from modeltranslation.translator import TranslationOptions, register

from circles.models import CircleCharacteristic


@register(CircleCharacteristic)
class CircleCharacteristicTranslation(TranslationOptions):
    fields = ("name",)
    required_languages = ("fr",)
    empty_values = {"name": None}  # an empty English name is NULL: several characteristics may leave it empty
