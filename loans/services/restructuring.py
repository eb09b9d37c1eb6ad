"""Restructuring a loan in difficulty: an advisor proposes, a coordinator other than the proposer decides
(four eyes); approved, the unpaid part of the schedule is replaced (``loans.services.schedules``).

How the new schedule is computed, on the day D it is shown or approved (rules in the README):
- the principal is that of the replaced instalments (every instalment not paid in full);
- it restarts on the loan's rhythm: the first new due date is the first replaced instalment's due date if it
  is after D, else the first date after D on the loan's rhythm; the instalments *to come* are those of the old
  schedule due on or after it;
- no kind ever gives fewer instalments than are unpaid, except the arrears spread (whose very point is to
  keep the end date): an overdue loan's unpaid instalments are never squeezed into the ones to come;
- payment holiday of N: the unpaid instalments themselves, unchanged (same number, same amounts), re-dated
  from N periods after the restart date; if the product says interest accrues during a holiday, N periods of
  interest on the principal are spread over them;
- otherwise the interest of replaced instalments due before the restart date (earned, unpaid) is carried:
- longer term: the principal over the new number of instalments, at least as many as are unpaid and more
  than those to come (so it ends later), the carried interest spread over them;
- lower instalment: instalments of exactly the new amount (the carried interest first, then each period's
  interest, then principal) until all is repaid, the last taking what is left;
- arrears spread: the principal, overdue included, over the instalments to come (at least one must be
  left), the carried interest spread over them.
"""

import datetime
from collections import Counter
from decimal import ROUND_DOWN, Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from circles.models import Meeting, MeetingStatus
from loans.models import (
    OPEN_STATUSES,
    CallOutcome,
    CircleOpinion,
    GuaranteeType,
    Loan,
    LoanStatus,
    LoanTransition,
    Restructuring,
    RestructuringKind,
    RestructuringStatus,
    ScheduleVersion,
)
from loans.schedule import (
    build_fixed_payment_schedule,
    build_schedule,
    due_date,
    period_interest,
    periodic_rate,
)
from loans.services import ledger
from loans.services.approval import check_four_eyes
from loans.services.base import lock, transition
from loans.services.payments import _settle_status
from loans.services.schedules import Row, replace_schedule, split
from microcredit.accounts.models import User
from microcredit.core.formatting import format_date, format_money
from microcredit.core.models import OrganizationSettings
from microcredit.core.money import CENT, ZERO

MAX_INSTALMENTS = 240


def _spread(rows: list[Row], extra: Decimal) -> list[Row]:
    """Add ``extra`` interest evenly over ``rows`` (rounded down to the cent, the rest on the last)."""
    if not extra:
        return rows
    share = (extra / len(rows)).quantize(CENT, rounding=ROUND_DOWN)
    last = extra - share * (len(rows) - 1)
    return [
        Row(row.due_date, row.principal, row.interest + (last if index == len(rows) - 1 else share))
        for index, row in enumerate(rows)
    ]


def _rows(scheduled) -> list[Row]:
    return [Row(r.due_date, r.principal, r.interest) for r in scheduled]


