"""Circle life on an entrepreneur's timeline: joining and leaving circles, and the meetings they attended."""

from django.urls import reverse
from django.utils.translation import gettext as _

from circles.models import MeetingAttendance, MeetingStatus, Membership
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.timeline import TimelineEvent, as_datetime, timeline_provider


@timeline_provider
def circle_events(profile: EntrepreneurProfile, viewer: User):
    staff = viewer.is_staff_member
    for membership in Membership.objects.filter(profile=profile).select_related("circle"):
        circle_url = reverse("circles:circle_detail", args=[membership.circle_id]) if staff else ""
        yield TimelineEvent(
            when=as_datetime(membership.joined_on),
            kind="circle_joined",
            title=_("Joined the circle %(name)s") % {"name": membership.circle.phrase_name},
            url=circle_url,
        )
        if membership.left_on:
            yield TimelineEvent(
                when=as_datetime(membership.left_on),
                kind="circle_left",
                title=_("Left the circle %(name)s (%(reason)s)")
                % {
                    "name": membership.circle.phrase_name,
                    "reason": membership.get_leave_reason_display().lower(),
                },
                url=circle_url,
            )
    attendance = (
        MeetingAttendance.objects.filter(profile=profile, meeting__status=MeetingStatus.HELD)
        .select_related("meeting__circle")
        .order_by("-meeting__date")[:100]
    )
    for row in attendance:
        meeting = row.meeting
        yield TimelineEvent(
            when=meeting.starts_at,
            kind="circle_meeting",
            title=_("Circle meeting %(name)s: %(attendance)s")
            % {"name": meeting.circle.phrase_name, "attendance": row.get_status_display().lower()},
            detail=meeting.decisions if staff else meeting.shared_notes,
            url=reverse("circles:meeting_detail", args=[meeting.pk]) if staff else "",
        )
