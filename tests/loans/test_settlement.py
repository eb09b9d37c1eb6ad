"""Payoff quote and early settlement, with hand-worked figures, then the settlement reversed.

The loan (as in test_restructuring): 1 200,00 $ at 6 %, 6 monthly instalments from 5 February 2026; paid
203,51 $ on 5 February and 100,00 $ on 10 March. On 20 April:
- principal left: 1 200,00 - 197,51 - 94,99 = 907,50;
- interest due and unpaid: instalments 2 and 3 (5,01 + 4,02) less the 5,01 paid on the second = 4,02;
- interest accrued since the last due date (5 April, 15 days): 907,50 x 6 % x 15 / 365 = 2,2377, so 2,24;
- the payoff: 907,50 + 4,02 + 2,24 = 913,76, against 917,57 still owed on the schedule: 3,81 waived.
"""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation

from documents.registry import get_kind
from loans import selectors, services
from loans.models import Instalment, LoanPosition, LoanStatus, PortfolioDay, Settlement
from loans.services import settlement as st
from loans.services.ledger import ledger_differences
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan

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
def loan():
    with at(D(2026, 1, 5)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2026, 1, 5))
    coordinator = CoordinatorFactory()
    with at(D(2026, 4, 20)):
        for amount, day in (("203.51", D(2026, 2, 5)), ("100.00", D(2026, 3, 10))):
            services.payment_record(
                loan=loan, amount=M(amount), paid_on=day, method="cash", recorded_by=coordinator
            )
    return loan


def snapshot(loan) -> tuple:
    position = LoanPosition.objects.filter(loan=loan).values().get()
    return (
        [
            (i.number, i.due_date, i.principal_due, i.interest_due, i.settled_on)
            for i in Instalment.objects.filter(loan=loan).order_by("number")
        ],
        position,
        # The daily rows that hold something (a row back to zero is as good as none: the check reads so too).
        sorted(
            row
            for row in PortfolioDay.objects.values_list(
                "day", "due_cents", "collected_cents", "principal_collected_cents", "disbursed_cents"
            )
            if any(row[1:])
        ),
    )


def test_the_payoff_quote(loan):
    quote = st.payoff_quote(loan, D(2026, 4, 20))
    assert (quote.principal_left, quote.interest_due, quote.days, quote.interest_accrued) == (
        M("907.50"),
        M("4.02"),
        15,
        M("2.24"),
    )
    assert (quote.amount, quote.owed, quote.waived) == (M("913.76"), M("917.57"), M("3.81"))
    # On a due date nothing has accrued since: 907,50 + 4,02 + 3,02 (the fourth instalment's interest).
    assert st.payoff_quote(loan, D(2026, 5, 5)).amount == M("914.54")


def test_settlement_closes_the_loan_then_its_reversal_reopens_it_exactly(loan):
    before = snapshot(loan)
    coordinator = CoordinatorFactory()
    with at(D(2026, 4, 20)):
        settlement = st.loan_settle(
            loan=loan, paid_on=D(2026, 4, 20), method="transfer", recorded_by=coordinator
        )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert (settlement.payment.amount, settlement.interest_accrued, settlement.interest_waived) == (
        M("913.76"),
        M("2.24"),
        M("3.81"),
    )
    # One instalment on the settlement day replaces instalments 2 to 6: their principal, the interest earned
    # (5,01 + 4,02 + 2,24 = 11,27).
    instalments = list(Instalment.objects.filter(loan=loan).order_by("number"))
    assert [(i.number, i.due_date, i.principal_due, i.interest_due) for i in instalments] == [
        (1, D(2026, 2, 5), M("197.51"), M("6.00")),
        (2, D(2026, 4, 20), M("1002.49"), M("11.27")),
    ]
    assert all(i.settled_on is not None for i in instalments)
    position = LoanPosition.objects.get(loan=loan)
    assert (position.scheduled_cents, position.principal_paid_cents, position.interest_paid_cents) == (
        20351 + 101376,
        120000,
        1727,
    )
    assert ledger_differences() == []
    # While the settlement stands, an earlier payment is not reversed on its own.
    with at(D(2026, 4, 21)), pytest.raises(ValidationError, match="annulez d'abord"):
        services.payment_reverse(
            payment=loan.payments.get(paid_on=D(2026, 3, 10)), reversed_by=coordinator, reason="Erreur"
        )
    with at(D(2026, 4, 21)):
        services.payment_reverse(
            payment=settlement.payment, reversed_by=coordinator, reason="Virement refusé"
        )
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE
    assert snapshot(loan) == before  # the schedule, the position and the daily rows, exactly
    assert selectors.amount_owed(loan) == M("917.57")
    assert ledger_differences() == []


