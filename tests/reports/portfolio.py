"""A small hand-built portfolio, built through the real services, whose figures the tests write as literals.

All loans at 0 % interest, monthly, so each instalment is principal only. Built on 2025-06-30 (noon):

| loan | amount | disbursed  | first due  | schedule | payments                          | on 2025-06-30 |
| A    | 1200   | 2025-01-01 | 2025-02-01 | 4 x 300  | 300 on 02-01, 03-01, 04-01, 05-01 | repaid |
| B    | 1200   | 2025-04-30 | 2025-05-31 | 4 x 300  | none                              | 30 days late |
| C    | 1200   | 2025-04-29 | 2025-05-30 | 4 x 300  | none                              | 31 days late |
| D    | 1200   | 2025-01-15 | 2025-02-15 | 4 x 300  | 300 on 02-15, 03-15 (reversed)    | 107 late, default |
| E    | 800    | 2025-01-10 | 2025-02-10 | 4 x 200  | 200 on 02-10                      | written off |
| F    | 3000   | 2025-06-01 | 2025-07-01 | 6 x 500  | none                              | individual |
"""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import time_machine

from loans import services
from loans.models import Frequency
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

MONTREAL = ZoneInfo("America/Montreal")
BUILT_ON = datetime.datetime(2025, 6, 30, 12, 0, tzinfo=MONTREAL)
D = datetime.date


def _pay(loan, coordinator, day, amount="300.00"):
    return services.payment_record(
        loan=loan, amount=Decimal(amount), paid_on=day, method="cash", recorded_by=coordinator
    )


def build_portfolio() -> dict:
    with time_machine.travel(BUILT_ON, tick=False):
        coordinator = CoordinatorFactory()
        product = LoanProductFactory(
            name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12, frequency=Frequency.MONTHLY
        )

        def loan(amount, disbursed_on, first_due, term=4):
            return disbursed_loan(
                amount=amount,
                term=term,
                product=product,
                approver=coordinator,
                disbursed_on=disbursed_on,
                first_due=first_due,
            )

        a = loan("1200.00", D(2025, 1, 1), D(2025, 2, 1))
        for month in (2, 3, 4, 5):
            _pay(a, coordinator, D(2025, month, 1))
        b = loan("1200.00", D(2025, 4, 30), D(2025, 5, 31))
        c = loan("1200.00", D(2025, 4, 29), D(2025, 5, 30))
        d = loan("1200.00", D(2025, 1, 15), D(2025, 2, 15))
        _pay(d, coordinator, D(2025, 2, 15))
        bounced = _pay(d, coordinator, D(2025, 3, 15))
        services.payment_reverse(payment=bounced, reversed_by=coordinator, reason="Cheque returned")
        services.loan_mark_default(loan=d)
        e = loan("800.00", D(2025, 1, 10), D(2025, 2, 10))
        _pay(e, coordinator, D(2025, 2, 10), "200.00")
        services.loan_write_off(loan=e, written_off_by=coordinator, reason="Business closed, borrower left")
        f = loan("3000.00", D(2025, 6, 1), D(2025, 7, 1), term=6)
    return {"a": a, "b": b, "c": c, "d": d, "e": e, "f": f, "coordinator": coordinator, "product": product}
