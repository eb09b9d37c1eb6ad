"""The board's full report reads the loans once (issue #21): the key figures, the breakdowns, the fund
ledgers' loan figures and the loan-loss reserve come from one book (``portfolio_figures(capital=True)``),
as of today or from a month end's snapshot. Every figure must equal what the capital section computes on its
own from the positions and every payment since (``loan_figures_by_fund``, ``loss_reserve``), after
backdated payments, a reversal, a write-off, a restructuring and loans charged to two funds."""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from circles.models import Meeting
from funds.models import FundSource, Tranche
from loans import portfolio, services
from loans.models import LoanPosition
from loans.services import ledger
from loans.services import restructuring as rs
from reports.capital import capital_figures
from reports.selectors import default_period, portfolio_figures, portfolio_report
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.reports.portfolio import MONTREAL, build_portfolio

pytestmark = pytest.mark.django_db
D = datetime.date
AFTER = datetime.datetime(2025, 7, 15, 12, 0, tzinfo=MONTREAL)
DAYS = [
    D(2025, 1, 31),
    D(2025, 2, 28),
    D(2025, 3, 10),
    D(2025, 3, 31),
    D(2025, 4, 30),
    D(2025, 5, 31),
    D(2025, 6, 15),
    D(2025, 6, 30),
    D(2025, 7, 15),
]


def _fund(name: str, received: str) -> FundSource:
    fund = FundSource.objects.create(
        name=name, kind="fund", amount_committed=Decimal(received), committed_on=D(2024, 1, 1)
    )
    Tranche.objects.create(fund=fund, received_on=D(2024, 1, 1), amount=Decimal(received))
    return fund


@pytest.fixture
def book():
    # The first fund can lend 4,000 $: loans A, B and C are charged to it, the others to the second.
    small, large = _fund("Fonds A", "4000.00"), _fund("Fonds B", "100000.00")
    built = build_portfolio()
    with time_machine.travel(datetime.datetime(2025, 7, 10, 12, 0, tzinfo=MONTREAL), tick=False):
        coordinator = built["coordinator"]
        # A payment recorded in July, dated in May (B's first instalment, due 05-31).
        services.payment_record(
            loan=built["b"],
            amount=Decimal("300.00"),
            paid_on=D(2025, 5, 28),
            method="cash",
            recorded_by=coordinator,
        )
        # C's arrears spread over its remaining instalments, approved on July 10.
        proposal = rs.restructuring_propose(
            loan=built["c"], proposed_by=AdvisorFactory(), kind="spread_arrears", reason="Perte d'un client"
        )
        rs.restructuring_approve(
            restructuring=proposal,
            approved_by=CoordinatorFactory(),
            circle_meeting=Meeting.objects.create(circle=built["c"].circle, date=D(2025, 7, 8)),
            circle_opinion="agrees",
        )
    with time_machine.travel(AFTER, tick=False):
        ledger.snapshot_closed_months()
        yield {**built, "funds": (small, large)}


def separate_capital(as_of: datetime.date, start: datetime.date) -> dict:
    """The capital section computed on its own (the fund ledgers from the positions and the payments since,
    the reserve from its own book), as before the report shared its book."""
    return capital_figures(as_of=as_of, start=start)


def ledger_only(monkeypatch):
    """Read the book from the positions and every payment since, never a snapshot."""
    return monkeypatch.setattr(portfolio, "book_base", lambda as_of, today: (portfolio.POSITIONS, {}))


def test_the_loans_are_charged_to_both_funds(book):
    funds = set(LoanPosition.objects.values_list("fund_id", flat=True))
    assert funds == {fund.pk for fund in book["funds"]}
    assert ledger.ledger_differences() == []


@pytest.mark.parametrize("day", DAYS)
def test_the_shared_book_gives_the_capital_section_computed_on_its_own(book, day):
    start = default_period(day)
    report = portfolio_report(as_of=day, start=start, end=day)
    assert report["capital"] == separate_capital(day, start)
    assert report["capital"]["ledgers"]["rows"][0]["loans"] > 0


def test_from_the_snapshots_the_report_equals_the_report_from_the_ledger(book, monkeypatch):
    from_snapshots = {day: portfolio_report(as_of=day) for day in DAYS}
    ledger_only(monkeypatch)
    for day, report in from_snapshots.items():
        assert report == portfolio_report(as_of=day), day
        assert report["capital"] == separate_capital(day, default_period(day)), day


def test_a_restructured_and_a_written_off_loan_in_the_reserve_and_the_ledgers(book):
    report = portfolio_report(as_of=D(2025, 7, 15))
    totals = report["totals"]
    assert totals["restructured_loans"] == 1  # C
    reserve = report["capital"]["reserve"]
    assert reserve["loans"] == totals["active_loans"]
    assert reserve["outstanding"] == totals["outstanding"]
    ledgers = report["capital"]["ledgers"]["totals"]
    assert ledgers["written_off"] == Decimal("600.00")  # E: 800 lent, 200 paid
    assert ledgers["outstanding"] == totals["outstanding"]
    assert ledgers["lent"] == totals["disbursed_amount_all"]


def test_the_full_report_reads_the_loans_once(book):
    """As of a month end the snapshot is the book's base: one query reads it (and through it the
    positions), none reads the loans or their payments apart from it."""
    for day in (D(2025, 5, 31), D(2025, 7, 15)):
        with CaptureQueriesContext(connection) as queries:
            portfolio_report(as_of=day)
        books = [q["sql"] for q in queries if "loans_loanposition p" in q["sql"] and "WITH" in q["sql"]]
        assert len(books) == 1, day
        assert ("loans_positionsnapshot" in books[0]) == (day < D(2025, 7, 1))
        assert not [q["sql"] for q in queries if "loans_allocation" in q["sql"] and q["sql"] not in books]
        assert not [q["sql"] for q in queries if '"loans_loan"' in q["sql"] or "loans_loan l" in q["sql"]]


def test_the_figures_alone_are_the_figures_of_the_full_report(book):
    for day in (D(2025, 5, 31), D(2025, 7, 15)):
        start = default_period(day)
        alone = portfolio_figures(as_of=day, start=start, end=day, breakdown="all")
        full = portfolio_report(as_of=day, start=start, end=day)
        assert alone["totals"] == full["totals"]
        assert alone["breakdowns"] == full["breakdowns"]


def test_the_check_finds_a_position_charged_to_another_fund(book):
    small, large = book["funds"]
    LoanPosition.objects.filter(loan=book["a"]).update(fund=large if book["a"].fund_id == small.pk else small)
    differences = ledger.ledger_differences()
    assert len(differences) == 1 and differences[0].startswith(f"position {book['a'].pk}:")
    ledger.rebuild_ledger()
    assert ledger.ledger_differences() == []
