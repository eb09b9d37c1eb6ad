"""Retention (Law 25): an active member is kept whole; meetings are contacts; follow-ups are scrubbed."""

from django.db.models import Max

from circles.models import BusinessFollowUp, CircleEvent, MeetingAttendance, Membership
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core import retention


def _active_members() -> set[int]:
    return set(Membership.objects.filter(left_on__isnull=True).values_list("profile_id", flat=True))


def _last_meeting() -> dict:
    rows = MeetingAttendance.objects.values("profile_id").annotate(last=Max("meeting__date"))
    return {row["profile_id"]: row["last"] for row in rows}


def anonymize_circles(profile: EntrepreneurProfile) -> list[str]:
    BusinessFollowUp.objects.filter(profile=profile).update(progress="", difficulties="", help_offered="")
    Membership.objects.filter(profile=profile).update(leave_note="")
    CircleEvent.objects.filter(profile=profile).update(note="")
    return ["business follow-ups", "circle notes"]


def register() -> None:
    retention.register(holds=_active_members, last_contact=_last_meeting, anonymizer=anonymize_circles)
