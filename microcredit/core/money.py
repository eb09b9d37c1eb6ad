"""Money helpers: amounts are ``Decimal`` in Canadian dollars, rounded to the cent, never ``float``.

One rounding mode for the whole application: ROUND_HALF_UP ("arrondi commercial"), the rule people
expect on a statement. Later issues (schedules, allocations) round through ``to_cents`` only.
"""

from decimal import ROUND_HALF_UP, Decimal

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)
