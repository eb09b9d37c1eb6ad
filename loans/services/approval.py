"""The organization's decision (credit committee) and the disbursement that creates the schedule."""

import datetime
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from funds.models import FundSource
from loans.models import Instalment, Loan, LoanStatus
from loans.schedule import build_schedule, first_due_date
from loans.services import funding, ledger
from loans.services.base import lock, transition
from loans.services.requests import term_refusal
from loans.services.schedules import meeting_rhythm
from microcredit.accounts.models import Role, User
from microcredit.core.dates import DateKind, checked_date
from microcredit.core.formatting import format_date, format_money
from microcredit.core.models import OrganizationSettings
from microcredit.core.money import to_cents


def check_four_eyes(approver: User, *, involved, message: str) -> None:
    """The four-eyes predicate of the organization's decisions (a loan's approval, a restructuring): an
    active coordinator who is none of the people ``involved`` (user ids) decides."""
    if approver.role != Role.COORDINATOR or not approver.is_active:
        raise ValidationError(_("Only a coordinator decides on a loan for the organization."))
    if approver.pk in involved:
        raise ValidationError(message, code="four_eyes")


def approver_roles() -> tuple[str, ...]:
    """Who decides on loans for the organization: coordinators, and the second role the organization's
    settings name (``loan_second_approver_role``, for an organization with a single coordinator)."""
    second = OrganizationSettings.load().loan_second_approver_role
    return (Role.COORDINATOR, second) if second else (Role.COORDINATOR,)


def decision_blocker(loan: Loan, user: User, roles: tuple[str, ...] | None = None) -> str | None:
    """Why ``user`` may not decide on ``loan`` for the organization, or None if they may. The one predicate
    behind the "Decide" button, the approval queue, the decision page and the services."""
    roles = roles if roles is not None else approver_roles()
    if not user.is_active or user.role not in roles:
        return _("Only a coordinator, or the role the organization authorises, decides on a loan.")
    if user.pk in (loan.prepared_by_id, loan.circle_decided_by_id, loan.borrower.user_id):
        return _(
            "Four eyes: the person who prepared the file or recorded the circle's decision "
            "cannot also decide on it."
        )
    return None


def can_decide(loan: Loan, user: User, roles: tuple[str, ...] | None = None) -> bool:
    """Whether ``user`` sees "Decide" on ``loan``: it awaits the decision and they may take it."""
    return loan.status == LoanStatus.CIRCLE_ACCEPTED and decision_blocker(loan, user, roles) is None


def possible_approvers(roles: tuple[str, ...] | None = None) -> set[int]:
    """The ids of everyone who may decide on loans (one query): with a loan's excluded people removed, whether
    anyone at all can decide on it."""
    roles = roles if roles is not None else approver_roles()
    return set(User.objects.filter(is_active=True, role__in=roles).values_list("pk", flat=True))


def others_who_may_decide(loan: Loan, approvers: set[int]) -> set[int]:
    return approvers - {loan.prepared_by_id, loan.circle_decided_by_id, loan.borrower.user_id}


def _check_four_eyes(loan: Loan, approver: User) -> None:
    blocker = decision_blocker(loan, approver)
    if blocker:
        raise ValidationError(blocker, code="four_eyes")


@transaction.atomic
def loan_approve(
    *, loan: Loan, approved_by: User, amount: Decimal | None = None, term: int | None = None, note: str = ""
) -> Loan:
    """Approve with final terms: the amount may be lowered, never raised; the rate comes from the product."""
    loan = lock(loan)
    if loan.status != LoanStatus.CIRCLE_ACCEPTED:
        raise ValidationError(_("Only a request accepted by its circle can be approved."))
    _check_four_eyes(loan, approved_by)
    product = loan.product
    amount = to_cents(amount if amount is not None else loan.amount)
    term = term or loan.term
    errors = {}
    if not Decimal("0") < amount <= loan.amount:
        errors["amount"] = _(
            "The approved amount must be positive and at most the %(requested)s requested."
        ) % {"requested": format_money(loan.amount)}
    elif amount < product.min_amount:
        lowest = format_money(product.min_amount)
        errors["amount"] = _("The product lends at least %(min)s.") % {"min": lowest}
    if error := term_refusal(product, term):
        errors["term"] = error
    if errors:
        raise ValidationError(errors)
    loan.approved_amount, loan.approved_term = amount, term
    loan.annual_rate, loan.frequency, loan.grace_periods = (
        product.annual_rate,
        product.frequency,
        product.grace_periods,
    )
    loan.approved_by = approved_by
    return transition(
        loan,
        LoanStatus.APPROVED,
        actor=approved_by,
        reason=note,
        fields=(
            "approved_amount",
            "approved_term",
            "annual_rate",
            "frequency",
            "grace_periods",
            "approved_by",
        ),
    )


