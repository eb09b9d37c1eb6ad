"""Circle meetings: planning, and recording attendance and each member's business follow-up in one go."""

import datetime
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import (
    AttendanceStatus,
    BusinessFollowUp,
    Circle,
    Meeting,
    MeetingAttendance,
    MeetingStatus,
    Membership,
)
from circles.services.membership import _check_open, _lock
from microcredit.accounts.models import User

FOLLOW_UP_FIELDS = ("progress", "difficulties", "help_offered")


@transaction.atomic
def meeting_plan(
    *,
    circle: Circle,
    date: datetime.date,
    planned_by: User | None,
    start_time: datetime.time | None = None,
    place: str = "",
    agenda: str = "",
) -> Meeting:
    (circle,) = _lock(circle)
    _check_open(circle)
    meeting = Meeting(
        circle=circle, date=date, start_time=start_time, place=place or circle.meeting_place, agenda=agenda
    )
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    recorded_by: User,
    attendance: dict[int, str],
    follow_ups: dict[int, dict[str, str]] | None = None,
    decisions: str = "",
    shared_notes: str = "",
    advisor_notes: str = "",
    next_meeting: dict | None = None,
    also: Iterable[Callable[[Meeting], None]] = (),
) -> Meeting:
    """Record a held meeting: every active member's attendance (required), a follow-up of each member's
    business (optional per member), decisions, notes, and optionally plan the next meeting.
    Recording again corrects the record.

    ``also``: what the apps above add to the record (``circles.meeting_extensions``: the repayments
    collected), each called with the locked meeting in this same transaction, after the rest is written; a
    ``ValidationError`` from any of them refuses the whole record."""
    meeting = Meeting.objects.select_for_update().select_related("circle").get(pk=meeting.pk)
    if meeting.status == MeetingStatus.CANCELLED:
        raise ValidationError(_("This meeting was cancelled."))
    if not meeting.is_recordable:
        raise ValidationError(_("A meeting can only be recorded on or after its date."))
    members = set(
        Membership.objects.filter(circle=meeting.circle, left_on__isnull=True).values_list(
            "profile_id", flat=True
        )
    )
    follow_ups = follow_ups or {}
    if set(attendance) - members or set(follow_ups) - members:
        raise ValidationError(
            _("Attendance and follow-ups can only be recorded for the circle's active members.")
        )
    missing = members - set(attendance)
    if missing:
        raise ValidationError(_("Record the attendance of every member."), code="attendance_missing")
    if any(status not in AttendanceStatus.values for status in attendance.values()):
        raise ValidationError(_("Choose present, late, excused or absent for each member."))

    existing = {row.profile_id: row for row in meeting.attendance.all()}
    for profile_id, status in attendance.items():
        row = existing.get(profile_id)
        if row is None:
            MeetingAttendance.objects.create(meeting=meeting, profile_id=profile_id, status=status)
        elif row.status != status:
            row.status = status
            row.save(update_fields=["status"])
    existing_follow_ups = {row.profile_id: row for row in meeting.follow_ups.all()}
    for profile_id, texts in follow_ups.items():
        values = {name: (texts.get(name) or "").strip() for name in FOLLOW_UP_FIELDS}
        row = existing_follow_ups.get(profile_id)
        if row is None:
            if any(values.values()):
                BusinessFollowUp.objects.create(meeting=meeting, profile_id=profile_id, **values)
        else:
            for name, value in values.items():
                setattr(row, name, value)
            row.save()

    meeting.status = MeetingStatus.HELD
    meeting.decisions, meeting.shared_notes, meeting.advisor_notes = decisions, shared_notes, advisor_notes
    meeting.recorded_by, meeting.recorded_at = recorded_by, timezone.now()
    meeting.save()

    if next_meeting and next_meeting.get("date"):
        if next_meeting["date"] <= meeting.date:
            raise ValidationError({"next_date": _("The next meeting must come after this one.")})
        already = Meeting.objects.filter(
            circle=meeting.circle, date=next_meeting["date"], status=MeetingStatus.PLANNED
        ).exists()
        if not already:
            meeting_plan(
                circle=meeting.circle,
                date=next_meeting["date"],
                start_time=next_meeting.get("start_time"),
                place=next_meeting.get("place", ""),
                agenda=next_meeting.get("agenda", ""),
                planned_by=recorded_by,
            )
    for extra in also:
        extra(meeting)
    return meeting


@transaction.atomic
def meeting_cancel(*, meeting: Meeting, cancelled_by: User | None) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != MeetingStatus.PLANNED:
        raise ValidationError(_("Only a planned meeting can be cancelled."))
    meeting.status = MeetingStatus.CANCELLED
    meeting.save(update_fields=["status"])
    return meeting
