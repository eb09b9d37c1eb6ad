"""Two of the board's reports a month apart, subtracted (issue #14, the attacker who subtracts): the
restructured loans' outstanding principal and the pieces of the days past due that no table shows (1 day
late, 2 to 30 days late) follow the month rule of the other stocks. Hand-built portfolios, through the real
services; the board member downloads the CSV files of the report as of 31 May and as of 30 June (on 15 July)
and subtracts. Last, the known gap: a payment typed late into a closed month (expected to fail until the
board's closed months are kept as first shown)."""

import csv
import datetime
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from loans import services
from loans.models import Frequency, Instalment, LoanPosition
from loans.services import restructuring
from microcredit.core.models import OrganizationSettings
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

MONTREAL = ZoneInfo("America/Montreal")
D = datetime.date
MAY, JUNE = D(2025, 5, 31), D(2025, 6, 30)
READ_ON = D(2025, 7, 15)


def at_noon(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MONTREAL), tick=False)


def board_csv(board, table: str, as_of: datetime.date, read_on: datetime.date = READ_ON) -> list[list[str]]:
    """One of the board's CSV files as of ``as_of``, read on ``read_on`` in English (numbers as 1234.56)."""
    board.language = "en"
    board.save(update_fields=["language"])
    with at_noon(read_on):
        client = Client()
        client.force_login(board)
        response = client.get(
            reverse("reports:dashboard"),
            {"format": "csv", "table": table, "as_of": as_of.isoformat(), "end": as_of.isoformat()},
        )
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == as_of.isoformat()  # the as-of date the board asked for
    return rows


def par_table(board, as_of: datetime.date) -> dict[str, list[str]]:
    """The board's "Portfolio at risk" table: {measure: cells}."""
    return {row[0]: row[1:] for row in board_csv(board, "par", as_of)[2:]}


def amount(cell: str) -> Decimal | None:
    """A shown amount (English CSV: 1234.56), None when hidden ("—")."""
    try:
        return Decimal(cell)
    except ArithmeticError:
        return None


def pay(loan, day: datetime.date, value: Decimal, coordinator) -> None:
    with at_noon(day):
        services.payment_record(loan=loan, amount=value, paid_on=day, method="cash", recorded_by=coordinator)


def instalment_due(loan, due_date: datetime.date) -> Decimal:
    return Instalment.objects.get(loan=loan, due_date=due_date).total_due


# --- 1. The restructured loans' outstanding principal --------------------------------------------------


@pytest.fixture
def restructured_portfolio():
    """Eleven loans at 0 %, disbursed on 10 January, 6 monthly instalments from 10 February. Six are never
    paid: five are restructured on 20 May, the sixth on 18 June (nothing else moves the restructured ones in
    June). Five pay each instalment on its day (the outstanding principal moves by five every month)."""
    settings = OrganizationSettings.load()
    settings.restructuring_needs_circle = False
    settings.save()
    with at_noon(D(2025, 1, 10)):
        coordinator, other = CoordinatorFactory(), AdvisorFactory()
        product = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY
        )
        loans = [
            disbursed_loan(
                amount=f"{1200 + 37 * n}.00",
                term=6,
                product=product,
                approver=coordinator,
                disbursed_on=D(2025, 1, 10),
                first_due=D(2025, 2, 10),
            )
            for n in range(11)
        ]
    troubled, paying = loans[:6], loans[6:]
    for month in range(2, 7):
        for loan in paying:
            due = D(2025, month, 10)
            pay(loan, due, instalment_due(loan, due), coordinator)
        day = {5: D(2025, 5, 20), 6: D(2025, 6, 18)}.get(month)
        for loan in troubled[:5] if month == 5 else troubled[5:] if month == 6 else []:
            with at_noon(day):
                proposal = restructuring.restructuring_propose(
                    loan=loan, proposed_by=other, kind="spread_arrears", reason="Perte d'un client"
                )
                restructuring.restructuring_approve(restructuring=proposal, approved_by=coordinator)
    return troubled


