"""Reads of the funds' own money: what each source paid in and what was paid back to it, as of a date.

*Return accrued* (per the source's terms): simple interest at ``annual_return_rate`` on the capital
received and not yet repaid, day by day (actual days / 365), from each tranche's date to the as-of date,
rounded once to the cent. It is what the terms make owed; the return paid comes off it.
"""

import datetime
from collections import defaultdict
from decimal import Decimal
from fractions import Fraction

from funds.models import FunderRepayment, FundSource, FundSourceKind, Tranche
from microcredit.core.money import ZERO, fraction_to_cents


def active_funds():
    """The funds a loan may be charged to, in the order the default rule tries them: the outside sources by
    date of commitment, the organization's own fund last."""
    funds = list(FundSource.objects.filter(is_active=True).order_by("committed_on", "name", "pk"))
    return sorted(funds, key=lambda fund: fund.kind == FundSourceKind.OWN)


def accrued_return(
    movements: list[tuple[datetime.date, Decimal]], rate: Decimal, as_of: datetime.date
) -> Decimal:
    """Simple interest at ``rate`` % a year on the running capital balance (``movements``: dated changes,
    + received, - repaid), up to ``as_of``."""
    if not rate:
        return ZERO
    total = Fraction(0)
    balance = Fraction(0)
    moments = sorted((day, Fraction(amount)) for day, amount in movements if day <= as_of)
    for index, (day, amount) in enumerate(moments):
        balance += amount
        until = moments[index + 1][0] if index + 1 < len(moments) else as_of
        total += balance * Fraction(rate) / 100 * (until - day).days / 365
    return fraction_to_cents(total)


def fund_cash(*, as_of: datetime.date, start: datetime.date | None = None) -> dict[int, dict]:
    """{fund id: received, capital repaid, return paid, return accrued as of ``as_of`` (and, with
    ``start``, what was received and repaid from ``start`` to ``as_of``)}. Three queries."""
    funds = {fund.pk: fund for fund in FundSource.objects.all()}
    movements: dict[int, list] = defaultdict(list)
    figures = {
        pk: dict.fromkeys(
            ("received", "capital_repaid", "return_paid", "received_period", "repaid_period"), ZERO
        )
        for pk in funds
    }
    for fund_id, day, amount in Tranche.objects.filter(received_on__lte=as_of).values_list(
        "fund_id", "received_on", "amount"
    ):
        figures[fund_id]["received"] += amount
        if start and day >= start:
            figures[fund_id]["received_period"] += amount
        movements[fund_id].append((day, amount))
    for fund_id, day, capital, interest in FunderRepayment.objects.filter(paid_on__lte=as_of).values_list(
        "fund_id", "paid_on", "capital", "interest"
    ):
        figures[fund_id]["capital_repaid"] += capital
        figures[fund_id]["return_paid"] += interest
        if start and day >= start:
            figures[fund_id]["repaid_period"] += capital + interest
        movements[fund_id].append((day, -capital))
    for pk, fund in funds.items():
        figures[pk]["return_accrued"] = accrued_return(movements[pk], fund.annual_return_rate, as_of)
    return figures
