"""The board's figures: outstanding principal, PAR30, write-offs, exposure by guarantee; no count under 5."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import translation

from loans import services
from loans.portfolio import portfolio_figures
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db
D = Decimal
TODAY = datetime.date(2026, 11, 22)
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 11, 22, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


def _loan(amount, first_due):
    return disbursed_loan(amount=amount, disbursed_on=first_due - 30 * DAY, first_due=first_due)


def test_the_figures_of_a_small_portfolio():
    coordinator = CoordinatorFactory()
    _loan("1500.00", TODAY + 20 * DAY)  # on time, guaranteed by its circle
    _loan("2400.00", TODAY - 40 * DAY)  # 40 days late, individual responsibility
    _loan("1000.00", TODAY - 10 * DAY)  # 10 days late, circle
    repaid = _loan("900.00", TODAY + 5 * DAY)
    services.payment_record(
        loan=repaid,
        amount=services.amount_owed(repaid),
        paid_on=TODAY,
        method="cash",
        recorded_by=coordinator,
    )
    lost = _loan("800.00", TODAY - 100 * DAY)
    services.loan_write_off(loan=lost, written_off_by=coordinator, reason="Fermeture de l'entreprise")

    with translation.override("en"):
        portfolio = portfolio_figures(TODAY)

    assert (portfolio.disbursed.count, portfolio.disbursed.amount) == (5, D("6600.00"))
    assert (portfolio.open.count, portfolio.open.outstanding) == (3, D("4900.00"))
    assert (portfolio.at_risk.count, portfolio.at_risk.outstanding) == (1, D("2400.00"))
    assert portfolio.par30 == D("49.0")  # 2400 / 4900
    assert (portfolio.repaid.count, portfolio.repaid.amount) == (1, D("900.00"))
    assert (portfolio.written_off.count, portfolio.written_off.outstanding) == (1, D("800.00"))
    assert portfolio.principal_repaid == D("900.00")
    assert portfolio.interest_received > 0
    exposure = {row.label: row.outstanding for row in portfolio.by_guarantee}
    assert exposure == {"Guaranteed by the circle": D("2500.00"), "Individual responsibility": D("2400.00")}
    ages = [(row.count, row.outstanding) for row in portfolio.by_age]
    assert ages == [(1, D("1500.00")), (1, D("1000.00")), (1, D("2400.00")), (0, D("0.00"))]
    assert portfolio.open.count_display == "<5" and portfolio.by_age[3].count_display == "0"
    assert [row.label for row in portfolio.by_year] == ["2026"]


def test_an_empty_portfolio_has_no_par():
    portfolio = portfolio_figures(TODAY)
    assert portfolio.par30 is None and portfolio.open.outstanding == 0 and portfolio.disbursed.count == 0
