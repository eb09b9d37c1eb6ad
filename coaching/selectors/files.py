"""The coaching section of an entrepreneur's file, for the organization's staff."""

from django.db.models import Prefetch

from coaching.models import CoachingSession, FinancingApplication, Milestone, Referral, SessionTopic
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.permissions import scope

RECENT_SESSIONS = 5


def staff_file(profile: EntrepreneurProfile, viewer: User) -> dict:
    """Recent sessions (with their staff notes: staff only), referrals, financing support and milestones,
    in seven queries whatever their number."""
    sessions = scope(viewer, CoachingSession.objects.filter(profile=profile))
    recent = list(
        sessions.select_related("advisor")
        .prefetch_related(Prefetch("topics", queryset=SessionTopic.objects.order_by("topic")))
        .order_by("-held_on", "-pk")[:RECENT_SESSIONS]
    )
    return {
        "sessions": recent,
        "session_count": sessions.count(),
        "next_follow_up": recent[0].next_follow_up_on if recent else None,
        "referrals": list(scope(viewer, Referral.objects.filter(profile=profile)).select_related("partner")),
        "applications": list(
            scope(viewer, FinancingApplication.objects.filter(profile=profile)).select_related("partner")
        ),
        "milestones": list(scope(viewer, Milestone.objects.filter(profile=profile))),
    }