def new_rows(
    loan: Loan,
    *,
    kind: str,
    on: datetime.date,
    holiday_periods: int | None = None,
    new_term: int | None = None,
    new_instalment: Decimal | None = None,
) -> dict:
    """The new schedule a restructuring gives on ``on``, without writing: {"kept", "replaced", "rows"}.
    Raises ValidationError (field errors by parameter name) when the proposal does not hold."""
    kept, replaced = split(loan)
    if not replaced:
        raise ValidationError(_("Nothing is left to pay on this loan's schedule."))
    frequency, rate = loan.frequency, loan.annual_rate
    principal = sum((i.principal_due for i in replaced), ZERO)
    anchor, steps = replaced[0].due_date, 0
    while due_date(anchor, frequency, steps) <= on:
        steps += 1
    first = due_date(anchor, frequency, steps)
    unpaid = len(replaced)
    to_come = sum(1 for i in replaced if i.due_date >= first)
    carried = sum((i.interest_due for i in replaced if i.due_date < first), ZERO)

    def schedule(count: int, start: datetime.date) -> list[Row]:
        if principal <= 0:
            # Only interest is left: one instalment carries it.
            return [Row(start, ZERO, ZERO)]
        return _rows(
            build_schedule(
                amount=principal,
                annual_rate_percent=rate,
                instalments=count,
                frequency=frequency,
                first_due=start,
            )
        )

    if kind == RestructuringKind.HOLIDAY:
        if not holiday_periods or not 1 <= holiday_periods <= 12:
            raise ValidationError({"holiday_periods": _("Defer between 1 and 12 instalments.")})
        # The unpaid instalments are deferred as they are: none is dropped, none grows.
        start = due_date(first, frequency, holiday_periods)
        rows = [
            Row(due_date(start, frequency, index), i.principal_due, i.interest_due)
            for index, i in enumerate(replaced)
        ]
        extra = ZERO
        if loan.product.holiday_interest_accrues:
            extra = holiday_periods * period_interest(principal, periodic_rate(rate, frequency))
        rows = _spread(rows, extra)
    elif kind == RestructuringKind.LONGER_TERM:
        shortest = max(unpaid, to_come + 1)
        if not new_term or not shortest <= new_term <= MAX_INSTALMENTS:
            raise ValidationError(
                {
                    "new_term": _(
                        "A longer term has at least %(min)s instalments (%(unpaid)s are unpaid) and "
                        "at most %(max)s."
                    )
                    % {"min": shortest, "unpaid": unpaid, "max": MAX_INSTALMENTS}
                }
            )
        rows = _spread(schedule(new_term, first), carried)
    elif kind == RestructuringKind.LOWER_INSTALMENT:
        current = max((i.total_due for i in replaced if i.due_date >= first), default=replaced[-1].total_due)
        if not new_instalment or not ZERO < new_instalment < current:
            raise ValidationError(
                {
                    "new_instalment": _(
                        "The new instalment must be positive and lower than today's %(current)s."
                    )
                    % {"current": format_money(current)}
                }
            )
        try:
            rows = _rows(
                build_fixed_payment_schedule(
                    amount=principal,
                    annual_rate_percent=rate,
                    payment=new_instalment,
                    frequency=frequency,
                    first_due=first,
                    limit=MAX_INSTALMENTS,
                    owed_interest=carried,
                )
            )
        except ValueError:
            raise ValidationError(
                {
                    "new_instalment": _(
                        "This instalment is too low to repay the loan in %(max)s instalments."
                    )
                    % {"max": MAX_INSTALMENTS}
                }
            ) from None
    elif kind == RestructuringKind.SPREAD_ARREARS:
        if not any(i.due_date <= on for i in replaced):
            raise ValidationError(_("This loan has no arrears to spread."))
        if not to_come:
            raise ValidationError(
                _("No instalment is left to spread the arrears over: propose a longer term instead.")
            )
        rows = _spread(schedule(to_come, first), carried)
    else:
        raise ValidationError({"kind": _("Choose a kind of restructuring.")})
    proposal = {"kept": kept, "replaced": replaced, "rows": rows}
    if kind == RestructuringKind.HOLIDAY:
        # Why the end moves by more than the holiday on an overdue loan: the overdue instalments are
        # re-dated with the others, from N periods after the restart date (``restart``).
        proposal["holiday"] = {"overdue": unpaid - to_come, "restart": first, "start": rows[0].due_date}
    return proposal


def regular_instalment(amounts: list[Decimal]) -> Decimal:
    """The instalment a borrower pays most periods: the most frequent amount (the first one on a tie), so a
    last instalment that takes the rounding, or interest-only ones, do not stand for the rest."""
    return Counter(amounts).most_common(1)[0][0]


