"""Aggregates for the home pages. The board sees counts, never a named person."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

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
from microcredit.core.formatting import format_count
from microcredit.core.privacy import SMALL_COUNT, Figure, Sum, board_hidden


@dataclass(frozen=True)
class ShareRow:
    label: str
    count: int | None  # None when suppressed
    percent: Decimal | None  # exact, rounded once when written
    masked: bool = False  # 5 or more, hidden so that a hidden one is not the total minus the others

    @property
    def display(self) -> str:
        if self.masked:
            return "—"
        return "<5" if self.count is None else format_count(self.count)


def _share(label: str, count: int, total: int) -> ShareRow:
    if count < SMALL_COUNT:
        return ShareRow(str(label), None, None)
    # Exact: the page rounds it once, as it writes it (the ``percent`` filter), half up like every figure.
    return ShareRow(str(label), count, Decimal(100 * count) / total if total else Decimal(0))


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
    # The stages add up to the total shown: a lone hidden stage would be the total minus the others.
    hidden = board_hidden(
        [Figure(value, people[f"stage_{value}"]) for value in BusinessStage.values],
        [Sum(parts=list(BusinessStage.values))],
    )
    stages = [
        ShareRow(row.label, None, None, masked=row.count is not None) if value in hidden else row
        for value, row in zip(BusinessStage.values, stages, strict=True)
    ]
    return {
        "entrepreneurs": people["total"],
        "consented": total_consented,
        "reach": reach,
        "stages": stages,
    }


# Who counts the entrepreneurs for the coordinator's home: a function returning ``entrepreneurs``,
# ``without_advisor`` and ``without_email``, registered by an app above (coaching registers its caseload
# counters, ``coaching.selectors.counts.people_counts``); without one, they are counted here.
PEOPLE_COUNTS: list = []
# Likewise, how many entrepreneurs an advisor follows (the advisor's home): ``function(advisor) -> int``.
CASELOAD_SIZE: list = []


def caseload_size(advisor: User) -> int:
    if CASELOAD_SIZE:
        return CASELOAD_SIZE[-1](advisor)
    return EntrepreneurProfile.objects.filter(advisor=advisor).count()


def coordinator_overview() -> dict:
    if PEOPLE_COUNTS:
        people = PEOPLE_COUNTS[-1]()
    else:
        people = EntrepreneurProfile.objects.aggregate(
            entrepreneurs=Count("pk"),
            without_advisor=Count("pk", filter=Q(advisor__isnull=True)),
            without_email=Count("pk", filter=Q(user__email="")),
        )
    return {**people, "advisors": User.objects.filter(role=Role.ADVISOR, is_active=True).count()}
