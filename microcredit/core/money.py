"""Money helpers: amounts are ``Decimal`` in Canadian dollars, rounded to the cent, never ``float``.

One rounding mode for the whole application: ROUND_HALF_UP ("arrondi commercial"), the rule people
expect on a statement. Later issues (schedules, allocations) round through ``to_cents`` only.
How amounts are *written* is in ``microcredit.core.formatting``.
"""

import math
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

MONEY_MAX_DIGITS = 12
MONEY_DECIMAL_PLACES = 2
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def to_cents(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, float):
        raise TypeError("Money is never a float: pass a Decimal, an int or a string.")
    return Decimal(amount).quantize(CENT, rounding=ROUND_HALF_UP)


def fraction_to_cents(value: Fraction) -> Decimal:
    """An exact quantity (a fraction, e.g. balance x annual rate / (100 x periods)) rounded once to the cent,
    half a cent away from zero like ``to_cents``. No intermediate division is rounded, so an exact half cent
    is never a hair below and rounded down."""
    value = Fraction(value)
    cents = math.floor(abs(value) * 100 + Fraction(1, 2))
    return (Decimal(cents if value >= 0 else -cents) / 100).quantize(CENT)


def as_cents(amount: Decimal) -> int:
    """A money amount as a whole number of cents (derived reporting rows store integers)."""
    return int(to_cents(amount).scaleb(2))


def from_cents(cents: int | None) -> Decimal:
    """Whole cents back to a Decimal amount, exactly."""
    return Decimal(int(cents or 0)).scaleb(-MONEY_DECIMAL_PLACES)
