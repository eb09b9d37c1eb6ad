"""Coaching events in the entrepreneur's timeline (microcredit/core/timeline.py).

Each provider makes one or two queries whatever the number of events, reads only within the viewer's
scope, and shows shared content only: the staff-only notes of sessions and status changes never enter
the timeline, for anyone.
"""

from django.db.models import Prefetch
from django.urls import reverse
from django.utils.translation import gettext as _

from coaching.models import (
    CoachingSession,
    FinancingStatusChange,
    Milestone,
    ReferralStatusChange,
    SessionTopic,
)
from microcredit.core.permissions import scope
from microcredit.core.timeline import TimelineEvent, as_datetime, timeline_provider

LIMIT = 200  # per provider; the timeline itself keeps the 200 newest events


def _is_staff(viewer) -> bool:
    return viewer.is_staff_member


def _link(staff: bool, detail_url: str, anchor: str, pk: int) -> str:
    """The record's own page for staff; for the entrepreneur, its place on their coaching page."""
    return reverse(detail_url, args=[pk]) if staff else reverse("coaching:my_coaching") + f"#{anchor}-{pk}"


def _status_changes(viewer, model, related: str, **record):
    """The newest status changes of the profile's records (``record``: the filter), within the viewer's
    scope."""
    return (
        scope(viewer, model.objects.filter(**record))
        .select_related(related)
        .order_by("-changed_at", "-pk")[:LIMIT]
    )


@timeline_provider
def coaching_sessions(profile, viewer):
    sessions = (
        scope(viewer, CoachingSession.objects.filter(profile=profile))
        .select_related("advisor")
        .prefetch_related(Prefetch("topics", queryset=SessionTopic.objects.order_by("topic")))
        .only(
            "pk",
            "profile_id",
            *CoachingSession.SHARED_FIELDS,
            "advisor__username",
            "advisor__first_name",
            "advisor__last_name",
        )
        .order_by("-held_on", "-pk")[:LIMIT]
    )
    staff = _is_staff(viewer)
    for session in sessions:
        detail = [", ".join(session.topic_labels)]
        if session.shared_summary:
            detail.append(session.shared_summary)
        if session.next_steps:
            detail.append(_("Next steps: %(steps)s") % {"steps": session.next_steps})
        yield TimelineEvent(
            when=as_datetime(session.held_on),
            kind="coaching_session",
            title=_("Coaching session with %(advisor)s (%(mode)s, %(minutes)d min)")
            % {
                "advisor": session.advisor,
                "mode": session.get_mode_display().lower(),
                "minutes": session.duration_minutes,
            },
            detail="\n".join(detail),
            url=_link(staff, "coaching:session_detail", "session", session.pk),
        )


@timeline_provider
def referral_changes(profile, viewer):
    changes = _status_changes(viewer, ReferralStatusChange, "referral__partner", referral__profile=profile)
    staff = _is_staff(viewer)
    for change in changes:
        referral = change.referral
        if not change.from_status:
            title = _("Referral to %(partner)s: %(status)s")
            detail = referral.reason
        else:
            title = _("Referral to %(partner)s is now %(status)s")
            detail = ""
        yield TimelineEvent(
            when=change.changed_at,
            kind="referral",
            title=title
            % {"partner": referral.partner.name, "status": change.get_to_status_display().lower()},
            detail=detail,
            url=_link(staff, "coaching:referral_detail", "referral", referral.pk),
        )


@timeline_provider
def financing_changes(profile, viewer):
    changes = _status_changes(viewer, FinancingStatusChange, "application", application__profile=profile)
    staff = _is_staff(viewer)
    for change in changes:
        application = change.application
        yield TimelineEvent(
            when=change.changed_at,
            kind="financing",
            title=_("%(kind)s “%(program)s”: %(status)s")
            % {
                "kind": application.get_kind_display(),
                "program": application.program,
                "status": change.get_to_status_display().lower(),
            },
            url=_link(staff, "coaching:financing_detail", "financing", application.pk),
        )


@timeline_provider
def milestones(profile, viewer):
    for milestone in scope(viewer, Milestone.objects.filter(profile=profile)).order_by("-achieved_on", "-pk")[
        :LIMIT
    ]:
        value = milestone.value_display
        yield TimelineEvent(
            when=as_datetime(milestone.achieved_on),
            kind="milestone",
            title=_("Milestone: %(milestone)s") % {"milestone": milestone.get_kind_display()}
            + (f" ({value})" if value else ""),
            detail=milestone.note,
        )
