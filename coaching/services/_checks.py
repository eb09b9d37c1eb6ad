import datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.models import Role, User


def check_not_in_future(day: datetime.date | None, field: str) -> None:
    if day is not None and day > timezone.localdate():
        raise ValidationError({field: _("This date is in the future: enter the day it happened.")})


def check_staff(person: User | None, field: str) -> None:
    if person is None or not (person.is_active and person.role in (Role.ADVISOR, Role.COORDINATOR)):
        raise ValidationError({field: _("Choose an active advisor or coordinator.")})
