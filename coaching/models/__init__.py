"""Proximity coaching: individual sessions, partners and referrals, financing support, milestones."""

from coaching.models.choices import (
    FINANCING_STATES,
    REFERRAL_STATES,
    FinancingKind,
    FinancingStatus,
    MilestoneKind,
    PartnerKind,
    ReferralStatus,
    RevenueBand,
    SessionMode,
    Topic,
)
from coaching.models.financing import FinancingApplication, FinancingStatusChange
from coaching.models.milestones import Milestone
from coaching.models.partners import Partner, PartnerContact, Referral, ReferralStatusChange
from coaching.models.positions import CaseloadCount, CaseloadPosition, CaseloadTally
from coaching.models.sessions import CoachingSession, SessionTopic

__all__ = [
    "FINANCING_STATES",
    "REFERRAL_STATES",
    "CaseloadCount",
    "CaseloadPosition",
    "CaseloadTally",
    "CoachingSession",
    "FinancingApplication",
    "FinancingKind",
    "FinancingStatus",
    "FinancingStatusChange",
    "Milestone",
    "MilestoneKind",
    "Partner",
    "PartnerContact",
    "PartnerKind",
    "Referral",
    "ReferralStatus",
    "ReferralStatusChange",
    "RevenueBand",
    "SessionMode",
    "SessionTopic",
    "Topic",
]
