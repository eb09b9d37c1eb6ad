"""The portfolio's SQL (``loans.portfolio``): one definition of "unpaid as of a date" in its three forms, and
the monthly snapshots of the positions that the board's report reads as of a past date (issue #21, 2; #19, 2).

The snapshots are derived data: the report as of any past date must be the same whether it reads them or
the raw ledger, after every kind of change (a payment backdated into a past month, a reversal, a new
disbursement dated in the past), and ``rebuild_ledger --check`` must find any drift in them.
"""

import datetime
from decimal import Decimal

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from loans import portfolio, services
from loans.models import Instalment, PositionMonth, PositionSnapshot
from loans.selectors import oldest_unpaid_due_date
from loans.services import ledger
from reports.selectors import _params, default_period, portfolio_figures
from tests.loans.factories import disbursed_loan
from tests.reports.portfolio import MONTREAL, build_portfolio

pytestmark = pytest.mark.django_db

D = datetime.date
AFTER = datetime.datetime(2025, 7, 15, 12, 0, tzinfo=MONTREAL)
MONTH_ENDS = [D(2025, 1, 31), D(2025, 2, 28), D(2025, 3, 31), D(2025, 4, 30), D(2025, 5, 31), D(2025, 6, 30)]


@pytest.fixture
def book():
    built = build_portfolio()
    with time_machine.travel(AFTER, tick=False):
        yield built


def figures(as_of: datetime.date) -> dict:
    return portfolio_figures(as_of=as_of, start=default_period(as_of), end=as_of, breakdown="all")


def raw_figures(as_of: datetime.date, monkeypatch) -> dict:
    """The same report read from the ledger (the positions and every payment since), never a snapshot."""
    with monkeypatch.context() as patch:
        patch.setattr(portfolio, "book_base", lambda as_of, today: (portfolio.POSITIONS, {}))
        return figures(as_of)


def book_rows(as_of: datetime.date, base: str, extra: dict) -> dict:
    with connection.cursor() as cursor:
        cursor.execute(
            portfolio.book_sql(base) + " SELECT id, balance, oldest_unpaid, written_off_at FROM book",  # noqa: S608
            {**_params(as_of, as_of, as_of), **extra},
        )
        return {row[0]: row[1:] for row in cursor.fetchall()}


class TestOneDefinition:
    def test_the_orm_python_and_sql_forms_agree_day_by_day(self, book):
        """Days late as of every day from January to July, for every loan of the book: from the ORM
        (``unpaid_as_of``), from the instalments in memory (``oldest_unsettled_due``) and from the book's SQL
        (on the positions, and on the snapshot of the month end that follows)."""
        ledger.snapshot_closed_months()
        loans = [book[key] for key in "abcdef"]
        instalments = {loan.pk: list(Instalment.objects.filter(loan=loan)) for loan in loans}
        day = D(2025, 1, 1)
        while day <= D(2025, 7, 14):
            positions = book_rows(day, portfolio.POSITIONS, {})
            base, extra = portfolio.book_base(day, D(2025, 7, 15))
            assert base == portfolio.SNAPSHOT or day > MONTH_ENDS[-1]
            snapshot = book_rows(day, base, extra)
            assert snapshot == positions, day
            for loan in loans:
                orm = oldest_unpaid_due_date(loan, day)
                python = portfolio.oldest_unsettled_due(
                    [i for i in instalments[loan.pk] if i.due_date <= day], as_of=day
                )
                assert orm == python, (loan.pk, day)
                sql = positions.get(loan.pk, (None, None))[1]
                if isinstance(sql, str):  # SQLite
                    sql = D.fromisoformat(sql)
                late = max((day - sql).days, 0) if sql else 0
                assert late == ((day - orm).days if orm else 0), (loan.pk, day)
            day += datetime.timedelta(days=7)

    def test_the_rebuild_and_the_snapshots_write_the_sql_form(self):
        """The ledger's rebuild and the snapshot statements are generated from ``unsettled_sql``."""
        assert portfolio.unsettled_sql("i") in ledger.REBUILD_SQL[3]
        assert portfolio.unsettled_sql("i", "m.month_end") in ledger.LOAN_SNAPSHOTS_SQL
        assert portfolio.unsettled_sql("i", "%(month_end)s") in portfolio.snapshot_month_sql(False)


