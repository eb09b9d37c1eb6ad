"""The impact page (annual statistics, "Retombées") follows the board's rule like the dashboard (walk-through,
issue #21): closed months only, and a year's amount disbursed hidden when a month of it saw 1 to 4 loans
disbursed, so that two readings a month apart never differ by one loan. Staff keep the figures."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from loans.models import Frequency
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

D = datetime.date
MONTREAL = ZoneInfo("America/Montreal")


def at_noon(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MONTREAL), tick=False)


def loans(day: datetime.date, count: int, coordinator, product) -> None:
    with at_noon(day):
        for n in range(count):
            disbursed_loan(
                amount=f"{1000 + 100 * n}.00",
                term=6,
                product=product,
                approver=coordinator,
                disbursed_on=day,
                first_due=day + datetime.timedelta(days=30),
            )


def amount_row(user, day: datetime.date) -> tuple[list[str], str]:
    """The "Impact by year" table's amount disbursed row, read in English on ``day``, and the as-of date."""
    user.language = "en"
    user.save(update_fields=["language"])
    client = Client()
    client.force_login(user)
    with at_noon(day):
        response = client.get(reverse("reports:impact"), {"format": "csv", "table": "impact_by_year"})
    assert response.status_code == 200
    rows = [line.split(",") for line in response.content.decode("utf-8-sig").splitlines()]
    return next(row for row in rows if row[0] == "Amount disbursed"), response


@pytest.fixture
def year(db):
    with at_noon(D(2025, 1, 10)):
        coordinator = CoordinatorFactory()
        product = LoanProductFactory(annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY)
    loans(D(2025, 1, 10), 6, coordinator, product)
    return coordinator, product


def test_a_month_with_one_loan_hides_the_years_amount_from_the_board(personas, year):
    coordinator, product = year
    board_row, _response = amount_row(personas.board, D(2025, 3, 15))
    assert board_row[1] == "7500.00"  # six loans in January: shown
    loans(D(2025, 3, 3), 1, coordinator, product)
    board_row, _response = amount_row(personas.board, D(2025, 4, 15))
    assert board_row[1] == "—"  # March moved it by one loan
    staff_row, _response = amount_row(personas.coordinator, D(2025, 4, 15))
    assert staff_row[1] == "8500.00"


def test_the_board_reads_the_impact_page_as_of_the_last_closed_month(personas, year):
    coordinator, product = year
    loans(D(2025, 3, 3), 5, coordinator, product)  # five in March: the month rule lets it show
    board_row, _response = amount_row(personas.board, D(2025, 3, 15))
    assert board_row[1] == "7500.00"  # March is not over: the board sees up to 28 February
    board_row, _response = amount_row(personas.board, D(2025, 4, 1))
    assert board_row[1] == str(Decimal("7500.00") + Decimal("6000.00"))
    staff_row, _response = amount_row(personas.coordinator, D(2025, 3, 15))
    assert staff_row[1] == "13500.00"
