from django import template
from django.utils import timezone

from circles import selectors
from circles.models import MeetingStatus

register = template.Library()


@register.inclusion_tag("circles/_panel_advisor.html")
def advisor_circles_panel(user):
    circles = list(
        selectors.circles_for(user).filter(advisor=user, status__in=["forming", "active"]).order_by("name")
    )
    return {
        "circles": circles,
        "alerts": [c for c in circles if c.below_minimum],
        "meetings": list(selectors.upcoming_meetings(advisor=user, days=14)[:10]),
    }


@register.inclusion_tag("circles/_panel_entrepreneur.html")
def entrepreneur_circle_panel(user, viewer=None):
    """The entrepreneur's circle: on her home page, or on her file as staff read it (``viewer``), with staff
    wording then (not "ask your advisor")."""
    profile = getattr(user, "entrepreneur_profile", None)
    membership = selectors.current_membership(profile) if profile else None
    next_meeting = None
    if membership:
        next_meeting = (
            membership.circle.meetings.filter(status=MeetingStatus.PLANNED, date__gte=timezone.localdate())
            .order_by("date")
            .first()
        )
    staff_view = viewer is not None and viewer.is_staff_member
    return {"membership": membership, "next_meeting": next_meeting, "staff_view": staff_view}
