"""Who may see or change what: the one place that answers it.

Every model that people reach through the interface registers a *policy*: a function that narrows a
queryset to the rows a user may act on. Views never filter by role themselves; they go through
``scope()`` for lists and ``get_object_or_404_for()`` for single objects, so an object outside the
user's scope is simply *not found* (404) and its existence is never revealed.

Roles, in one organization:
- coordinators: everything;
- advisors: the organization's entrepreneurs and their files;
- entrepreneurs: their own data only;
- board members: aggregates only (no policy grants them a person's row).
"""

from collections.abc import Callable
from enum import StrEnum

from django.db import models
from django.http import Http404

from microcredit.accounts.models import EntrepreneurProfile, Role, User


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"


Policy = Callable[[User, models.QuerySet, Action], models.QuerySet]
_policies: dict[type[models.Model], Policy] = {}


def policy(model: type[models.Model]) -> Callable[[Policy], Policy]:
    """Register the policy of ``model`` (used as a decorator by each app)."""

    def register(func: Policy) -> Policy:
        _policies[model] = func
        return func

    return register


def scope(user: User, queryset: models.QuerySet, action: Action = Action.VIEW) -> models.QuerySet:
    """The rows of ``queryset`` that ``user`` may ``action``; none for anonymous or inactive users."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    try:
        rule = _policies[queryset.model]
    except KeyError:
        raise LookupError(f"No access policy registered for {queryset.model.__name__}") from None
    return rule(user, queryset, Action(action))


def can(user: User, action: Action, obj: models.Model) -> bool:
    return scope(user, type(obj)._default_manager.filter(pk=obj.pk), action).exists()


def get_object_or_404_for(
    user: User, queryset: models.QuerySet | type[models.Model], action: Action = Action.VIEW, /, **lookup
) -> models.Model:
    if isinstance(queryset, type):
        queryset = queryset._default_manager.all()
    try:
        return scope(user, queryset, action).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404 from None


def has_role(user: User, *roles: Role) -> bool:
    return getattr(user, "is_authenticated", False) and user.is_active and user.role in roles


@policy(EntrepreneurProfile)
def entrepreneur_profile_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    if user.role == Role.ENTREPRENEUR:
        return queryset.filter(user=user)
    return queryset.none()


def is_privacy_officer(user: User) -> bool:
    """The person in charge of privacy (organization settings) or a coordinator: they work the Law 25
    registers (requests, incidents, the file-access log)."""
    if not has_role(user, Role.COORDINATOR, Role.ADVISOR):
        return False
    if user.role == Role.COORDINATOR:
        return True
    from microcredit.core.models import OrganizationSettings

    return OrganizationSettings.objects.filter(
        pk=OrganizationSettings.SINGLETON_ID, privacy_officer=user
    ).exists()