def comparison(loan: Loan, proposal: dict) -> dict:
    """The figures the proposal page shows beside each other: the instalment, the number of instalments and
    the last due date, the whole schedule's total and interest, today's and the new one's (the instalment
    and the last date of today's schedule are those of the instalments to pay), and what the change costs
    the borrower."""
    kept, replaced, rows = proposal["kept"], proposal["replaced"], proposal["rows"]
    kept_total = sum((i.total_due for i in kept), ZERO)
    current_total = kept_total + sum((i.total_due for i in replaced), ZERO)
    new_total = kept_total + sum((row.total for row in rows), ZERO)
    current_interest = sum((i.interest_due for i in kept + replaced), ZERO)
    new_interest = sum((i.interest_due for i in kept), ZERO) + sum((row.interest for row in rows), ZERO)
    first_number = kept[-1].number + 1 if kept else 1
    holiday = proposal.get("holiday")
    return {
        "current_instalment": regular_instalment([i.total_due for i in replaced]),
        "new_instalment": regular_instalment([row.total for row in rows]),
        "current_end": replaced[-1].due_date,
        "new_end": rows[-1].due_date,
        "current_total": current_total,
        "new_total": new_total,
        "current_interest": current_interest,
        "new_interest": new_interest,
        "extra_cost": new_total - current_total,
        "new_lines": [(first_number + index, row) for index, row in enumerate(rows)],
        "current_count": len(kept) + len(replaced),
        "new_count": len(kept) + len(rows),
        # A holiday on an overdue loan: {"overdue", "restart", "start"} (the preview says why the end moves
        # by more than the instalments deferred); None otherwise.
        "holiday_overdue": holiday if holiday and holiday["overdue"] else None,
    }


def _open_proposal(loan: Loan) -> Restructuring | None:
    return Restructuring.objects.filter(loan=loan, status=RestructuringStatus.PROPOSED).first()


@transaction.atomic
def restructuring_propose(
    *,
    loan: Loan,
    proposed_by: User,
    kind: str,
    reason: str,
    holiday_periods: int | None = None,
    new_term: int | None = None,
    new_instalment: Decimal | None = None,
    on: datetime.date | None = None,
) -> Restructuring:
    """An advisor (or coordinator) proposes a restructuring, with its reason; nothing changes until it is
    approved."""
    loan = lock(loan)
    on = on or timezone.localdate()
    if not proposed_by.is_staff_member:
        raise ValidationError(_("Only the organization's staff propose a restructuring."))
    if loan.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a disbursed loan that is not closed can be restructured."))
    if _open_proposal(loan):
        raise ValidationError(_("A restructuring of this loan already awaits a decision."))
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the restructuring.")})
    terms = {"holiday_periods": None, "new_term": None, "new_instalment": None}
    field = {
        RestructuringKind.HOLIDAY: ("holiday_periods", holiday_periods),
        RestructuringKind.LONGER_TERM: ("new_term", new_term),
        RestructuringKind.LOWER_INSTALMENT: ("new_instalment", new_instalment),
    }.get(kind)
    if field:
        terms[field[0]] = field[1]
    new_rows(loan, kind=kind, on=on, **terms)  # the proposal must hold today
    return Restructuring.objects.create(
        loan=loan, kind=kind, reason=reason.strip(), proposed_by=proposed_by, **terms
    )


def proposal_rows(restructuring: Restructuring, on: datetime.date | None = None) -> dict:
    return new_rows(
        restructuring.loan,
        kind=restructuring.kind,
        on=on or timezone.localdate(),
        holiday_periods=restructuring.holiday_periods,
        new_term=restructuring.new_term,
        new_instalment=restructuring.new_instalment,
    )


def informing_meetings(loan: Loan, on: datetime.date | None = None):
    """The circle's meetings where it can have been informed of a restructuring: already held (on or
    before ``on``, today by default) and not cancelled, the newest first."""
    on = on or timezone.localdate()
    return (
        Meeting.objects.filter(circle_id=loan.circle_id, date__lte=on)
        .exclude(status=MeetingStatus.CANCELLED)
        .order_by("-date", "-start_time")
    )


def needs_circle(loan: Loan) -> bool:
    """Whether approving this loan's restructuring records the circle's decision at a meeting."""
    return (
        loan.guarantee_type == GuaranteeType.CIRCLE
        and loan.circle_id is not None
        and OrganizationSettings.load().restructuring_needs_circle
    )


def _decide_checks(restructuring: Restructuring, decided_by: User) -> Restructuring:
    restructuring = Restructuring.objects.select_for_update().get(pk=restructuring.pk)
    if restructuring.status != RestructuringStatus.PROPOSED:
        raise ValidationError(_("This restructuring has already been decided."))
    check_four_eyes(
        decided_by,
        involved=(restructuring.proposed_by_id, restructuring.loan.borrower.user_id),
        message=_("Four eyes: the person who proposed the restructuring cannot also decide on it."),
    )
    return restructuring