class TestSnapshots:
    def test_closed_months_are_taken_once(self, book):
        assert ledger.snapshot_closed_months() == MONTH_ENDS
        assert ledger.snapshot_closed_months() == []
        # Loan A was repaid on 05-01: no row from April's end on (its last instalment was settled).
        assert not PositionSnapshot.objects.filter(loan=book["a"], month_end__gte=D(2025, 5, 31)).exists()
        assert (
            PositionSnapshot.objects.filter(loan=book["a"], month_end=D(2025, 3, 31))
            .get()
            .principal_paid_cents
            == 60000
        )
        assert ledger.ledger_differences() == []

    def test_the_report_as_of_each_month_end_equals_the_report_from_the_ledger(self, book, monkeypatch):
        expected = {
            day: raw_figures(day, monkeypatch) for day in [*MONTH_ENDS, D(2025, 3, 10), D(2025, 6, 15)]
        }
        ledger.snapshot_closed_months()
        for day, report in expected.items():
            with CaptureQueriesContext(connection) as queries:
                assert figures(day) == report, day
            assert any("loans_positionsnapshot" in query["sql"] for query in queries), day

    def test_as_of_a_month_end_it_reads_no_payment_since(self, book):
        """The snapshot's month end is the as-of date: the correction ranges are empty (the report no longer
        reads six months of payments)."""
        ledger.snapshot_closed_months()
        base, extra = portfolio.book_base(D(2025, 2, 28), D(2025, 7, 15))
        assert (base, extra) == (portfolio.SNAPSHOT, {"base": D(2025, 2, 28)})
        assert portfolio.book_base(D(2025, 2, 27), D(2025, 7, 15)) == (
            portfolio.SNAPSHOT,
            {"base": D(2025, 2, 28)},
        )
        assert portfolio.book_base(D(2025, 7, 1), D(2025, 7, 15)) == (portfolio.POSITIONS, {})

    def test_a_payment_backdated_into_a_past_month_updates_the_snapshots(self, book, monkeypatch):
        ledger.snapshot_closed_months()
        before = figures(D(2025, 5, 31))
        # Loan C (first due 05-30) is paid, recorded today but dated 05-30: it was not late at May's end.
        services.payment_record(
            loan=book["c"],
            amount=Decimal("300.00"),
            paid_on=D(2025, 5, 30),
            method="cash",
            recorded_by=book["coordinator"],
        )
        after = figures(D(2025, 5, 31))
        assert after == raw_figures(D(2025, 5, 31), monkeypatch)
        assert after["totals"]["outstanding"] == before["totals"]["outstanding"] - Decimal("300.00")
        assert (
            PositionSnapshot.objects.get(loan=book["c"], month_end=D(2025, 5, 31)).principal_paid_cents
            == 30000
        )
        assert ledger.ledger_differences() == []

    def test_a_reversal_and_a_late_disbursement_update_the_snapshots(self, book, monkeypatch):
        ledger.snapshot_closed_months()
        payment = services.payment_record(
            loan=book["b"],
            amount=Decimal("600.00"),
            paid_on=D(2025, 6, 2),
            method="cash",
            recorded_by=book["coordinator"],
        )
        assert ledger.ledger_differences() == []
        services.payment_reverse(
            payment=payment, reversed_by=book["coordinator"], reason="Chèque sans provision"
        )
        # A loan recorded today, disbursed in March (a file typed in late).
        disbursed_loan(
            amount="1200.00",
            term=4,
            product=book["product"],
            approver=book["coordinator"],
            disbursed_on=D(2025, 3, 3),
            first_due=D(2025, 4, 3),
        )
        assert ledger.ledger_differences() == []
        for day in MONTH_ENDS:
            assert figures(day) == raw_figures(day, monkeypatch), day

    def test_the_check_finds_a_drift_in_the_snapshots_and_the_rebuild_repairs_it(self, book):
        ledger.snapshot_closed_months()
        row = PositionSnapshot.objects.filter(loan=book["b"], month_end=D(2025, 6, 30)).get()
        PositionSnapshot.objects.filter(pk=row.pk).update(principal_paid_cents=12345)
        PositionSnapshot.objects.filter(loan=book["c"], month_end=D(2025, 5, 31)).delete()
        differences = ledger.ledger_differences()
        assert len(differences) == 2
        assert all(line.startswith("snapshot ") for line in differences)
        with pytest.raises(CommandError):
            call_command("rebuild_ledger", "--check")
        call_command("rebuild_ledger")
        assert ledger.ledger_differences() == []
        assert PositionMonth.objects.count() == len(MONTH_ENDS)
