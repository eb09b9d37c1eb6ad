"""The reports' PDFs (a circle's activity report for staff, the board's portfolio report), registered with
the documents app from ``ReportsConfig.ready()``."""

import datetime
from collections.abc import Mapping

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from circles.models import Circle, MeetingStatus
from circles.selectors import attendance_rate, circle_characteristics
from documents.registry import Kind, register
from loans import selectors as loan_selectors
from loans.models import Loan, LoanStatus
from microcredit.accounts.models import Role, User
from microcredit.core.months import add_months
from microcredit.core.permissions import has_role, scope
from microcredit.core.privacy import board_dates

CIRCLE_REPORT = "circle_report"
PORTFOLIO_REPORT = "portfolio_report"
REPORT_MONTHS = 12


def may_read_circle_report(user: User, params: dict) -> bool:
    return user.is_staff_member and scope(user, Circle.objects.filter(pk=params["circle"])).exists()


def may_read_portfolio(user: User, params: dict) -> bool:
    return has_role(user, Role.COORDINATOR, Role.BOARD)


def clean_report_dates(data: Mapping) -> dict:
    """The as-of date and period of the board's report (the dashboard's form and its rules; today and the
    twelve months up to it when none is given), as ISO dates, so the PDF shows the figures asked for even if
    it is built later."""
    from reports.forms import ReportPeriodForm

    form = ReportPeriodForm({name: data.get(name) or "" for name in ("as_of", "start", "end")})
    if not form.is_valid():
        raise ValueError(form.errors.as_text())
    # The PDF is the board's version: closed whole months, as the board sees the dashboard.
    dates = board_dates(
        *(form.cleaned_data[name] for name in ("as_of", "start", "end")), today=timezone.localdate()
    )
    return dict(zip(("as_of", "start", "end"), (day.isoformat() for day in dates), strict=True))


def circle_report(params: dict, today: datetime.date) -> dict:
    circle = (
        Circle.objects.select_related("advisor", "network", "training")
        .prefetch_related(circle_characteristics())
        .get(pk=params["circle"])
    )
    memberships = list(
        circle.memberships.select_related("profile__user").order_by(
            "left_on", "profile__user__last_name", "profile__user__first_name"
        )
    )
    since = add_months(today, -REPORT_MONTHS)
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
    from reports.selectors import default_period
    from reports.selectors import portfolio_report as board_report
    from reports.tables import report_tables

    dates = {
        name: datetime.date.fromisoformat(params[name])
        for name in ("as_of", "start", "end")
        if params.get(name)
    }
    from reports.impact import impact_report, impact_tables

    if "as_of" not in dates:  # asked for before dates were kept: the board's default
        as_of, _start, end = board_dates(today, today, today, today=today)
        dates = {"as_of": as_of, "start": default_period(end)}
    report = board_report(
        as_of=dates["as_of"], start=dates.get("start"), end=dates.get("end"), for_board=True
    )
    return {
        "report": report,
        "totals": report["totals"],
        "report_tables": report_tables(report, for_board=True)
        + impact_tables(impact_report(as_of=report["as_of"], for_board=True)),
        "built_at": timezone.now(),
    }


def register_kinds() -> None:
    register(
        Kind(
            code=CIRCLE_REPORT,
            label=_("Circle activity report"),
            template="pdf/circle_report.html",
            param_names=("circle",),
            allowed=may_read_circle_report,
            context=circle_report,
            subject=lambda params: str(params["circle"]),
            back_url=lambda params: reverse("circles:circle_detail", args=[params["circle"]]),
        ),
        Kind(
            code=PORTFOLIO_REPORT,
            label=_("Portfolio report"),
            template="pdf/portfolio_report.html",
            param_names=(),
            allowed=may_read_portfolio,
            context=portfolio_report,
            subject=lambda params: params.get("as_of", ""),
            back_url=lambda params: reverse("reports:dashboard"),
            clean_extra=clean_report_dates,
        ),
    )
