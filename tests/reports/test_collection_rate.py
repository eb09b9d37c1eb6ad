"""The collection rate's "due" leaves out the instalments of a written-off loan that fall due after the
write-off (issue #16, decision): nothing is expected on them any more, and the loss is already counted once,
in the loss rate. Those due on or before the write-off day stay: they fell due and were not paid."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from loans import services
from loans.services.ledger import ledger_differences
from reports.selectors import portfolio_figures, portfolio_trends
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

D = datetime.date
MONTREAL = ZoneInfo("America/Montreal")


def _at(day, hour=10):
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=MONTREAL), tick=False
    )


def _written_off_loan(write_off_day):
    """1 200,00 $ in 4 x 300,00 $ due 2025-02-01, 03-01, 04-01, 05-01; the first paid; then written off."""
    with _at(D(2025, 1, 1)):
        coordinator = CoordinatorFactory()
        product = LoanProductFactory(name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12)
        loan = disbursed_loan(
            amount="1200.00",
            term=4,
            product=product,
            approver=coordinator,
            disbursed_on=D(2025, 1, 1),
            first_due=D(2025, 2, 1),
        )
    with _at(D(2025, 2, 1)):
        services.payment_record(
            loan=loan, amount=Decimal("300.00"), paid_on=D(2025, 2, 1), method="cash", recorded_by=coordinator
        )
    with _at(write_off_day):
        services.loan_write_off(loan=loan, written_off_by=coordinator, reason="Entreprise fermée")
    return loan


def test_instalments_due_after_the_write_off_are_not_due_in_the_collection_rate():
    _written_off_loan(D(2025, 3, 15))
    totals = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 1, 1), end=D(2025, 6, 30))["totals"]
    # Due: February's and March's 300 (March's fell due before the write-off, unpaid); not April's or May's.
    assert totals["due_in_period"] == Decimal("600.00")
    assert totals["collected"] == Decimal("300.00")
    assert totals["collection_rate"] == Decimal("50.00")
    assert totals["written_off"] == Decimal("900.00")  # the loss, counted once
    months = {row["month"]: row for row in portfolio_trends(as_of=D(2025, 6, 30))}
    assert [months[D(2025, m, 1)]["due"] for m in (2, 3, 4, 5)] == [Decimal("300.00")] * 2 + [
        Decimal("0")
    ] * 2
    assert months[D(2025, 4, 1)]["collection_rate"] is None
    # As of a date before the write-off, the loan was expected to pay: the same figures as before.
    before = portfolio_figures(as_of=D(2025, 3, 10), start=D(2025, 1, 1), end=D(2025, 3, 10))["totals"]
    assert before["due_in_period"] == Decimal("600.00")
    assert ledger_differences() == []


def test_an_instalment_due_on_the_write_off_day_stays_due():
    _written_off_loan(D(2025, 4, 1))
    totals = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 1, 1), end=D(2025, 6, 30))["totals"]
    assert totals["due_in_period"] == Decimal("900.00")  # 02-01, 03-01 and 04-01, the day of the write-off
    assert ledger_differences() == []


def test_the_migration_takes_them_out_of_the_figures_stored_before():
    import importlib

    from django.db import connection
    from django.db.migrations.loader import MigrationLoader
    from django.db.models import F

    from loans.models import PortfolioDay

    loan = _written_off_loan(D(2025, 3, 15))
    # The daily rows as the earlier code left them: April's and May's instalments still due.
    for day in (D(2025, 4, 1), D(2025, 5, 1)):
        PortfolioDay.objects.filter(day=day, product_key=loan.product_id).update(
            due_cents=F("due_cents") + 30000
        )
    assert ledger_differences() != []
    # The migration's models as they were then; the transitions' date column was renamed since (0012).
    state = MigrationLoader(connection).project_state(("loans", "0005_written_off_not_due"))
    state.models["loans", "loantransition"].fields["at"].db_column = "changed_at"
    importlib.import_module("loans.migrations.0005_written_off_not_due").forward(state.apps, None)
    assert ledger_differences() == []
