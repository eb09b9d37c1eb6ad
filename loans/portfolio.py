"""The portfolio's SQL over the loans' tables, and the one definition of "unpaid as of a date".

**Unpaid as of D** (the oldest unpaid due date, days past due, PAR): an instalment is not fully paid as of D
when no payment dated on or before D completed it: its ``settled_on`` (the date of the payment that completed
it, kept by the allocation) is empty or after D. The oldest unpaid due date as of D is the smallest due date
of those; days past due are D minus it when it is on or before D. It is written once here, for each form the
code needs, and every other place builds on these (``tests/loans/test_portfolio.py`` checks that the forms
agree, loan by loan and day by day):

- ``unsettled_q`` (the ORM: ``InstalmentQuerySet.unpaid_as_of``, ``loans.selectors``),
- ``unsettled_sql`` (SQL: the ledger's rebuild, the monthly snapshots, the book below),
- ``oldest_unsettled_due`` (Python, over instalments in memory: the allocation, the disbursement).

**The book** (``book_sql``): one row per loan disbursed as of D, in cents, which the board's report
(``reports.selectors``, ``reports.capital``) groups and the drill-down lists. It starts from a *base*, a
stored picture of every loan's paid principal and oldest unpaid due date at a known day, and takes back what
was paid or settled after D up to that day (an index range on ``paid_on`` / ``settled_on``):

- as of today, or a date after the latest month end with a snapshot, the base is the loans' positions
  (``LoanPosition``, today);
- as of a past date, the base is the monthly snapshot of the first month end on or after D
  (``PositionSnapshot``): as of a month end, nothing to take back; as of another day, at most one month of
  payments.

The board's full report reads the book once (``portfolio_sql`` with ``capital_bands``): the key figures, the
breakdowns, the fund ledgers' loan figures and the loan-loss reserve's bands come from the same classes.

Both are kept by ``loans.services.ledger`` in the transaction of each change (a payment backdated into a past
month updates the snapshots from that month on), and ``manage.py rebuild_ledger`` recomputes them.
"""

import datetime
import functools
import re

from django.db import connection

PAR_DAYS = (1, 30, 90)

# --- Unpaid as of a date: the one definition -------------------------------------------------------------


def unsettled_sql(alias: str, as_of: str | None = None) -> str:
    """SQL: the instalment ``alias`` is not fully paid as of the SQL date ``as_of`` (None: today, that is as
    the allocation stands)."""
    if as_of is None:
        return f"{alias}.settled_on IS NULL"
    return f"({alias}.settled_on IS NULL OR {alias}.settled_on > {as_of})"


def settled_between_sql(alias: str, after: str, until: str | None) -> str:
    """SQL: the instalment ``alias`` was unpaid as of ``after`` and is not as of ``until`` (None: today):
    the part of ``unsettled_sql(alias, after)`` that a base taken at ``until`` no longer holds."""
    bound = "" if until is None else f" AND {alias}.settled_on <= {until}"
    return f"{alias}.settled_on > {after}{bound}"


def unsettled_q(as_of: datetime.date | None = None):
    """The ORM form of ``unsettled_sql`` (on instalments)."""
    from django.db.models import Q

    if as_of is None:
        return Q(settled_on__isnull=True)
    return Q(settled_on__isnull=True) | Q(settled_on__gt=as_of)


def oldest_unsettled_due(instalments, settled_on=None, as_of: datetime.date | None = None):
    """The Python form: the oldest due date of ``instalments`` not fully paid as of ``as_of`` (None: today),
    their settlement date read by ``settled_on(instalment)`` (default: the stored ``settled_on``)."""

    def unpaid(instalment) -> bool:
        day = settled_on(instalment) if settled_on else instalment.settled_on
        return day is None or (as_of is not None and day > as_of)

    return min((i.due_date for i in instalments if unpaid(i)), default=None)


# --- The monthly snapshots -------------------------------------------------------------------------------

CENTS = "CAST(ROUND(COALESCE({}, 0) * 100) AS BIGINT)"


