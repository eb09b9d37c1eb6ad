"""Aggregate coaching and impact figures for the board: never a named person, and counts under 5 are
shown as "<5" (with the amounts they would reveal). Also what the board reports will read."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, OuterRef, Q, Subquery, Sum

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
from microcredit.core.money import ZERO
from microcredit.core.selectors import SMALL_COUNT


@dataclass(frozen=True)
class Figure:
    label: str
    count: int | None  # None when suppressed
    amount: Decimal | None = None  # None when there is none or when it would single someone out

    @property
    def display(self) -> str:
        return "<5" if self.count is None else str(self.count)


def _figure(label, count: int, amount: Decimal | None = None) -> Figure:
    if count < SMALL_COUNT:
        return Figure(str(label), None, None)
    return Figure(str(label), count, amount)


def impact_figures(*, start: datetime.date, end: datetime.date) -> dict:
    """Coaching given and business milestones between ``start`` and ``end`` (inclusive): seven queries."""
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
    return {
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
