"""Loans on an entrepreneur's timeline: each change of status of their loans."""

from django.urls import reverse
from django.utils.translation import gettext as _

from loans.models import LoanTransition
from microcredit.accounts.models import EntrepreneurProfile, User
from microcredit.core.formatting import format_money
from microcredit.core.timeline import TimelineEvent, timeline_provider


@timeline_provider
def loan_events(profile: EntrepreneurProfile, viewer: User):
    transitions = (
        LoanTransition.objects.filter(loan__borrower=profile)
        .select_related("loan")
        .order_by("-changed_at")[:100]
    )
    for row in transitions:
        yield TimelineEvent(
            when=row.changed_at,
            kind="loan",
            title=_("Loan #%(number)s of %(amount)s: %(status)s")
            % {
                "number": row.loan_id,
                "amount": format_money(row.loan.final_amount),
                "status": row.get_to_status_display().lower(),
            },
            detail=row.note if viewer.is_staff_member else "",
            url=reverse("loans:loan_detail", args=[row.loan_id]),
        )
