"""Repayments: recorded under the loan's row lock, allocated oldest instalment first, interest before
principal; a payment is never edited or deleted, only reversed, and the allocation is rebuilt.

Prepayment rule: money beyond what is due today goes to the following instalments, in order, interest then
principal; the schedule itself does not change (the next instalments are simply already paid, in part or
in full), and the interest they carry stays due. Paying more than everything still owed on the schedule is
refused. To pay only the interest earned, the loan is settled early (``loans.services.settlement``).
"""

import datetime
import uuid
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import (
    OPEN_STATUSES,
    Allocation,
    Instalment,
    Loan,
    LoanStatus,
    Payment,
    PaymentMethod,
    PaymentReversal,
    Settlement,
)
from loans.portfolio import oldest_unsettled_due
from loans.selectors import allowed_payers, amount_owed
from loans.services import ledger
from loans.services.arrears import guarantee_call_close_if_caught_up
from loans.services.base import lock, transition
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_money
from microcredit.core.money import to_cents


def reallocate(loan: Loan, change_schedule=None) -> None:
    """Rebuild the allocations of a (locked) loan from its standing payments, oldest first, and the figures
    derived from them (loan position, settlement dates, daily collections: ``loans.services.ledger``).
    ``change_schedule``, if given, is called once the old allocations are gone and before the new ones are
    made: a restructuring or a settlement replaces instalments there (``loans.services.schedules``)."""
    before = ledger.daily_collections(
        Allocation.objects.filter(loan=loan).values_list("paid_on", "principal", "interest")
    )
    Allocation.objects.filter(loan=loan).delete()
    if change_schedule is not None:
        change_schedule()
    instalments = list(Instalment.objects.filter(loan=loan).order_by("number"))
    left = {i.pk: [i.interest_due, i.principal_due] for i in instalments}
    settled = {i.pk: loan.disbursed_on for i in instalments if not i.total_due}
    rows = []
    for payment in Payment.objects.filter(loan=loan, reversal__isnull=True).order_by("paid_on", "pk"):
        remaining = payment.amount
        for instalment in instalments:
            if remaining <= 0:
                break
            interest_left, principal_left = left[instalment.pk]
            interest = min(remaining, interest_left)
            principal = min(remaining - interest, principal_left)
            if interest or principal:
                rows.append(
                    Allocation(
                        payment=payment,
                        instalment=instalment,
                        interest=interest,
                        principal=principal,
                        loan=loan,
                        paid_on=payment.paid_on,
                    )
                )
                left[instalment.pk] = [interest_left - interest, principal_left - principal]
                remaining -= interest + principal
                if interest_left == interest and principal_left == principal:
                    settled[instalment.pk] = payment.paid_on
        if remaining > 0:
            raise ValidationError(_("These payments add up to more than the loan."), code="overpaid")
    Allocation.objects.bulk_create(rows)
    changed = [i for i in instalments if i.settled_on != settled.get(i.pk)]
    for instalment in changed:
        instalment.settled_on = settled.get(instalment.pk)
    Instalment.objects.bulk_update(changed, ["settled_on"])
    ledger.record_reallocation(
        loan,
        before,
        ledger.daily_collections((row.paid_on, row.principal, row.interest) for row in rows),
        first_unsettled_due=oldest_unsettled_due(instalments, settled_on=lambda i: settled.get(i.pk)),
    )


def _settle_status(loan: Loan, actor: User | None, *, call_outcome: str | None = None) -> None:
    """After payments change: close the loan when nothing is owed, reopen it if something is again, and put a
    loan in default back to active once caught up below the organization's threshold. Going into default is
    the daily pass's work (``loans_mark_defaults``), never a payment's or a reversal's: recording a backlog of
    old payments must not open guarantee calls on the way. An open guarantee call closes by itself once the
    loan is no longer late (``guarantee_call_close_if_caught_up``); while it is still late, the call stays
    open for the advisor to resolve with its outcome (``call_outcome``: how it closes, when the caller knows,
    a restructuring's "rescheduled")."""
    from loans.selectors import days_past_due, is_default_late

    owed = amount_owed(loan)
    if owed == 0 and loan.status in OPEN_STATUSES:
        transition(loan, LoanStatus.REPAID, actor=actor, reason=_("Nothing is owed any more."))
    elif owed > 0 and loan.status == LoanStatus.REPAID:
        transition(loan, LoanStatus.ACTIVE, actor=actor, reason=_("A payment was reversed."))
    elif loan.status == LoanStatus.DEFAULTED and not is_default_late(days_past_due(loan)):
        transition(loan, LoanStatus.ACTIVE, actor=actor, reason=_("The arrears were caught up."))
    guarantee_call_close_if_caught_up(loan, actor=actor, outcome=call_outcome)


