import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from microcredit.accounts.models import Role, User
from microcredit.core.dates import DateKind, checked_date


def check_not_in_future(day: datetime.date | None, field: str) -> None:
    """The day something happened: not in the future, nor before the earliest year (core.dates)."""
    checked_date(field, day, DateKind.PAST)


def check_staff(person: User | None, field: str) -> None:
    if person is None or not (person.is_active and person.role in (Role.ADVISOR, Role.COORDINATOR)):
        raise ValidationError({field: _("Choose an active advisor or coordinator.")})
