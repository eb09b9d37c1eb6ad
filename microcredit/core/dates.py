"""Dates in range: one rule for every date a person types or sends in a query string.

Each date belongs to a *kind* with its own bounds (settings ``DATE_EARLIEST_YEAR`` and
``DATE_YEARS_AHEAD``, ``LOAN_DISBURSEMENT_DAYS_AHEAD``):

- ``ANY``: something planned or recorded (a meeting, a training, a next follow-up): from the earliest year
  to a few years ahead;
- ``PAST``: the day something happened (a payment, a coaching session, a milestone): from the earliest
  year to today;
- ``DISBURSEMENT``: from the earliest year to today plus ``LOAN_DISBURSEMENT_DAYS_AHEAD`` (0: today).

Models use ``BoundedDateField`` (a ``models.DateField`` whose form field is ``DateFormField``); plain
forms use ``DateFormField``. Both run ``check_date``, which services call too (a service is the rule's
home; the field only says it earlier, next to the input). Out-of-range years never reach date arithmetic,
so a typo such as 0026 or 9999 is a message, not a 500.
"""

import datetime
import enum

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _


class DateKind(enum.StrEnum):
    ANY = "any"
    PAST = "past"
    DISBURSEMENT = "disbursement"


def earliest(kind: DateKind = DateKind.ANY) -> datetime.date:
    return datetime.date(settings.DATE_EARLIEST_YEAR, 1, 1)


def latest(kind: DateKind = DateKind.ANY) -> datetime.date:
    today = timezone.localdate()
    if kind == DateKind.PAST:
        return today
    if kind == DateKind.DISBURSEMENT:
        return today + datetime.timedelta(days=settings.LOAN_DISBURSEMENT_DAYS_AHEAD)
    try:
        return today.replace(year=today.year + settings.DATE_YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + settings.DATE_YEARS_AHEAD, day=28)


def _shown(day: datetime.date) -> str:
    return formats.date_format(day, "DATE_FORMAT")


def check_date(value: datetime.date | None, kind: DateKind = DateKind.ANY) -> datetime.date | None:
    """``value`` itself, or a ValidationError saying the bound it passes, in the reader's language."""
    if value is None:
        return value
    low, high = earliest(kind), latest(kind)
    if value < low:
        raise ValidationError(
            _("Enter a date on or after %(earliest)s."), code="too_early", params={"earliest": _shown(low)}
        )
    if value > high:
        if kind == DateKind.PAST:
            raise ValidationError(
                _("This date is in the future: enter today's date or an earlier one."), code="future"
            )
        raise ValidationError(
            _("Enter a date on or before %(latest)s."), code="too_late", params={"latest": _shown(high)}
        )
    return value


def _iso(bound, kind: DateKind) -> str:
    return bound(kind).isoformat()


_lazy_iso = lazy(_iso, str)


class DateFormField(forms.DateField):
    """A date input whose value must be within its kind's bounds; the browser's date picker gets the same
    bounds (``min``/``max``, computed at each rendering, so a long-running process never shows stale ones)."""

    def __init__(self, *, kind: DateKind = DateKind.ANY, **kwargs):
        self.kind = DateKind(kind)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("min", _lazy_iso(earliest, self.kind))
        self.widget.attrs.setdefault("max", _lazy_iso(latest, self.kind))

    def validate(self, value):
        super().validate(value)
        check_date(value, self.kind)


class BoundedDateField(models.DateField):
    """A model date whose forms (the app's and the admin's) use ``DateFormField`` with ``date_kind``.

    The bound is a form rule, not a database one: migrations see a plain ``DateField``."""

    def __init__(self, *args, date_kind: DateKind = DateKind.ANY, **kwargs):
        self.date_kind = DateKind(date_kind)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, _path, args, kwargs = super().deconstruct()
        return name, "django.db.models.DateField", args, kwargs

    def formfield(self, **kwargs):
        return super().formfield(**{"form_class": DateFormField, "kind": self.date_kind, **kwargs})


def checked_date(field: str, value: datetime.date | None, kind: DateKind = DateKind.ANY) -> None:
    """``check_date`` for a service: the error is attached to ``field``, as forms show it."""
    try:
        check_date(value, kind)
    except ValidationError as error:
        raise ValidationError({field: error.messages}) from None
