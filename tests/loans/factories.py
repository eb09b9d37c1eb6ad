"""Loans built through the real services, stage by stage, as they happen in the app."""

import datetime
from decimal import Decimal

import factory
from django.utils import timezone

from circles.models import Membership
from loans import selectors, services
from loans.models import Frequency, Loan, LoanProduct
from tests.circles.factories import circle_with_members
from tests.factories import AdvisorFactory, CoordinatorFactory, EntrepreneurFactory


class LoanProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = LoanProduct
        django_get_or_create = ("name",)

    name = "Microprêt de démarrage"
    min_amount = Decimal("500.00")
    max_amount = Decimal("5000.00")
    annual_rate = Decimal("6.00")
    min_term = 6
    max_term = 36
    frequency = Frequency.MONTHLY
    grace_periods = 0


def request_in_circle(
    *, amount="1500.00", term=12, borrower=None, advisor=None, product=None, members=5
) -> Loan:
    """A draft request by a member of an active circle of ``members`` people."""
    advisor = advisor or AdvisorFactory()
    circle = circle_with_members(members - (1 if borrower else 0), advisor=advisor)
    if borrower is not None:
        Membership.objects.create(circle=circle, profile=borrower)
    else:
        borrower = circle.memberships.first().profile
    return services.loan_request_create(
        borrower=borrower,
        prepared_by=borrower.user,
        product=product or LoanProductFactory(),
        amount=Decimal(amount),
        term=term,
        purpose="Achat d'une machine à coudre",
        plan_summary="Atelier de couture et retouches pour la clientèle du quartier.",
        plan_market="Les familles du quartier et deux boutiques de vêtements voisines.",
        plan_use_of_funds="Une machine à coudre industrielle et une surjeteuse d'occasion.",
        plan_projections="Des ventes régulières dès le troisième mois d'activité, puis en hausse.",
    )


def submitted_loan(**kwargs) -> Loan:
    loan = request_in_circle(**kwargs)
    return services.loan_submit(loan=loan, submitted_by=loan.borrower.user)


def vote_all(loan: Loan, vote: str = "for") -> None:
    for member in selectors.eligible_voters(loan):
        services.circle_vote_record(loan=loan, member=member, vote=vote, recorded_by=loan.circle.advisor)


def accepted_loan(**kwargs) -> Loan:
    loan = submitted_loan(**kwargs)
    vote_all(loan)
    return services.circle_decision_record(
        loan=loan, outcome="circle_accepted", decided_by=loan.circle.advisor
    )


def approved_loan(*, approver=None, **kwargs) -> Loan:
    loan = accepted_loan(**kwargs)
    return services.loan_approve(loan=loan, approved_by=approver or CoordinatorFactory())


def disbursed_loan(*, disbursed_on: datetime.date | None = None, first_due=None, fund=None, **kwargs) -> Loan:
    loan = approved_loan(**kwargs)
    disbursed_on = disbursed_on or timezone.localdate() - datetime.timedelta(days=10)
    return services.loan_disburse(
        loan=loan,
        disbursed_by=loan.approved_by,
        disbursed_on=disbursed_on,
        method="transfer",
        reference="VIR-1",
        first_due=first_due,
        fund=fund,
    )


__all__ = ["EntrepreneurFactory"]
