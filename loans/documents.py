"""The loan's PDFs (agreement and statement): what they show and who may read them, registered with the
documents app from ``LoansConfig.ready()``. The readers are those the loan page shows the whole file to:
staff and the borrower (not a circle member who voted, not a guarantor). And a circle's collection sheet:
what each member with an open loan owes at the circle's next planned meeting, for its staff."""

import datetime

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from circles.models import Circle, Meeting, MeetingStatus, Membership
from documents.registry import Kind, register
from loans import selectors as loan_selectors
from loans.models import DISBURSED_STATUSES, OPEN_STATUSES, Loan, LoanStatus
from loans.schedule import build_schedule, first_due_date
from loans.selectors import contact_advisor, days_past_due
from microcredit.accounts.models import User
from microcredit.core.money import ZERO
from microcredit.core.permissions import scope

LOAN_AGREEMENT = "loan_agreement"
LOAN_STATEMENT = "loan_statement"
LOAN_PAYOFF_QUOTE = "loan_payoff_quote"
CIRCLE_COLLECTION_SHEET = "circle_collection_sheet"
# How far ahead a payoff quote may be valid.
QUOTE_DAYS_AHEAD = 90


def may_read_loan_file(user: User, loan_id: int, statuses: tuple[str, ...]) -> bool:
    """Staff, or the borrower: those the loan page shows the whole file to (not a circle member voting)."""
    loan = scope(user, Loan.objects.all()).filter(pk=loan_id).values("status", "borrower__user").first()
    if loan is None or loan["status"] not in statuses:
        return False
    return user.is_staff_member or loan["borrower__user"] == user.pk


def _borrower_id(params: dict) -> int | None:
    return Loan.objects.filter(pk=params["loan"]).values_list("borrower_id", flat=True).first()


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


def clean_quote_date(data) -> dict:
    """The day a payoff quote is valid until (ISO date): from today to ``QUOTE_DAYS_AHEAD`` days ahead."""
    from django.utils import timezone

    on = datetime.date.fromisoformat(str(data.get("on") or timezone.localdate().isoformat()))
    today = timezone.localdate()
    if not today <= on <= today + datetime.timedelta(days=QUOTE_DAYS_AHEAD):
        raise ValueError("the quote date must be between today and 90 days ahead")
    return {"on": on.isoformat()}


def loan_payoff_quote(params: dict, today: datetime.date) -> dict:
    from loans.services.settlement import payoff_quote

    loan = _loan(params)
    on = datetime.date.fromisoformat(params.get("on") or today.isoformat())
    return {
        "loan": loan,
        "advisor": contact_advisor(loan),
        "quote": payoff_quote(loan, on),
        "built_on": today,
    }


def may_read_collection_sheet(user: User, params: dict) -> bool:
    """The organization's staff who may see the circle (members owe each other no sight of their debts)."""
    return user.is_staff_member and scope(user, Circle.objects.filter(pk=params["circle"])).exists()


def collection_sheet(params: dict, today: datetime.date) -> dict:
    """Each active member's open loans and what they ask at the circle's next planned meeting (today or
    later; without one, today): overdue, due that day, in all (``loans.selectors.due_at_meeting``)."""
    circle = Circle.objects.select_related("advisor").get(pk=params["circle"])
    meeting = (
        Meeting.objects.filter(circle=circle, status=MeetingStatus.PLANNED, date__gte=today)
        .order_by("date", "start_time")
        .first()
    )
    on = meeting.date if meeting else today
    members = list(
        Membership.objects.filter(circle=circle, left_on__isnull=True)
        .select_related("profile__user")
        .order_by("profile__user__last_name", "profile__user__first_name")
    )
    loans = loan_selectors.collection_loans(Loan.objects.all(), [m.profile_id for m in members], on)
    return {
        "circle": circle,
        "meeting": meeting,
        "on": on,
        "loans": loans,
        "members_without_loan": [
            m for m in members if m.profile_id not in {loan.borrower_id for loan in loans}
        ],
        "total_overdue": sum((loan.due.overdue for loan in loans), ZERO),
        "total_due": sum((loan.due.total for loan in loans), ZERO),
    }


def _loan_url(params: dict) -> str:
    return reverse("loans:loan_detail", args=[params["loan"]])


def register_kinds() -> None:
    register(
        Kind(
            code=LOAN_AGREEMENT,
            label=_("Loan agreement"),
            template="pdf/loan_agreement.html",
            param_names=("loan",),
            allowed=lambda user, params: may_read_loan_file(
                user, params["loan"], (LoanStatus.APPROVED, *DISBURSED_STATUSES)
            ),
            context=loan_agreement,
            subject=lambda params: str(params["loan"]),
            back_url=_loan_url,
            person=_borrower_id,
        ),
        Kind(
            code=LOAN_STATEMENT,
            label=_("Loan statement"),
            template="pdf/loan_statement.html",
            param_names=("loan",),
            allowed=lambda user, params: may_read_loan_file(user, params["loan"], DISBURSED_STATUSES),
            context=loan_statement,
            subject=lambda params: str(params["loan"]),
            back_url=_loan_url,
            person=_borrower_id,
        ),
        Kind(
            code=LOAN_PAYOFF_QUOTE,
            label=_("Payoff quote"),
            template="pdf/payoff_quote.html",
            param_names=("loan",),
            allowed=lambda user, params: may_read_loan_file(user, params["loan"], OPEN_STATUSES),
            context=loan_payoff_quote,
            subject=lambda params: f"{params['loan']}-{params.get('on', '')}",
            back_url=_loan_url,
            clean_extra=clean_quote_date,
        ),
        Kind(
            code=CIRCLE_COLLECTION_SHEET,
            label=_("Collection sheet"),
            template="pdf/collection_sheet.html",
            param_names=("circle",),
            allowed=may_read_collection_sheet,
            context=collection_sheet,
            subject=lambda params: str(params["circle"]),
            back_url=lambda params: reverse("circles:circle_detail", args=[params["circle"]]),
        ),
    )
