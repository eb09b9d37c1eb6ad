"""The coaching section of a person's data export (Law 25): everything shared with them about their
coaching, referrals, financing support and milestones. Staff-only notes are never exported."""

from coaching.models import Milestone
from coaching.selectors.shared import shared_financing, shared_referrals, shared_sessions
from microcredit.accounts.selectors import export_section


def _history(changes) -> list[dict]:
    return [
        {"from": change.from_status or None, "to": change.to_status, "at": change.changed_at.isoformat()}
        for change in changes
    ]


def _day(value):
    return value.isoformat() if value else None


def _money(value):
    return None if value is None else str(value)


@export_section("coaching")
def coaching_export(profile) -> dict:
    return {
        "sessions": [
            {
                "date": _day(session.held_on),
                "duration_minutes": session.duration_minutes,
                "mode": session.mode,
                "advisor": session.advisor_name,
                "topics": list(session.topic_codes),
                "summary": session.shared_summary,
                "next_steps": session.next_steps,
                "next_follow_up": _day(session.next_follow_up_on),
            }
            for session in shared_sessions(profile)
        ],
        "referrals": [
            {
                "partner": referral.partner.name,
                "partner_kind": referral.partner.kind,
                "date": _day(referral.referred_on),
                "reason": referral.reason,
                "status": referral.status,
                "outcome": referral.outcome,
                "history": _history(referral.shared_history),
            }
            for referral in shared_referrals(profile)
        ],
        "financing": [
            {
                "kind": application.kind,
                "organization": application.partner.name if application.partner else None,
                "program": application.program,
                "amount_requested": _money(application.amount_requested),
                "status": application.status,
                "amount_obtained": _money(application.amount_obtained),
                "started": _day(application.started_on),
                "submitted": _day(application.submitted_on),
                "decided": _day(application.decided_on),
                "history": _history(application.shared_history),
            }
            for application in shared_financing(profile)
        ],
        "milestones": [
            {
                "milestone": milestone.kind,
                "date": _day(milestone.achieved_on),
                "jobs_created": milestone.jobs_count,
                "revenue_band": milestone.revenue_band or None,
                "note": milestone.note,
            }
            for milestone in Milestone.objects.filter(profile=profile)
        ],
    }