def payment_check(
    *,
    loan: Loan,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    payer: EntrepreneurProfile | None = None,
) -> Decimal:
    """The rules a payment must meet, without recording it: the confirmation step asks them before showing
    the payment back, ``payment_record`` again under the loan's lock. Returns the amount to the cent."""
    if loan.status not in OPEN_STATUSES:
        raise ValidationError(_("Payments are recorded on disbursed loans that are not closed."))
    amount = to_cents(amount)
    if amount <= 0:
        raise ValidationError({"amount": _("The amount must be positive.")})
    if paid_on > timezone.localdate():
        raise ValidationError({"paid_on": _("The payment date cannot be in the future.")})
    if paid_on < loan.disbursed_on:
        raise ValidationError({"paid_on": _("The payment date cannot be before the disbursement.")})
    if method not in PaymentMethod.values:
        raise ValidationError({"method": _("Choose how the payment was made.")})
    payer = payer or loan.borrower
    if payer.pk not in {p.pk for p in allowed_payers(loan)}:
        raise ValidationError(
            {"payer": _("The payer must be the borrower or a member who guaranteed the loan.")}
        )
    owed = amount_owed(loan)
    if amount > owed:
        raise ValidationError(
            {
                "amount": _("This payment of %(amount)s is more than the %(owed)s still owed on this loan.")
                % {"amount": format_money(amount), "owed": format_money(owed)}
            },
            code="overpayment",
        )
    return amount


@transaction.atomic
def payment_record(
    *,
    loan: Loan,
    amount: Decimal,
    paid_on: datetime.date,
    method: str,
    recorded_by: User,
    payer: EntrepreneurProfile | None = None,
    reference: str = "",
    submission_key: uuid.UUID | None = None,
    meeting=None,
) -> Payment:
    """Record a payment. The same submission key twice (a double click, a resent form) records one payment.
    ``meeting``: the circle meeting it was collected at (``loans/meeting_collection.py``)."""
    if submission_key is not None:
        existing = Payment.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    loan = lock(loan)
    if submission_key is not None:
        # Checked again under the lock: a concurrent duplicate may have committed while we waited.
        existing = Payment.objects.filter(submission_key=submission_key).first()
        if existing is not None:
            return existing
    amount = payment_check(loan=loan, amount=amount, paid_on=paid_on, method=method, payer=payer)
    payer = payer or loan.borrower
    payment = Payment.objects.create(
        loan=loan,
        amount=amount,
        paid_on=paid_on,
        method=method,
        reference=reference,
        payer=payer,
        recorded_by=recorded_by,
        submission_key=submission_key or uuid.uuid4(),
        meeting=meeting,
    )
    reallocate(loan)
    _settle_status(loan, recorded_by)
    return payment


@transaction.atomic
def payment_reverse(*, payment: Payment, reversed_by: User, reason: str) -> PaymentReversal:
    """Cancel a payment recorded by mistake (a bounced cheque, a wrong loan): it stays on record, marked
    reversed, and the allocation of the other payments is rebuilt."""
    loan = lock(payment.loan)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the reversal.")})
    if PaymentReversal.objects.filter(payment=payment).exists():
        raise ValidationError(_("This payment is already reversed."))
    if loan.status == LoanStatus.WRITTEN_OFF:
        raise ValidationError(_("The payments of a written-off loan are not changed."))
    settlement = Settlement.objects.filter(payment=payment).select_related("version").first()
    if settlement is None and Settlement.objects.filter(loan=loan, payment__reversal__isnull=True).exists():
        raise ValidationError(_("This loan was settled early: reverse the settlement first."))
    reversal = PaymentReversal.objects.create(payment=payment, reason=reason, reversed_by=reversed_by)
    if settlement is not None and settlement.version is not None:
        from loans.services.schedules import restore_version

        # The schedule the settlement replaced comes back exactly (and the allocation is rebuilt over it).
        restore_version(loan, settlement.version)
    else:
        reallocate(loan)
    _settle_status(loan, reversed_by)
    return reversal
