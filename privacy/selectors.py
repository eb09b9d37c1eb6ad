"""Reads of the Law 25 registers."""

from django.db.models import QuerySet
from django.utils import timezone

from microcredit.accounts.models import User
from microcredit.core.models import FileAccess, OrganizationSettings
from microcredit.core.permissions import scope
from privacy.models import CLOSED_STATUSES, Incident, PolicyVersion, PrivacyRequest


def requests_for(user: User) -> QuerySet[PrivacyRequest]:
    return scope(user, PrivacyRequest.objects.select_related("profile__user", "recorded_by"))


def overdue_requests(user: User) -> QuerySet[PrivacyRequest]:
    return requests_for(user).exclude(status__in=CLOSED_STATUSES).filter(due_on__lt=timezone.localdate())


def incidents_for(user: User) -> QuerySet[Incident]:
    return scope(user, Incident.objects.select_related("recorded_by"))


def file_accesses_for(user: User) -> QuerySet[FileAccess]:
    return scope(user, FileAccess.objects.select_related("user", "profile__user"))


def current_policy() -> PolicyVersion | None:
    today = timezone.localdate()
    return PolicyVersion.objects.filter(effective_on__lte=today).order_by("-effective_on", "-pk").first()


def privacy_page() -> dict:
    settings = OrganizationSettings.load()
    return {
        "organization": settings,
        "officer_name": settings.privacy_officer_display_name,
        "policy": current_policy(),
        "versions": list(PolicyVersion.objects.order_by("-effective_on", "-pk")[:50]),
    }


def include_staff_notes() -> bool:
    return OrganizationSettings.load().access_includes_staff_notes
