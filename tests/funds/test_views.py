"""Community capital through the screens (in French) and the investor statement PDF (in the investor's
language)."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from documents.models import Document
from documents.services import params_key, render_document
from funds.models import FundSource, Tranche
from loans.models import LoanStatus
from loans.services import loan_disburse
from microcredit.accounts.models import Demographics
from tests.documents.conftest import pdf_text
from tests.loans.factories import approved_loan, disbursed_loan
from tests.loans.helpers import post_and_confirm

pytestmark = pytest.mark.django_db
D = datetime.date
CAPITAL = reverse("reports:capital")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2025, 12, 31, 12, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


def flat(text: str) -> str:
    return re.sub(r"[\s\u00a0\u202f]+", " ", text)


@pytest.fixture
def funds():
    youth = FundSource.objects.create(
        name="Fonds jeunesse",
        kind="fund",
        amount_committed=Decimal("10000.00"),
        committed_on=D(2025, 1, 1),
        max_age=35,
        language="en",
    )
    caisse = FundSource.objects.create(
        name="Caisse solidaire",
        kind="investor",
        amount_committed=Decimal("20000.00"),
        committed_on=D(2025, 2, 1),
    )
    Tranche.objects.create(fund=youth, received_on=D(2025, 1, 15), amount=Decimal("10000.00"))
    Tranche.objects.create(fund=caisse, received_on=D(2025, 2, 15), amount=Decimal("8000.00"))
    return {"youth": youth, "caisse": caisse}


def test_the_coordinator_is_told_why_a_restricted_fund_cannot_finance_and_the_rule_picks_another(
    personas, client_for, funds
):
    loan = approved_loan(advisor=personas.advisor, amount="1500.00", approver=personas.coordinator)
    Demographics.objects.create(profile=loan.borrower, consent_given_at=timezone.now(), birth_year=1970)
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    data = {"disbursed_on": "2025-12-31", "method": "transfer", "reference": "VIR-9"}
    refused = client.post(url, {**data, "fund": funds["youth"].pk})
    assert refused.status_code == 200
    assert refused.context["form"].errors["fund"] == [
        "Fonds jeunesse est réservé aux personnes âgées de 35 ans ou moins\u00a0; la personne a 55 ans."
    ]
    assert 'value="VIR-9"' in refused.content.decode()  # nothing typed is lost
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED

    review = client.post(url, {**data, "fund": ""})
    assert 'data-testid="confirm-fund">Caisse solidaire' in review.content.decode()
    assert "selon la règle" in review.content.decode()
    post_and_confirm(client, url, {**data, "fund": ""})
    loan.refresh_from_db()
    assert (loan.status, loan.fund) == (LoanStatus.ACTIVE, funds["caisse"])


def test_the_capital_page_states_the_formula_and_each_funds_figures(personas, client_for, funds):
    disbursed_loan(amount="1500.00", disbursed_on=D(2025, 12, 1), fund=funds["caisse"])
    page = client_for(personas.coordinator).get(CAPITAL)
    assert page.status_code == 200
    text = flat(page.content.decode())
    formula = "Capital disponible pour prêter = argent reçu \u2212 capital remboursé aux bailleurs de fonds"
    assert formula in text
    ledger = next(t for t in page.context["tables"] if t.key == "fund_ledger")
    caisse = next(row for row in ledger.rows if row[0] == "Caisse solidaire")
    assert [str(cell) for cell in caisse[2:]] == [
        "8000.00",
        "0.00",
        "0.00",
        "1500.00",
        "0.00",
        "0.00",
        "1500.00",
        "6500.00",
        "8000.00",
    ]
    assert "Provision pour pertes sur prêts" in text
    assert 'data-testid="document-investor_statement"' in page.content.decode()


def test_the_board_sees_the_capital_without_amounts_of_fewer_than_5_loans(personas, client_for, funds):
    # Disbursed in a closed month: the board sees closed months only (microcredit.core.privacy).
    disbursed_loan(amount="1500.00", disbursed_on=D(2025, 11, 3), fund=funds["caisse"])
    page = client_for(personas.board).get(CAPITAL)
    use = next(t for t in page.context["tables"] if t.key == "fund_use")
    caisse = next(row for row in use.rows if row[0] == "Caisse solidaire")
    assert caisse[4:] == ["<5", "—", "—"]


@pytest.mark.parametrize("persona", ["advisor", "owner"])
def test_advisors_and_entrepreneurs_do_not_see_the_capital_page(personas, client_for, persona):
    user = personas.entrepreneur if persona == "owner" else personas.advisor
    assert client_for(user).get(CAPITAL).status_code == 404


def test_the_capital_csv(personas, client_for, funds):
    response = client_for(personas.coordinator).get(CAPITAL, {"format": "csv", "table": "capital"})
    rows = [line.split(";") for line in response.content.decode("utf-8-sig").splitlines()]
    assert rows[2:] == [
        ["Argent reçu des sources du fonds", "18000,00"],
        ["Moins\u00a0: capital qui leur a été remboursé", "0,00"],
        ["Moins\u00a0: capital prêté", "0,00"],
        ["Plus\u00a0: capital recouvré", "0,00"],
        ["Disponible pour prêter", "18000,00"],
        ["Du capital prêté, encore en cours", "0,00"],
        ["Du capital prêté, radié", "0,00"],
    ]


def test_the_investor_statement_is_in_the_investors_language(personas, client_for, funds):
    loan = approved_loan(amount="1500.00")
    Demographics.objects.create(profile=loan.borrower, consent_given_at=timezone.now(), birth_year=2000)
    loan_disburse(
        loan=loan,
        disbursed_by=loan.approved_by,
        disbursed_on=D(2025, 12, 1),
        method="cash",
        fund=funds["youth"],
    )
    client = client_for(personas.coordinator)  # French
    response = client.post(
        reverse("documents:document_request", args=["investor_statement"]),
        {"fund": funds["youth"].pk, "start": "2025-01-01", "end": "2025-12-31"},
    )
    document = Document.objects.get()
    assert response.status_code == 302
    assert (document.language, document.params) == (
        "en",
        {"fund": funds["youth"].pk, "start": "2025-01-01", "end": "2025-12-31"},
    )
    text = pdf_text(render_document(document, D(2025, 12, 31))[0])
    for expected in (
        "Investor statement",
        "Fonds jeunesse",
        "Received from you $10,000.00 $10,000.00",
        "Lent to entrepreneurs — —",  # one loan: its amount is not shown
        "Owed to you in all $10,000.00",
        "Loans it financed <5",
    ):
        assert expected in text, expected
    assert "1,500.00" not in text


def test_the_statement_is_refused_to_advisors(personas, client_for, funds):
    response = client_for(personas.advisor).post(
        reverse("documents:document_request", args=["investor_statement"]), {"fund": funds["youth"].pk}
    )
    assert response.status_code == 404
    assert not Document.objects.exists()


def test_the_board_pdf_has_the_reserve(personas, funds):
    params = {"as_of": "2025-12-31", "start": "2025-01-01", "end": "2025-12-31"}
    document = Document(
        kind="portfolio_report",
        params=params,
        params_key=params_key(params),
        language="fr-ca",
        requested_by=personas.board,
    )
    text = pdf_text(render_document(document, D(2025, 12, 31))[0])
    assert "Provision pour pertes sur prêts" in text
    assert "Le grand livre du fonds de prêt" in text


def test_the_capital_page_takes_as_many_queries_with_more_funds_and_loans(
    personas, client_for, queries_for, funds
):
    from tests.loans.factories import LoanProductFactory

    client = client_for(personas.coordinator)
    small = queries_for(client, CAPITAL)
    product = LoanProductFactory(name="Croissance", annual_rate=Decimal("7.50"))
    for number in range(3):
        other = FundSource.objects.create(
            name=f"Fonds {number}",
            kind="fund",
            amount_committed=Decimal("5000.00"),
            committed_on=D(2025, 3, 1),
        )
        other.products.add(product)
        Tranche.objects.create(fund=other, received_on=D(2025, 3, 1), amount=Decimal("5000.00"))
        disbursed_loan(amount="1500.00", disbursed_on=D(2025, 12, 1), fund=funds["caisse"])
    assert queries_for(client, CAPITAL) == small


def test_the_board_never_reads_a_funds_loan_figures(personas, client_for, funds):
    """A fund that lent to five people may hold one person's write-off and three people's balances: the
    board sees what funders paid in and are owed, never a fund's lent, collected, written-off, outstanding or
    available amounts (the walk-through found a lone 2 708,34 $ write-off in that table)."""
    for day in (3, 4, 5, 6, 7):
        disbursed_loan(amount="1000.00", disbursed_on=D(2025, 11, day), fund=funds["caisse"])
    page = client_for(personas.board).get(CAPITAL)
    ledger = next(t for t in page.context["tables"] if t.key == "fund_ledger")
    for row in ledger.rows[:-1]:  # the funds; the last row is the total
        assert row[5:10] == ["—"] * 5, row
    staff = client_for(personas.coordinator).get(CAPITAL)
    ledger = next(t for t in staff.context["tables"] if t.key == "fund_ledger")
    caisse = next(row for row in ledger.rows if row[0] == "Caisse solidaire")
    assert caisse[5] != "—"
