"""Loan requests: drafts, submission to the circle, withdrawal."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from circles.models import Circle, CircleStatus, Membership
from loans.models import GuaranteeCall, Loan, LoanProduct, LoanStatus
from loans.selectors import open_request_ids
from loans.services.base import lock, transition
from loans.services.plan_files import attach_plan_document, files_removed_on_error
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_count, format_money
from microcredit.core.models import OrganizationSettings

PLAN_FIELDS = ("plan_summary", "plan_market", "plan_use_of_funds", "plan_projections")
PLAN_LABELS = {
    "plan_summary": gettext_lazy("Summary"),
    "plan_market": gettext_lazy("Market"),
    "plan_use_of_funds": gettext_lazy("Use of funds"),
    "plan_projections": gettext_lazy("Projections"),
}
# The most a request's texts may hold (the form says it and counts): a page stays a page.
TEXT_MAX_LENGTHS = {"purpose": 250, **dict.fromkeys(PLAN_FIELDS, 4000)}

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
    if error := term_refusal(product, term):
        errors["term"] = error
    if errors:
        raise ValidationError(errors)


def term_refusal(product: LoanProduct, term: int) -> str | None:
    """The product's range of instalments (asked for, and approved): the refusal, or None."""
    if product.min_term <= term <= product.max_term:
        return None
    return _("For this product the number of instalments must be between %(min)s and %(max)s.") % {
        "min": product.min_term,
        "max": product.max_term,
    }


def check_texts(fields: dict) -> None:
    """Each text of a request within its maximum length (``TEXT_MAX_LENGTHS``)."""
    errors = {}
    for name, limit in TEXT_MAX_LENGTHS.items():
        value = fields.get(name) or ""
        if len(value) > limit:
            errors[name] = _("At most %(max)s characters (%(count)s typed).") % {
                "max": format_count(limit),
                "count": format_count(len(value)),
            }
    if errors:
        raise ValidationError(errors)


def plan_gaps(loan: Loan) -> list[str]:
    """The business plan's sections not yet written to the length the organization expects before a
    request goes to the circle (``loan_plan_min_chars``); a draft may stay incomplete."""
    minimum = OrganizationSettings.load().loan_plan_min_chars
    return [name for name in PLAN_FIELDS if len(getattr(loan, name).strip()) < minimum]


def check_open_requests(borrower: EntrepreneurProfile, *, by: User | None = None) -> None:
    """The organization's cap on open requests per person (``loan_open_requests_max``, default 1). Called
    under the borrower's row lock, so two requests started at once cannot both pass. ``by``: who starts the
    request (the borrower herself is told in the second person, as her request form says it)."""
    limit = OrganizationSettings.load().loan_open_requests_max
    open_ids = open_request_ids(borrower)
    if len(open_ids) >= limit:
        if by is not None and by.pk == borrower.user_id:
            message = ngettext(
                "You already have an open request (#%(numbers)s): the organization allows %(max)s at a "
                "time. Finish it or withdraw it before starting another.",
                "You already have %(count)s open requests (#%(numbers)s): the organization allows %(max)s "
                "at a time. Finish one or withdraw it before starting another.",
                len(open_ids),
            ) % {"count": len(open_ids), "numbers": ", #".join(str(pk) for pk in open_ids), "max": limit}
            raise ValidationError(message, code="open_requests")
        raise ValidationError(
            ngettext(
                "%(person)s already has %(count)s open request (#%(numbers)s): the organization allows "
                "%(max)s at a time. Finish it or withdraw it before starting another.",
                "%(person)s already has %(count)s open requests (#%(numbers)s): the organization allows "
                "%(max)s at a time. Finish one or withdraw it before starting another.",
                len(open_ids),
            )
            % {
                "person": borrower,
                "count": len(open_ids),
                "numbers": ", #".join(str(pk) for pk in open_ids),
                "max": limit,
            },
            code="open_requests",
        )


def circle_review_blocker(circle: Circle | None) -> str | None:
    """Why this circle cannot review or guarantee a request now, or None if it can."""
    if circle is None:
        return _("The applicant is not an active member of a borrowing circle.")
    if circle.status != CircleStatus.ACTIVE:
        return _("The circle %(name)s is not active.") % {"name": circle.phrase_name}
    minimum = OrganizationSettings.load().circle_min_members
    if Membership.objects.filter(circle=circle, left_on__isnull=True).count() < minimum:
        return _("The circle %(name)s has fewer than %(min)s active members.") % {
            "name": circle.phrase_name,
            "min": minimum,
        }
    if GuaranteeCall.objects.filter(circle=circle, resolved_at__isnull=True).exists():
        return _("The circle %(name)s has an unresolved guarantee call.") % {"name": circle.phrase_name}
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
    check_texts(fields)
    borrower = EntrepreneurProfile.objects.select_for_update().get(pk=borrower.pk)
    check_open_requests(borrower, by=prepared_by)
    loan = Loan(borrower=borrower, prepared_by=prepared_by, **fields)
    _cycle(loan, prepared_by, cycle_exception_reason, reader=prepared_by)
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
    check_texts(fields)
    for name, value in fields.items():
        setattr(loan, name, value)
    check_terms(product=loan.product, amount=loan.amount, term=loan.term)
    if cycle_exception_reason is None:
        # Not on the form (the borrower's own): an exception already recorded stays for the terms it was
        # granted for; other terms are checked against the cycle again.
        unchanged = terms == (loan.product_id, loan.amount, loan.term)
        _cycle(
            loan,
            loan.cycle_exception_by if unchanged else None,
            loan.cycle_exception_reason,
            reader=changed_by,
        )
    else:
        _cycle(loan, changed_by, cycle_exception_reason, reader=changed_by)
    attach_plan_document(loan, document)
    loan.full_clean(exclude=["plan_document"])
    loan.save()
    return loan


def _cycle(loan: Loan, by: User | None, exception_reason: str, *, reader: User | None = None) -> None:
    """Check the request against the borrower's loan cycle (``loans.services.cycles``); a justified
    exception by a staff member is recorded on the loan, for the approver to see. The messages speak to
    ``reader`` (the borrower herself: "votre 2e prêt")."""
    from loans.services.cycles import borrower_cycle, check_cycle

    check_cycle(
        borrower=loan.borrower,
        product=loan.product,
        amount=loan.amount,
        term=loan.term,
        exception_reason=exception_reason,
        exception_by=by,
        reader=reader,
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
    _cycle(loan, loan.cycle_exception_by, loan.cycle_exception_reason, reader=submitted_by)
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
    gaps = plan_gaps(loan)
    if gaps:
        labels = [str(PLAN_LABELS[name]) for name in gaps]
        raise ValidationError(
            _(
                "Before it goes to the circle, write each section of the business plan (at least "
                "%(min)s characters each). Still to complete: %(sections)s."
            )
            % {
                "min": format_count(OrganizationSettings.load().loan_plan_min_chars),
                "sections": ", ".join(labels),
            },
            code="plan_incomplete",
        )
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
