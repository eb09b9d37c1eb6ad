from django import template

from loans import selectors
from loans.models import LoanStatus

register = template.Library()


@register.inclusion_tag("loans/_panel_entrepreneur.html")
def entrepreneur_loans_panel(user):
    loans = list(selectors.loans_for(user).filter(borrower__user=user).order_by("-created_at")[:5])
    next_payment = None
    for loan in loans:
        if loan.status in selectors.OPEN_STATUSES:
            lines = selectors.schedule_lines(loan)
            next_payment = next((line for line in lines if line.state != "paid"), None)
            if next_payment:
                next_payment.loan = loan
                break
    return {"loans": loans, "next_payment": next_payment}


@register.inclusion_tag("loans/_panel_staff.html")
def staff_loans_panel(user):
    loans = selectors.loans_for(user)
    late = selectors.arrears(user)
    if user.role == "advisor":
        loans = loans.filter(circle__advisor=user)
        late = late.filter(circle__advisor=user)
    return {
        "in_review": loans.filter(status=LoanStatus.SUBMITTED).count(),
        "to_decide": loans.filter(status=LoanStatus.CIRCLE_ACCEPTED).count(),
        "to_disburse": loans.filter(status=LoanStatus.APPROVED).count(),
        "late": late.count(),
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
