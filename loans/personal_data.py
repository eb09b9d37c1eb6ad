"""The loans part of a person's complete file (Law 25): registered from ``LoansConfig.ready()``. Her votes
and guarantees on others' requests are hers; the votes and guarantors on her own request are the peers'
(third parties: left out, see tests/privacy/test_complete_file.py)."""

from loans.models import (
    Allocation,
    ArrearsTally,
    CircleVote,
    GuaranteeCall,
    GuaranteeCallNotice,
    Guarantor,
    Instalment,
    Loan,
    LoanPosition,
    LoanTransition,
    Payment,
    PaymentReversal,
    PositionSnapshot,
    Restructuring,
    ScheduleVersion,
    ScheduleVersionLine,
    Settlement,
)
from loans.reminder_models import Reminder
from microcredit.core.personal_data import register


def register_sources() -> None:
    register(Loan, "loans", paths=("borrower",))
    register(LoanTransition, "loans", paths=("loan__borrower",))
    register(Instalment, "loans", paths=("loan__borrower",))
    register(Payment, "loans", paths=("loan__borrower", "payer"), secret=("submission_key",))
    register(PaymentReversal, "loans", paths=("payment__loan__borrower", "payment__payer"))
    register(Allocation, "loans", paths=("loan__borrower", "payment__payer"))
    register(CircleVote, "loans", paths=("member",))
    register(Guarantor, "loans", paths=("member",))
    register(GuaranteeCall, "loans", paths=("loan__borrower",))
    register(LoanPosition, "loans", paths=("borrower", "loan__borrower"))
    register(PositionSnapshot, "loans", paths=("loan__borrower",))
    register(ArrearsTally, "loans", paths=("loan__borrower",))
    register(Reminder, "loans", paths=("loan__borrower",))
    register(GuaranteeCallNotice, "loans", paths=("member",))
    register(Restructuring, "loans", paths=("loan__borrower",))
    register(ScheduleVersion, "loans", paths=("loan__borrower",))
    register(ScheduleVersionLine, "loans", paths=("version__loan__borrower",))
    register(Settlement, "loans", paths=("loan__borrower", "payment__payer"))
