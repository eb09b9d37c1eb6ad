"""The sections loans add to shared pages (``microcredit/core/panels.py``), registered from
``LoansConfig.ready()``. Each reads through ``loans.selectors`` in a fixed number of queries, whatever the
number of loans; the views call them, the templates (``templates/loans/_panel_*.html``) only show them."""

from django.db.models import Count

from loans import selectors
from loans.models import Loan, LoanStatus
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.panels import register


def entrepreneur_loans(user: User) -> dict | None:
    """The borrower's loans (what is overdue now, then the next instalment, per open loan) and the loans she
    stands behind as a guarantor (a guarantee call open on one is announced)."""
    if user.role != Role.ENTREPRENEUR:
        return None
    loans = list(selectors.loans_for(user).filter(borrower__user=user).order_by("-created_at")[:5])
    standing = selectors.repayments([loan for loan in loans if loan.status in selectors.OPEN_STATUSES])
    for loan in loans:
        loan.repayment = standing.get(loan.pk)
    guaranteed = selectors.guaranteed_loans(user)
    return {
        "loans": loans,
        # At the organization's cap on open requests, her home links to the open one, not to a new request.
        "open_requests": selectors.at_open_requests_cap(user=user),
        "repaying": [loan for loan in loans if loan.repayment],
        "guaranteed": guaranteed,
        "calls": [loan for loan in guaranteed if loan.open_call],
    }


def staff_loans(user: User) -> dict | None:
    """The staff's tiles: requests at each step, and the loans in arrears (two counts in all)."""
    if user.role not in (Role.ADVISOR, Role.COORDINATOR):
        return None
    mine = user.role == Role.ADVISOR
    loans = selectors.loans_for(user)
    if mine:
        loans = loans.filter(circle__advisor=user)
    counts = {
        row["status"]: row["count"]
        for row in loans.filter(
            status__in=[LoanStatus.SUBMITTED, LoanStatus.CIRCLE_ACCEPTED, LoanStatus.APPROVED]
        )
        .order_by()
        .values("status")
        .annotate(count=Count("pk"))
    }
    return {
        "in_review": counts.get(LoanStatus.SUBMITTED, 0),
        "to_decide": counts.get(LoanStatus.CIRCLE_ACCEPTED, 0),
        "to_disburse": counts.get(LoanStatus.APPROVED, 0),
        # The arrears list's count (``?mine=1`` for an advisor), read from the arrears counters.
        "late": selectors.arrears_count(user, mine=mine),
        "mine": mine,
    }


def entrepreneur_file_loans(user: User, profile: EntrepreneurProfile) -> dict | None:
    """The loans on an entrepreneur's file, for the staff, with her next steps."""
    if not user.is_staff_member:
        return None
    from loans.services.cycles import loan_steps

    loans = selectors.with_standing(Loan.objects.filter(borrower=profile).select_related("circle"))
    return {"loans": list(loans.order_by("-created_at")), "profile": profile, "steps": loan_steps(profile)}


def circle_loans(user: User, circle) -> dict:
    """A circle's page (staff): the requests it is reviewing, then its loans, the latest first (two queries,
    whatever their number; the 30 latest)."""
    loans = selectors.loans_for(user).filter(circle=circle).order_by("-created_at", "-pk")
    return {
        "in_review": list(loans.filter(status=LoanStatus.SUBMITTED)),
        "loans": list(loans.exclude(status__in=[LoanStatus.SUBMITTED, LoanStatus.DRAFT])[:30]),
    }


def register_panels() -> None:
    register("home", "loans_entrepreneur", entrepreneur_loans)
    register("home", "loans_staff", staff_loans)
    register("entrepreneur_file", "loans", entrepreneur_file_loans)
    register("circle", "loans", circle_loans)
