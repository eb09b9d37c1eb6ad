"""Reads about circles, each in a bounded number of queries."""

import datetime
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    Min,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from circles.models import (
    CalendarFeed,
    Circle,
    CircleCharacteristic,
    CircleStatus,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Membership,
    Training,
)
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.bilingual import displayed
from microcredit.core.models import OrganizationSettings
from microcredit.core.permissions import Action, scope


def count_per_circle(queryset) -> Subquery:
    """The number of ``queryset``'s rows whose ``circle`` is the outer circle, as a subquery (on the rows'
    circle index rather than a join: an advisor's hundred circles would otherwise join thousands of rows)."""
    return Coalesce(
        Subquery(
            queryset.filter(circle=OuterRef("pk"))
            .order_by()
            .values("circle")
            .annotate(n=Count("pk"))
            .values("n")[:1]
        ),
        0,
    )


# Figures other apps add to the circle lists (name -> a function returning the annotation), registered from
# their ``AppConfig.ready()`` so circles import no app above them (loans adds the requests in review).
CIRCLE_LIST_FIGURES: dict[str, Callable[[], Any]] = {}


def characteristics_shown() -> QuerySet[CircleCharacteristic]:
    """The characteristics in the order readers see them: by kind, then by the name shown in their language
    (``displayed``; in English the untranslated ones do not come last). Call it in the view."""
    return CircleCharacteristic.objects.order_by("kind", displayed("name"), "pk")


def circle_characteristics() -> Prefetch:
    """A circle's characteristics for its pages, in the order readers see them (``characteristics_shown``)."""
    return Prefetch("characteristics", queryset=characteristics_shown())


def circles_for(user: User) -> QuerySet[Circle]:
    """Circles the user may see, with what the lists show: member count, next meeting, alerts, and the
    figures other apps registered (``CIRCLE_LIST_FIGURES``)."""
    today = timezone.localdate()
    settings = OrganizationSettings.load()
    return (
        scope(user, Circle.objects.all())
        .select_related("advisor", "network")
        .prefetch_related(circle_characteristics())
        .annotate(
            active_members=Count("memberships", filter=Q(memberships__left_on__isnull=True), distinct=True),
            next_meeting_date=Min(
                "meetings__date",
                filter=Q(meetings__status=MeetingStatus.PLANNED, meetings__date__gte=today),
            ),
        )
        .annotate(**{name: figure() for name, figure in CIRCLE_LIST_FIGURES.items()})
        .annotate(
            below_minimum=ExpressionWrapper(
                Q(status=CircleStatus.ACTIVE, active_members__lt=settings.circle_min_members),
                output_field=BooleanField(),
            ),
        )
    )


def circle_members(circle: Circle, *, include_past: bool = False) -> QuerySet[Membership]:
    memberships = circle.memberships.select_related("profile__user")
    return memberships if include_past else memberships.filter(left_on__isnull=True)


def circle_detail(circle: Circle, *, viewer: User) -> dict:
    """What the circle page shows ``viewer``: a member sees only the meetings they may open (held since they
    joined, never cancelled ones), so not even the dates of the meetings before them."""
    today = timezone.localdate()
    memberships = list(circle_members(circle, include_past=True))
    visible = scope(viewer, Meeting.objects.filter(circle=circle), Action.VIEW).values("pk")
    meetings = list(
        circle.meetings.filter(pk__in=visible)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status__in=["present", "late"])),
            recorded=Count("attendance"),
        )
        .order_by("-date")[:24]
    )
    return {
        "members": [m for m in memberships if m.is_active],
        "past_members": [m for m in memberships if not m.is_active],
        "upcoming_meetings": sorted(
            (m for m in meetings if m.status == MeetingStatus.PLANNED and m.date >= today),
            key=lambda m: m.date,
        ),
        "past_meetings": [m for m in meetings if not (m.status == MeetingStatus.PLANNED and m.date >= today)],
        "events": list(
            circle.events.select_related("actor", "profile__user", "other_circle").order_by("-at", "-pk")[:50]
        ),
        "absorbed_circles": list(circle.absorbed_circles.all()),
    }


def meeting_detail(meeting: Meeting) -> dict:
    return {
        "attendance": list(
            meeting.attendance.select_related("profile__user").order_by("profile__user__last_name")
        ),
        "follow_ups": list(
            meeting.follow_ups.select_related("profile__user").order_by("profile__user__last_name")
        ),
    }


def current_membership(profile: EntrepreneurProfile) -> Membership | None:
    return (
        Membership.objects.filter(profile=profile, left_on__isnull=True)
        .select_related("circle__advisor", "circle__network")
        .first()
    )


def upcoming_meetings(*, advisor: User | None = None, days: int = 60) -> QuerySet[Meeting]:
    today = timezone.localdate()
    meetings = Meeting.objects.filter(
        status=MeetingStatus.PLANNED,
        date__gte=today,
        date__lte=today + datetime.timedelta(days=days),
        circle__status__in=(CircleStatus.FORMING, CircleStatus.ACTIVE),
    ).select_related("circle")
    if advisor is not None:
        meetings = meetings.filter(circle__advisor=advisor)
    return meetings.order_by("date", "start_time")


def calendar_token_of(user: User) -> str | None:
    return CalendarFeed.objects.filter(user=user).values_list("token", flat=True).first()


