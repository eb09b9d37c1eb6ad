"""Payoff quote and early settlement.

The amount that settles a loan on a day D = the principal left + the interest earned to D: the interest of
the instalments due on or before D, plus the interest accrued since the last due date (or the disbursement)
up to D, on the principal left, at the loan's annual rate, for the actual days (``days / 365``), rounded once
to the cent, less the interest already paid for that period (paid ahead on the instalments not yet due),
never below zero. The instalments due on or before D count their unpaid interest only; a payment made ahead
on the next instalment's interest never lowers the payoff below the principal left. Never more than what the
schedule still asks. If the product's ``settlement_waives_interest`` is off, the amount is simply everything
the schedule still asks.

Recorded, the settlement replaces the instalments not paid in full by one instalment due on D (their
principal, the interest earned: the rest is waived, ``loans.services.schedules``) and records the payment
that pays it, which closes the loan. Reversing that payment puts the replaced instalments back exactly and
reopens the loan; while a settlement stands, the other payments cannot be reversed (reverse it first).
"""

import datetime
import uuid
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import (
    OPEN_STATUSES,
    Allocation,
    Instalment,
    Loan,
    Payment,
    ScheduleVersion,
    Settlement,
)
from loans.selectors import amount_owed
from loans.services.base import lock
from loans.services.payments import _settle_status, payment_check, reallocate
from loans.services.schedules import Row, replace_schedule, split
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_date
from microcredit.core.money import ZERO, fraction_to_cents


@dataclass(frozen=True)
class Quote:
    on: datetime.date
    principal_left: Decimal
    interest_due: Decimal  # of the instalments due on or before ``on``, not yet paid (never negative)
    interest_accrued: Decimal  # since the last due date (what was paid ahead is credited apart)
    days: int
    since: datetime.date
    amount: Decimal  # what settles the loan on ``on``
    owed: Decimal  # what the schedule still asks
    waives: bool
    interest_paid_ahead: Decimal = ZERO  # paid on the instalments not yet due: credited in full

    @property
    def interest_unpaid(self) -> Decimal:
        """The interest due and unpaid on the instalments due on or before the day."""
        return self.interest_due

    @property
    def interest_credited(self) -> Decimal:
        """The interest paid ahead on instalments not yet due: not earned, so credited in full."""
        return self.interest_paid_ahead

    @property
    def interest_earned(self) -> Decimal:
        """The interest earned and not yet paid: the unpaid due interest and the interest accrued."""
        return self.interest_due + self.interest_accrued

    @property
    def waived(self) -> Decimal:
        return self.owed - self.amount


def payoff_quote(loan: Loan, on: datetime.date | None = None) -> Quote:
    """What settles ``loan`` on ``on`` (default today), without writing."""
    on = on or timezone.localdate()
    if loan.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a disbursed loan that is not closed can be settled."))
    if on < loan.disbursed_on:
        raise ValidationError({"on": _("The settlement date cannot be before the disbursement.")})
    owed = amount_owed(loan)
    paid = Allocation.objects.filter(loan=loan).aggregate(principal=Sum("principal", default=ZERO))
    principal_left = loan.final_amount - paid["principal"]
    _kept, replaced = split(loan)
    since = (
        Instalment.objects.filter(loan=loan, due_date__lte=on).aggregate(last=Max("due_date"))["last"]
        or loan.disbursed_on
    )
    days = (on - since).days
    interest_paid: dict[int, Decimal] = {}
    for instalment_id, interest in Allocation.objects.filter(instalment__in=replaced).values_list(
        "instalment_id", "interest"
    ):
        interest_paid[instalment_id] = interest_paid.get(instalment_id, ZERO) + interest
    # The instalments due by ``on``: their interest not yet paid. Those not yet due: the interest paid on
    # them was paid ahead for the current period, and only counts against the interest accrued in it.
    interest_due = sum(
        (max(i.interest_due - interest_paid.get(i.pk, ZERO), ZERO) for i in replaced if i.due_date <= on),
        ZERO,
    )
    paid_ahead = sum((interest_paid.get(i.pk, ZERO) for i in replaced if i.due_date > on), ZERO)
    accrued = fraction_to_cents(
        Fraction(principal_left) * Fraction(loan.annual_rate) / 100 * Fraction(days, 365)
    )
    waives = loan.product.settlement_waives_interest
    # Interest paid ahead was not earned: all of it is credited, so that a borrower who paid ahead and then
    # settles pays, in all, only the interest earned (the payoff may then be below the principal left).
    amount = min(owed, max(principal_left + interest_due + accrued - paid_ahead, ZERO)) if waives else owed
    return Quote(
        on=on,
        principal_left=principal_left,
        interest_due=interest_due,
        interest_accrued=accrued,
        days=days,
        since=since,
        amount=amount,
        owed=owed,
        waives=waives,
        interest_paid_ahead=paid_ahead,
    )


def settlement_check(loan: Loan, on: datetime.date) -> Quote:
    """The rules an early settlement on ``on`` must meet; returns its quote."""
    quote = payoff_quote(loan, on)
    if on > timezone.localdate():
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    latest = Payment.objects.filter(loan=loan, reversal__isnull=True).aggregate(last=Max("paid_on"))["last"]
    if latest and on < latest:
        raise ValidationError(
            {
                "paid_on": _("A settlement cannot be dated before the loan's latest payment (%(date)s).")
                % {"date": format_date(latest)}
            }
        )
    return quote


@transaction.atomic
def loan_settle(
    *,
    loan: Loan,
    paid_on: datetime.date,
    method: str,
    recorded_by: User,
    payer: EntrepreneurProfile | None = None,
    reference: str = "",
    submission_key: uuid.UUID | None = None,
) -> Settlement:
    """Record the early settlement of a loan on ``paid_on``: the payment of the payoff amount, the
    interest not earned waived; the loan closes."""
    if submission_key is not None:
        existing = Settlement.objects.filter(payment__submission_key=submission_key).first()
        if existing is not None:
            return existing
    loan = lock(loan)
    quote = settlement_check(loan, paid_on)
    version = None
    if quote.waived > 0:
        _kept, replaced = split(loan)
        principal = sum((i.principal_due for i in replaced), ZERO)
        # What the settlement instalment asks, before the payments already made on the replaced instalments.
        already = sum((i.paid for i in replaced), ZERO)
        row = Row(paid_on, principal, quote.amount + already - principal)
        version = replace_schedule(
            loan, [row], on=paid_on, reason=ScheduleVersion.Reason.SETTLEMENT, actor=recorded_by
        )
    amount = payment_check(loan=loan, amount=quote.amount, paid_on=paid_on, method=method, payer=payer)
    payment = Payment.objects.create(
        loan=loan,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        payer=payer or loan.borrower,
        recorded_by=recorded_by,
        submission_key=submission_key or uuid.uuid4(),
    )
    settlement = Settlement.objects.create(
        loan=loan,
        payment=payment,
        settled_on=paid_on,
        interest_accrued=quote.interest_accrued,
        interest_waived=quote.waived,
        version=version,
    )
    reallocate(loan)
    _settle_status(loan, recorded_by)
    return settlement
