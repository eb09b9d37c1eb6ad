"""Access policies of the circles app (see microcredit/core/permissions.py)."""

from django.db import models
from django.db.models import F

from circles.models import Circle, Meeting, MeetingStatus, Training
from microcredit.accounts.models import Role, User
from microcredit.core.permissions import Action, policy


@policy(Circle)
def circle_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    if user.role == Role.ENTREPRENEUR and action == Action.VIEW:
        # Their own circle: the one they are an active member of.
        return queryset.filter(memberships__profile__user=user, memberships__left_on__isnull=True).distinct()
    return queryset.none()


@policy(Meeting)
def meeting_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    if user.role == Role.ENTREPRENEUR and action == Action.VIEW:
        # Meetings of their current circle since they joined it (not those of the people before them).
        return (
            queryset.filter(
                circle__memberships__profile__user=user,
                circle__memberships__left_on__isnull=True,
                date__gte=F("circle__memberships__joined_on"),
            )
            .exclude(status=MeetingStatus.CANCELLED)
            .distinct()
        )
    return queryset.none()


@policy(Training)
def training_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    return queryset.none()
