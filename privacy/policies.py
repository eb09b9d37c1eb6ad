"""Who reaches the Law 25 registers: the privacy officer and coordinators; others find nothing (404)."""

from django.db import models

from microcredit.accounts.models import User
from microcredit.core.models import FileAccess
from microcredit.core.permissions import Action, is_privacy_officer, policy
from privacy.models import Incident, PolicyVersion, PrivacyRequest


@policy(PrivacyRequest)
@policy(Incident)
@policy(FileAccess)
def privacy_register_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    return queryset if is_privacy_officer(user) else queryset.none()


@policy(PolicyVersion)
def policy_version_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if action == Action.VIEW:
        return queryset  # the policy is public
    return queryset if user.is_coordinator else queryset.none()
