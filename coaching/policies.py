"""Who may see or change coaching records (see microcredit/core/permissions.py).

- coordinators and advisors: every entrepreneur's coaching records;
- entrepreneurs: their own records, to read only, and only through the shared views (the staff-only
  notes are never selected for them: see ``coaching.selectors.shared``);
- board members: nothing individual (aggregates only, see ``coaching.selectors.impact``).
Partners are the organization's directory: staff read it, coordinators keep it.
"""

from django.db import models

from coaching.models import (
    CoachingSession,
    FinancingApplication,
    FinancingStatusChange,
    Milestone,
    Partner,
    PartnerContact,
    Referral,
    ReferralStatusChange,
    SessionTopic,
)
from microcredit.accounts.models import Role, User
from microcredit.core.permissions import Action, policy

STAFF = (Role.COORDINATOR, Role.ADVISOR)


def _by_profile(path: str):
    """A policy for records that belong to one entrepreneur through ``path`` (a lookup to the profile)."""

    def rule(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
        if user.role in STAFF:
            return queryset
        if user.role == Role.ENTREPRENEUR and action == Action.VIEW:
            return queryset.filter(**{f"{path}__user": user})
        return queryset.none()

    return rule


for model, path in (
    (CoachingSession, "profile"),
    (SessionTopic, "session__profile"),
    (Referral, "profile"),
    (ReferralStatusChange, "referral__profile"),
    (FinancingApplication, "profile"),
    (FinancingStatusChange, "application__profile"),
    (Milestone, "profile"),
):
    policy(model)(_by_profile(path))


def _directory(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role == Role.COORDINATOR:
        return queryset
    if user.role == Role.ADVISOR and action == Action.VIEW:
        return queryset
    return queryset.none()


policy(Partner)(_directory)
policy(PartnerContact)(_directory)
