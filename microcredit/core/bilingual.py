"""Content the organization types in both languages (issue #12, 6).

``django-modeltranslation`` gives each registered field a French and an English column (``name_fr``,
``name_en``) and makes the plain attribute (``product.name``) read the reader's language, falling back to the
French when the English is empty. Each app lists its fields in its ``translation.py``. This module holds the
little the project adds: the columns' labels, and the names of both columns for code that matches a typed
name in either language (imports) or reads the columns in SQL.
"""

from django.db.models import F, Q, Value
from django.db.models.functions import Coalesce, NullIf
from django.utils import translation
from django.utils.translation import gettext

LANGUAGES = ("fr", "en")


def localized_label(verbose_name, lang: str) -> str:
    """The label of one language's column, in the reader's language."""
    if lang == "en":
        return gettext("%(field)s (English)") % {"field": verbose_name}
    return gettext("%(field)s (French)") % {"field": verbose_name}


def columns(field: str) -> tuple[str, ...]:
    """Both columns of a bilingual field, French first: ``("name_fr", "name_en")``."""
    return tuple(f"{field}_{lang}" for lang in LANGUAGES)


def matches(field: str, value: str, lookup: str = "iexact") -> Q:
    """A filter matching ``value`` in either language's column (a name typed in French or in English)."""
    condition = Q()
    for column in columns(field):
        condition |= Q(**{f"{column}__{lookup}": value})
    return condition


def displayed(field: str):
    """The value readers see of a bilingual field, as an expression to sort by: in English the English column,
    or the French where the English is empty (as ``product.name`` falls back), so that a list sorted by name
    does not put the untranslated names last; in French the French column. Call it while the reader's
    language is active (in the view)."""
    if (translation.get_language() or "fr").split("-")[0] == "en":
        return Coalesce(NullIf(F(f"{field}_en"), Value("")), F(f"{field}_fr"))
    return F(f"{field}_fr")


class FrenchInPlainColumn:
    """A model mixin: the plain column (``name``, which the library keeps beside ``name_fr`` and ``name_en``)
    is saved with the French, whoever saves, so that its unique constraint and the SQL that reads it see the
    same value as ``name_fr`` (saved in an English session, it would take the English name)."""

    def save(self, *args, **kwargs):
        with translation.override("fr"):
            return super().save(*args, **kwargs)


def copy_into_french(app_label: str, model_name: str, fields: tuple[str, ...]):
    """A data migration's two functions: forward copies each field's existing value (its original column)
    into its French column where that is still empty, so a database that had names before keeps them;
    backward copies the French back into the original column."""
    from django.db.models import F

    def forward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for field in fields:
            french = f"{field}_fr"
            model._base_manager.filter(Q(**{f"{french}__isnull": True}) | Q(**{french: ""})).update(
                **{french: F(field)}
            )

    def backward(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for field in fields:
            french = f"{field}_fr"
            model._base_manager.exclude(Q(**{f"{french}__isnull": True}) | Q(**{french: ""})).update(
                **{field: F(french)}
            )

    return forward, backward