def test_without_the_waiver_the_settlement_is_everything_owed(loan):
    loan.product.settlement_waives_interest = False
    loan.product.save()
    with at(D(2026, 4, 20)):
        quote = st.payoff_quote(loan)
        settlement = st.loan_settle(
            loan=loan, paid_on=D(2026, 4, 20), method="cash", recorded_by=CoordinatorFactory()
        )
    assert (quote.amount, quote.waived) == (M("917.57"), M("0.00"))
    assert settlement.version is None and Instalment.objects.filter(loan=loan).count() == 6
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert ledger_differences() == []


def test_a_settlement_is_not_dated_before_the_latest_payment(loan):
    with at(D(2026, 4, 20)), pytest.raises(ValidationError) as error:
        st.loan_settle(loan=loan, paid_on=D(2026, 3, 1), method="cash", recorded_by=CoordinatorFactory())
    assert "paid_on" in error.value.message_dict
    assert not Settlement.objects.exists()


def test_the_settlement_pages_and_the_quote_document(loan, client_for):
    coordinator = CoordinatorFactory()
    client = client_for(coordinator)
    with at(D(2026, 4, 20)):
        page = client.get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
        assert "913,76\u00a0$" in page and "Relevé de remboursement anticipé (PDF)" in page
        url = reverse("loans:loan_settle", args=[loan.pk])
        form = client.get(url).context["form"]
        data = {
            "submission_key": form["submission_key"].value(),
            "paid_on": "2026-04-20",
            "method": "transfer",
            "reference": "VIR-9",
            "payer": loan.borrower.pk,
        }
        shown = client.post(url, data)
        assert shown.status_code == 200 and "913,76\u00a0$" in shown.content.decode()
        confirmed = client.post(url, {**data, "step": "confirm", "reviewed": shown.context["reviewed"]})
        assert confirmed.status_code == 302
        client.post(url, {**data, "step": "confirm", "reviewed": shown.context["reviewed"]})  # a double click
    assert Settlement.objects.count() == 1
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID


def test_the_quote_document_kind(loan):
    kind = get_kind("loan_payoff_quote")
    with at(D(2026, 4, 20)):
        params = kind.clean({"loan": str(loan.pk), "on": "2026-04-30"})
        assert params == {"loan": loan.pk, "on": "2026-04-30"}
        with pytest.raises(ValueError):
            kind.clean({"loan": str(loan.pk), "on": "2026-04-19"})
        context = kind.context(params, D(2026, 4, 20))
    # 25 days since 5 April: 907,50 x 6 % x 25 / 365 = 3,7295, so 3,73.
    assert (context["quote"].interest_accrued, context["quote"].amount) == (M("3.73"), M("915.25"))
    assert kind.allowed(loan.borrower.user, params)


def test_the_borrower_asks_for_the_quote_pdf(loan, client_for):
    from django.template.loader import render_to_string

    from documents.models import Document
    from documents.services import render_document

    with at(D(2026, 4, 20)):
        response = client_for(loan.borrower.user).post(
            reverse("documents:document_request", args=["loan_payoff_quote"]),
            {"loan": loan.pk, "on": "2026-04-30"},
        )
        assert response.status_code == 302
        document = Document.objects.get(kind="loan_payoff_quote")
        assert document.params == {"loan": loan.pk, "on": "2026-04-30"}
        kind = get_kind("loan_payoff_quote")
        html = render_to_string(
            kind.template, {**kind.context(document.params, D(2026, 4, 20)), "title": "Relevé"}
        )
        pdf, pages, filename = render_document(document, D(2026, 4, 20))
    assert "915,25\u00a0$" in html and "30 avril 2026" in html
    assert pdf.startswith(b"%PDF") and pages >= 1 and filename.endswith(".pdf")