def _describe(restructuring: Restructuring) -> str:
    if restructuring.kind == RestructuringKind.HOLIDAY:
        detail = ngettext(
            "%(count)s instalment deferred", "%(count)s instalments deferred", restructuring.holiday_periods
        ) % {"count": restructuring.holiday_periods}
    elif restructuring.kind == RestructuringKind.LONGER_TERM:
        detail = ngettext(
            "%(count)s instalment left", "%(count)s instalments left", restructuring.new_term
        ) % {"count": restructuring.new_term}
    elif restructuring.kind == RestructuringKind.LOWER_INSTALMENT:
        detail = _("instalment of %(amount)s") % {"amount": format_money(restructuring.new_instalment)}
    else:
        detail = ""
    label = restructuring.get_kind_display()
    return _("Restructured: %(kind)s. %(reason)s") % {
        "kind": f"{label} ({detail})" if detail else label,
        "reason": restructuring.reason,
    }


@transaction.atomic
def restructuring_approve(
    *,
    restructuring: Restructuring,
    approved_by: User,
    note: str = "",
    circle_meeting=None,
    circle_opinion: str = "",
    on: datetime.date | None = None,
) -> Restructuring:
    """A coordinator other than the proposer approves: the unpaid part of the schedule becomes a new version,
    computed on the day of the approval; days past due restart from it; the history says restructured."""
    loan = lock(restructuring.loan)
    restructuring = _decide_checks(restructuring, approved_by)
    on = on or timezone.localdate()
    if loan.status not in OPEN_STATUSES:
        raise ValidationError(_("Only a disbursed loan that is not closed can be restructured."))
    if needs_circle(loan):
        errors = {}
        if circle_meeting is None or circle_meeting.circle_id != loan.circle_id:
            errors["circle_meeting"] = _(
                "Choose the meeting of the circle where the restructuring was discussed."
            )
        elif circle_meeting.date > on or circle_meeting.status == MeetingStatus.CANCELLED:
            errors["circle_meeting"] = _(
                "The circle can only have been informed at a meeting already held: choose one held on "
                "or before %(date)s."
            ) % {"date": format_date(on)}
        if circle_opinion not in CircleOpinion.values:
            errors["circle_opinion"] = _("Record the circle's decision.")
        if errors:
            raise ValidationError(errors)
    else:
        circle_meeting, circle_opinion = None, ""
    proposal = new_rows(
        loan,
        kind=restructuring.kind,
        on=on,
        holiday_periods=restructuring.holiday_periods,
        new_term=restructuring.new_term,
        new_instalment=restructuring.new_instalment,
    )
    version = replace_schedule(
        loan, proposal["rows"], on=on, reason=ScheduleVersion.Reason.RESTRUCTURING, actor=approved_by
    )
    restructuring.status = RestructuringStatus.APPROVED
    restructuring.decided_by, restructuring.decided_at, restructuring.decided_on = (
        approved_by,
        timezone.now(),
        on,
    )
    restructuring.decision_note = note
    restructuring.circle_meeting, restructuring.circle_opinion = circle_meeting, circle_opinion
    restructuring.version = version
    restructuring.save()
    ledger.record_restructuring(loan, on)
    reason = _describe(restructuring)
    if loan.status == LoanStatus.DEFAULTED:
        transition(loan, LoanStatus.ACTIVE, actor=approved_by, reason=reason)
    else:
        LoanTransition.objects.create(
            loan=loan, from_status=loan.status, to_status=loan.status, changed_by=approved_by, note=reason
        )
    _settle_status(loan, approved_by, call_outcome=CallOutcome.RESCHEDULED)
    return restructuring


@transaction.atomic
def restructuring_refuse(*, restructuring: Restructuring, refused_by: User, note: str) -> Restructuring:
    lock(restructuring.loan)
    restructuring = _decide_checks(restructuring, refused_by)
    if not note.strip():
        raise ValidationError({"note": _("Give the reason for the refusal.")})
    restructuring.status = RestructuringStatus.REFUSED
    restructuring.decided_by, restructuring.decided_at = refused_by, timezone.now()
    restructuring.decision_note = note.strip()
    restructuring.save()
    return restructuring