def test_a_loan_restructured_in_a_month_is_not_last_months_restructured_amount_subtracted(
    personas, restructured_portfolio
):
    sixth = LoanPosition.objects.get(loan=restructured_portfolio[-1])
    secret = Decimal(sixth.lent_cents - sixth.principal_paid_cents) / 100  # its balance on 30 June
    may = par_table(personas.board, MAY)["Restructured loans"]
    june = par_table(personas.board, JUNE)["Restructured loans"]
    # Five loans were restructured in May (they moved the figure by five): shown.
    assert may[0] == "5" and amount(may[1]) == Decimal("6370.00")
    # June's figure moved by one loan: June's minus May's would be that loan's balance.
    assert june[0] == "6"
    shown = amount(june[1])
    assert shown is None or shown - amount(may[1]) != secret
    assert june[1] == "—" and june[2] == "—"


def test_the_outstanding_principal_less_the_restructured_amount_is_not_one_loan(
    personas, restructured_portfolio
):
    # On 31 May the sixth loan and the five that pay are the loans not restructured: six, five of them moved.
    # On 30 June the five that pay: the outstanding principal less the restructured loans' would be theirs,
    # and June's restructured amount is hidden, so that difference cannot give it back either.
    board = personas.board
    rows = {row[0]: row[1] for row in board_csv(board, "kpis", JUNE)[2:]}
    june = par_table(board, JUNE)["Restructured loans"]
    outstanding = amount(rows["Outstanding principal ($)"])
    assert outstanding is None or amount(june[1]) is None


def restructured_row(html: str) -> str:
    """The cells of the "Prêts restructurés" row of the French dashboard."""
    start = re.search(r">\s*Prêts restructurés\s*<", html).start()  # the cell's text on its own line or not
    return html[start : html.index("</tr>", start)]


def test_the_french_page_hides_the_restructured_amount_the_csv_hides(personas, restructured_portfolio):
    personas.board.language = "fr-ca"
    personas.board.save(update_fields=["language"])
    dates = {"as_of": JUNE.isoformat(), "end": JUNE.isoformat()}
    with at_noon(READ_ON):
        client = Client()
        client.force_login(personas.board)
        page = client.get(reverse("reports:dashboard"), dates)
        staff = Client()
        staff.force_login(personas.coordinator)
        full = staff.get(reverse("reports:dashboard"), dates)
    board_row, staff_row = restructured_row(page.content.decode()), restructured_row(full.content.decode())
    # The coordinators see the six loans' 7 755,00 $; the board sees "—".
    assert "7\u00a0755,00" in staff_row
    assert "7\u00a0755,00" not in board_row and "—" in board_row
    may = client_get_french(personas.board, MAY)
    assert "6\u00a0370,00" in restructured_row(may)


def client_get_french(board, as_of: datetime.date) -> str:
    with at_noon(READ_ON):
        client = Client()
        client.force_login(board)
        return client.get(
            reverse("reports:dashboard"), {"as_of": as_of.isoformat(), "end": as_of.isoformat()}
        ).content.decode()


# --- 2. The pieces of the days past due (1 day late, 2 to 30 days late) ------------------------------


