"""Writes of the Law 25 registers."""

import datetime

from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core import retention
from microcredit.core.models import FileAccess, OrganizationSettings
from privacy.models import CLOSED_STATUSES, AnonymizationRecord, Incident, PolicyVersion, PrivacyRequest


def _saved(row):
    """Every register's row is checked whole (``full_clean``) before it is written; an answered request
    is dated the day it closes."""
    if isinstance(row, PrivacyRequest) and row.status in CLOSED_STATUSES and row.answered_on is None:
        row.answered_on = timezone.localdate()
    row.full_clean()
    row.save()
    return row


def _changed(row, fields: dict):
    """The row locked and read again, then changed: two people editing it one after the other."""
    row = type(row).objects.select_for_update().get(pk=row.pk)
    for name, value in fields.items():
        setattr(row, name, value)
    return _saved(row)


@transaction.atomic
def privacy_request_record(*, recorded_by: User, **fields) -> PrivacyRequest:
    """A request as received: its due date is 30 days after ``received_on``."""
    return _saved(PrivacyRequest(recorded_by=recorded_by, **fields))


@transaction.atomic
def privacy_request_update(*, request: PrivacyRequest, **fields) -> PrivacyRequest:
    return _changed(request, fields)


@transaction.atomic
def incident_record(*, recorded_by: User, **fields) -> Incident:
    return _saved(Incident(recorded_by=recorded_by, **fields))


@transaction.atomic
def incident_update(*, incident: Incident, **fields) -> Incident:
    return _changed(incident, fields)


@transaction.atomic
def policy_publish(
    *, created_by: User, text_fr: str, text_en: str, effective_on: datetime.date
) -> PolicyVersion:
    """A new version; earlier ones are kept, dated, and listed on the public page."""
    version = PolicyVersion(
        created_by=created_by, text_fr=text_fr, text_en=text_en, effective_on=effective_on
    )
    version.full_clean()
    version.save()
    return version


def file_access_purge(*, now: datetime.datetime | None = None) -> int:
    """Deletes the log rows older than the organization's retention (idempotent: a rerun deletes nothing)."""
    days = OrganizationSettings.load().file_access_log_days
    cutoff = (now or timezone.now()) - datetime.timedelta(days=days)
    deleted, _by_model = FileAccess.objects.filter(at__lt=cutoff).delete()
    return deleted


def retention_candidates(*, today: datetime.date | None = None) -> list[retention.Candidate]:
    """The dry-run list: who the pass would anonymize today."""
    settings = OrganizationSettings.load()
    return retention.candidates(
        today=today or timezone.localdate(),
        years_after_loan=settings.retention_years_after_last_loan,
        years_without_loan=settings.retention_years_without_loan,
    )


def retention_run(*, today: datetime.date | None = None, by: User | None = None) -> list[AnonymizationRecord]:
    """Anonymizes everyone past retention, one person per transaction: her row is locked and checked again
    (not yet done), so a pass run twice, or twice at once, anonymizes her once."""
    today = today or timezone.localdate()
    done = []
    for candidate in retention_candidates(today=today):
        with transaction.atomic():
            profile = (
                EntrepreneurProfile.objects.select_for_update()
                .select_related("user")
                .filter(pk=candidate.profile_id, anonymized_at__isnull=True)
                .first()
            )
            if profile is None:
                continue  # anonymized meanwhile by another pass
            what = retention.anonymize(profile)
            done.append(
                AnonymizationRecord.objects.create(
                    profile=profile,
                    category=candidate.category,
                    last_activity=candidate.last_activity,
                    due_on=candidate.due_on,
                    what=what,
                    anonymized_by=by,
                )
            )
    return done
