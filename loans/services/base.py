"""What every loan service shares: the allowed transitions, the row lock, the history row."""

import datetime

from django.utils.translation import gettext_lazy as _

from loans.models import Loan, LoanStatus, LoanTransition
from microcredit.accounts.models import User
from microcredit.core.state import StateMachine

LOAN_STATES = StateMachine(
    LoanStatus,
    {
        LoanStatus.DRAFT: {LoanStatus.SUBMITTED, LoanStatus.WITHDRAWN},
        LoanStatus.SUBMITTED: {
            LoanStatus.RETURNED,
            LoanStatus.CIRCLE_ACCEPTED,
            LoanStatus.CIRCLE_REFUSED,
            LoanStatus.WITHDRAWN,
        },
        LoanStatus.RETURNED: {LoanStatus.SUBMITTED, LoanStatus.WITHDRAWN},
        LoanStatus.CIRCLE_ACCEPTED: {LoanStatus.APPROVED, LoanStatus.REFUSED, LoanStatus.WITHDRAWN},
        LoanStatus.APPROVED: {LoanStatus.ACTIVE, LoanStatus.WITHDRAWN},
        LoanStatus.ACTIVE: {LoanStatus.REPAID, LoanStatus.DEFAULTED, LoanStatus.WRITTEN_OFF},
        LoanStatus.DEFAULTED: {LoanStatus.ACTIVE, LoanStatus.REPAID, LoanStatus.WRITTEN_OFF},
        LoanStatus.REPAID: {LoanStatus.ACTIVE},  # a reversed payment reopens a repaid loan
    },
    refusal=_("A loan that is %(from)s cannot become %(to)s."),
    field=None,
    lower_labels=True,
)


def lock(loan: Loan) -> Loan:
    """Lock the loan's row and return it fresh: every change to a loan starts here."""
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("borrower__user", "product", "circle")
        .get(pk=loan.pk)
    )


def can_transition(loan: Loan, to_status: str) -> bool:
    return LOAN_STATES.allows(loan.status, to_status)


def transition(
    loan: Loan,
    to_status: str,
    *,
    actor: User | None,
    reason: str = "",
    fields: tuple = (),
    at: datetime.datetime | None = None,
) -> Loan:
    """Move a locked loan to ``to_status`` if its current status allows it, and record the change (at
    ``at``, now by default: only an import of past history gives another instant)."""
    LOAN_STATES.check(loan.status, to_status)
    from_status = loan.status
    loan.status = to_status
    loan.save(update_fields=["status", *fields])
    LoanTransition.objects.create(
        loan=loan,
        from_status=from_status,
        to_status=to_status,
        changed_by=actor,
        note=reason,
        **({"changed_at": at} if at is not None else {}),
    )
    from loans.services.arrears_counts import arrears_tally_refresh

    arrears_tally_refresh(loan_ids=[loan.pk])  # open or closed: the arrears counters follow
    return loan
