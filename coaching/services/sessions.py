import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from coaching.models import CoachingSession, SessionTopic, Topic
from coaching.services._checks import check_not_before_intake, check_not_in_future, check_staff
from coaching.services.positions import caseload_position_refresh
from microcredit.accounts.models import EntrepreneurProfile, User

EDITABLE_FIELDS = (
    "advisor",
    "held_on",
    "duration_minutes",
    "mode",
    "staff_notes",
    "shared_summary",
    "next_steps",
    "next_follow_up_on",
)


def _clean_topics(topics: Iterable[str]) -> list[str]:
    values = sorted(set(topics))
    if not values:
        raise ValidationError({"topics": _("Choose at least one topic.")})
    unknown = set(values) - set(Topic.values)
    if unknown:
        raise ValidationError({"topics": _("Choose topics from the list.")})
    return values


def _set_topics(session: CoachingSession, topics: list[str]) -> None:
    session.topics.exclude(topic__in=topics).delete()
    existing = set(session.topics.values_list("topic", flat=True))
    SessionTopic.objects.bulk_create(
        [SessionTopic(session=session, topic=topic) for topic in topics if topic not in existing]
    )


@transaction.atomic
def session_record(
    *,
    profile: EntrepreneurProfile,
    advisor: User,
    held_on: datetime.date,
    duration_minutes: int,
    mode: str,
    topics: Iterable[str],
    recorded_by: User | None,
    staff_notes: str = "",
    shared_summary: str = "",
    next_steps: str = "",
    next_follow_up_on: datetime.date | None = None,
) -> CoachingSession:
    """Record a follow-up session held with an entrepreneur."""
    check_staff(advisor, "advisor")
    check_not_in_future(held_on, "held_on")
    check_not_before_intake(profile, held_on, "held_on")
    topic_values = _clean_topics(topics)
    session = CoachingSession(
        profile=profile,
        advisor=advisor,
        held_on=held_on,
        duration_minutes=duration_minutes,
        mode=mode,
        staff_notes=staff_notes,
        shared_summary=shared_summary,
        next_steps=next_steps,
        next_follow_up_on=next_follow_up_on,
        created_by=recorded_by,
    )
    session.full_clean()
    session.save()
    _set_topics(session, topic_values)
    caseload_position_refresh(profile_ids=[profile.pk])
    return session


@transaction.atomic
def session_update(
    *, session: CoachingSession, changed_by: User | None, topics: Iterable[str] | None = None, **fields
) -> CoachingSession:
    """Correct or complete a session (its entrepreneur never changes)."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise TypeError(f"Unknown session fields: {sorted(unknown)}")
    session = CoachingSession.objects.select_for_update().get(pk=session.pk)
    if "advisor" in fields:
        check_staff(fields["advisor"], "advisor")
    check_not_in_future(fields.get("held_on"), "held_on")
    if "held_on" in fields:
        check_not_before_intake(session.profile, fields["held_on"], "held_on")
    topic_values = _clean_topics(topics) if topics is not None else None
    for name, value in fields.items():
        setattr(session, name, value)
    session.full_clean()
    session.save()
    if topic_values is not None:
        _set_topics(session, topic_values)
    caseload_position_refresh(profile_ids=[session.profile_id])
    return session