@pytest.fixture
def late_portfolio():
    """At both month ends, five loans 2 to 30 days late (PAR1 less PAR30): four in a grace period, who pay
    each instalment (interest only) two weeks late, so their balance stays; one, X, pays principal in June.
    Beside them, five loans 60 days late who pay principal each month (PAR30), and in June five new loans
    fall 1 day late (so the 1-30 band moved by six in June). X's June payment is one person's."""
    with at_noon(D(2025, 2, 1)):
        coordinator = CoordinatorFactory()
        zero = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY
        )
        grace = LoanProductFactory(
            name="Différé",
            annual_rate=Decimal("12.00"),
            min_term=6,
            frequency=Frequency.MONTHLY,
            grace_periods=3,
        )

        def loan(product, amount, disbursed_on, first_due):
            return disbursed_loan(
                amount=amount,
                term=6,
                product=product,
                approver=coordinator,
                disbursed_on=disbursed_on,
                first_due=first_due,
            )

        sixty = [loan(zero, f"{1800 + 11 * n}.00", D(2025, 2, 1), D(2025, 3, 1)) for n in range(5)]
    with at_noon(D(2025, 4, 15)):
        in_grace = [loan(grace, f"{2400 + 13 * n}.00", D(2025, 4, 15), D(2025, 5, 15)) for n in range(4)]
        x = loan(zero, "1500.00", D(2025, 4, 15), D(2025, 5, 15))
    with at_noon(D(2025, 5, 29)):
        one_day = [loan(zero, f"{900 + 7 * n}.00", D(2025, 5, 29), D(2025, 6, 29)) for n in range(5)]
    # The loans 60 days late pay one instalment a month, two behind: 1 March's on 10 May, 1 April's on 10
    # June (60 days late on 30 April, 31 May and 30 June).
    for day, due in ((D(2025, 5, 10), D(2025, 3, 1)), (D(2025, 6, 10), D(2025, 4, 1))):
        for late in sixty:
            pay(late, day, instalment_due(late, due), coordinator)
    # On 10 June, the grace loans and X pay 15 May's instalment; 15 June's is unpaid on 30 June.
    for borrower in in_grace:
        pay(borrower, D(2025, 6, 10), instalment_due(borrower, D(2025, 5, 15)), coordinator)
    secret = instalment_due(x, D(2025, 5, 15))
    pay(x, D(2025, 6, 10), secret, coordinator)
    return {"secret": secret, "x": x, "in_grace": in_grace, "one_day": one_day, "sixty": sixty}


def test_the_loans_2_to_30_days_late_are_not_two_months_of_par_subtracted(personas, late_portfolio):
    may, june = par_table(personas.board, MAY), par_table(personas.board, JUNE)
    # PAR1 less PAR30 is the loans 2 to 30 days late; their change from May to June was X's payment.
    cells = {
        (month, measure): amount(table[measure][1])
        for month, table in (("may", may), ("june", june))
        for measure in ("PAR1", "PAR30")
    }
    assert cells[("may", "PAR1")] is not None and cells[("may", "PAR30")] is not None  # five or more moved
    if None not in cells.values():
        two_to_thirty = {month: cells[(month, "PAR1")] - cells[(month, "PAR30")] for month in ("may", "june")}
        assert two_to_thirty["may"] - two_to_thirty["june"] != late_portfolio["secret"]
    assert june["PAR1"][1:] == ["—", "—"] or june["PAR30"][1:] == ["—", "—"]


# --- 3. A payment dated back into a closed month ---------------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason="Known gap (README, board reporting: limits): a payment typed late into a closed month changes "
    "that month's board figures; the design (figures of a closed month kept as published, later "
    "corrections in the month they were recorded in) is not built yet.",
)
def test_a_payment_dated_back_into_may_does_not_change_mays_report_by_that_payment(personas):
    with at_noon(D(2025, 1, 10)):
        coordinator = CoordinatorFactory()
        product = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY
        )
        loans = [
            disbursed_loan(
                amount=f"{1200 + 37 * n}.00",
                term=6,
                product=product,
                approver=coordinator,
                disbursed_on=D(2025, 1, 10),
                first_due=D(2025, 2, 10),
            )
            for n in range(6)
        ]
    for month in range(2, 6):
        for loan in loans:
            due = D(2025, month, 10)
            pay(loan, due, instalment_due(loan, due), coordinator)

    def read(day: datetime.date) -> dict:
        return {
            (table, row[0], column): value
            for table in ("kpis", "trends")
            for row in board_csv(personas.board, table, MAY, read_on=day)[2:]
            for column, value in enumerate(row[1:])
            if amount(value) is not None and "." in value
        }

    before = read(D(2025, 6, 5))
    # On 10 June an advisor types a payment the borrower made on 28 May.
    late = Decimal("123.45")
    with at_noon(D(2025, 6, 10)):
        services.payment_record(
            loan=loans[0], amount=late, paid_on=D(2025, 5, 28), method="cash", recorded_by=coordinator
        )
    after = read(D(2025, 6, 15))
    differences = {abs(amount(after[key]) - amount(before[key])) for key in before.keys() & after.keys()}
    assert late not in differences
