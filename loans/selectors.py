"""Reads about loans, each in a bounded number of queries."""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import (
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from loans.models import Allocation, Instalment, Loan, LoanStatus, Payment, Reminder
from loans.schedule import build_schedule, first_due_date
from loans.services.review import vote_tally
from microcredit.accounts.models import User
from microcredit.core.money import ZERO
from microcredit.core.permissions import scope

MONEY = DecimalField(max_digits=14, decimal_places=2)
OPEN_STATUSES = (LoanStatus.ACTIVE, LoanStatus.DEFAULTED)


def _sum(queryset, expression) -> Subquery:
    return Coalesce(
        Subquery(
            queryset.values("loan").annotate(total=Sum(expression)).values("total")[:1], output_field=MONEY
        ),
        Value(ZERO),
        output_field=MONEY,
    )


def with_balances(loans: QuerySet[Loan], as_of: datetime.date | None = None) -> QuerySet[Loan]:
    """Annotate each loan with what is due in total, what was paid and the oldest unpaid due date, as of
    ``as_of`` (default today)."""
    as_of = as_of or timezone.localdate()
    instalments = Instalment.objects.filter(loan=OuterRef("pk"))
    # As of ``as_of``: the payments dated then or before, and the instalments not fully paid by then (those
    # still unsettled, or settled by a later payment: ``Instalment.settled_on``, kept by the allocation).
    allocations = Allocation.objects.filter(loan=OuterRef("pk"), paid_on__lte=as_of)
    unpaid = (
        Instalment.objects.filter(loan=OuterRef("pk"))
        .unpaid_as_of(as_of)
        .order_by("due_date")
        .values("due_date")[:1]
    )
    return loans.annotate(
        total_due=_sum(instalments, F("principal_due") + F("interest_due")),
        principal_scheduled=_sum(instalments, F("principal_due")),
        total_paid=_sum(allocations, F("principal") + F("interest")),
        principal_paid=_sum(allocations, F("principal")),
        oldest_unpaid=Subquery(unpaid),
    ).annotate(owed=ExpressionWrapper(F("total_due") - F("total_paid"), output_field=MONEY))


def loans_for(user: User) -> QuerySet[Loan]:
    return with_balances(
        scope(user, Loan.objects.all()).select_related("borrower__user", "product", "circle__advisor")
    )


def days_late(loan: Loan, as_of: datetime.date | None = None) -> int:
    """From ``with_balances``: days since the oldest unpaid due date."""
    as_of = as_of or timezone.localdate()
    return (as_of - loan.oldest_unpaid).days if getattr(loan, "oldest_unpaid", None) else 0


@dataclass
class InstalmentLine:
    instalment: Instalment
    paid: Decimal
    state: str  # "paid", "partial", "overdue", "due", "upcoming"

    @property
    def left(self) -> Decimal:
        return self.instalment.total_due - self.paid


def schedule_lines(loan: Loan, as_of: datetime.date | None = None) -> list[InstalmentLine]:
    as_of = as_of or timezone.localdate()
    instalments = loan.instalments.annotate(
        paid=Coalesce(
            Sum(F("allocations__principal") + F("allocations__interest")), Value(ZERO), output_field=MONEY
        )
    ).order_by("number")
    lines = []
    for instalment in instalments:
        paid = instalment.paid
        if paid >= instalment.total_due:
            state = "paid"
        elif instalment.due_date < as_of:
            state = "overdue"
        elif instalment.due_date == as_of:
            state = "due"
        else:
            state = "partial" if paid else "upcoming"
        lines.append(InstalmentLine(instalment, paid, state))
    return lines


def schedule_preview(loan: Loan):
    """The schedule a request would have if approved as asked and disbursed today."""
    product = loan.product
    today = timezone.localdate()
    return build_schedule(
        amount=loan.amount,
        annual_rate_percent=product.annual_rate,
        instalments=loan.term,
        frequency=product.frequency,
        first_due=first_due_date(today, product.frequency),
        grace=min(product.grace_periods, loan.term - 1),
    )


def is_reversed(payment: Payment) -> bool:
    return hasattr(payment, "reversal")


def loan_detail(loan: Loan, as_of: datetime.date | None = None) -> dict:
    """Everything the loan's page (and its statement, as of the day it is built) shows."""
    lines = schedule_lines(loan, as_of) if loan.is_disbursed else []
    payments = list(
        Payment.objects.filter(loan=loan).select_related(
            "payer__user", "recorded_by", "reversal__reversed_by"
        )
    )
    standing = [p for p in payments if not is_reversed(p)]
    principal_paid = Allocation.objects.filter(loan=loan).aggregate(total=Sum("principal", default=ZERO))[
        "total"
    ]
    total_due = sum((line.instalment.total_due for line in lines), ZERO)
    total_paid = sum((line.paid for line in lines), ZERO)
    next_line = next((line for line in lines if line.state != "paid"), None)
    return {
        "lines": lines,
        "payments": payments,
        "total_due": total_due,
        "total_paid": total_paid,
        "owed": total_due - total_paid,
        "principal_outstanding": loan.final_amount - principal_paid if lines else ZERO,
        "next_line": next_line,
        "overdue": [line for line in lines if line.state == "overdue"],
        "transitions": list(loan.transitions.select_related("actor").order_by("at", "pk")),
        "votes": list(
            loan.votes.filter(review_round=loan.review_round).select_related("member__user", "recorded_by")
        ),
        "tally": vote_tally(loan) if loan.status == LoanStatus.SUBMITTED else None,
        "guarantors": list(loan.guarantors.select_related("member__user")),
        "calls": list(loan.guarantee_calls.select_related("resolved_by")),
        "standing_payments": standing,
    }


def arrears(user: User, as_of: datetime.date | None = None) -> list[Loan]:
    as_of = as_of or timezone.localdate()
    loans = (
        loans_for(user).filter(status__in=OPEN_STATUSES).filter(Q(instalments__due_date__lt=as_of)).distinct()
    )
    late = [loan for loan in loans if loan.oldest_unpaid and loan.oldest_unpaid < as_of]
    for loan in late:
        loan.dpd = days_late(loan, as_of)
    return sorted(late, key=lambda loan: -loan.dpd)


# --- Reminders ------------------------------------------------------------------------------------


def paid_on_instalment(ref: str = "pk") -> Subquery:
    """What the allocations put on the instalment ``ref`` names (in a queryset of instalments: its pk)."""
    return Subquery(
        Allocation.objects.filter(instalment=OuterRef(ref))
        .values("instalment")
        .annotate(total=Sum(F("principal") + F("interest")))
        .values("total")[:1],
        output_field=MONEY,
    )


def reminder_candidates(due_date: datetime.date, *, after_pk: int, limit: int) -> list[tuple[int, int, str]]:
    """One page of the daily reminder scan: (instalment id, loan id, borrower's email) of the unpaid
    instalments of open loans due on ``due_date``, by id after ``after_pk``.

    Keyset pagination on the index (due_date, id): each page is an index range scan that stops after
    ``limit`` rows, so a page costs the same whatever the size of the table.
    """
    return list(
        Instalment.objects.filter(due_date=due_date, pk__gt=after_pk, loan__status__in=OPEN_STATUSES)
        .annotate(paid=Coalesce(paid_on_instalment(), Value(ZERO), output_field=MONEY))
        .filter(paid__lt=F("principal_due") + F("interest_due"))
        .order_by("pk")
        .values_list("pk", "loan_id", "loan__borrower__user__email")[:limit]
    )


def instalment_left(instalment: Instalment) -> Decimal:
    """What is still to pay on one instalment, from its allocations."""
    paid = Allocation.objects.filter(instalment=instalment).aggregate(
        total=Sum(F("principal") + F("interest"), default=ZERO)
    )["total"]
    return instalment.total_due - paid


def loan_overdue_amount(loan: Loan, as_of: datetime.date) -> Decimal:
    """What was due on a loan before ``as_of`` and is not paid yet."""
    due = Instalment.objects.filter(loan=loan, due_date__lt=as_of).aggregate(
        total=Sum(F("principal_due") + F("interest_due"), default=ZERO)
    )["total"]
    paid = Allocation.objects.filter(loan=loan, instalment__due_date__lt=as_of).aggregate(
        total=Sum(F("principal") + F("interest"), default=ZERO)
    )["total"]
    return due - paid


def overdue_loans_for_advisor(advisor: User, as_of: datetime.date) -> list[Loan]:
    """Open loans of the advisor's circles and caseload with an instalment unpaid after its due date,
    the latest first, each with ``overdue`` (the amount late) and ``dpd`` (days past due)."""
    loans = Loan.objects.filter(status__in=OPEN_STATUSES).filter(
        Q(circle__advisor=advisor) | Q(borrower__advisor=advisor)
    )
    late_instalments = Instalment.objects.filter(loan=OuterRef("pk"), due_date__lt=as_of)
    late_allocations = Allocation.objects.filter(loan=OuterRef("pk"), instalment__due_date__lt=as_of)
    loans = (
        with_balances(loans.select_related("borrower__user", "circle"), as_of)
        .filter(oldest_unpaid__lt=as_of)
        .annotate(
            overdue=ExpressionWrapper(
                _sum(late_instalments, F("principal_due") + F("interest_due"))
                - _sum(late_allocations, F("principal") + F("interest")),
                output_field=MONEY,
            )
        )
        .order_by("oldest_unpaid", "pk")
    )
    late = list(loans)
    for loan in late:
        loan.dpd = days_late(loan, as_of)
    return late


def loan_reminders(loan: Loan, limit: int = 50) -> list[Reminder]:
    """The reminders about a loan, the latest first, for its page (one query)."""
    return list(
        Reminder.objects.filter(loan=loan).select_related("instalment").order_by("-created_at", "-pk")[:limit]
    )
