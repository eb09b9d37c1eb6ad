"""Loan requests: drafts, submission to the circle, withdrawal."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from circles.models import Circle, CircleStatus, Membership
from loans.models import GuaranteeCall, Loan, LoanProduct, LoanStatus
from loans.services.base import lock, transition
from loans.services.plan_files import attach_plan_document, files_removed_on_error
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_money
from microcredit.core.models import OrganizationSettings

REQUEST_FIELDS = (
    "product",
    "amount",
    "term",
    "purpose",
    "plan_summary",
    "plan_market",
    "plan_use_of_funds",
    "plan_projections",
)


def check_terms(*, product: LoanProduct, amount: Decimal, term: int) -> None:
    errors = {}
    if not product.is_active:
        errors["product"] = _("This product is no longer offered.")
    if not product.min_amount <= amount <= product.max_amount:
        errors["amount"] = _("For this product the amount must be between %(min)s and %(max)s.") % {
            "min": format_money(product.min_amount),
            "max": format_money(product.max_amount),
        }
    if not product.min_term <= term <= product.max_term:
        errors["term"] = _(
            "For this product the number of instalments must be between %(min)s and %(max)s."
        ) % {
            "min": product.min_term,
            "max": product.max_term,
        }
    if errors:
        raise ValidationError(errors)


def circle_review_blocker(circle: Circle | None) -> str | None:
    """Why this circle cannot review or guarantee a request now, or None if it can."""
    if circle is None:
        return _("The applicant is not an active member of a borrowing circle.")
    if circle.status != CircleStatus.ACTIVE:
        return _("The circle %(name)s is not active.") % {"name": circle.name}
    minimum = OrganizationSettings.load().circle_min_members
    if Membership.objects.filter(circle=circle, left_on__isnull=True).count() < minimum:
        return _("The circle %(name)s has fewer than %(min)s active members.") % {
            "name": circle.name,
            "min": minimum,
        }
    if GuaranteeCall.objects.filter(circle=circle, resolved_at__isnull=True).exists():
        return _("The circle %(name)s has an unresolved guarantee call.") % {"name": circle.name}
    return None


@files_removed_on_error
@transaction.atomic
def loan_request_create(
    *,
    borrower: EntrepreneurProfile,
    prepared_by: User,
    document: UploadedFile | None = None,
    cycle_exception_reason: str = "",
    **fields,
) -> Loan:
    if set(fields) - set(REQUEST_FIELDS):
        raise TypeError(f"Unexpected fields: {sorted(set(fields) - set(REQUEST_FIELDS))}")
    check_terms(product=fields["product"], amount=fields["amount"], term=fields["term"])
    loan = Loan(borrower=borrower, prepared_by=prepared_by, **fields)
    _cycle(loan, prepared_by, cycle_exception_reason)
    attach_plan_document(loan, document)
    loan.full_clean(exclude=["plan_document"])
    loan.save()
    return loan


@files_removed_on_error
@transaction.atomic
def loan_request_update(
    *,
    loan: Loan,
    changed_by: User,
    document: UploadedFile | None = None,
    cycle_exception_reason: str | None = None,
    **fields,
) -> Loan:
    loan = lock(loan)
    if not loan.is_editable:
        raise ValidationError(_("Only a draft or a request returned for changes can be edited."))
    if set(fields) - set(REQUEST_FIELDS):
        raise TypeError("Unexpected fields")
    terms = (loan.product_id, loan.amount, loan.term)
    for name, value in fields.items():
        setattr(loan, name, value)
    check_terms(product=loan.product, amount=loan.amount, term=loan.term)
    if cycle_exception_reason is None:
        # Not on the form (the borrower's own): an exception already recorded stays for the terms it was
        # granted for; other terms are checked against the cycle again.
        unchanged = terms == (loan.product_id, loan.amount, loan.term)
        _cycle(loan, loan.cycle_exception_by if unchanged else None, loan.cycle_exception_reason)
    else:
        _cycle(loan, changed_by, cycle_exception_reason)
    attach_plan_document(loan, document)
    loan.full_clean(exclude=["plan_document"])
    loan.save()
    return loan


def _cycle(loan: Loan, by: User | None, exception_reason: str) -> None:
    """Check the request against the borrower's loan cycle (``loans.services.cycles``); a justified
    exception by a staff member is recorded on the loan, for the approver to see."""
    from loans.services.cycles import borrower_cycle, check_cycle

    check_cycle(
        borrower=loan.borrower,
        product=loan.product,
        amount=loan.amount,
        term=loan.term,
        exception_reason=exception_reason,
        exception_by=by,
    )
    cycle = borrower_cycle(loan.borrower, loan.product)
    if loan.amount > cycle.max_amount or loan.term > cycle.max_term:
        loan.cycle_exception_reason, loan.cycle_exception_by = exception_reason.strip(), by
    else:
        loan.cycle_exception_reason, loan.cycle_exception_by = "", None


@transaction.atomic
def loan_submit(*, loan: Loan, submitted_by: User) -> Loan:
    """Send the request to the applicant's circle for review (a new review round each time)."""
    loan = lock(loan)
    if loan.status not in (LoanStatus.DRAFT, LoanStatus.RETURNED):
        raise ValidationError(_("This request has already been submitted."))
    check_terms(product=loan.product, amount=loan.amount, term=loan.term)
    _cycle(loan, loan.cycle_exception_by, loan.cycle_exception_reason)
    if not loan.purpose.strip():
        raise ValidationError({"purpose": _("Say what the loan is for.")})
    membership = (
        Membership.objects.filter(profile=loan.borrower, left_on__isnull=True)
        .select_related("circle")
        .first()
    )
    circle = membership.circle if membership else None
    blocker = circle_review_blocker(circle)
    if blocker:
        raise ValidationError(blocker, code="circle_cannot_review")
    loan.circle = circle
    loan.review_round += 1
    return transition(
        loan,
        LoanStatus.SUBMITTED,
        actor=submitted_by,
        fields=("circle", "review_round", "cycle_exception_reason", "cycle_exception_by"),
    )


@transaction.atomic
def loan_withdraw(*, loan: Loan, withdrawn_by: User, reason: str = "") -> Loan:
    """The applicant (or their advisor) withdraws the request: possible at any point before disbursement."""
    loan = lock(loan)
    return transition(loan, LoanStatus.WITHDRAWN, actor=withdrawn_by, reason=reason)
