"""Repayment schedules: equal instalments on the declining balance, exact to the cent.

Rules (documented in the README):
- The periodic rate is the annual rate divided by the number of periods in a year (12 monthly, 26 every
  two weeks, 52 weekly), kept as an exact fraction (7 %/12 is not a finite decimal).
- During the grace period (the first ``grace`` instalments) only interest is due.
- After it, the instalment is the annuity payment ``P * r / (1 - (1 + r) ** -n)`` over the remaining ``n``
  instalments (``P / n`` at zero interest), computed exactly (fractions) and rounded once to the cent.
- Each period's interest is the outstanding principal times the periodic rate, i.e. balance x annual rate /
  (100 x periods), computed exactly and rounded once to the cent: 162.00 at 7 % monthly is 0.945, so 0.95.
- Rounding is ROUND_HALF_UP everywhere (``microcredit.core.money.to_cents``); the last instalment takes
  whatever principal is left, so the principal parts always add up to the amount lent.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from dateutil.relativedelta import relativedelta

from microcredit.core.money import ZERO, fraction_to_cents, to_cents

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


def first_meeting_due(
    *,
    disbursed_on: datetime.date,
    min_days: int,
    rhythm: str,
    planned: list[datetime.date],
    latest: datetime.date | None = None,
) -> datetime.date | None:
    """The first due date on a circle's meeting rhythm (a product's *due dates follow the circle's meetings*):
    the first planned meeting at least ``min_days`` after the disbursement; when none is planned that far,
    the rhythm carried on from the circle's latest meeting (``latest``, or the latest planned one) to the
    first date at least that far. None when the circle has no meeting at all (the product's usual schedule
    then applies). The instalments then fall every meeting interval: ``due_date(first, rhythm, index)``."""
    earliest = disbursed_on + datetime.timedelta(days=min_days)
    later = sorted(day for day in planned if day >= earliest)
    if later:
        return later[0]
    known = [day for day in (*planned, latest) if day is not None]
    if not known:
        return None
    anchor, index = max(known), 0
    while due_date(anchor, rhythm, index) < earliest:
        index += 1
    return due_date(anchor, rhythm, index)


def periodic_rate(annual_rate_percent: Decimal, frequency: str) -> Fraction:
    """The exact periodic rate: annual rate / (100 x periods per year), never rounded."""
    return Fraction(Decimal(annual_rate_percent)) / (100 * PERIODS_PER_YEAR[frequency])


def period_interest(balance: Decimal, rate: Fraction) -> Decimal:
    """One period's interest on ``balance``: the exact product, rounded once to the cent (half up)."""
    return fraction_to_cents(Fraction(Decimal(balance)) * rate)


def level_payment(principal: Decimal, rate: Fraction | Decimal, count: int) -> Decimal:
    if count <= 0:
        raise ValueError("count must be positive")
    principal, rate = Fraction(Decimal(principal)), Fraction(rate)
    if rate == 0:
        return fraction_to_cents(principal / count)
    growth = (1 + rate) ** count
    return fraction_to_cents(principal * rate * growth / (growth - 1))


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
        interest = period_interest(balance, rate)
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


def build_fixed_payment_schedule(
    *,
    amount: Decimal,
    annual_rate_percent: Decimal,
    payment: Decimal,
    frequency: str,
    first_due: datetime.date,
    limit: int = 240,
    owed_interest: Decimal = ZERO,
) -> list[ScheduledInstalment]:
    """Instalments of ``payment`` until the principal is repaid; the last one takes what is left. Each
    instalment pays, in this order, what is left of ``owed_interest`` (interest already earned, e.g. an
    overdue loan's), the period's interest on the declining balance (rounded as above), then principal, so
    every instalment but the last is exactly ``payment``. Raises ValueError if the payment does not cover
    the first period's interest or would need more than ``limit`` instalments."""
    amount, payment, owed = to_cents(amount), to_cents(payment), to_cents(owed_interest)
    rate = periodic_rate(annual_rate_percent, frequency)
    balance, rows = amount, []
    if payment <= period_interest(balance, rate):
        raise ValueError("the payment does not cover the interest")
    while balance > 0 or owed > 0:
        if len(rows) == limit:
            raise ValueError("too many instalments")
        interest = period_interest(balance, rate)
        if payment <= interest:
            raise ValueError("the payment does not cover the interest")
        catch_up = min(owed, payment - interest)
        owed -= catch_up
        interest += catch_up
        principal = min(payment - interest, balance)
        balance -= principal
        rows.append(
            ScheduledInstalment(
                number=len(rows) + 1,
                due_date=due_date(first_due, frequency, len(rows)),
                principal=principal,
                interest=interest,
                balance_after=balance,
            )
        )
    return rows
