"""Aggregate coaching and impact figures for the board: never a named person, and counts under 5 are
shown as "<5" (with the amounts they would reveal). Also what the board reports will read."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import TruncMonth

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingKind,
    FinancingStatus,
    Milestone,
    MilestoneKind,
    PartnerKind,
    Referral,
    ReferralStatus,
    RevenueBand,
    SessionMode,
    SessionTopic,
    Topic,
)
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.formatting import format_count
from microcredit.core.money import ZERO
from microcredit.core.privacy import SMALL_COUNT, board_hidden
from microcredit.core.privacy import Figure as Cell
from microcredit.core.privacy import Sum as Total


@dataclass(frozen=True)
class Figure:
    label: str
    count: int | None  # None when suppressed
    amount: Decimal | None = None  # None when there is none or when it would single someone out

    @property
    def display(self) -> str:
        return "<5" if self.count is None else format_count(self.count)


def _figure(label, count: int, amount: Decimal | None = None) -> Figure:
    if count < SMALL_COUNT:
        return Figure(str(label), None, None)
    return Figure(str(label), count, amount)


def _per_month(queryset, date_field: str, **counts) -> dict:
    """{month: {name: count}} for the board's privacy rule."""
    rows = queryset.annotate(month=TruncMonth(date_field)).order_by().values("month").annotate(**counts)
    return {row["month"]: {name: row[name] for name in counts} for row in rows}


