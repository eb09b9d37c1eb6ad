"""What every loan service shares: the allowed transitions, the row lock, the history row."""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from loans.models import Loan, LoanStatus, LoanTransition
from microcredit.accounts.models import User

S = LoanStatus
ALLOWED_TRANSITIONS: dict[str, set[str]] = {
    S.DRAFT: {S.SUBMITTED, S.WITHDRAWN},
    S.SUBMITTED: {S.RETURNED, S.CIRCLE_ACCEPTED, S.CIRCLE_REFUSED, S.WITHDRAWN},
    S.RETURNED: {S.SUBMITTED, S.WITHDRAWN},
    S.CIRCLE_ACCEPTED: {S.APPROVED, S.REFUSED, S.WITHDRAWN},
    S.APPROVED: {S.ACTIVE, S.WITHDRAWN},
    S.ACTIVE: {S.REPAID, S.DEFAULTED, S.WRITTEN_OFF},
    S.DEFAULTED: {S.ACTIVE, S.REPAID, S.WRITTEN_OFF},
    S.REPAID: {S.ACTIVE},  # a reversed payment reopens a repaid loan
}


def lock(loan: Loan) -> Loan:
    """Lock the loan's row and return it fresh: every change to a loan starts here."""
    return (
        Loan.objects.select_for_update(of=("self",))
        .select_related("borrower__user", "product", "circle")
        .get(pk=loan.pk)
    )


def can_transition(loan: Loan, to_status: str) -> bool:
    return to_status in ALLOWED_TRANSITIONS.get(loan.status, set())


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
    if not can_transition(loan, to_status):
        raise ValidationError(
            _("A loan that is %(current)s cannot become %(target)s.")
            % {"current": loan.get_status_display().lower(), "target": LoanStatus(to_status).label.lower()},
            code="invalid_transition",
        )
    from_status = loan.status
    loan.status = to_status
    loan.save(update_fields=["status", *fields])
    LoanTransition.objects.create(
        loan=loan,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        reason=reason,
        **({"at": at} if at is not None else {}),
    )
    return loan
