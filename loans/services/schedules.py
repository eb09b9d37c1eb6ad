"""Replacing the unpaid part of a loan's schedule (a restructuring, an early settlement, the reversal of a
settlement), on a locked loan, the ledger's derived figures following in the same transaction.

Rules:
- the instalments paid in full when the schedule is replaced (the leading ones: payments fill instalments
  oldest first) are **kept** and never change; every later instalment is replaced;
- the schedule as it stood is archived as a ``ScheduleVersion`` (readable on the loan page); the live
  schedule is always the ``Instalment`` rows, the new ones numbered after the kept ones;
- the principal of the replaced instalments is the principal of the new ones, so the principal of the
  schedule always adds up to the amount lent;
- the payments are allocated again over the new schedule (``reallocate``), so a payment made in part on a
  replaced instalment goes to the first new one; the pending reminders of the replaced instalments are
  cancelled (the sent ones stay on record, without their instalment).
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import F, Sum
from django.db.models.functions import Coalesce

from circles.models import CircleStatus, Meeting, MeetingStatus
from circles.selectors import current_membership
from loans.models import (
    Instalment,
    Loan,
    Reminder,
    ReminderStatus,
    ScheduleVersion,
    ScheduleVersionLine,
)
from loans.schedule import PERIODS_PER_YEAR, first_meeting_due
from loans.services import ledger
from loans.services.payments import reallocate
from loans.services.reminders import REPLACED
from microcredit.accounts.models import User
from microcredit.core.money import ZERO


@dataclass(frozen=True)
class Row:
    """One instalment of a new schedule (before it is stored)."""

    due_date: datetime.date
    principal: Decimal
    interest: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


@dataclass(frozen=True)
class MeetingRhythm:
    """How a loan whose product's due dates follow the circle's meetings is scheduled at a disbursement:
    ``first_due`` and ``frequency`` (the circle's rhythm) when it follows them, else ``first_due`` None (the
    product's usual schedule applies) and ``circle`` the circle it could not follow (or None: no circle).
    ``too_late``: the meeting it would have followed, when that falls beyond the product's
    ``first_due_max_days`` (the usual schedule then applies too)."""

    circle: object
    first_due: datetime.date | None
    frequency: str
    too_late: datetime.date | None = None

    @property
    def follows(self) -> bool:
        return self.first_due is not None


def meeting_rhythm(loan: Loan, disbursed_on: datetime.date) -> MeetingRhythm | None:
    """None when the loan's product does not follow meetings; else the rhythm of the loan's circle (the one
    that reviewed it, or the borrower's current circle): its planned meetings and latest meeting give the
    first due date (``loans.schedule.first_meeting_due``), unless that meeting falls more than the product's
    ``first_due_max_days`` after the disbursement: then the product's usual schedule applies, as a first due
    date typed that late would be refused. Two queries."""
    if not loan.product.due_dates_follow_meetings:
        return None
    circle = loan.circle
    if circle is None:
        membership = current_membership(loan.borrower)
        circle = membership.circle if membership else None
    if circle is None or circle.status not in (CircleStatus.FORMING, CircleStatus.ACTIVE):
        return MeetingRhythm(circle, None, loan.frequency)
    if circle.meeting_rhythm not in PERIODS_PER_YEAR:
        return MeetingRhythm(circle, None, loan.frequency)
    meetings = Meeting.objects.filter(circle=circle).exclude(status=MeetingStatus.CANCELLED)
    planned = list(meetings.filter(status=MeetingStatus.PLANNED).values_list("date", flat=True))
    latest = meetings.order_by("-date").values_list("date", flat=True).first()
    first = first_meeting_due(
        disbursed_on=disbursed_on,
        min_days=loan.product.first_due_min_days,
        rhythm=circle.meeting_rhythm,
        planned=planned,
        latest=latest,
    )
    if first is not None and first > disbursed_on + datetime.timedelta(days=loan.product.first_due_max_days):
        return MeetingRhythm(circle, None, loan.frequency, too_late=first)
    return MeetingRhythm(circle, first, circle.meeting_rhythm if first else loan.frequency)


def split(loan: Loan) -> tuple[list[Instalment], list[Instalment]]:
    """(kept, replaced): the leading instalments paid in full and the others, in order, with ``paid``."""
    instalments = list(
        Instalment.objects.filter(loan=loan)
        .annotate(paid=Coalesce(Sum(F("allocations__principal") + F("allocations__interest")), ZERO))
        .order_by("number")
    )
    count = 0
    while count < len(instalments) and instalments[count].settled_on is not None:
        count += 1
    return instalments[:count], instalments[count:]


def _archive(loan: Loan, instalments: list, *, kept: int, on: datetime.date, reason: str, actor: User):
    latest = ScheduleVersion.objects.filter(loan=loan).order_by("-number").values_list("number", flat=True)
    number = (latest.first() or 0) + 1
    version = ScheduleVersion.objects.create(
        loan=loan, number=number, replaced_on=on, reason=reason, kept=kept, created_by=actor
    )
    ScheduleVersionLine.objects.bulk_create(
        ScheduleVersionLine(
            version=version,
            number=i.number,
            due_date=i.due_date,
            principal_due=i.principal_due,
            interest_due=i.interest_due,
            paid=i.paid,
        )
        for i in instalments
    )
    return version


def _swap(loan: Loan, replaced: list[Instalment], rows: Iterable[Row], first_number: int) -> None:
    """Delete the replaced instalments and store the new ones (allocations already removed)."""
    Reminder.objects.filter(
        instalment__in=replaced, status__in=[ReminderStatus.PENDING, ReminderStatus.SENDING]
    ).update(status=ReminderStatus.CANCELLED, error=REPLACED)
    Instalment.objects.filter(pk__in=[i.pk for i in replaced]).delete()
    added = Instalment.objects.bulk_create(
        Instalment(
            loan=loan,
            number=first_number + index,
            due_date=row.due_date,
            principal_due=row.principal,
            interest_due=row.interest,
            settled_on=None if row.total else loan.disbursed_on,
        )
        for index, row in enumerate(rows)
    )
    ledger.record_schedule_change(loan, replaced, added)


def replace_schedule(
    loan: Loan, rows: list[Row], *, on: datetime.date, reason: str, actor: User
) -> ScheduleVersion:
    """Replace the unpaid part of the (locked) loan's schedule by ``rows``; returns the archived version."""
    kept, replaced = split(loan)
    principal = sum((i.principal_due for i in replaced), ZERO)
    if sum((row.principal for row in rows), ZERO) != principal:
        raise ValueError("the new instalments must carry the principal of the replaced ones")
    version = _archive(loan, kept + replaced, kept=len(kept), on=on, reason=reason, actor=actor)
    first_number = kept[-1].number + 1 if kept else 1
    reallocate(loan, change_schedule=lambda: _swap(loan, replaced, rows, first_number))
    return version


def restore_version(loan: Loan, version: ScheduleVersion) -> None:
    """Put back the unpaid part of an archived schedule (the reversal of an early settlement): the
    instalments after its kept ones are replaced by its own lines, exactly."""
    current = list(Instalment.objects.filter(loan=loan, number__gt=version.kept).order_by("number"))
    lines = [
        Row(line.due_date, line.principal_due, line.interest_due)
        for line in version.lines.filter(number__gt=version.kept).order_by("number")
    ]
    reallocate(loan, change_schedule=lambda: _swap(loan, current, lines, version.kept + 1))


def versions(loan: Loan) -> list[ScheduleVersion]:
    """The archived schedules of a loan, with their lines (two queries)."""
    return list(
        ScheduleVersion.objects.filter(loan=loan)
        .select_related("created_by", "restructuring", "settlement__payment__reversal")
        .prefetch_related("lines")
        .order_by("number")
    )
