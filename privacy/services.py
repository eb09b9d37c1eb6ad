"""Writes of the Law 25 registers."""

import datetime

from django.db import transaction
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.core.models import FileAccess, OrganizationSettings
from privacy.models import CLOSED_STATUSES, Incident, PolicyVersion, PrivacyRequest


@transaction.atomic
def privacy_request_record(*, recorded_by: User, **fields) -> PrivacyRequest:
    """A request as received: its due date is 30 days after ``received_on``."""
    request = PrivacyRequest(recorded_by=recorded_by, **fields)
    if request.status in CLOSED_STATUSES and request.answered_on is None:
        request.answered_on = timezone.localdate()
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def privacy_request_update(*, request: PrivacyRequest, **fields) -> PrivacyRequest:
    request = PrivacyRequest.objects.select_for_update().get(pk=request.pk)
    for name, value in fields.items():
        setattr(request, name, value)
    if request.status in CLOSED_STATUSES and request.answered_on is None:
        request.answered_on = timezone.localdate()
    request.full_clean()
    request.save()
    return request


@transaction.atomic
def incident_record(*, recorded_by: User, **fields) -> Incident:
    incident = Incident(recorded_by=recorded_by, **fields)
    incident.full_clean()
    incident.save()
    return incident


@transaction.atomic
def incident_update(*, incident: Incident, **fields) -> Incident:
    incident = Incident.objects.select_for_update().get(pk=incident.pk)
    for name, value in fields.items():
        setattr(incident, name, value)
    incident.full_clean()
    incident.save()
    return incident


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
