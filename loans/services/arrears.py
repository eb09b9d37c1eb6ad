"""Arrears: days past due, default and the guarantee call on the circle, write-off."""

import datetime
import logging

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from loans.models import CallOutcome, GuaranteeCall, GuaranteeType, Loan, LoanStatus, NoticeKind, Payment
from loans.selectors import days_past_due, is_default_late
from loans.services import ledger
from loans.services.base import lock, transition
from loans.services.guarantors import guarantee_call_notices_create
from microcredit.accounts.models import User
from microcredit.core.formatting import format_date

logger = logging.getLogger(__name__)


def guarantor_circle(loan: Loan):
    """The circle that answers for a circle-guaranteed loan today: the one that guaranteed it, or, if that
    circle was merged, the circle its members joined (following merges of merges)."""
    circle, seen = loan.circle, set()
    while circle.merged_into_id and circle.pk not in seen:
        seen.add(circle.pk)
        circle = circle.merged_into
    return circle


def enter_default(loan: Loan, dpd: int, *, actor: User | None) -> None:
    """Put a locked, active loan in default. A circle-guaranteed loan calls on its circle: a new guarantee
    call, or, if the call opened by an earlier default is still open, that call, which records the new
    default (one open call per loan; its advisor already has it in hand, so no second email)."""
    call = None
    if loan.guarantee_type == GuaranteeType.CIRCLE and loan.circle_id:
        call = GuaranteeCall.objects.select_for_update().filter(loan=loan, resolved_at__isnull=True).first()
    if call is None:
        reason = _("%(days)s days past due.") % {"days": dpd}
    else:
        reason = _("%(days)s days past due; the guarantee call opened on %(date)s stays open.") % {
            "days": dpd,
            "date": format_date(call.opened_at),
        }
    transition(loan, LoanStatus.DEFAULTED, actor=actor, reason=reason)
    if call is not None:
        call.defaults += 1
        call.last_defaulted_at = timezone.now()
        call.save(update_fields=["defaults", "last_defaulted_at"])
    elif loan.guarantee_type == GuaranteeType.CIRCLE and loan.circle_id:
        call = GuaranteeCall.objects.create(circle=guarantor_circle(loan), loan=loan)
        guarantee_call_notices_create(call)
        from loans.tasks import notify_guarantee_call

        transaction.on_commit(lambda: notify_guarantee_call.delay(call.pk))


@transaction.atomic
def loan_mark_default(*, loan: Loan, as_of: datetime.date | None = None, actor: User | None = None) -> bool:
    """Put a loan in default once it is more than ``loan_default_days`` late (``enter_default``). Returns
    whether the loan went into default now."""
    loan = lock(loan)
    if loan.status != LoanStatus.ACTIVE:
        return False
    dpd = days_past_due(loan, as_of)
    if not is_default_late(dpd):
        return False
    enter_default(loan, dpd, actor=actor)
    return True


def loans_mark_defaults(as_of: datetime.date | None = None) -> int:
    """The daily pass over active loans (Celery beat). Each loan in its own transaction."""
    count = 0
    for loan_id in Loan.objects.filter(status=LoanStatus.ACTIVE).values_list("pk", flat=True).iterator():
        try:
            count += loan_mark_default(loan=Loan(pk=loan_id), as_of=as_of)
        except Exception:
            logger.exception("Could not check loan %s for default", loan_id)
    return count


@transaction.atomic
def guarantee_call_resolve(
    *, call: GuaranteeCall, outcome: str, resolved_by: User, note: str = ""
) -> GuaranteeCall:
    call = GuaranteeCall.objects.select_for_update().get(pk=call.pk)
    if not call.is_open:
        raise ValidationError(_("This guarantee call is already resolved."))
    if outcome not in CallOutcome.values:
        raise ValidationError({"outcome": _("Choose how the call was resolved.")})
    if outcome == CallOutcome.WRITTEN_OFF and call.loan.status != LoanStatus.WRITTEN_OFF:
        raise ValidationError(
            {"outcome": _("Only a coordinator's write-off of the loan closes a call this way.")}
        )
    if not note.strip():
        raise ValidationError({"note": _("Describe how the call was resolved.")})
    call.outcome, call.note, call.resolved_by, call.resolved_at = outcome, note, resolved_by, timezone.now()
    call.save()
    return call


def guarantee_call_close_if_caught_up(
    loan: Loan, *, actor: User | None, outcome: str | None = None
) -> GuaranteeCall | None:
    """After payments change a (locked) loan: once it is no longer late (nothing overdue, or repaid), its open
    guarantee call closes by itself, in the payment's transaction: the members paid the arrears if any
    payment since the call opened came from one of them, else the borrower caught up. The guarantors are
    told as they were when it opened (a notice each). ``outcome``, when the caller knows it (a restructuring:
    rescheduled), is recorded instead. A loan back to active but still late keeps its call
    (a new default is recorded on it, ``enter_default``). Returns the call closed, if any."""
    call = GuaranteeCall.objects.select_for_update().filter(loan=loan, resolved_at__isnull=True).first()
    if call is None or (loan.status != LoanStatus.REPAID and days_past_due(loan) > 0):
        return None
    members_paid = (
        Payment.objects.filter(loan=loan, reversal__isnull=True, recorded_at__gte=call.opened_at)
        .exclude(payer_id=loan.borrower_id)
        .exists()
    )
    call.outcome = outcome or (
        CallOutcome.MEMBERS_CONTRIBUTED if members_paid else CallOutcome.BORROWER_CAUGHT_UP
    )
    call.note = _("Closed by itself: the loan is no longer late (%(date)s).") % {
        "date": format_date(timezone.localdate())
    }
    call.resolved_by, call.resolved_at = actor, timezone.now()
    call.save()
    guarantee_call_notices_create(call, NoticeKind.CLOSED)
    return call


@transaction.atomic
def loan_write_off(
    *, loan: Loan, written_off_by: User, reason: str, written_off_on: datetime.date | None = None
) -> Loan:
    """A coordinator writes off what cannot be recovered; the loan keeps its whole history. Written off now,
    or on ``written_off_on`` (a past day, for the history an organization imports: noon that day)."""
    loan = lock(loan)
    if not written_off_by.is_coordinator:
        raise ValidationError(_("Only a coordinator writes off a loan."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the write-off.")})
    at = None
    if written_off_on is not None:
        if written_off_on > timezone.localdate() or (
            loan.disbursed_on is not None and written_off_on < loan.disbursed_on
        ):
            raise ValidationError(
                {"written_off_on": _("A loan is written off between its disbursement and today.")}
            )
        at = timezone.make_aware(datetime.datetime.combine(written_off_on, datetime.time(12)))
    transition(loan, LoanStatus.WRITTEN_OFF, actor=written_off_by, reason=reason, at=at)
    ledger.record_write_off(
        loan, loan.transitions.filter(to_status=LoanStatus.WRITTEN_OFF).latest("changed_at").changed_at
    )
    for call in GuaranteeCall.objects.filter(loan=loan, resolved_at__isnull=True):
        guarantee_call_resolve(
            call=call, outcome=CallOutcome.WRITTEN_OFF, resolved_by=written_off_by, note=reason
        )
    return loan