@pytest.mark.django_db(transaction=True)
def test_a_settlement_and_a_payment_at_the_same_time_wait_for_each_other():
    """Both take the loan's row lock: either the payment comes first and the settlement counts it, or the
    settlement closes the loan and the payment is refused. Never both on a stale quote."""
    import threading

    from django.db import connection

    from loans.models import Loan

    loan = disbursed_loan(amount="1200.00", term=6)
    today = loan.disbursed_on + datetime.timedelta(days=10)
    coordinator = CoordinatorFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def run(call):
        try:
            barrier.wait()
            call()
            outcomes.append("ok")
        except ValidationError as error:
            outcomes.append(error.messages[0])
        finally:
            connection.close()

    def settle():
        st.loan_settle(
            loan=Loan.objects.get(pk=loan.pk), paid_on=today, method="cash", recorded_by=coordinator
        )

    def pay():
        services.payment_record(
            loan=Loan.objects.get(pk=loan.pk),
            amount=M("100.00"),
            paid_on=today,
            method="cash",
            recorded_by=coordinator,
        )

    threads = [threading.Thread(target=run, args=(call,)) for call in (settle, pay)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("ok") >= 1 and len(outcomes) == 2
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert selectors.amount_owed(loan) == M("0.00")
    # Settled first: 1 200,00 + 1 200,00 x 6 % x 10 / 365 (1,97), the payment refused. Paid first: the 100,00
    # goes to the first instalment (6,00 of interest, 94,00 of principal), then the settlement is the 1 106,00
    # left + the 1,82 accrued (1 106,00 x 6 % x 10 / 365) - the 6,00 of interest paid ahead, not earned.
    paid = sum(p.amount for p in loan.payments.all())
    if outcomes.count("ok") == 1:
        assert paid == M("1201.97")
    else:
        assert paid == M("100.00") + M("1101.82")
    assert ledger_differences() == []


def test_a_payment_ahead_then_a_settlement_asks_in_all_only_the_interest_earned():
    with at(D(2026, 1, 5)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2026, 1, 5))
    with at(D(2026, 1, 15)):
        coordinator = CoordinatorFactory()
        services.payment_record(
            loan=loan, amount=M("100.00"), paid_on=D(2026, 1, 15), method="cash", recorded_by=coordinator
        )
        # 1 106,00 left; 10 days accrued since the disbursement: 1 106,00 x 6 % x 10 / 365 = 1,818, so 1,82;
        # the 6,00 of interest paid ahead on the first instalment (not yet due) was not earned: credited in
        # full, the payoff is 1 106,00 + 1,82 - 6,00 = 1 101,82, and the borrower pays 100,00 + 1 101,82 =
        # 1 201,82 in all: the 1 200,00 lent and the 1,82 earned.
        quote = st.payoff_quote(loan)
        assert (quote.principal_left, quote.interest_due, quote.interest_accrued) == (
            M("1106.00"),
            M("0.00"),
            M("1.82"),
        )
        assert (quote.interest_paid_ahead, quote.interest_credited, quote.interest_earned) == (
            M("6.00"),
            M("6.00"),
            M("1.82"),
        )
        assert quote.amount == M("1101.82")
        settlement = st.loan_settle(loan=loan, paid_on=D(2026, 1, 15), method="cash", recorded_by=coordinator)
    assert settlement.payment.amount == M("1101.82")
    # The settlement instalment carries the whole principal and only the interest earned.
    last = Instalment.objects.filter(loan=loan).order_by("-number").first()
    assert (last.principal_due, last.interest_due) == (M("1200.00"), M("1.82"))
    assert ledger_differences() == []