def snapshot_month_sql(loan_filter: bool) -> str:
    """INSERT the snapshot rows of the month end ``%(month_end)s`` (every loan disbursed by then and not
    repaid as of then), for every loan or only ``%(loan)s``; set-based (one pass over the allocations and the
    instalments)."""
    only = "AND {}.loan_id = %(loan)s" if loan_filter else ""
    return f"""
INSERT INTO loans_positionsnapshot (month_end, loan_id, principal_paid_cents, first_unsettled_due)
SELECT %(month_end)s, p.loan_id, {CENTS.format("a.principal")}, u.due_date
FROM loans_loanposition p
LEFT JOIN (SELECT a.loan_id, SUM(a.principal) AS principal FROM loans_allocation a
           WHERE a.paid_on <= %(month_end)s {only.format("a")} GROUP BY a.loan_id) a ON a.loan_id = p.loan_id
LEFT JOIN (SELECT i.loan_id, MIN(i.due_date) AS due_date FROM loans_instalment i
           WHERE {unsettled_sql("i", "%(month_end)s")} {only.format("i")} GROUP BY i.loan_id) u
       ON u.loan_id = p.loan_id
WHERE p.disbursed_on <= %(month_end)s {only.format("p")}
  AND (u.due_date IS NOT NULL OR {CENTS.format("a.principal")} < p.lent_cents)"""


# --- The book ------------------------------------------------------------------------------------------

POSITIONS, SNAPSHOT = "positions", "snapshot"


def _base_parts(base: str) -> tuple[str | None, str, str, str]:
    """What the book reads from its base: the day it was taken (an SQL parameter, None for today), the
    principal paid and the oldest unpaid due date as of then (SQL over ``p``, the position, and ``m``, the
    snapshot row), and the join that brings the snapshot row."""
    if base == POSITIONS:
        return None, "p.principal_paid_cents", "p.first_unsettled_due", ""
    return (
        "%(base)s",
        "COALESCE(m.principal_paid_cents, p.lent_cents)",
        "m.first_unsettled_due",
        "LEFT JOIN loans_positionsnapshot m ON m.loan_id = p.loan_id AND m.month_end = %(base)s\n    ",
    )


def book_sql(base: str = POSITIONS) -> str:
    """The ``later``, ``settled_since`` and ``book`` common table expressions as of ``%(as_of)s``, from the
    positions (``base`` POSITIONS) or from the snapshot of the month end ``%(base)s`` (SNAPSHOT, a month end
    on or after ``as_of``). A loan without a snapshot row is repaid as of that month end."""
    until, paid, unsettled, join = _base_parts(base)
    later_bound = "" if until is None else f" AND a.paid_on <= {until}"
    return f"""
WITH
later AS (
    SELECT a.loan_id, CAST(ROUND(SUM(a.principal) * 100) AS BIGINT) AS principal
    FROM loans_allocation a
    WHERE a.paid_on > %(as_of)s{later_bound}
    GROUP BY a.loan_id
),
settled_since AS (
    SELECT i.loan_id, MIN(i.due_date) AS due_date
    FROM loans_instalment i
    WHERE {settled_between_sql("i", "%(as_of)s", until)}
    GROUP BY i.loan_id
),
book AS (
    SELECT p.loan_id AS id, p.borrower_id, p.circle_id, p.product_id, p.guaranteed, p.fund_id, p.disbursed_on,
           p.lent_cents AS lent, p.principal_paid_cents AS paid_now,
           p.lent_cents - {paid} + COALESCE(later.principal, 0) AS balance,
           CASE WHEN s.due_date < {unsettled} OR {unsettled} IS NULL THEN s.due_date
                ELSE {unsettled} END AS oldest_unpaid,
           CASE WHEN p.written_off_at < %(as_of_end)s THEN p.written_off_at END AS written_off_at,
           CASE WHEN p.restructured_on <= %(as_of)s THEN 1 ELSE 0 END AS restructured
    FROM loans_loanposition p
    {join}LEFT JOIN later ON later.loan_id = p.loan_id
    LEFT JOIN settled_since s ON s.loan_id = p.loan_id
    WHERE p.disbursed_on <= %(as_of)s
)"""


BOOK_SQL = book_sql(POSITIONS)


def book_base(as_of: datetime.date, today: datetime.date) -> tuple[str, dict]:
    """Which base the book as of ``as_of`` reads, and its parameter: the snapshot of the first month end on
    or after ``as_of`` if there is one before today, else the positions. One small query (none as of
    today)."""
    from loans.models import PositionMonth

    if as_of >= today:
        return POSITIONS, {}
    month_end = (
        PositionMonth.objects.filter(month_end__gte=as_of, month_end__lt=today)
        .order_by("month_end")
        .values_list("month_end", flat=True)
        .first()
    )
    return (SNAPSHOT, {"base": month_end}) if month_end else (POSITIONS, {})