@transaction.atomic
def loan_refuse(*, loan: Loan, refused_by: User, reason: str) -> Loan:
    loan = lock(loan)
    if loan.status != LoanStatus.CIRCLE_ACCEPTED:
        raise ValidationError(_("Only a request accepted by its circle awaits the organization's decision."))
    _check_four_eyes(loan, refused_by)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the refusal.")})
    return transition(loan, LoanStatus.REFUSED, actor=refused_by, reason=reason)


def disbursement_check(
    *, loan: Loan, disbursed_on: datetime.date, first_due: datetime.date | None = None
) -> datetime.date:
    """The rules a disbursement must meet, without making it: the confirmation step asks them before showing
    the disbursement back, ``loan_disburse`` again under the loan's lock. Returns the first due date."""
    if loan.status != LoanStatus.APPROVED:
        raise ValidationError(_("Only an approved loan can be disbursed."))
    if disbursed_on > timezone.localdate() and not settings.LOAN_DISBURSEMENT_DAYS_AHEAD:
        raise ValidationError({"disbursed_on": _("The disbursement date cannot be in the future.")})
    checked_date("disbursed_on", disbursed_on, DateKind.DISBURSEMENT)
    rhythm = meeting_rhythm(loan, disbursed_on)
    if rhythm is not None and rhythm.follows:
        # The product sets the due dates on the circle's meetings: no other first due date.
        if first_due is not None and first_due != rhythm.first_due:
            raise ValidationError(
                {
                    "first_due": _(
                        "This product sets the due dates on the circle's meetings: the first one is the "
                        "meeting of %(date)s. Leave the first due date empty."
                    )
                    % {"date": format_date(rhythm.first_due)}
                }
            )
        return rhythm.first_due
    if first_due is None:
        return first_due_date(disbursed_on, loan.frequency)
    if first_due <= disbursed_on:
        raise ValidationError({"first_due": _("The first instalment must fall after the disbursement.")})
    window = loan.product.first_due_max_days
    if first_due > disbursed_on + datetime.timedelta(days=window):
        raise ValidationError(
            {
                "first_due": _(
                    "The first instalment must fall within %(days)s days of the disbursement "
                    "(this product's limit)."
                )
                % {"days": window}
            }
        )
    return first_due


@transaction.atomic
def loan_disburse(
    *,
    loan: Loan,
    disbursed_by: User,
    disbursed_on: datetime.date,
    method: str,
    reference: str = "",
    first_due: datetime.date | None = None,
    fund: FundSource | None = None,
) -> Loan:
    """Release the money, charged to ``fund`` (None: the default rule, ``funding.disbursement_fund``), and
    fix the schedule."""
    loan = lock(loan)
    first_due = disbursement_check(loan=loan, disbursed_on=disbursed_on, first_due=first_due)
    funding.lock_funds()
    loan.fund = funding.disbursement_fund(loan=loan, fund=fund, on=disbursed_on)
    rhythm = meeting_rhythm(loan, disbursed_on)
    if rhythm is not None and rhythm.follows:
        # One instalment at every meeting: the circle's rhythm is the loan's frequency (its interest period).
        loan.frequency, loan.due_dates_on_meetings = rhythm.frequency, True
    rows = build_schedule(
        amount=loan.approved_amount,
        annual_rate_percent=loan.annual_rate,
        instalments=loan.approved_term,
        frequency=loan.frequency,
        first_due=first_due,
        grace=loan.grace_periods or 0,
    )
    instalments = Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            number=r.number,
            due_date=r.due_date,
            principal_due=r.principal,
            interest_due=r.interest,
            # Nothing to pay (a grace period at zero interest): settled from the start.
            settled_on=None if r.principal or r.interest else disbursed_on,
        )
        for r in rows
    )
    loan.disbursed_on, loan.disbursement_method, loan.disbursement_reference = disbursed_on, method, reference
    ledger.record_disbursement(loan, instalments)
    return transition(
        loan,
        LoanStatus.ACTIVE,
        actor=disbursed_by,
        fields=(
            "disbursed_on",
            "disbursement_method",
            "disbursement_reference",
            "fund",
            "frequency",
            "due_dates_on_meetings",
        ),
    )
