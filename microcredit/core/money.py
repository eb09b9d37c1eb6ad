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


def as_cents(amount: Decimal) -> int:
    """A money amount as a whole number of cents (derived reporting rows store integers)."""
    return int(to_cents(amount).scaleb(2))


def from_cents(cents: int | None) -> Decimal:
    """Whole cents back to a Decimal amount, exactly."""
    return Decimal(int(cents or 0)).scaleb(-MONEY_DECIMAL_PLACES)
