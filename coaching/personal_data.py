"""The coaching part of a person's complete file (Law 25): registered from ``CoachingConfig.ready()``.
Advisors' internal notes are ``staff_only``: in the file of a privacy request unless the privacy officer has
recorded a documented exception (organization settings), never in the everyday download."""

from coaching.models import (
    CaseloadPosition,
    CaseloadTally,
    CoachingSession,
    FinancingApplication,
    FinancingStatusChange,
    Milestone,
    Referral,
    ReferralStatusChange,
    SessionTopic,
)
from microcredit.core.personal_data import register


def register_sources() -> None:
    register(CoachingSession, "coaching", paths=("profile",), staff_only=("staff_notes",))
    register(SessionTopic, "coaching", paths=("session__profile",))
    register(Referral, "coaching", paths=("profile",))
    register(ReferralStatusChange, "coaching", paths=("referral__profile",), staff_only=("note",))
    register(FinancingApplication, "coaching", paths=("profile",))
    register(FinancingStatusChange, "coaching", paths=("application__profile",), staff_only=("note",))
    register(Milestone, "coaching", paths=("profile",))
    register(CaseloadPosition, "coaching", paths=("profile",))
    register(CaseloadTally, "coaching", paths=("profile",))
