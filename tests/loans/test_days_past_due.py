"""Days past due as of any date: one definition, the report's (issue #16, 3).

As of D, an instalment is unpaid when it fell due on or before D and the payment that completed it (if any)
is dated after D. The loan's page, the nightly default pass and the board's report all read it that way.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import connection

from loans import selectors, services
from loans.models import Frequency
from loans.portfolio import BOOK_SQL
from loans.selectors import days_late, with_balances
from reports.selectors import _params, loans_behind
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

D = datetime.date


def _zero_rate_loan(coordinator):
    product = LoanProductFactory(
        name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12, frequency=Frequency.MONTHLY
    )
    return disbursed_loan(
        amount="1200.00",
        term=4,
        product=product,
        approver=coordinator,
        disbursed_on=D(2025, 1, 1),
        first_due=D(2025, 2, 1),
    )


def _pay(loan, coordinator, day, amount):
    return services.payment_record(
        loan=loan, amount=Decimal(amount), paid_on=day, method="cash", recorded_by=coordinator
    )


def test_a_payment_made_after_the_date_does_not_count_as_of_that_date():
    coordinator = CoordinatorFactory()
    loan = _zero_rate_loan(coordinator)  # 4 x 300.00 due 2025-02-01, 03-01, 04-01, 05-01
    _pay(loan, coordinator, D(2025, 3, 1), "300.00")
    assert selectors.days_past_due(loan, as_of=D(2025, 2, 15)) == 14
    assert selectors.days_past_due(loan, as_of=D(2025, 2, 28)) == 27
    # On 03-01 the first instalment is paid and the second falls due that day: not late yet.
    assert selectors.days_past_due(loan, as_of=D(2025, 3, 1)) == 0
    assert selectors.days_past_due(loan, as_of=D(2025, 3, 2)) == 1


def _report_days_late(loan, as_of: datetime.date) -> int:
    """The report's own figure: D minus the oldest unpaid due date of its book (BOOK_SQL), read directly."""
    with connection.cursor() as cursor:
        cursor.execute(
            BOOK_SQL + " SELECT oldest_unpaid FROM book WHERE id = %(loan)s",  # noqa: S608 (fixed SQL)
            {**_params(as_of, as_of, as_of), "loan": loan.pk},
        )
        row = cursor.fetchone()
    if row is None:  # not disbursed yet as of that date
        return 0
    (oldest,) = row
    if isinstance(oldest, str):  # SQLite
        oldest = datetime.date.fromisoformat(oldest)
    return max((as_of - oldest).days, 0) if oldest else 0


def _in_par(loan, figure: str, as_of: datetime.date) -> bool:
    from loans.models import Loan

    ids = loans_behind(figure=figure, as_of=as_of, start=as_of, end=as_of)
    return Loan.objects.filter(pk__in=ids, pk=loan.pk).exists()


def test_days_past_due_as_of_every_past_date_equals_the_reports():
    coordinator = CoordinatorFactory()
    zero = _zero_rate_loan(coordinator)
    _pay(zero, coordinator, D(2025, 3, 1), "300.00")  # the first, a month late
    _pay(zero, coordinator, D(2025, 3, 20), "150.00")  # half the second
    bounced = _pay(zero, coordinator, D(2025, 4, 1), "150.00")
    services.payment_reverse(payment=bounced, reversed_by=coordinator, reason="Chèque sans provision")
    _pay(zero, coordinator, D(2025, 6, 10), "450.00")  # the rest of the second, and the third
    # With interest (6 % a year, monthly): instalments that are not round amounts, partly paid in advance.
    interest = disbursed_loan(
        amount="1500.00", term=6, approver=coordinator, disbursed_on=D(2025, 1, 10), first_due=D(2025, 2, 10)
    )
    _pay(interest, coordinator, D(2025, 2, 10), "100.00")  # less than the first instalment
    _pay(interest, coordinator, D(2025, 4, 2), "600.00")  # the first three, and part of the fourth
    _pay(interest, coordinator, D(2025, 8, 30), "200.00")

    day = D(2025, 1, 1)
    while day <= D(2025, 10, 31):
        for loan in (zero, interest):
            dpd = selectors.days_past_due(loan, as_of=day)
            assert dpd == _report_days_late(loan, day), (loan.pk, day)
            drill_down = with_balances(type(loan).objects.filter(pk=loan.pk), day).get()
            assert days_late(drill_down, day) == dpd, (loan.pk, day)
            if day.day in (1, 15) and loan.disbursed_on <= day:
                for n in (1, 30, 90):
                    assert _in_par(loan, f"par{n}", day) == (dpd > n), (loan.pk, day, n)
        day += datetime.timedelta(days=1)
