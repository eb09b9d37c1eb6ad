"""The circles part of a person's complete file (Law 25): registered from ``CirclesConfig.ready()``."""

from circles.models import (
    BusinessFollowUp,
    CircleEvent,
    MeetingAttendance,
    Membership,
    SessionAttendance,
    TrainingParticipant,
)
from microcredit.core.personal_data import register


def register_sources() -> None:
    register(TrainingParticipant, "circles", paths=("profile",))
    register(SessionAttendance, "circles", paths=("participant__profile",))
    register(Membership, "circles", paths=("profile",))
    register(CircleEvent, "circles", paths=("profile",))
    register(MeetingAttendance, "circles", paths=("profile",))
    register(BusinessFollowUp, "circles", paths=("profile",))
