"""Repayment schedules: equal instalments on the declining balance, exact to the cent.

Rules (documented in the README):
- The periodic rate is the annual rate divided by the number of periods in a year (12 monthly, 26 every
  two weeks, 52 weekly).
- During the grace period (the first ``grace`` instalments) only interest is due.
- After it, the instalment is the annuity payment ``P * r / (1 - (1 + r) ** -n)`` over the remaining ``n``
  instalments (``P / n`` at zero interest), computed exactly with Decimal and rounded once to the cent.
- Each period's interest is the outstanding principal times the periodic rate, rounded to the cent.
- Rounding is ROUND_HALF_UP everywhere (``microcredit.core.money.to_cents``); the last instalment takes
  whatever principal is left, so the principal parts always add up to the amount lent.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal, localcontext

from dateutil.relativedelta import relativedelta

from microcredit.core.money import ZERO, to_cents

PERIODS_PER_YEAR = {"monthly": 12, "biweekly": 26, "weekly": 52}


@dataclass(frozen=True)
class ScheduledInstalment:
    number: int
    due_date: datetime.date
    principal: Decimal
    interest: Decimal
    balance_after: Decimal

    @property
    def total(self) -> Decimal:
        return self.principal + self.interest


def due_date(first: datetime.date, frequency: str, index: int) -> datetime.date:
    """The due date of instalment ``index`` (0 for the first)."""
    if frequency == "monthly":
        return first + relativedelta(months=index)
    days = {"biweekly": 14, "weekly": 7}[frequency]
    return first + datetime.timedelta(days=days * index)


def first_due_date(disbursed_on: datetime.date, frequency: str) -> datetime.date:
    """By default the first instalment falls one period after the disbursement."""
    return due_date(disbursed_on, frequency, 1)


def periodic_rate(annual_rate_percent: Decimal, frequency: str) -> Decimal:
    return Decimal(annual_rate_percent) / Decimal(100) / PERIODS_PER_YEAR[frequency]


def level_payment(principal: Decimal, rate: Decimal, count: int) -> Decimal:
    if count <= 0:
        raise ValueError("count must be positive")
    if rate == 0:
        return to_cents(principal / count)
    with localcontext() as context:
        context.prec = 40
        factor = (1 + rate) ** -count
        return to_cents(principal * rate / (1 - factor))


def build_schedule(
    *,
    amount: Decimal,
    annual_rate_percent: Decimal,
    instalments: int,
    frequency: str,
    first_due: datetime.date,
    grace: int = 0,
) -> list[ScheduledInstalment]:
    amount = to_cents(amount)
    if amount <= 0:
        raise ValueError("amount must be positive")
    if not 0 <= grace < instalments:
        raise ValueError("the grace period must leave at least one instalment of principal")
    rate = periodic_rate(annual_rate_percent, frequency)
    payment = level_payment(amount, rate, instalments - grace)
    balance = amount
    rows = []
    for index in range(instalments):
        interest = to_cents(balance * rate)
        if index < grace:
            principal = ZERO
        elif index == instalments - 1:
            principal = balance  # the last instalment absorbs the rounding
        else:
            principal = min(payment - interest, balance)
            principal = max(principal, ZERO)
        balance -= principal
        rows.append(
            ScheduledInstalment(
                number=index + 1,
                due_date=due_date(first_due, frequency, index),
                principal=principal,
                interest=interest,
                balance_after=balance,
            )
        )
    return rows