# Active (open, in arrears or in default) and repaid, as of D.
OPEN = "(written_off_at IS NULL AND balance > 0)"
REPAID = "(written_off_at IS NULL AND balance <= 0)"
WRITTEN_OFF_IN_PERIOD = "written_off_at >= %(start_at)s AND written_off_at < %(end_at)s"

# Each loan of the book is classed once (state, lateness, in the period or not); the classes are counted and
# summed by circle and product in one pass over the book, and the figures read from those few thousand rows.
CLASSES = {
    "state": "CASE WHEN written_off_at IS NOT NULL THEN 2 WHEN balance > 0 THEN 0 ELSE 1 END",  # 0 active
    "late": "CASE WHEN oldest_unpaid < %(par90)s THEN 90 WHEN oldest_unpaid < %(par30)s THEN 30 "
    "WHEN oldest_unpaid < %(par1)s THEN 1 ELSE 0 END",  # more than n days late
    "disbursed_in_period": "CASE WHEN disbursed_on BETWEEN %(start)s AND %(end)s THEN 1 ELSE 0 END",
    "written_off_in_period": f"CASE WHEN {WRITTEN_OFF_IN_PERIOD} THEN 1 ELSE 0 END",
    "restructured": "restructured",  # restructured on or before D (``LoanPosition.restructured_on``)
}
ACTIVE = "state = 0"
AGGREGATES = {
    "active_loans": f"SUM(loans) FILTER (WHERE {ACTIVE})",
    "outstanding": f"SUM(balance) FILTER (WHERE {ACTIVE})",
    "outstanding_circle": f"SUM(balance) FILTER (WHERE {ACTIVE} AND guaranteed)",
    "outstanding_individual": f"SUM(balance) FILTER (WHERE {ACTIVE} AND NOT guaranteed)",
    "loans_circle": f"SUM(loans) FILTER (WHERE {ACTIVE} AND guaranteed)",
    "loans_individual": f"SUM(loans) FILTER (WHERE {ACTIVE} AND NOT guaranteed)",
    **{f"par{days}": f"SUM(balance) FILTER (WHERE {ACTIVE} AND late >= {days})" for days in PAR_DAYS},
    **{f"par{days}_loans": f"SUM(loans) FILTER (WHERE {ACTIVE} AND late >= {days})" for days in PAR_DAYS},
    "restructured": f"SUM(balance) FILTER (WHERE {ACTIVE} AND restructured = 1)",
    "restructured_loans": f"SUM(loans) FILTER (WHERE {ACTIVE} AND restructured = 1)",
    "disbursed_count": "SUM(loans) FILTER (WHERE disbursed_in_period = 1)",
    "disbursed_amount": "SUM(lent) FILTER (WHERE disbursed_in_period = 1)",
    "disbursed_count_all": "SUM(loans)",
    "disbursed_amount_all": "SUM(lent)",
    "repaid_loans": "SUM(loans) FILTER (WHERE state = 1)",
    "written_off_loans": "SUM(loans) FILTER (WHERE state = 2)",
    "written_off": "SUM(balance) FILTER (WHERE state = 2)",
    "written_off_loans_period": "SUM(loans) FILTER (WHERE written_off_in_period = 1)",
    "written_off_period": "SUM(balance) FILTER (WHERE written_off_in_period = 1)",
}


# With the capital section (``capital_bands``, the number of the loan-loss reserve's bands): each class also
# by fund and band of days past due, what the fund ledgers need, and two more groupings (by fund, by fund and
# band), so that the figures, the fund ledgers and the loan-loss reserve read one book.
CAPITAL_CLASSES = {
    "band_id": "{band_case}",
    "disbursed_from_start": "CASE WHEN disbursed_on >= %(fund_start)s THEN 1 ELSE 0 END",
}
CAPITAL_AGGREGATES = {
    "balance_all": "SUM(balance)",  # lent - balance: the principal paid as of D
    "lent_from_start": "SUM(lent) FILTER (WHERE disbursed_from_start = 1)",
    # The fund ledgers' write-offs: what was still owed when the loan was written off (paid as it stands).
    "written_off_lent": "SUM(lent) FILTER (WHERE state = 2)",
    "written_off_paid_now": "SUM(paid_now) FILTER (WHERE state = 2)",
}
CAPITAL_GROUPINGS = (("fund",), ("fund", "band"))


