"""Retention (Law 25): coaching sessions are contacts; their notes and the referrals' texts are scrubbed."""

from django.db.models import Max

from coaching.models import (
    CoachingSession,
    FinancingStatusChange,
    Milestone,
    Referral,
    ReferralStatusChange,
)
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core import retention


def _last_session() -> dict:
    rows = CoachingSession.objects.values("profile_id").annotate(last=Max("held_on"))
    return {row["profile_id"]: row["last"] for row in rows}


def anonymize_coaching(profile: EntrepreneurProfile) -> list[str]:
    CoachingSession.objects.filter(profile=profile).update(staff_notes="", shared_summary="", next_steps="")
    Referral.objects.filter(profile=profile).update(reason="—", shared_items="")
    Referral.objects.filter(profile=profile).exclude(outcome="").update(outcome="—")
    ReferralStatusChange.objects.filter(referral__profile=profile).update(note="")
    FinancingStatusChange.objects.filter(application__profile=profile).update(note="")
    Milestone.objects.filter(profile=profile).update(note="")
    return ["coaching notes", "referral texts", "milestone notes"]


def register() -> None:
    retention.register(last_contact=_last_session, anonymizer=anonymize_coaching)
