"""The loans part of a person's data export (Law 25)."""

from loans.models import Loan
from microcredit.accounts.selectors import export_section


@export_section("loans")
def loans_export(profile) -> list[dict]:
    loans = Loan.objects.filter(borrower=profile).prefetch_related("instalments", "payments__reversal")
    return [
        {
            "number": loan.pk,
            "status": loan.status,
            "amount_requested": str(loan.amount),
            "amount_approved": str(loan.approved_amount) if loan.approved_amount is not None else None,
            "term": loan.term,
            "purpose": loan.purpose,
            "business_plan": {
                "summary": loan.plan_summary,
                "market": loan.plan_market,
                "use_of_funds": loan.plan_use_of_funds,
                "projections": loan.plan_projections,
            },
            "guarantee": loan.guarantee_type,
            "disbursed_on": loan.disbursed_on.isoformat() if loan.disbursed_on else None,
            "schedule": [
                {
                    "number": i.number,
                    "due_date": i.due_date.isoformat(),
                    "principal": str(i.principal_due),
                    "interest": str(i.interest_due),
                }
                for i in loan.instalments.all()
            ],
            "payments": [
                {
                    "date": p.paid_on.isoformat(),
                    "amount": str(p.amount),
                    "method": p.method,
                    "reversed": hasattr(p, "reversal"),
                }
                for p in loan.payments.all()
            ],
        }
        for loan in loans
    ]