def band_case(count: int) -> str:
    """The loan-loss reserve's band index of a loan of the book (``count`` bands): the last band whose first
    day (``%(band{index})s``, the as-of date less that many days) its oldest unpaid due date has reached."""
    whens = " ".join(
        f"WHEN oldest_unpaid <= %(band{index})s THEN {index}" for index in range(count - 1, 0, -1)
    )
    return f"CASE {whens} ELSE 0 END" if whens else "0"


@functools.cache
def portfolio_sql(base: str, breakdowns: tuple[str, ...], capital_bands: int | None = None) -> str:
    """Classes of loans by circle and product, their figures by circle and product, then one SELECT per
    grouping (the totals, then each breakdown) joined with UNION ALL: the rows of GROUP BY GROUPING SETS,
    written so that SQLite (the demo) runs it too. The number of active borrowers (distinct people) is
    counted once, for the totals. With ``capital_bands`` (see ``CAPITAL_CLASSES``), the classes are also by
    fund and band, and two more SELECTs give their figures by fund and by fund and band."""
    capital = capital_bands is not None
    class_expressions = dict(CLASSES)
    if capital:
        band = band_case(capital_bands)
        class_expressions.update({name: sql.format(band_case=band) for name, sql in CAPITAL_CLASSES.items()})
    classes = ",\n".join(f"{expression} AS {name}" for name, expression in class_expressions.items())
    class_names = ", ".join(class_expressions)
    group_keys = "circle_id, product_id, guaranteed" + (", fund_id" if capital else "")
    keep = "circle_id, product_id, guaranteed, balance, lent" + (", fund_id, paid_now" if capital else "")
    paid_now = ", CAST(SUM(paid_now) AS BIGINT) AS paid_now" if capital else ""
    # Sums of integers kept integers (PostgreSQL would widen them to numeric, slower to add up).
    by_group = ",\n".join(
        f"CAST({expression} AS BIGINT) AS {name}" for name, expression in AGGREGATES.items()
    )
    sums = ", ".join(f"CAST(SUM({name}) AS BIGINT) AS {name}" for name in AGGREGATES)
    names = [*breakdowns, *(("fund", "band") if capital else ())]
    if capital:
        sums += "".join(f", CAST(NULL AS BIGINT) AS {name}" for name in CAPITAL_AGGREGATES)
    # The borrowers are counted from the base tables, not from ``book``: a CTE read twice is materialized.
    _until, paid, _unsettled, join = _base_parts(base)

    def select(grouped: tuple[str, ...], figures: str, source: str) -> str:
        flags = ", ".join(f"{0 if name in grouped else 1} AS g_{name}" for name in names)
        keys = ", ".join(
            f"{name}_id" if name in grouped else f"CAST(NULL AS BIGINT) AS {name}_id" for name in names
        )
        borrowers = "NULL" if grouped else "(SELECT n FROM borrowers)"
        group_by = f" GROUP BY {', '.join(f'{name}_id' for name in grouped)}" if grouped else ""
        return f"SELECT {flags}, {keys}, {figures}, {borrowers} AS active_borrowers FROM {source}{group_by}"

    selects = [select(grouped, sums, "by_group_circle") for grouped in [(), *((n,) for n in breakdowns)]]
    if capital:
        # By fund, and by fund and band: straight from the classes (a few more rows than by_group).
        figures = ", ".join(
            f"CAST({expression} AS BIGINT) AS {name}"
            for name, expression in {**AGGREGATES, **CAPITAL_AGGREGATES}.items()
        )
        selects += [select(grouped, figures, "classes") for grouped in CAPITAL_GROUPINGS]
    # Fixed fragments only: every value is a bound parameter.
    return (
        book_sql(base)
        + f""",
borrowers AS (
    SELECT COUNT(DISTINCT p.borrower_id) AS n
    FROM loans_loanposition p
    {join}LEFT JOIN later ON later.loan_id = p.loan_id
    WHERE p.disbursed_on <= %(as_of)s AND (p.written_off_at IS NULL OR p.written_off_at >= %(as_of_end)s)
      AND p.lent_cents - {paid} + COALESCE(later.principal, 0) > 0
),
classes AS (
    SELECT {group_keys}, {class_names},
           COUNT(*) AS loans, CAST(SUM(balance) AS BIGINT) AS balance,
           CAST(SUM(lent) AS BIGINT) AS lent{paid_now}
    FROM (SELECT {keep},
{classes}
          FROM book) AS classed
    GROUP BY {group_keys}, {class_names}
),
by_group AS (
    SELECT circle_id, product_id,
{by_group}
    FROM classes
    GROUP BY circle_id, product_id
),
by_group_circle AS (
    SELECT by_group.*, c.advisor_id, c.network_id
    FROM by_group LEFT JOIN circles_circle c ON c.id = by_group.circle_id
)
"""
        + "\nUNION ALL\n".join(selects)
    )


