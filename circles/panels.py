"""The sections circles add to shared pages (``microcredit/core/panels.py``), imported by
``CirclesConfig.ready()``: read here through ``circles.selectors``, shown by
``templates/circles/_panel_*``."""

from django.utils import timezone

from circles import selectors
from circles.models import MeetingStatus
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.panels import panel


@panel("home", "circles_advisor")
def advisor_circles(user: User) -> dict | None:
    if user.role != Role.ADVISOR:
        return None
    circles = list(
        selectors.circles_for(user).filter(advisor=user, status__in=["forming", "active"]).order_by("name")
    )
    return {
        "circles": circles,
        "alerts": [c for c in circles if c.below_minimum],
        "meetings": list(selectors.upcoming_meetings(advisor=user, days=14)[:10]),
    }


def _circle_of(profile: EntrepreneurProfile | None, *, staff_view: bool) -> dict:
    membership = selectors.current_membership(profile) if profile else None
    next_meeting = None
    if membership:
        next_meeting = (
            membership.circle.meetings.filter(status=MeetingStatus.PLANNED, date__gte=timezone.localdate())
            .order_by("date")
            .first()
        )
    return {"membership": membership, "next_meeting": next_meeting, "staff_view": staff_view}


@panel("home", "circles_entrepreneur")
def entrepreneur_circle(user: User) -> dict | None:
    """The entrepreneur's circle on her home page."""
    if user.role != Role.ENTREPRENEUR:
        return None
    return _circle_of(getattr(user, "entrepreneur_profile", None), staff_view=False)


@panel("entrepreneur_file", "circles")
def file_circle(user: User, profile: EntrepreneurProfile) -> dict | None:
    """Her circle on her file as staff read it, with staff wording (not "ask your advisor")."""
    if not user.is_staff_member:
        return None
    return _circle_of(profile, staff_view=True)
