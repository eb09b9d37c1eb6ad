"""An advisor's caseload: last contact, next planned follow-up and flags, sorted by whom to call next."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import Count, DateField, F, Q, QuerySet, Value, Window
from django.db.models.functions import Coalesce
from django.utils import timezone

from coaching.selectors.flags import CaseloadFlag, FlagContext, flags_for, urgency_expression
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.models import OrganizationSettings
from microcredit.core.permissions import scope

SOON_DAYS = 7
PAGE_SIZE = 50


def with_follow_up(queryset: QuerySet[EntrepreneurProfile]) -> QuerySet[EntrepreneurProfile]:
    """Annotate ``last_contact`` (date of the latest session) and ``next_follow_up`` (the follow-up it
    planned) from the person's caseload position (a join on one narrow row, no subquery over sessions)."""
    return queryset.annotate(
        last_contact=F("caseload_position__last_contact_on"),
        next_follow_up=F("caseload_position__next_follow_up_on"),
    )


def caseload_queryset(viewer: User, advisor: User) -> QuerySet[EntrepreneurProfile]:
    return with_follow_up(
        scope(viewer, EntrepreneurProfile.objects.filter(advisor=advisor)).select_related("user")
    ).annotate(open_referrals=Coalesce(F("caseload_position__open_referrals"), Value(0)))


def _context(viewer: User, today: datetime.date | None, settings: OrganizationSettings | None) -> FlagContext:
    return FlagContext(
        today=today or timezone.localdate(), settings=settings or OrganizationSettings.load(), viewer=viewer
    )


def ranked_caseload(viewer: User, advisor: User, context: FlagContext) -> QuerySet[EntrepreneurProfile]:
    """The caseload annotated with ``urgency`` (the sum of the flags' weights, in SQL) and ordered as the
    page shows it: most urgent, then the nearest planned follow-up, then the longest without contact, then
    the oldest file. It reads the profiles and their caseload positions only (the people's names are fetched
    for the page shown: ``_fetch``)."""
    return (
        with_follow_up(scope(viewer, EntrepreneurProfile.objects.filter(advisor=advisor)))
        .annotate(
            open_referrals=Coalesce(F("caseload_position__open_referrals"), Value(0)),
            urgency=urgency_expression(context),
        )
        .order_by(
            F("urgency").desc(),
            F("next_follow_up").asc(nulls_last=True),
            Coalesce("last_contact", "intake_date", output_field=DateField()).asc(),
            "pk",
        )
    )


def _fetch(ranked: QuerySet[EntrepreneurProfile], ids: list[int]) -> list[EntrepreneurProfile]:
    """The profiles ``ids`` (a page of ``ranked``), with their annotations and accounts, in that order."""
    found = ranked.select_related("user").filter(pk__in=ids).in_bulk(ids) if ids else {}
    return [found[pk] for pk in ids if pk in found]


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
            self.profile.pk,
        )


def _rows(profiles: list[EntrepreneurProfile], context: FlagContext) -> list[CaseloadRow]:
    flags = flags_for(profiles, context)
    return [
        CaseloadRow(profile=profile, today=context.today, flags=flags[profile.pk]) for profile in profiles
    ]


def caseload_for(
    viewer: User,
    advisor: User,
    *,
    today: datetime.date | None = None,
    settings: OrganizationSettings | None = None,
) -> list[CaseloadRow]:
    """The advisor's whole caseload, whom to call first at the top (for exports and tests: pages use
    ``caseload_page``): one query for the ranked caseload, then each flag provider's bounded queries."""
    context = _context(viewer, today, settings)
    return _rows(list(ranked_caseload(viewer, advisor, context).select_related("user")), context)


def caseload_page(
    viewer: User,
    advisor: User,
    number,
    *,
    today: datetime.date | None = None,
    settings: OrganizationSettings | None = None,
    size: int = PAGE_SIZE,
) -> Page:
    """One page of the ranked caseload (``number`` as typed, Django's ``get_page`` rules): a count and one
    page of rows in SQL, flags computed for that page only. ``object_list`` holds ``CaseloadRow``s."""
    context = _context(viewer, today, settings)
    ranked = ranked_caseload(viewer, advisor, context)
    page = Paginator(ranked.values_list("pk", flat=True), size).get_page(number)
    page.object_list = _rows(_fetch(ranked, list(page.object_list)), context)
    return page


def advisor_agenda(viewer: User, *, today: datetime.date | None = None, size: int = 5) -> dict:
    """For the advisor's home page: whom to call next (the first ``size`` flagged or due today), the
    follow-ups of the coming week and how many are flagged: one query ranking and counting the caseload in
    SQL (the counts as window aggregates over the whole caseload), one fetching the few shown."""
    context = _context(viewer, today, None)
    today = context.today
    week = Q(next_follow_up__range=(today, today + datetime.timedelta(days=SOON_DAYS)))
    ranked = ranked_caseload(viewer, viewer, context)
    top = list(
        ranked.annotate(
            total=Window(Count("pk")),
            flagged=Window(Count("pk", filter=Q(urgency__gt=0))),
            due_this_week=Window(Count("pk", filter=week)),
        ).values_list("pk", "urgency", "next_follow_up", "total", "flagged", "due_this_week")[:size]
    )
    # The ranking puts the flagged first, then (among the unflagged, whose follow-ups cannot be past) those
    # due today: the people to call are the first rows, up to the first that is neither.
    call_next = []
    for pk, urgency, follow_up, *_counts in top:
        if not (urgency > 0 or follow_up == today):
            break
        call_next.append(pk)
    total, flagged, due = top[0][3:] if top else (0, 0, 0)
    return {
        "call_next": _rows(_fetch(ranked, call_next), context),
        "total": total,
        "flagged": flagged,
        "due_this_week": due,
    }


@dataclass(frozen=True)
class AdvisorLoad:
    advisor: User | None  # None: entrepreneurs without an assigned advisor
    entrepreneurs: int
    no_contact: int
    overdue: int


def caseload_overview(viewer: User, *, today: datetime.date | None = None) -> list[AdvisorLoad]:
    """Per advisor: how many entrepreneurs, how many without contact for too long, how many follow-ups
    overdue (two queries, counted over the caseload positions). The first row is the entrepreneurs without an
    advisor."""
    today = today or timezone.localdate()
    cutoff = today - datetime.timedelta(days=OrganizationSettings.load().coaching_no_contact_days)
    counts = {
        row["advisor"]: row
        for row in with_follow_up(scope(viewer, EntrepreneurProfile.objects.all()))
        .annotate(since=Coalesce(F("last_contact"), F("intake_date"), output_field=DateField()))
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