def loans_behind_sql(base: str, where: str, breakdown: str | None, none: bool) -> str:
    """The ids of the book's loans matching ``where`` (a fixed fragment), within one breakdown group
    (``%(key)s``, or the group without one with ``none``)."""
    sql = book_sql(base) + (
        f" SELECT book.id FROM book LEFT JOIN circles_circle c ON c.id = book.circle_id WHERE {where}"
    )
    if breakdown:
        sql += f" AND {breakdown}_id IS NULL" if none else f" AND {breakdown}_id = %(key)s"
    return sql


def loss_reserve_sql(base: str, band_expression: str) -> str:
    """The active loans' outstanding principal by fund and band of days past due (``band_case``, a fixed
    CASE over ``oldest_unpaid`` whose bounds are parameters)."""
    return (
        book_sql(base)
        + f""",
banded AS (SELECT fund_id, balance, {band_expression} AS band FROM book WHERE {OPEN})
SELECT fund_id, band, COUNT(*) AS loans, CAST(SUM(balance) AS BIGINT) AS balance
FROM banded
GROUP BY fund_id, band"""
    )


def _prev_book_sql(base: str) -> str:
    """``book_sql``'s common table expressions as of the previous month's end (``%(prev)s``, base
    ``%(prev_base)s``), renamed."""
    sql = book_sql(base).replace("WITH\n", ",\n", 1)
    for old, new in (("later", "later_p"), ("settled_since", "settled_p"), ("book", "book_p")):
        sql = re.sub(rf"\b{old}\b", new, sql)
    return (
        sql.replace("%(as_of)s", "%(prev)s")
        .replace("%(as_of_end)s", "%(prev_end)s")
        .replace("%(base)s", "%(prev_base)s")
    )


def _in_band(alias: str, days: int, suffix: str = "") -> str:
    return (
        f"CASE WHEN {alias}.written_off_at IS NULL AND {alias}.balance > 0 "
        f"AND {alias}.oldest_unpaid < %(par{days}{suffix})s THEN 1 ELSE 0 END"
    )


def _in_reserve_band(alias: str, index: int, count: int, suffix: str = "", name: str = "band") -> str:
    """1 when the loan ``alias`` is active and in the loan-loss reserve's band ``index`` of ``count``
    (``reports.capital``: the oldest unpaid due date on or before ``%(band{index})s``, after the next
    band's); ``name="piece"``: the same over the parameters ``%(piece{index})s``."""
    lower = f" AND {alias}.oldest_unpaid <= %({name}{index}{suffix})s" if index else ""
    upper = (
        f" AND ({alias}.oldest_unpaid IS NULL OR {alias}.oldest_unpaid > %({name}{index + 1}{suffix})s)"
        if index + 1 < count
        else ""
    )
    return f"CASE WHEN {alias}.written_off_at IS NULL AND {alias}.balance > 0{lower}{upper} THEN 1 ELSE 0 END"


def _moved(new: str, old: str, name: str) -> str:
    changed = f"{new} <> COALESCE({old}, 0) OR ({new} = 1 AND n.balance <> o.balance)"
    return f"CASE WHEN {changed} THEN 1 ELSE 0 END AS {name}"


