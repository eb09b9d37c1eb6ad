"""Retention (Law 25): a loan still open keeps its borrower and guarantors whole; a file is closed when the
last loan is repaid or written off; the amounts, dates and statuses stay for the accounts, the free text and
the business plan file go."""

from django.db.models import Max

from loans.models import CircleVote, Guarantor, Loan, LoanStatus, LoanTransition
from loans.reminder_models import Reminder
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core import retention

ENDED = (LoanStatus.REPAID, LoanStatus.WRITTEN_OFF)
CLOSED = (*ENDED, LoanStatus.REFUSED, LoanStatus.CIRCLE_REFUSED, LoanStatus.WITHDRAWN)


def _open_files() -> set[int]:
    borrowers = Loan.objects.exclude(status__in=CLOSED).values_list("borrower_id", flat=True)
    guarantors = Guarantor.objects.exclude(loan__status__in=CLOSED).values_list("member_id", flat=True)
    return set(borrowers) | set(guarantors)


def _last_loan_closed() -> dict:
    rows = (
        LoanTransition.objects.filter(to_status__in=ENDED)
        .values("loan__borrower_id")
        .annotate(last=Max("changed_at"))
    )
    return {row["loan__borrower_id"]: row["last"].date() for row in rows}


def anonymize_loans(profile: EntrepreneurProfile) -> list[str]:
    for loan in Loan.objects.filter(borrower=profile).exclude(plan_document=""):
        loan.plan_document.delete(save=False)
    Loan.objects.filter(borrower=profile).update(
        purpose="",
        plan_summary="",
        plan_market="",
        plan_use_of_funds="",
        plan_projections="",
        plan_document="",
    )
    CircleVote.objects.filter(member=profile).update(comment="")
    Reminder.objects.filter(loan__borrower=profile).update(recipient="")
    return ["loan purposes and business plans", "vote comments", "reminder addresses"]


def register() -> None:
    retention.register(holds=_open_files, last_loan_closed=_last_loan_closed, anonymizer=anonymize_loans)
