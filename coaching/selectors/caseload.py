"""An advisor's caseload: last contact, next planned follow-up and flags, sorted by whom to call next."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from coaching.models import CoachingSession, Referral
from coaching.models.choices import REFERRAL_CLOSED
from coaching.selectors.flags import CaseloadFlag, FlagContext, flags_for
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.models import OrganizationSettings
from microcredit.core.permissions import scope

SOON_DAYS = 7


def _latest_session():
    return CoachingSession.objects.filter(profile=OuterRef("pk")).order_by("-held_on", "-pk")


def with_follow_up(queryset: QuerySet[EntrepreneurProfile]) -> QuerySet[EntrepreneurProfile]:
    """Annotate ``last_contact`` (date of the latest session) and ``next_follow_up`` (the follow-up it
    planned), in the same query."""
    return queryset.annotate(
        last_contact=Subquery(_latest_session().values("held_on")[:1]),
        next_follow_up=Subquery(_latest_session().values("next_follow_up_on")[:1]),
    )


def caseload_queryset(viewer: User, advisor: User) -> QuerySet[EntrepreneurProfile]:
    open_referrals = (
        Referral.objects.filter(profile=OuterRef("pk"))
        .exclude(status__in=REFERRAL_CLOSED)
        .values("profile")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    return with_follow_up(
        scope(viewer, EntrepreneurProfile.objects.filter(advisor=advisor)).select_related("user")
    ).annotate(open_referrals=Coalesce(Subquery(open_referrals, output_field=IntegerField()), Value(0)))


@dataclass
class CaseloadRow:
    profile: EntrepreneurProfile
    today: datetime.date
    flags: list[CaseloadFlag] = field(default_factory=list)

    @property
    def last_contact(self) -> datetime.date | None:
        return self.profile.last_contact

    @property
    def next_follow_up(self) -> datetime.date | None:
        return self.profile.next_follow_up

    @property
    def urgency(self) -> int:
        return sum(flag.weight for flag in self.flags)

    @property
    def follow_up_state(self) -> str:
        """ "overdue", "today", "soon" (within a week) or "" — for the page's colours."""
        day = self.next_follow_up
        if day is None:
            return ""
        if day < self.today:
            return "overdue"
        if day == self.today:
            return "today"
        return "soon" if (day - self.today).days <= SOON_DAYS else ""

    def sort_key(self):
        return (
            -self.urgency,
            self.next_follow_up or datetime.date.max,
            self.last_contact or self.profile.intake_date,
            str(self.profile.user),
        )


def caseload_for(
    viewer: User,
    advisor: User,
    *,
    today: datetime.date | None = None,
    settings: OrganizationSettings | None = None,
) -> list[CaseloadRow]:
    """The advisor's entrepreneurs, whom to call first at the top: one query for the caseload, then each
    flag provider's bounded queries."""
    today = today or timezone.localdate()
    profiles = list(caseload_queryset(viewer, advisor))
    context = FlagContext(today=today, settings=settings or OrganizationSettings.load(), viewer=viewer)
    flags = flags_for(profiles, context)
    rows = [CaseloadRow(profile=profile, today=today, flags=flags[profile.pk]) for profile in profiles]
    return sorted(rows, key=CaseloadRow.sort_key)


def advisor_agenda(viewer: User, *, today: datetime.date | None = None, size: int = 5) -> dict:
    """For the advisor's home page: whom to call next, and the follow-ups of the coming week."""
    rows = caseload_for(viewer, viewer, today=today)
    return {
        "call_next": [row for row in rows if row.flags or row.follow_up_state in ("overdue", "today")][:size],
        "due_this_week": sum(1 for row in rows if row.follow_up_state in ("today", "soon")),
        "flagged": sum(1 for row in rows if row.flags),
        "total": len(rows),
    }


@dataclass(frozen=True)
class AdvisorLoad:
    advisor: User | None  # None: entrepreneurs without an assigned advisor
    entrepreneurs: int
    no_contact: int
    overdue: int


def caseload_overview(viewer: User, *, today: datetime.date | None = None) -> list[AdvisorLoad]:
    """Per advisor: how many entrepreneurs, how many without contact for too long, how many follow-ups
    overdue (two queries). The first row is the entrepreneurs without an advisor."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=OrganizationSettings.load().coaching_no_contact_days)
    counts = {
        row["advisor"]: row
        for row in with_follow_up(scope(viewer, EntrepreneurProfile.objects.all()))
        .annotate(since=Coalesce(F("last_contact"), F("intake_date")))
        .order_by()
        .values("advisor")
        .annotate(
            total=Count("pk"),
            no_contact=Count("pk", filter=Q(since__lt=cutoff)),
            overdue=Count("pk", filter=Q(next_follow_up__lt=today)),
        )
    }
    advisors = User.objects.filter(
        Q(role=Role.ADVISOR, is_active=True) | Q(pk__in=[pk for pk in counts if pk])
    )
    empty = {"total": 0, "no_contact": 0, "overdue": 0}
    loads = []
    for advisor in [None, *advisors.order_by("first_name", "last_name", "username")]:
        row = counts.get(advisor.pk if advisor else None, empty)
        if advisor is None and not row["total"]:
            continue
        loads.append(AdvisorLoad(advisor, row["total"], row["no_contact"], row["overdue"]))
    return loads