@functools.cache
def par_movers_sql(base: str, prev_base: str, reserve_bands: int = 0, pieces: int = 0) -> str:
    """By circle and product, the loans that entered, left or changed balance in each PAR band between the
    previous month's end (``%(prev)s``) and ``%(as_of)s`` (``moved{days}``), in each of the loan-loss
    reserve's ``reserve_bands`` bands (``band_moved{index}``), and in each of ``pieces`` ranges of days late
    given like the bands (``%(piece{index})s``: ``piece_moved{index}``, the board's days-late pieces)."""
    columns = [_moved(_in_band("n", days), _in_band("o", days, "_p"), f"moved{days}") for days in PAR_DAYS]
    for name, count in (("band", reserve_bands), ("piece", pieces)):
        columns += [
            _moved(
                _in_reserve_band("n", index, count, name=name),
                _in_reserve_band("o", index, count, "_p", name=name),
                f"{name}_moved{index}",
            )
            for index in range(count)
        ]
    sums = [f"SUM(moved{days}) AS moved{days}" for days in PAR_DAYS]
    sums += [f"SUM(band_moved{index}) AS band_moved{index}" for index in range(reserve_bands)]
    sums += [f"SUM(piece_moved{index}) AS piece_moved{index}" for index in range(pieces)]
    return (
        book_sql(base)
        + _prev_book_sql(prev_base)
        + ",\nbands AS (SELECT n.circle_id, n.product_id, "
        + ", ".join(columns)
        + " FROM book n LEFT JOIN book_p o ON o.id = n.id)\n"
        + "SELECT circle_id, product_id, "
        + ", ".join(sums)
        + " FROM bands GROUP BY circle_id, product_id"
    )


def month_sql(column: str) -> str:
    """The month index (``year * 12 + month - 1``) of a date column, in SQL (``%%``: the queries have
    parameters)."""
    if connection.vendor == "postgresql":
        return (
            f"(CAST(EXTRACT(YEAR FROM {column}) AS INTEGER) * 12"
            f" + CAST(EXTRACT(MONTH FROM {column}) AS INTEGER) - 1)"
        )
    return (
        f"(CAST(strftime('%%Y', {column}) AS INTEGER) * 12 + CAST(strftime('%%m', {column}) AS INTEGER) - 1)"
    )


def moved_sql() -> str:
    """By month, circle, product and regime: the loans that moved (paid, principal paid, disbursed) between
    two dates (four positional parameters: the allocations' bounds, then the disbursements')."""
    return f"""
SELECT moved.m, p.circle_id, p.product_id, p.guaranteed,
       COUNT(DISTINCT CASE WHEN moved.kind <> 'i' THEN moved.loan_id END),
       COUNT(DISTINCT CASE WHEN moved.kind IN ('i', 'p') THEN moved.loan_id END),
       COUNT(DISTINCT CASE WHEN moved.kind = 'p' THEN moved.loan_id END),
       COUNT(DISTINCT CASE WHEN moved.kind = 'd' THEN moved.loan_id END)
FROM (
    SELECT a.loan_id, {month_sql("a.paid_on")} AS m, CASE WHEN a.principal > 0 THEN 'p' ELSE 'i' END AS kind
    FROM loans_allocation a WHERE a.paid_on >= %s AND a.paid_on <= %s
    UNION ALL
    SELECT d.loan_id, {month_sql("d.disbursed_on")} AS m, 'd' AS kind
    FROM loans_loanposition d WHERE d.disbursed_on >= %s AND d.disbursed_on <= %s
) moved JOIN loans_loanposition p ON p.loan_id = moved.loan_id
GROUP BY moved.m, p.circle_id, p.product_id, p.guaranteed"""


def due_sql() -> str:
    """By month: the loans with an instalment falling due (not after their write-off day), between two dates,
    disbursed by the third."""
    return f"""
SELECT {month_sql("i.due_date")}, COUNT(DISTINCT i.loan_id)
FROM loans_instalment i JOIN loans_loanposition p ON p.loan_id = i.loan_id
WHERE i.due_date >= %s AND i.due_date <= %s AND p.disbursed_on <= %s
  AND (p.written_off_at IS NULL OR i.due_date < date(p.written_off_at))
GROUP BY {month_sql("i.due_date")}"""


def active_sql() -> str:
    """Loans by month of disbursement and month of repayment (last instalment settled), disbursed by the
    first parameter and not written off before the second."""
    return f"""
SELECT {month_sql("x.disbursed_on")}, {month_sql("x.repaid_on")}, COUNT(*)
FROM (
    SELECT p.disbursed_on,
           CASE WHEN p.principal_paid_cents >= p.lent_cents
                THEN (SELECT MAX(i.settled_on) FROM loans_instalment i WHERE i.loan_id = p.loan_id)
           END AS repaid_on
    FROM loans_loanposition p
    WHERE p.disbursed_on <= %s AND (p.written_off_at IS NULL OR p.written_off_at >= %s)
) x
GROUP BY {month_sql("x.disbursed_on")}, {month_sql("x.repaid_on")}"""
