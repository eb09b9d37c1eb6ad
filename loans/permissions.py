"""Access policies of the loans app (see microcredit/core/permissions.py)."""

from django.db import models
from django.db.models import Q

from loans.models import GuaranteeCall, GuaranteedLoan, Loan, LoanStatus
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
    if user.role == Role.BOARD and _board_decides():
        # Board members the organization authorises to decide (one coordinator): the requests awaiting
        # the organization's decision, nothing else.
        return queryset.filter(status=LoanStatus.CIRCLE_ACCEPTED)
    return queryset.none()


def _board_decides() -> bool:
    from microcredit.core.models import OrganizationSettings, SecondApprover

    return OrganizationSettings.load().loan_second_approver_role == SecondApprover.BOARD


@policy(GuaranteeCall)
def guarantee_call_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    return queryset.none()


@policy(GuaranteedLoan)
def guaranteed_loan_policy(user: User, queryset: models.QuerySet, action: Action) -> models.QuerySet:
    """A guarantor reads the loans she stands behind ("Loans I stand behind"), never changes them. This is
    not the loan's policy: the loan's page, its payments and documents stay closed to her (404)."""
    if action != Action.VIEW:
        return queryset.none()
    if user.role in (Role.COORDINATOR, Role.ADVISOR):
        return queryset
    if user.role == Role.ENTREPRENEUR:
        return queryset.filter(guarantors__member__user=user).distinct()
    return queryset.none()