def calendar_feed_owner(token: str) -> User | None:
    """The active advisor or coordinator whose calendar address carries ``token``, if any."""
    if not token or len(token) > 64:
        return None
    feed = (
        CalendarFeed.objects.select_related("user")
        .filter(token=token, user__is_active=True, user__role__in=(Role.ADVISOR, Role.COORDINATOR))
        .first()
    )
    return feed.user if feed else None


def calendar_meetings(
    *, advisor: User | None, days_back: int = 30, days_ahead: int = 365
) -> QuerySet[Meeting]:
    """The meetings of a calendar feed: planned and cancelled ones (a calendar app must learn of a
    cancellation to take it off), from a month back to a year ahead; an advisor's circles only."""
    today = timezone.localdate()
    meetings = Meeting.objects.filter(
        status__in=(MeetingStatus.PLANNED, MeetingStatus.CANCELLED),
        date__gte=today - datetime.timedelta(days=days_back),
        date__lte=today + datetime.timedelta(days=days_ahead),
    ).select_related("circle")
    if advisor is not None:
        meetings = meetings.filter(circle__advisor=advisor)
    return meetings.order_by("date", "start_time")


def entrepreneurs_available_for_circles() -> QuerySet[EntrepreneurProfile]:
    """Entrepreneurs who are not an active member of any circle."""
    active = Membership.objects.filter(profile=OuterRef("pk"), left_on__isnull=True)
    return EntrepreneurProfile.objects.filter(~Exists(active), user__is_active=True).select_related("user")


MEMBER_CHOICES = 100  # entrepreneurs offered at most on a circle's page (a search finds the others)


def entrepreneurs_to_offer(circle: Circle, search: str = "") -> list[EntrepreneurProfile]:
    """Whom the circle's page offers to admit, by name: at most ``MEMBER_CHOICES`` of the entrepreneurs not
    in an active circle, those whose name, business or file number matches ``search``, or without a search
    the circle's advisor's caseload first (the latest registered), then others. Bounded: the page never
    lists every entrepreneur of the organization (50,000 options took seconds to render)."""
    available = entrepreneurs_available_for_circles()
    search = search.strip()
    if search:
        words = Q()
        for word in search.split()[:5]:
            if not word.lstrip("#nNoº°."):
                continue  # "nº" alone, as the list shows it before a file number ("nº 17")
            matches = (
                Q(user__first_name__icontains=word)
                | Q(user__last_name__icontains=word)
                | Q(business_name__icontains=word)
            )
            number = word.lstrip("#nNoº°.")
            if number.isascii() and number.isdigit() and len(number) < 10:
                matches |= Q(pk=int(number))  # the file number shown next to each name
            words &= matches
        available = available.filter(words)
    by_name = ("user__last_name", "user__first_name", "pk")
    if search:
        return list(available.order_by(*by_name)[:MEMBER_CHOICES])
    # The circle advisor's most recently registered entrepreneurs (those a new circle forms from, after a
    # training), shown by name: an index range, however large the caseload (sorting a caseload of 2,500 by
    # name took most of the page's SQL time at 100,000 loans).
    latest = available.filter(advisor_id=circle.advisor_id).order_by("-pk").values("pk")[:MEMBER_CHOICES]
    offered = list(available.filter(pk__in=latest).order_by(*by_name))
    if len(offered) < MEMBER_CHOICES:
        others = available.exclude(advisor_id=circle.advisor_id) if circle.advisor_id else available
        offered += others.order_by("pk")[: MEMBER_CHOICES - len(offered)]
    return offered


def trainings_for(user: User) -> QuerySet[Training]:
    return (
        scope(user, Training.objects.all())
        .select_related("advisor")
        .annotate(
            participant_count=Count("participants", distinct=True),
            completed_count=Count("participants", filter=Q(participants__status="completed"), distinct=True),
            session_count=Count("sessions", distinct=True),
        )
        .order_by("-start_date", "title")
    )


def training_detail(training: Training) -> dict:
    participants = list(
        training.participants.select_related("profile__user").prefetch_related(
            Prefetch(
                "profile__circle_memberships",
                queryset=Membership.objects.filter(left_on__isnull=True).select_related("circle"),
                to_attr="active_memberships",
            )
        )
    )
    sessions = list(training.sessions.prefetch_related("attendance"))
    present = {(a.session_id, a.participant_id) for s in sessions for a in s.attendance.all() if a.present}
    for participant in participants:
        participant.sessions_attended = sum((s.pk, participant.pk) in present for s in sessions)
        participant.current_circle = (
            participant.profile.active_memberships[0].circle
            if participant.profile.active_memberships
            else None
        )
    return {
        "participants": participants,
        "sessions": sessions,
        "present": present,
        "circles": list(training.circles.all()),
    }


def attendance_rate(circle: Circle) -> Decimal | None:
    """Share of expected attendances that were present or late, over the circle's held meetings, in percent,
    exact: the page rounds it once, as it writes it (``percent`` filter)."""
    counts = MeetingAttendance.objects.filter(
        meeting__circle=circle, meeting__status=MeetingStatus.HELD
    ).aggregate(total=Count("pk"), came=Count("pk", filter=Q(status__in=["present", "late"])))
    return Decimal(100 * counts["came"]) / counts["total"] if counts["total"] else None
