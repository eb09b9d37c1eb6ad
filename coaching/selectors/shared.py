"""What an entrepreneur sees of their own coaching. The staff-only notes are never selected here: the
sessions are read with ``values()`` of the shared fields only, and the status histories without their
notes, so no template can show them by mistake."""

import datetime
from collections import defaultdict
from dataclasses import dataclass

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingStatus,
    FinancingStatusChange,
    Milestone,
    Referral,
    ReferralStatus,
    ReferralStatusChange,
    SessionMode,
    SessionTopic,
    Topic,
)
from microcredit.accounts.models import EntrepreneurProfile


@dataclass(frozen=True)
class SharedSession:
    pk: int
    held_on: datetime.date
    duration_minutes: int
    mode: str
    mode_label: str
    advisor_name: str
    topics: tuple[str, ...]  # labels, in the reader's language
    topic_codes: tuple[str, ...]
    shared_summary: str
    next_steps: str
    next_follow_up_on: datetime.date | None


@dataclass(frozen=True)
class SharedStatusChange:
    from_status: str
    to_status: str
    to_label: str
    changed_at: datetime.datetime


def shared_sessions(profile: EntrepreneurProfile, *, limit: int | None = None) -> list[SharedSession]:
    """The entrepreneur's sessions, newest first, shared fields only (two queries)."""
    rows = (
        CoachingSession.objects.filter(profile=profile)
        .order_by("-held_on", "-pk")
        .values("pk", *CoachingSession.SHARED_FIELDS, "advisor__first_name", "advisor__last_name")
    )
    rows = list(rows[:limit] if limit else rows)
    topics = defaultdict(list)
    for session_id, topic in (
        SessionTopic.objects.filter(session_id__in=[row["pk"] for row in rows])
        .order_by("topic")
        .values_list("session_id", "topic")
    ):
        topics[session_id].append(topic)
    topic_labels = dict(Topic.choices)
    modes = dict(SessionMode.choices)
    return [
        SharedSession(
            pk=row["pk"],
            held_on=row["held_on"],
            duration_minutes=row["duration_minutes"],
            mode=row["mode"],
            mode_label=str(modes.get(row["mode"], row["mode"])),
            advisor_name=f"{row['advisor__first_name']} {row['advisor__last_name']}".strip(),
            topics=tuple(str(topic_labels[code]) for code in topics[row["pk"]]),
            topic_codes=tuple(topics[row["pk"]]),
            shared_summary=row["shared_summary"],
            next_steps=row["next_steps"],
            next_follow_up_on=row["next_follow_up_on"],
        )
        for row in rows
    ]


def _histories(model, parent_field: str, ids: list[int], labels: dict) -> dict[int, list[SharedStatusChange]]:
    history = defaultdict(list)
    changes = (
        model.objects.filter(**{f"{parent_field}_id__in": ids})
        .order_by("changed_at", "pk")
        .values_list(f"{parent_field}_id", "from_status", "to_status", "changed_at")
    )
    for parent_id, from_status, to_status, changed_at in changes:
        history[parent_id].append(
            SharedStatusChange(from_status, to_status, str(labels.get(to_status, to_status)), changed_at)
        )
    return history


def _with_history(records: list, model, parent: str, statuses) -> list:
    """Each record with its status history (``shared_history``, without the staff notes): one query."""
    history = _histories(model, parent, [record.pk for record in records], dict(statuses.choices))
    for record in records:
        record.shared_history = history[record.pk]
    return records


def shared_referrals(profile: EntrepreneurProfile) -> list[Referral]:
    """Referrals with their partner and their status history (without the staff notes): two queries."""
    referrals = list(Referral.objects.filter(profile=profile).select_related("partner"))
    return _with_history(referrals, ReferralStatusChange, "referral", ReferralStatus)


def shared_financing(profile: EntrepreneurProfile) -> list[FinancingApplication]:
    applications = list(FinancingApplication.objects.filter(profile=profile).select_related("partner"))
    return _with_history(applications, FinancingStatusChange, "application", FinancingStatus)


def entrepreneur_space(profile: EntrepreneurProfile, *, session_limit: int | None = None) -> dict:
    """Everything the entrepreneur sees of their coaching (seven queries at most)."""
    sessions = shared_sessions(profile, limit=session_limit)
    latest = sessions[0] if sessions else None
    return {
        "sessions": sessions,
        "latest_session": latest,
        "next_follow_up": latest.next_follow_up_on if latest else None,
        "referrals": shared_referrals(profile),
        "applications": shared_financing(profile),
        "milestones": list(Milestone.objects.filter(profile=profile)),
    }
