"""Loan cycles: a first loan is smaller; a loan repaid in good standing opens a larger one; a late loan does
not; an advisor's justified exception lets a larger request through, and the approver sees it."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from loans import selectors, services
from loans.services.cycles import borrower_cycle
from loans.services.ledger import ledger_differences
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan, vote_all

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal


@pytest.fixture(autouse=True)
def _french():
    """The services' messages are read in French (the organization's language)."""
    with translation.override("fr"):
        yield


def at(day: datetime.date):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, 17, tzinfo=datetime.UTC), tick=False
    )


@pytest.fixture
def product():
    return LoanProductFactory(
        first_loan_max_amount=M("1500.00"),
        second_loan_max_amount=M("3000.00"),
        second_loan_max_term=24,
        later_loan_max_amount=M("5000.00"),
        good_standing_max_days_late=30,
    )


def repaid_loan(product, *, days_late: int, borrower=None):
    """A 1 200,00 $ loan in 6 instalments from 5 February 2025, repaid in one payment ``days_late`` days after
    its first due date (so its first instalment was that many days late, the others paid early)."""
    with at(D(2025, 1, 5)):
        if borrower is None:
            loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2025, 1, 5), product=product)
        else:  # a later loan of a member of a circle: through her circle, as in the app
            loan = through_the_circle(request(product, borrower, "1200.00", term=6))
    day = D(2025, 2, 5) + datetime.timedelta(days=days_late)
    with at(day):
        services.payment_record(
            loan=loan,
            amount=selectors.amount_owed(loan),
            paid_on=day,
            method="cash",
            recorded_by=CoordinatorFactory(),
        )
    loan.refresh_from_db()
    assert loan.status == "repaid"
    return loan


def through_the_circle(draft):
    loan = services.loan_submit(loan=draft, submitted_by=draft.borrower.user)
    vote_all(loan)
    loan = services.circle_decision_record(
        loan=loan, outcome="circle_accepted", decided_by=loan.circle.advisor
    )
    loan = services.loan_approve(loan=loan, approved_by=CoordinatorFactory())
    return services.loan_disburse(
        loan=loan, disbursed_by=loan.approved_by, disbursed_on=D(2025, 1, 5), method="cash", reference=""
    )


def request(product, borrower, amount, *, by=None, exception="", term=12):
    return services.loan_request_create(
        borrower=borrower,
        prepared_by=by or borrower.user,
        product=product,
        amount=M(amount),
        term=term,
        purpose="Agrandir l'atelier",
        plan_summary="Atelier de couture agrandi pour les commandes des boutiques du quartier.",
        plan_market="Les familles du quartier, deux boutiques voisines et la ville de Longueuil.",
        plan_use_of_funds="Une deuxième machine industrielle et le tissu de la première commande.",
        plan_projections="Des ventes qui doublent dès le quatrième mois avec la commande de la ville.",
        cycle_exception_reason=exception,
    )


def test_a_first_loan_is_limited(product):
    borrower = repaid_loan(product, days_late=0).borrower
    other = disbursed_loan(product=product).borrower  # not repaid: still a first loan for her
    cycle = borrower_cycle(other, product)
    assert (cycle.number, cycle.max_amount, cycle.max_term) == (1, M("1500.00"), 36)
    with pytest.raises(ValidationError) as error:
        request(product, other, "1500.01", by=AdvisorFactory())
    assert error.value.message_dict["amount"] == [
        "Ce serait le prêt nº\u00a01 de cette personne (aucun remboursé en bonne tenue pour l'instant)"
        "\u00a0: ce produit prête au plus 1\u00a0500,00\u00a0$ pour celui-ci."
    ]
    assert borrower_cycle(borrower, product).number == 2


def test_a_loan_repaid_in_good_standing_opens_the_second_cycle(product):
    loan = repaid_loan(product, days_late=30)  # exactly 30 days late at most: good standing
    cycle = borrower_cycle(loan.borrower, product)
    assert (cycle.number, cycle.repaid_in_good_standing, cycle.max_amount, cycle.max_term) == (
        2,
        1,
        M("3000.00"),
        24,
    )
    assert request(product, loan.borrower, "3000.00").amount == M("3000.00")
    assert ledger_differences() == []


def test_cycle_limits_after_a_late_loan(product):
    loan = repaid_loan(product, days_late=31)  # one day more than good standing allows
    cycle = borrower_cycle(loan.borrower, product)
    assert (cycle.number, cycle.repaid_in_good_standing, cycle.max_amount) == (1, 0, M("1500.00"))
    with pytest.raises(ValidationError):
        request(product, loan.borrower, "2500.00")
    # The advisor without a justification is asked for one; with it, the request goes through.
    advisor = AdvisorFactory()
    with pytest.raises(ValidationError) as error:
        request(product, loan.borrower, "2500.00", by=advisor)
    assert "cycle_exception_reason" in error.value.message_dict
    draft = request(product, loan.borrower, "2500.00", by=advisor, exception="Contrat signé avec la ville")
    assert (draft.cycle_exception_reason, draft.cycle_exception_by) == (
        "Contrat signé avec la ville",
        advisor,
    )
    # The borrower cannot grant herself an exception.
    with pytest.raises(ValidationError):
        request(product, loan.borrower, "2500.00", exception="Je le mérite")
    assert ledger_differences() == []


def test_the_form_shows_the_cycle_and_the_file_shows_her_loans_as_steps(product, client_for):
    good = repaid_loan(product, days_late=3)
    late = repaid_loan(product, days_late=45, borrower=good.borrower)
    borrower = good.borrower
    form = client_for(borrower.user).get(reverse("loans:loan_create")).content.decode()
    assert "votre 2e prêt (1 prêt remboursé en bonne tenue), au plus 3\u00a0000,00\u00a0$" in form
    assert "2e prêt de " not in form
    advisor = late.circle.advisor
    page = (
        client_for(advisor).get(reverse("accounts:entrepreneur_detail", args=[borrower.pk])).content.decode()
    )
    assert "Prêt 1 · 1\u00a0200,00\u00a0$ · remboursé en bonne tenue" in page
    assert "Prêt 2 · 1\u00a0200,00\u00a0$ · remboursé, jusqu'à 45 jours de retard" in page


def test_the_approver_sees_the_exception(product, client_for):
    loan = repaid_loan(product, days_late=60)
    advisor = loan.circle.advisor
    draft = request(product, loan.borrower, "2000.00", by=advisor, exception="Commande ferme de 40 000 $")
    # The borrower submits it: the exception recorded by her advisor still holds.
    submitted = services.loan_submit(loan=draft, submitted_by=loan.borrower.user)
    vote_all(submitted)
    services.circle_decision_record(loan=submitted, outcome="circle_accepted", decided_by=advisor)
    page = (
        client_for(CoordinatorFactory()).get(reverse("loans:loan_approve", args=[draft.pk])).content.decode()
    )
    assert "Exception au cycle de prêt\u00a0:" in page and "Commande ferme de 40 000 $" in page


def test_an_exception_holds_for_the_terms_it_was_granted_for(product):
    loan = repaid_loan(product, days_late=31)
    advisor = AdvisorFactory()
    draft = request(product, loan.borrower, "2500.00", by=advisor, exception="Contrat signé avec la ville")
    # The borrower edits her plan: the exception stays; she raises the amount: the cycle applies again.
    fields = {"plan_summary": "Atelier agrandi pour les commandes des boutiques et de la ville."}
    services.loan_request_update(loan=draft, changed_by=loan.borrower.user, **fields)
    draft.refresh_from_db()
    assert draft.cycle_exception_by == advisor
    with pytest.raises(ValidationError) as error:
        services.loan_request_update(loan=draft, changed_by=loan.borrower.user, amount=M("3000.00"))
    assert "1\u00a0500,00\u00a0$" in error.value.message_dict["amount"][0]
    assert error.value.message_dict["amount"][0].startswith("Ce serait votre 1er prêt")  # her own change


def test_the_cycle_errors_speak_to_her_on_her_own_request_and_of_her_to_staff(product):
    loan = repaid_loan(product, days_late=0)  # one loan repaid in good standing: her 2nd loan is next
    borrower = loan.borrower
    with pytest.raises(ValidationError) as error:
        request(product, borrower, "3500.00", term=30)
    assert error.value.message_dict["amount"] == [
        "Ce serait votre 2e prêt (1 prêt remboursé en bonne tenue)\u00a0: ce produit prête au plus "
        "3\u00a0000,00\u00a0$ pour celui-ci."
    ]
    assert error.value.message_dict["term"] == [
        "Ce serait votre 2e prêt\u00a0: ce produit permet au plus 24 versements pour celui-ci."
    ]
    # Her advisor preparing it for her reads the sentences of her, as before.
    with pytest.raises(ValidationError) as error:
        request(product, borrower, "3500.00", term=30, by=AdvisorFactory())
    assert error.value.message_dict["amount"][0].startswith(
        "Ce serait le prêt nº\u00a02 de cette personne (1 prêt"
    )
    assert error.value.message_dict["term"][0].startswith(
        "Ce serait le prêt nº\u00a02 de cette personne\u00a0:"
    )
    # A first loan, none repaid yet.
    first = disbursed_loan(product=product).borrower
    with pytest.raises(ValidationError) as error:
        request(product, first, "2000.00")
    assert error.value.message_dict["amount"] == [
        "Ce serait votre 1er prêt (aucun remboursé en bonne tenue pour l'instant)\u00a0: ce produit prête au "
        "plus 1\u00a0500,00\u00a0$ pour celui-ci."
    ]
