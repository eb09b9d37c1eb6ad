"""The caseload counts read from the counters (``CaseloadCount``, kept by ``coaching.services.counts``)."""

import datetime
from collections.abc import Iterable

from django.db.models import Q, Sum, Value
from django.db.models.functions import Coalesce

from coaching.models import CaseloadCount
from coaching.models.positions import FLAGGED, FOLLOW_UP, NO_DAY, NO_EMAIL, PEOPLE, RULE, SINCE

ZEROS = {"people": 0, "no_email": 0, "no_contact": 0, "overdue": 0, "due_this_week": 0, "flagged": 0}


def counted(
    advisor_keys: Iterable[int] | None, today: datetime.date, no_contact_days: int, week_days: int = 7
) -> dict[int, dict]:
    """{advisor key (0: no advisor): {people, no_email, no_contact, overdue, due_this_week, flagged}} from
    the counters, for these advisors (None: every one), as of ``today``: one query over their counter rows (a
    few per day of the calendar, whatever the number of people). ``flagged`` is None when the counters were
    computed with another no-contact delay than ``no_contact_days`` (the setting changed and
    ``rebuild_caseload`` has not run since): the caller counts it itself then."""
    cutoff = today - datetime.timedelta(days=no_contact_days)
    week = today + datetime.timedelta(days=week_days)
    rows = CaseloadCount.objects.all()
    keys = None if advisor_keys is None else set(advisor_keys)
    if keys is not None:
        rows = rows.filter(Q(advisor_key__in=keys) | Q(kind=RULE))

    def total(condition):
        return Coalesce(Sum("count", filter=condition), Value(0))

    result, rule = {}, None
    for row in (
        rows.values("advisor_key")
        .order_by()
        .annotate(
            people=total(Q(kind=PEOPLE)),
            no_email=total(Q(kind=NO_EMAIL)),
            no_contact=total(Q(kind=SINCE, day__lt=cutoff)),
            overdue=total(Q(kind=FOLLOW_UP, day__lt=today)),
            due_this_week=total(Q(kind=FOLLOW_UP, day__gte=today, day__lte=week)),
            flagged=total(Q(kind=FLAGGED, day__lte=today)),
            rule=Sum("count", filter=Q(kind=RULE)),
        )
    ):
        key = row.pop("advisor_key")
        rule = row.pop("rule") if row["rule"] is not None else rule
        row.pop("rule", None)
        if keys is None or key in keys:
            result[key] = row
    if rule != no_contact_days:
        for row in result.values():
            row["flagged"] = None
    return result


def people_counts() -> dict:
    """For the coordinator's home (``microcredit.core.selectors.PEOPLE_COUNTS``): every entrepreneur, those
    without an advisor, those without an email address, from the counters (one query)."""
    totals = CaseloadCount.objects.filter(kind__in=[PEOPLE, NO_EMAIL]).aggregate(
        entrepreneurs=Coalesce(Sum("count", filter=Q(kind=PEOPLE)), Value(0)),
        without_advisor=Coalesce(Sum("count", filter=Q(kind=PEOPLE, advisor_key=0)), Value(0)),
        without_email=Coalesce(Sum("count", filter=Q(kind=NO_EMAIL)), Value(0)),
    )
    return totals


def caseload_size(advisor) -> int:
    """How many entrepreneurs ``advisor`` follows (``microcredit.core.selectors.CASELOAD_SIZE``): one row."""
    return (
        CaseloadCount.objects.filter(advisor_key=advisor.pk, kind=PEOPLE, day=NO_DAY)
        .values_list("count", flat=True)
        .first()
        or 0
    )
