"""The board's privacy rule: one function, ``board_hidden``, that every board figure goes through (the
reporting dashboard, its CSV files and PDF, the board's home page, the coaching impact page).

The rule (README: *Who may see what*): nothing the board sees may let anyone work out one person's figure —
a loan's amount, one payment, one write-off, one coaching session — by reading a cell, by subtracting cells of
one report, or by subtracting two reports of consecutive dates.

1. **Small cells** (primary suppression). An amount or rate made of 1 to 4 *units* (loans, people,
   sessions) is hidden. A figure made of no unit is zero and says nothing about anyone: it is shown.
2. **Time.** The board sees closed months only (``board_dates``): a payment recorded today changes nothing the
   board can see until the month ends. A figure over a period, or a stock at a month's end, changes from one
   report to the next by what moved in the months concerned; so each figure carries the units that moved in
   each of those months (``Figure.months``) and is hidden when any of them moved 1 to 4 units. Differences
   between two reports then always cover at least five units (or none).
3. **Subtraction** (complementary suppression). When the reader knows that cells add up (a total and its
   parts: ``Sum``), a hidden part could be read off the total and the shown parts. So in every such sum at
   least two cells are hidden, or none, and the hidden parts together hold at least five units: the smallest
   shown part (in units, never a part of no unit) is hidden with them, repeatedly, then the total if nothing
   else is left.

Coordinators and advisors keep the full figures: the rule is the board's view only.
"""

import datetime
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field

SMALL_COUNT = 5  # below this, a count shows "<5" and an amount made of it is hidden


@dataclass(frozen=True)
class Figure:
    """One figure the board could see. ``units``: the distinct loans, people or sessions it is made of;
    ``months``: the units that moved in each month whose change the figure carries (see the module)."""

    key: Hashable
    units: int
    months: Sequence[int] = field(default=())


@dataclass(frozen=True)
class Sum:
    """``total`` (a key; None when the reader knows the total otherwise) = the sum of ``parts``."""

    parts: Sequence[Hashable]
    total: Hashable | None = None


def small(units: int | None) -> bool:
    return units is not None and 0 < units < SMALL_COUNT


def board_hidden(figures: Iterable[Figure], sums: Iterable[Sum] = ()) -> set[Hashable]:
    """The keys of the figures the board must not see (the rule in the module's docstring)."""
    figures = {figure.key: figure for figure in figures}
    hidden = {
        key
        for key, figure in figures.items()
        if figure.units and (small(figure.units) or any(small(units) for units in figure.months))
    }
    sums = [s for s in sums if s.parts]
    changed = True
    while changed:
        changed = False
        for relation in sums:
            cells = [*relation.parts, *([relation.total] if relation.total is not None else [])]
            hidden_cells = [key for key in cells if key in hidden]
            if not hidden_cells:
                continue
            hidden_units = sum(figures[key].units for key in relation.parts if key in hidden)
            if len(hidden_cells) >= 2 and (hidden_units >= SMALL_COUNT or relation.total in hidden):
                continue
            candidates = sorted(
                (key for key in relation.parts if key not in hidden and figures[key].units > 0),
                key=lambda key: (figures[key].units, str(key)),
            )
            if candidates:
                hidden.add(candidates[0])
                changed = True
            elif relation.total is not None and relation.total not in hidden:
                hidden.add(relation.total)
                changed = True
    return hidden


def last_closed_month_end(today: datetime.date) -> datetime.date:
    """The last day of the last month that has ended."""
    return today.replace(day=1) - datetime.timedelta(days=1)


def month_end(day: datetime.date) -> datetime.date:
    if day.year == datetime.MAXYEAR and day.month == 12:
        return datetime.date.max
    following = day.replace(day=28) + datetime.timedelta(days=4)
    return following - datetime.timedelta(days=following.day)


def board_dates(
    as_of: datetime.date, start: datetime.date, end: datetime.date, *, today: datetime.date
) -> tuple[datetime.date, datetime.date, datetime.date]:
    """The dates a board member sees: closed whole months. The as-of date is the end of a month that has
    ended (the last one at most), the period runs from the first of a month to the end of a month, on or
    before the as-of date."""
    as_of = min(month_end(as_of), last_closed_month_end(today))
    end = min(month_end(end), as_of)
    start = min(start.replace(day=1), end.replace(day=1))
    return as_of, start, end
