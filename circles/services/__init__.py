"""Writes about circles. Views, forms and the admin call these; nothing else changes a circle."""

from circles.services.calendar import calendar_feed_regenerate, calendar_feed_revoke
from circles.services.meetings import meeting_cancel, meeting_plan, meeting_record
from circles.services.membership import (
    active_member_count,
    circle_activate,
    circle_create,
    circle_dissolve,
    circle_member_add,
    circle_member_move,
    circle_member_remove,
    circle_merge,
    circle_update,
)
from circles.services.trainings import (
    circle_form_from_training,
    training_attendance_record,
    training_create,
    training_enroll,
    training_participant_set_status,
    training_session_add,
)

__all__ = [
    "active_member_count",
    "calendar_feed_regenerate",
    "calendar_feed_revoke",
    "circle_activate",
    "circle_create",
    "circle_dissolve",
    "circle_form_from_training",
    "circle_member_add",
    "circle_member_move",
    "circle_member_remove",
    "circle_merge",
    "circle_update",
    "meeting_cancel",
    "meeting_plan",
    "meeting_record",
    "training_attendance_record",
    "training_create",
    "training_enroll",
    "training_participant_set_status",
    "training_session_add",
]
