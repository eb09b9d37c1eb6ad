"""Aggregates for the home pages. The board sees counts, never a named person."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from microcredit.accounts.models import (
    BusinessStage,
    Demographics,
    EntrepreneurProfile,
    Gender,
    IncomeSource,
    Role,
    User,
)

SMALL_COUNT = 5  # below this, a count is shown as "<5" so nobody can be singled out


def whole_months(
    as_of: datetime.date, start: datetime.date, end: datetime.date, *, today: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The dates a board member sees: whole months (a period from the first of a month to the end of a
    month, and as of today or the end of a month), so that comparing two reports a day apart cannot single
    out one person's loan, session or grant."""

    def month_end(day: datetime.date) -> datetime.date:
        if day.year == datetime.MAXYEAR and day.month == 12:  # forms bound dates; never overflow anyway
            return datetime.date.max
        following = day.replace(day=28) + datetime.timedelta(days=4)
        return following - datetime.timedelta(days=following.day)

    if as_of != today:
        as_of = min(month_end(as_of), today)
    return as_of, start.replace(day=1), min(month_end(end), as_of)


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: int | None  # None when suppressed
    percent: int | None

    @property
    def display(self) -> str:
        return "<5" if self.count is None else str(self.count)


def _share(label: str, count: int, total: int) -> ShareRow:
    if count < SMALL_COUNT:
        return ShareRow(str(label), None, None)
    return ShareRow(str(label), count, round(100 * count / total) if total else 0)


def board_overview(today: datetime.date | None = None) -> dict:
    """Counts of the people served and, from consented answers only, the reach of target populations."""
    today = today or timezone.localdate()
    youth_from = today.year - 35
    people = EntrepreneurProfile.objects.aggregate(
        total=Count("pk"),
        **{f"stage_{value}": Count("pk", filter=Q(business_stage=value)) for value in BusinessStage.values},
    )
    consented = Demographics.objects.filter(consent_given_at__isnull=False).aggregate(
        total=Count("pk"),
        women=Count("pk", filter=Q(gender=Gender.WOMAN)),
        immigrants=Count("pk", filter=Q(immigrant=True)),
        anglophones=Count("pk", filter=Q(anglophone=True)),
        youth=Count("pk", filter=Q(birth_year__gt=youth_from)),
        disability=Count("pk", filter=Q(disability=True)),
        social_assistance=Count("pk", filter=Q(income_source=IncomeSource.SOCIAL_ASSISTANCE)),
        no_income=Count("pk", filter=Q(income_source=IncomeSource.NO_INCOME)),
    )
    total_consented = consented["total"]
    reach = [
        _share(_("Women"), consented["women"], total_consented),
        _share(_("Immigrants"), consented["immigrants"], total_consented),
        _share(_("Anglophones"), consented["anglophones"], total_consented),
        _share(_("Youth under 35"), consented["youth"], total_consented),
        _share(_("People living with a disability"), consented["disability"], total_consented),
        _share(_("Social assistance"), consented["social_assistance"], total_consented),
        _share(_("No income"), consented["no_income"], total_consented),
    ]
    stages = [
        _share(label, people[f"stage_{value}"], people["total"]) for value, label in BusinessStage.choices
    ]
    return {
        "entrepreneurs": people["total"],
        "consented": total_consented,
        "reach": reach,
        "stages": stages,
    }


def coordinator_overview() -> dict:
    return {
        **EntrepreneurProfile.objects.aggregate(
            entrepreneurs=Count("pk"),
            without_advisor=Count("pk", filter=Q(advisor__isnull=True)),
            without_email=Count("pk", filter=Q(user__email="")),
        ),
        "advisors": User.objects.filter(role=Role.ADVISOR, is_active=True).count(),
    }