def _months(start: datetime.date, end: datetime.date) -> list[datetime.date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = (month.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    return months


def _board_view(result: dict, start, end, sessions, financing_rows) -> dict:
    """The board's version (``microcredit.core.privacy.board_hidden``): an amount (hours, jobs, financing
    amounts) is hidden when made of fewer than 5 sessions or people, or when any month of the period had 1
    to 4 of them (two periods a month apart would single that month out); the sessions by mode add up to the
    sessions, so a lone hidden mode is hidden with another."""
    months = _months(start, end)
    by_month = _per_month(sessions, "held_on", sessions=Count("pk"))
    jobs = _per_month(
        Milestone.objects.filter(achieved_on__range=(start, end), kind=MilestoneKind.JOBS_CREATED),
        "achieved_on",
        people=Count("profile", distinct=True),
    )
    cells = [
        Cell(
            "hours", result["sessions"].count or 0, [by_month.get(m, {}).get("sessions", 0) for m in months]
        ),
        Cell(
            "jobs",
            result["jobs_people"],
            [jobs.get(m, {}).get("people", 0) for m in months],
        ),
    ]
    for value, _label in FinancingKind.choices:
        for figure, date_field, condition in (
            ("submitted", "submitted_on", Q(submitted_on__range=(start, end))),
            ("approved", "decided_on", Q(status=FinancingStatus.APPROVED, decided_on__range=(start, end))),
        ):
            monthly = _per_month(
                FinancingApplication.objects.filter(condition, kind=value), date_field, n=Count("pk")
            )
            cells.append(
                Cell(
                    (value, figure),
                    financing_rows.get(value, {}).get(figure, 0),
                    [monthly.get(m, {}).get("n", 0) for m in months],
                )
            )
    modes = [Cell(("mode", value), result["mode_counts"][value]) for value in SessionMode.values]
    hidden = board_hidden(
        [*cells, *modes, Cell("sessions", result["sessions"].count or 0)],
        [Total(parts=[cell.key for cell in modes], total="sessions")],
    )
    if "hours" in hidden:
        result["hours"] = None
    if "jobs" in hidden:
        result["jobs_created"] = None
    for value, row in zip(FinancingKind.values, result["financing"], strict=True):
        for figure in ("submitted", "approved"):
            if (value, figure) in hidden and row[figure].count is not None:
                row[figure] = Figure(row[figure].label, row[figure].count, None)
    result["modes"] = [
        Figure(figure.label, None, None) if ("mode", value) in hidden else figure
        for value, figure in zip(SessionMode.values, result["modes"], strict=True)
    ]
    return result


def impact_figures(*, start: datetime.date, end: datetime.date, for_board: bool = False) -> dict:
    """Coaching given and business milestones between ``start`` and ``end`` (inclusive): seven queries (and
    a few more for the board's privacy rule, ``for_board``)."""
    sessions = CoachingSession.objects.filter(held_on__range=(start, end))
    totals = sessions.aggregate(
        count=Count("pk"),
        minutes=Sum("duration_minutes"),
        people=Count("profile", distinct=True),
        **{f"mode_{value}": Count("pk", filter=Q(mode=value)) for value in SessionMode.values},
    )
    topic_counts = dict(
        SessionTopic.objects.filter(session__held_on__range=(start, end))
        .order_by()
        .values_list("topic")
        .annotate(count=Count("pk"))
    )
    referrals = {
        row["partner__kind"]: row
        for row in Referral.objects.filter(referred_on__range=(start, end))
        .order_by()
        .values("partner__kind")
        .annotate(
            made=Count("pk"),
            completed=Count("pk", filter=Q(status=ReferralStatus.COMPLETED)),
            people=Count("profile", distinct=True),
        )
    }
    financing = {
        row["kind"]: row
        for row in FinancingApplication.objects.filter(
            Q(submitted_on__range=(start, end)) | Q(decided_on__range=(start, end))
        )
        .order_by()
        .values("kind")
        .annotate(
            submitted=Count("pk", filter=Q(submitted_on__range=(start, end))),
            requested=Sum("amount_requested", filter=Q(submitted_on__range=(start, end))),
            approved=Count("pk", filter=Q(status=FinancingStatus.APPROVED, decided_on__range=(start, end))),
            obtained=Sum(
                "amount_obtained", filter=Q(status=FinancingStatus.APPROVED, decided_on__range=(start, end))
            ),
        )
    }
    milestones = {
        row["kind"]: row
        for row in Milestone.objects.filter(achieved_on__range=(start, end))
        .order_by()
        .values("kind")
        .annotate(count=Count("pk"), people=Count("profile", distinct=True), jobs=Sum("jobs_count"))
    }
    latest_band = (
        Milestone.objects.filter(
            profile=OuterRef("pk"), kind=MilestoneKind.REVENUE_BAND, achieved_on__lte=end
        )
        .order_by("-achieved_on", "-pk")
        .values("revenue_band")[:1]
    )
    with_band = Milestone.objects.filter(kind=MilestoneKind.REVENUE_BAND, achieved_on__lte=end).values(
        "profile"
    )
    bands = dict(
        # Only the people who ever reported a band: not one lookup per registered entrepreneur.
        EntrepreneurProfile.objects.filter(pk__in=with_band)
        .annotate(band=Subquery(latest_band))
        .filter(band__isnull=False)
        .order_by()
        .values_list("band")
        .annotate(count=Count("pk"))
    )

    def milestone(kind, field="people"):
        return milestones.get(kind, {}).get(field) or 0

    jobs = milestone(MilestoneKind.JOBS_CREATED, "jobs")
    result = {
        "start": start,
        "end": end,
        "sessions": _figure("sessions", totals["count"]),
        "hours": round((totals["minutes"] or 0) / 60) if totals["count"] >= SMALL_COUNT else None,
        "people_coached": _figure("people", totals["people"]),
        "modes": [_figure(label, totals[f"mode_{value}"]) for value, label in SessionMode.choices],
        "topics": [_figure(label, topic_counts.get(value, 0)) for value, label in Topic.choices],
        "referrals": [
            {
                "label": str(label),
                "made": _figure(label, referrals.get(value, {}).get("made", 0)),
                "completed": _figure(label, referrals.get(value, {}).get("completed", 0)),
            }
            for value, label in PartnerKind.choices
        ],
        "financing": [
            {
                "label": str(label),
                "submitted": _figure(
                    label,
                    financing.get(value, {}).get("submitted", 0),
                    financing.get(value, {}).get("requested"),
                ),
                "approved": _figure(
                    label,
                    financing.get(value, {}).get("approved", 0),
                    financing.get(value, {}).get("obtained") or ZERO,
                ),
            }
            for value, label in FinancingKind.choices
        ],
        "milestones": [
            _figure(label, milestone(value))
            for value, label in MilestoneKind.choices
            if value != "revenue_band"
        ],
        # Jobs are a total, not people: shown once at least 5 businesses created some.
        "jobs_created": jobs if milestone(MilestoneKind.JOBS_CREATED) >= SMALL_COUNT else None,
        "revenue_bands": [_figure(label, bands.get(value, 0)) for value, label in RevenueBand.choices],
    }
    if for_board:
        result["jobs_people"] = milestone(MilestoneKind.JOBS_CREATED)
        result["mode_counts"] = {value: totals[f"mode_{value}"] for value in SessionMode.values}
        result = _board_view(result, start, end, sessions, financing)
    return result