@pytest.fixture
def paid_ahead():
    """The loan above, its first instalment (197,51 + 6,00) paid on its due date with 3,00 more: the 3,00 go
    to the interest of the second instalment (5,01), not yet due."""
    with at(D(2026, 1, 5)):
        loan = disbursed_loan(amount="1200.00", term=6, disbursed_on=D(2026, 1, 5))
    with at(D(2026, 2, 5)):
        services.payment_record(
            loan=loan,
            amount=M("206.51"),
            paid_on=D(2026, 2, 5),
            method="cash",
            recorded_by=CoordinatorFactory(),
        )
    return loan


def test_interest_paid_ahead_is_credited_in_full(paid_ahead):
    # 15 February, 10 days since 5 February: 1 002,49 x 6 % x 10 / 365 = 1,648, so 1,65 earned; the 3,00
    # paid ahead on the second instalment were not: credited, the payoff is 1 002,49 + 1,65 - 3,00.
    quote = st.payoff_quote(paid_ahead, D(2026, 2, 15))
    assert (quote.principal_left, quote.interest_due, quote.interest_accrued, quote.interest_paid_ahead) == (
        M("1002.49"),
        M("0.00"),
        M("1.65"),
        M("3.00"),
    )
    assert (quote.interest_earned, quote.interest_credited, quote.amount) == (
        M("1.65"),
        M("3.00"),
        M("1001.14"),
    )
    # 25 February, 20 days: 1 002,49 x 6 % x 20 / 365 = 3,2959, so 3,30; less the 3,00 paid: 0,30 asked.
    quote = st.payoff_quote(paid_ahead, D(2026, 2, 25))
    assert (quote.interest_accrued, quote.interest_credited, quote.interest_earned) == (
        M("3.30"),
        M("3.00"),
        M("3.30"),
    )
    # 1 221,08 scheduled - 206,51 paid = 1 014,57 owed; 1 002,79 settles it: 11,78 waived.
    assert (quote.amount, quote.owed, quote.waived) == (M("1002.79"), M("1014.57"), M("11.78"))


def test_the_loan_page_shows_the_interest_paid_ahead_as_a_credit(paid_ahead, client_for):
    with at(D(2026, 2, 15)):
        page = client_for(CoordinatorFactory()).get(reverse("loans:loan_detail", args=[paid_ahead.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    card = re.sub(r"[ \n]+", " ", text[text.index('data-testid="payoff-quote"') :].split("<form")[0])
    # Not "intérêts courus -1,35 $": what was earned, and the credit apart.
    assert "Rembourse le prêt aujourd'hui\u00a0: <strong>1\u00a0001,14\u00a0$</strong>" in card
    assert "Capital restant 1\u00a0002,49\u00a0$ et intérêts courus 1,65\u00a0$." in card
    assert "Intérêts payés d'avance, crédités\u00a0: \u22123,00\u00a0$." in card


def test_a_settlement_after_interest_paid_ahead_then_its_reversal_restores_exactly(paid_ahead):
    before = snapshot(paid_ahead)
    coordinator = CoordinatorFactory()
    with at(D(2026, 2, 25)):
        settlement = st.loan_settle(
            loan=paid_ahead, paid_on=D(2026, 2, 25), method="transfer", recorded_by=coordinator
        )
    assert (settlement.payment.amount, settlement.interest_accrued, settlement.interest_waived) == (
        M("1002.79"),
        M("3.30"),
        M("11.78"),
    )
    # Instalments 2 to 6 replaced by one on 25 February: their principal, the interest earned (3,00 + 0,30).
    assert [
        (i.number, i.due_date, i.principal_due, i.interest_due)
        for i in Instalment.objects.filter(loan=paid_ahead).order_by("number")
    ] == [(1, D(2026, 2, 5), M("197.51"), M("6.00")), (2, D(2026, 2, 25), M("1002.49"), M("3.30"))]
    paid_ahead.refresh_from_db()
    assert paid_ahead.status == LoanStatus.REPAID
    assert ledger_differences() == []
    with at(D(2026, 2, 26)):
        services.payment_reverse(
            payment=settlement.payment, reversed_by=coordinator, reason="Virement refusé"
        )
    paid_ahead.refresh_from_db()
    assert paid_ahead.status == LoanStatus.ACTIVE
    assert snapshot(paid_ahead) == before
    assert selectors.amount_owed(paid_ahead) == M("1014.57")
    assert ledger_differences() == []
