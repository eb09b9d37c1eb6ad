"""What each PDF shows: the template context of each kind of document, read through the apps' selectors.

Each builder takes the document's parameters and the day it is built, and runs inside
``translation.override(document.language)``.
"""

import datetime

from django.db.models import Count, Q
from django.utils import timezone

from circles.models import Circle, MeetingStatus
from circles.selectors import attendance_rate
from loans import selectors as loan_selectors
from loans.models import Loan, LoanStatus
from loans.schedule import build_schedule, first_due_date
from loans.services import days_past_due
from loans.services.reminders import contact_advisor

REPORT_MONTHS = 12


def _loan(params: dict) -> Loan:
    return Loan.objects.select_related(
        "borrower__user", "borrower__advisor", "product", "circle__advisor", "approved_by"
    ).get(pk=params["loan"])


def _projected_schedule(loan: Loan, today: datetime.date) -> list:
    """Before disbursement: the schedule the approved terms give if the money is released today."""
    return build_schedule(
        amount=loan.approved_amount,
        annual_rate_percent=loan.annual_rate,
        instalments=loan.approved_term,
        frequency=loan.frequency,
        first_due=first_due_date(today, loan.frequency),
        grace=loan.grace_periods or 0,
    )


def loan_agreement(params: dict, today: datetime.date) -> dict:
    loan = _loan(params)
    context = {
        "loan": loan,
        "advisor": contact_advisor(loan),
        "guarantors": list(
            loan.guarantors.select_related("member__user").order_by("member__user__last_name")
        ),
    }
    if loan.is_disbursed:
        context["lines"] = loan_selectors.schedule_lines(loan, today)
    else:
        context["projected"] = _projected_schedule(loan, today)
    return context


def loan_statement(params: dict, today: datetime.date) -> dict:
    loan = _loan(params)
    detail = loan_selectors.loan_detail(loan, as_of=today)  # one date for the whole statement
    return {
        **detail,
        "loan": loan,
        "advisor": contact_advisor(loan),
        "dpd": days_past_due(loan, today),
        "principal_paid": loan.final_amount - detail["principal_outstanding"],
    }


def circle_report(params: dict, today: datetime.date) -> dict:
    circle = (
        Circle.objects.select_related("advisor", "network", "training")
        .prefetch_related("characteristics")
        .get(pk=params["circle"])
    )
    memberships = list(
        circle.memberships.select_related("profile__user").order_by(
            "left_on", "profile__user__last_name", "profile__user__first_name"
        )
    )
    since = today - datetime.timedelta(days=round(REPORT_MONTHS * 30.44))
    meetings = list(
        circle.meetings.filter(date__gte=since, date__lte=today)
        .annotate(
            present=Count("attendance", filter=Q(attendance__status__in=["present", "late"])),
            recorded=Count("attendance"),
        )
        .order_by("date", "start_time")
    )
    loans = list(
        loan_selectors.with_standing(Loan.objects.filter(circle=circle), today)
        .select_related("borrower__user")
        .order_by("-created_at", "-pk")
    )
    for loan in loans:
        loan.dpd = loan_selectors.days_late(loan, today) if loan.status in loan_selectors.OPEN_STATUSES else 0
    return {
        "circle": circle,
        "members": [m for m in memberships if m.is_active],
        "past_members": [m for m in memberships if not m.is_active],
        "meetings": meetings,
        "held_meetings": sum(1 for m in meetings if m.status == MeetingStatus.HELD),
        "attendance_rate": attendance_rate(circle),
        "since": since,
        "loans": loans,
        "loan_counts": _count_by_status(loans),
    }


def _count_by_status(loans: list[Loan]) -> list[tuple[str, int]]:
    counts: dict[str, int] = {}
    for loan in loans:
        counts[loan.status] = counts.get(loan.status, 0) + 1
    return [(str(LoanStatus(status).label), count) for status, count in counts.items()]


def portfolio_report(params: dict, today: datetime.date) -> dict:
    """The board's PDF: the same tables as the reporting dashboard, for the as-of date and period asked for
    (documents asked for before dates were kept: the twelve months up to the day of the build), board
    version: aggregates only, no advisor breakdown, small groups as "<5"."""
    from reports.selectors import portfolio_report as board_report
    from reports.tables import report_tables

    dates = {
        name: datetime.date.fromisoformat(params[name])
        for name in ("as_of", "start", "end")
        if params.get(name)
    }
    report = board_report(as_of=dates.get("as_of", today), start=dates.get("start"), end=dates.get("end"))
    return {
        "report": report,
        "totals": report["totals"],
        "report_tables": report_tables(report, for_board=True),
        "built_at": timezone.now(),
    }
