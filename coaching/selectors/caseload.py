"""An advisor's caseload: last contact, next planned follow-up and flags, sorted by whom to call next."""

import datetime
from dataclasses import dataclass, field

from django.core.paginator import Page, Paginator
from django.db.models import DateField, F, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from coaching.models import CaseloadCount, CaseloadTally
from coaching.models.positions import NO_DAY, PEOPLE
from coaching.selectors.counts import ZEROS, counted
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


def _ranking_inputs(queryset: QuerySet[EntrepreneurProfile]) -> QuerySet[EntrepreneurProfile]:
    """The inputs the urgency expressions and the order read (``coaching.selectors.flags``), named as the
    person's tally's fields (``CaseloadTally``), so that the same expressions rank the tallies alone
    (``_tally_ranking``): the planned follow-up and the last contact (else the intake) from the caseload
    position, a late loan and a pending request from the tally."""
    return queryset.alias(
        follow_up_on=F("caseload_position__next_follow_up_on"),
        since_on=Coalesce("caseload_position__last_contact_on", "intake_date", output_field=DateField()),
        arrears_since=F("caseload_tally__arrears_since"),
        pending_request=F("caseload_tally__pending_request"),
    )


def _ranking_order(pk: str) -> list:
    return [F("urgency").desc(), F("follow_up_on").asc(nulls_last=True), F("since_on").asc(), pk]


def ranked_caseload(viewer: User, advisor: User, context: FlagContext) -> QuerySet[EntrepreneurProfile]:
    """The caseload annotated with ``urgency`` (the sum of the flags' weights, in SQL) and ordered as the
    page shows it: most urgent, then the nearest planned follow-up, then the longest without contact, then
    the oldest file. It reads the profiles and their caseload positions and tallies (the people's names are
    fetched for the page shown: ``_fetch``; the pages rank the tallies alone: ``_ranking``)."""
    return (
        _ranking_inputs(with_follow_up(scope(viewer, EntrepreneurProfile.objects.filter(advisor=advisor))))
        .annotate(
            open_referrals=Coalesce(F("caseload_position__open_referrals"), Value(0)),
            urgency=urgency_expression(context),
        )
        .order_by(*_ranking_order("pk"))
    )


def _tally_ranking(advisor: User, context: FlagContext) -> QuerySet[CaseloadTally]:
    """The same ranking over the advisor's tallies alone (one narrow row per person, ``advisor_key``'s index):
    the same urgency and order, without reading a profile or a position."""
    return (
        CaseloadTally.objects.filter(advisor_key=advisor.pk)
        .annotate(urgency=urgency_expression(context))
        .order_by(*_ranking_order("profile_id"))
    )


def _ranking(viewer: User, advisor: User, context: FlagContext) -> QuerySet:
    """``(profile id, urgency, planned follow-up)`` in the ranked order, for the pages: from the tallies alone
    when the viewer may see every profile (the staff: the profiles' policy then filters nothing), else from
    the viewer's profiles (``ranked_caseload``)."""
    everyone = EntrepreneurProfile.objects.all()
    if scope(viewer, everyone) is everyone:
        return _tally_ranking(advisor, context).values_list("profile_id", "urgency", "follow_up_on")
    return ranked_caseload(viewer, advisor, context).values_list("pk", "urgency", "next_follow_up")


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
    ranking = _ranking(viewer, advisor, context)
    page = Paginator(_Counted(ranking, advisor.pk), size).get_page(number)
    ids = [pk for pk, _urgency, _follow_up in page.object_list]
    page.object_list = _rows(_fetch(ranked_caseload(viewer, advisor, context), ids), context)
    return page


class _Counted:
    """A ranked caseload for the paginator: its length read from the caseload counters (one row), its pages
    sliced in SQL."""

    def __init__(self, queryset, advisor_key: int):
        self.queryset, self.advisor_key = queryset, advisor_key

    def count(self) -> int:
        return (
            CaseloadCount.objects.filter(advisor_key=self.advisor_key, kind=PEOPLE, day=NO_DAY)
            .values_list("count", flat=True)
            .first()
            or 0
        )

    def __getitem__(self, index):
        return self.queryset[index]


def advisor_agenda(viewer: User, *, today: datetime.date | None = None, size: int = 5) -> dict:
    """For the advisor's home page: whom to call next (the first ``size`` flagged or due today), the
    follow-ups of the coming week and how many are flagged: the counts from the caseload counters (one
    query over a few rows per day), the first few from the ranking (one query, ``LIMIT size``), one fetching
    them."""
    context = _context(viewer, today, None)
    today = context.today
    counts = counted([viewer.pk], today, context.settings.coaching_no_contact_days, SOON_DAYS).get(
        viewer.pk, ZEROS
    )
    ranked = ranked_caseload(viewer, viewer, context)
    flagged = counts["flagged"]
    if flagged is None:  # the counters wait for ``rebuild_caseload`` after a change of the no-contact delay
        flagged = ranked.filter(urgency__gt=0).count()
    # The ranking puts the flagged first, then (among the unflagged, whose follow-ups cannot be past) those
    # due today: the people to call are the first rows, up to the first that is neither.
    call_next = []
    for pk, urgency, follow_up in _ranking(viewer, viewer, context)[:size]:
        if not (urgency > 0 or follow_up == today):
            break
        call_next.append(pk)
    return {
        "call_next": _rows(_fetch(ranked, call_next), context),
        "total": counts["people"],
        "flagged": flagged,
        "due_this_week": counts["due_this_week"],
    }


@dataclass(frozen=True)
class AdvisorLoad:
    advisor: User | None  # None: entrepreneurs without an assigned advisor
    entrepreneurs: int
    no_contact: int
    overdue: int


def caseload_overview(viewer: User, *, today: datetime.date | None = None) -> list[AdvisorLoad]:
    """Per advisor: how many entrepreneurs, how many without contact for too long, how many follow-ups
    overdue, from the caseload counters (two queries, over a few rows per advisor and day). The first row is
    the entrepreneurs without an advisor. Coordinators see every caseload (``scope``)."""
    today = today or timezone.localdate()
    counts = counted(None, today, OrganizationSettings.load().coaching_no_contact_days)
    advisors = User.objects.filter(
        Q(role=Role.ADVISOR, is_active=True)
        | Q(pk__in=[pk for pk, row in counts.items() if pk and row["people"]])
    )
    loads = []
    for advisor in [None, *advisors.order_by("first_name", "last_name", "username")]:
        row = counts.get(advisor.pk if advisor else 0, ZEROS)
        if advisor is None and not row["people"]:
            continue
        loads.append(AdvisorLoad(advisor, row["people"], row["no_contact"], row["overdue"]))
    return loads
