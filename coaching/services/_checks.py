import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.dates import DateKind, checked_date
from microcredit.core.formatting import format_date


def check_not_in_future(day: datetime.date | None, field: str) -> None:
    """The day something happened: not in the future, nor before the earliest year (core.dates)."""
    checked_date(field, day, DateKind.PAST)


def check_not_before_intake(profile: EntrepreneurProfile, day: datetime.date | None, field: str) -> None:
    """The organization's work with her starts at her intake: a coaching session (and so its planned
    follow-up), a referral to a partner or a financing application is dated on or after her intake date.
    Milestones are not held to it: a business registered or a first sale may come before she came."""
    if day is not None and profile.intake_date and day < profile.intake_date:
        raise ValidationError(
            {
                field: _(
                    "This date is before the entrepreneur's intake (%(intake)s): enter that day or a "
                    "later one."
                )
                % {"intake": format_date(profile.intake_date)}
            }
        )


def check_staff(person: User | None, field: str) -> None:
    if person is None or not (person.is_active and person.role in (Role.ADVISOR, Role.COORDINATOR)):
        raise ValidationError({field: _("Choose an active advisor or coordinator.")})
