from django import template

from loans import selectors
from loans.models import LoanStatus

register = template.Library()


@register.filter
def regime(loan) -> str:
    """ "circle" or "individual": the guarantee regime of a loan, decided or as its amount would get it
    (``loans.services.review.guarantee_regime``, the rule's one home)."""
    from loans.selectors import guarantee_regime

    return guarantee_regime(loan)


@register.inclusion_tag("loans/_panel_entrepreneur.html")
def entrepreneur_loans_panel(user):
    """The borrower's loans (what is overdue now, then the next instalment, per open loan) and the loans she
    stands behind as a guarantor (a guarantee call open on one is announced)."""
    loans = list(selectors.loans_for(user).filter(borrower__user=user).order_by("-created_at")[:5])
    standing = selectors.repayments([loan for loan in loans if loan.status in selectors.OPEN_STATUSES])
    for loan in loans:
        loan.repayment = standing.get(loan.pk)
    guaranteed = selectors.guaranteed_loans(user)
    return {
        "loans": loans,
        "repaying": [loan for loan in loans if loan.repayment],
        "guaranteed": guaranteed,
        "calls": [loan for loan in guaranteed if loan.open_call],
    }


@register.inclusion_tag("loans/_panel_staff.html")
def staff_loans_panel(user):
    loans = selectors.loans_for(user)
    mine = user.role == "advisor"
    if mine:
        loans = loans.filter(circle__advisor=user)
    return {
        "in_review": loans.filter(status=LoanStatus.SUBMITTED).count(),
        "to_decide": loans.filter(status=LoanStatus.CIRCLE_ACCEPTED).count(),
        "to_disburse": loans.filter(status=LoanStatus.APPROVED).count(),
        # The arrears list's count (``?mine=1`` for an advisor), read from the arrears counters.
        "late": selectors.arrears_count(user, mine=mine),
        "mine": mine,
        "user": user,
    }


@register.inclusion_tag("loans/_panel_file.html")
def entrepreneur_file_loans(profile):
    from loans.models import Loan

    loans = selectors.with_standing(Loan.objects.filter(borrower=profile).select_related("circle")).order_by(
        "-created_at"
    )
    from loans.services.cycles import loan_steps

    return {"loans": list(loans), "profile": profile, "steps": loan_steps(profile)}


@register.inclusion_tag("loans/_panel_circle.html")
def circle_loans_panel(user, circle):
    """A circle's page (staff): the requests it is reviewing, then its loans, the latest first (two queries,
    whatever their number; the 30 latest)."""
    loans = selectors.loans_for(user).filter(circle=circle).order_by("-created_at", "-pk")
    return {
        "in_review": list(loans.filter(status=LoanStatus.SUBMITTED)),
        "loans": list(loans.exclude(status__in=[LoanStatus.SUBMITTED, LoanStatus.DRAFT])[:30]),
    }
