"""Trainings: sessions, attendance, completion, and forming a circle from those who completed."""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from circles.models import (
    Circle,
    ParticipantStatus,
    SessionAttendance,
    Training,
    TrainingParticipant,
    TrainingSession,
)
from circles.services.membership import _add_member, _check_advisor, _lock, circle_activate, circle_create
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.models import OrganizationSettings


@transaction.atomic
def training_create(
    *,
    title: str,
    advisor: User,
    start_date: datetime.date,
    end_date: datetime.date,
    location: str = "",
    description: str = "",
) -> Training:
    _check_advisor(advisor)
    training = Training(
        title=title,
        advisor=advisor,
        start_date=start_date,
        end_date=end_date,
        location=location,
        description=description,
    )
    training.full_clean()
    training.save()
    return training


@transaction.atomic
def training_enroll(*, training: Training, profile: EntrepreneurProfile) -> TrainingParticipant:
    try:
        with transaction.atomic():
            return TrainingParticipant.objects.create(training=training, profile=profile)
    except IntegrityError:
        raise ValidationError(
            _("%(person)s is already registered for this training.") % {"person": profile}
        ) from None


@transaction.atomic
def training_session_add(
    *, training: Training, date: datetime.date, topic: str, start_time: datetime.time | None = None
) -> TrainingSession:
    if not training.start_date <= date <= training.end_date:
        raise ValidationError(
            {"date": _("A session must fall between the training's start and end dates.")},
            code="out_of_range",
        )
    session = TrainingSession(training=training, date=date, topic=topic, start_time=start_time)
    session.full_clean()
    session.save()
    return session


@transaction.atomic
def training_attendance_record(*, session: TrainingSession, present: Iterable[int]) -> None:
    """Record who attended a session; every participant gets a row (present or not)."""
    present_ids = set(present)
    participants = list(session.training.participants.all())
    unknown = present_ids - {p.pk for p in participants}
    if unknown:
        raise ValidationError(_("Attendance can only be recorded for the training's participants."))
    existing = {a.participant_id: a for a in session.attendance.all()}
    for participant in participants:
        is_present = participant.pk in present_ids
        row = existing.get(participant.pk)
        if row is None:
            SessionAttendance.objects.create(session=session, participant=participant, present=is_present)
        elif row.present != is_present:
            row.present = is_present
            row.save(update_fields=["present"])


@transaction.atomic
def training_participant_set_status(*, participant: TrainingParticipant, status: str) -> TrainingParticipant:
    if status not in ParticipantStatus.values:
        raise ValidationError(_("Choose a valid status."))
    participant.status = status
    participant.save(update_fields=["status"])
    return participant


@transaction.atomic
def circle_form_from_training(
    *,
    training: Training,
    name: str,
    participants: Iterable[TrainingParticipant],
    created_by: User | None,
    advisor: User | None = None,
    network=None,
    meeting_place: str = "",
    meeting_rhythm: str = "monthly",
    characteristics: Iterable = (),
) -> Circle:
    """One step: a new circle with the chosen participants who completed the training. It starts at once
    when they are enough; otherwise it stays forming until more people join."""
    chosen = list(participants)
    settings = OrganizationSettings.load()
    if not chosen:
        raise ValidationError(_("Choose the participants who will form the circle."))
    if any(p.training_id != training.pk for p in chosen):
        raise ValidationError(_("Only this training's participants can form its circle."))
    not_completed = [str(p.profile) for p in chosen if p.status != ParticipantStatus.COMPLETED]
    if not_completed:
        raise ValidationError(
            _("Only participants who completed the training can form a circle: %(names)s.")
            % {"names": ", ".join(not_completed)}
        )
    if len(chosen) > settings.circle_max_members:
        raise ValidationError(
            _("A circle has at most %(max)s members; %(count)s were chosen.")
            % {"max": settings.circle_max_members, "count": len(chosen)}
        )
    circle = circle_create(
        name=name,
        advisor=advisor or training.advisor,
        created_by=created_by,
        network=network,
        training=training,
        meeting_place=meeting_place,
        meeting_rhythm=meeting_rhythm,
        characteristics=characteristics,
    )
    (circle,) = _lock(circle)
    for participant in chosen:
        _add_member(
            circle,
            participant.profile,
            actor=created_by,
            role="member",
            joined_on=circle.created_on,
            settings=settings,
        )
    if len(chosen) >= settings.circle_min_members:
        circle = circle_activate(circle=circle, activated_by=created_by)
    return circle
