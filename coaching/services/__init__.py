"""Writes about coaching. Views and forms call these; each runs in one transaction and refuses bad input
with a translated ``ValidationError`` naming the field it concerns."""

from coaching.services.caseload import caseload_reassign
from coaching.services.financing import financing_change_status, financing_create, financing_update
from coaching.services.milestones import milestone_record
from coaching.services.partners import partner_save
from coaching.services.positions import (
    caseload_differences,
    caseload_position_refresh,
    position_differences,
    rebuild_caseload,
)
from coaching.services.referrals import referral_change_status, referral_create, referral_may_share
from coaching.services.sessions import session_record, session_update

__all__ = [
    "caseload_differences",
    "caseload_position_refresh",
    "caseload_reassign",
    "financing_change_status",
    "financing_create",
    "financing_update",
    "milestone_record",
    "partner_save",
    "position_differences",
    "rebuild_caseload",
    "referral_change_status",
    "referral_create",
    "referral_may_share",
    "session_record",
    "session_update",
]
