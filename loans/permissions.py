"""Access policies of the loans app (see microcredit/core/permissions.py)."""

from django.db import models
from django.db.models import Q

from loans.models import GuaranteeCall, Loan, LoanStatus
from microcredit.accounts.models import Role, User
from microcredit.core.permissions import Action, policy


@policy(Loan)
def loan_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    if user.role == Role.ENTREPRENEUR:
        own = Q(borrower__user=user)
        if action == Action.CHANGE:
            return queryset.filter(own)
        # Members of the circle read the requests their circle is reviewing, to analyse and vote.
        under_review = Q(
            status=LoanStatus.SUBMITTED,
            circle__memberships__profile__user=user,
            circle__memberships__left_on__isnull=True,
        )
        return queryset.filter(own | under_review).distinct()
    return queryset.none()


@policy(GuaranteeCall)
def guarantee_call_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    return queryset.none()
