"""The board's portfolio report: plain dicts of Decimals, computed in SQL in a fixed number of queries.

Definitions (as of a date D, over a period [start, end] that ends on or before D):

- A loan is *disbursed* as of D when its disbursement date is on or before D.
- *Paid as of D*: the allocations of the payments dated on or before D. Reversed payments have no
  allocation (the allocation is rebuilt without them), so they never count.
- A disbursed loan is *written off* as of D when its write-off was recorded (LoanTransition) on or before D;
  it is *repaid* as of D when its whole principal is paid as of D (payments fill the instalments in order,
  interest before principal, so the last cent owed is principal: nothing is owed, the rule that closes a
  loan); otherwise it is *active* (open, in arrears or in default). Statuses are thus read from the ledger
  and the write-off history, so a past date gives the past picture even for a loan repaid or written off
  since then.
- *Outstanding principal*: amount lent less the principal paid as of D, over the active loans.
- *Days late*: D minus the due date of the oldest instalment not fully paid as of D. Payments fill the
  instalments in order, so an instalment is fully paid as of D exactly when the payment that completed it
  (``Instalment.settled_on``, kept by the allocation) is dated on or before D. The one definition of the
  loans' days past due (``loans.portfolio``: ``unsettled_sql``, the SQL form the book is built from).
- *PARn*: outstanding principal of the active loans more than n days late / outstanding principal of all
  active loans (percent, rounded to 0.01). Exactly 30 days late is not in PAR30; 31 is. A loan is in
  default when more than ``loan_default_days`` (90) late: exactly 90 is in neither PAR90 nor default.
- *Collection rate*: what was paid (interest and principal) by payments dated in the period / what fell
  due in the period, for the whole portfolio. Both are summed from the daily rows (``PortfolioDay``) kept
  with the ledger. The instalments of a written-off loan due after the day of its write-off are not "due".
- *Written off*: the principal still outstanding when the loan was written off. *Loss rate*: principal
  written off as of D / principal disbursed as of D.
- *Capital available to lend*, the fund ledgers and the loan-loss reserve: ``reports.capital``.
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Circle, CircleNetwork, TrainingSession
from coaching.selectors.impact import impact_figures
from loans import month_figures, portfolio
from loans.models import Allocation, GuaranteeCall, LoanPosition, LoanProduct, PortfolioDay
from loans.portfolio import AGGREGATES, OPEN, PAR_DAYS, REPAID
from microcredit.accounts.models import Demographics, Gender, IncomeSource, User
from microcredit.core.money import ZERO, from_cents
from microcredit.core.months import add_months, month_start
from microcredit.core.selectors import SMALL_COUNT

PERCENT = Decimal("0.01")
BREAKDOWNS = ("circle", "advisor", "product", "network")
TREND_MONTHS = 12
# The figures of ``loans.portfolio.AGGREGATES`` that are amounts (in cents there).
CENTS_FIGURES = (
    "outstanding",
    "restructured",
    "outstanding_circle",
    "outstanding_individual",
    "par1",
    "par30",
    "par90",
    "disbursed_amount",
    "disbursed_amount_all",
    "written_off",
    "written_off_period",
)

# The portfolio SQL over the loans tables (the book, its classes and aggregates, the drill-down, the board's
# activity) is the loans app's: ``loans.portfolio``. This module reads it and turns it into figures.


def percent(part: Decimal, whole: Decimal) -> Decimal | None:
    """``part`` / ``whole`` in percent, to 0.01; None when there is no whole."""
    if not whole:
        return None
    return (Decimal(100) * part / whole).quantize(PERCENT, rounding=ROUND_HALF_UP)


def _end_of(day: datetime.date) -> datetime.datetime:
    """The first instant after ``day`` in the organization's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day + datetime.timedelta(days=1), datetime.time()))


def _start_of(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time()))


def _figures(row: dict) -> dict:
    """The KPIs of one row of the portfolio query (the totals or one breakdown group); amounts from cents."""
    figures = {key: row[key] or 0 for key in AGGREGATES if key not in CENTS_FIGURES}
    figures["active_borrowers"] = row["active_borrowers"]
    for key in CENTS_FIGURES:
        figures[key] = from_cents(row[key])
    outstanding = figures["outstanding"]
    for days in PAR_DAYS:
        figures[f"par{days}_amount"] = figures.pop(f"par{days}")
        figures[f"par{days}"] = percent(figures[f"par{days}_amount"], outstanding)
    figures["restructured_amount"] = figures.pop("restructured")
    figures["restructured_share"] = percent(figures["restructured_amount"], outstanding)
    figures["loss_rate"] = percent(figures["written_off"], figures["disbursed_amount_all"])
    figures["average_loan"] = (
        (figures["disbursed_amount"] / figures["disbursed_count"]).quantize(PERCENT, rounding=ROUND_HALF_UP)
        if figures["disbursed_count"]
        else None
    )
    return figures


def _fetch(sql: str, params: dict) -> list[dict]:
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A query of tens of milliseconds: compiling it (PostgreSQL's JIT, past a cost estimate reached
            # at about 100,000 loans) would take longer than running it.
            cursor.execute("SET LOCAL jit = off")
            # The book's classes are grouped in memory (a hash of some thousands of rows) rather than sorted
            # on disk: the planner, which cannot tell how few they are, would otherwise sort 100,000 rows.
            cursor.execute("SET LOCAL work_mem = '32MB'")
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _circles() -> dict[int, tuple]:
    """{circle id: (name, advisor id, network id)}: one small query, whatever the portfolio."""
    return {pk: rest for pk, *rest in Circle.objects.values_list("pk", "name", "advisor_id", "network_id")}


def _labels(circles: dict[int, tuple]) -> dict[str, dict]:
    """Names of circles, networks, products and advisors."""
    return {
        "circle": {pk: name for pk, (name, _advisor, _network) in circles.items()},
        "network": dict(CircleNetwork.objects.values_list("pk", "name")),
        "product": dict(LoanProduct.objects.values_list("pk", "name")),
        "advisor": {
            pk: f"{first} {last}".strip() or username
            for pk, first, last, username in User.objects.filter(circles__isnull=False)
            .distinct()
            .values_list("pk", "first_name", "last_name", "username")
        },
    }


def period_flows(start: datetime.date, end: datetime.date) -> dict[str, Decimal]:
    """What was collected (and of it, principal) and what fell due over [start, end]: one query on the daily
    rows."""
    totals = PortfolioDay.objects.filter(day__gte=start, day__lte=end).aggregate(
        collected=Sum("collected_cents"), principal=Sum("principal_collected_cents"), due=Sum("due_cents")
    )
    return {
        "collected": from_cents(totals["collected"]),
        "principal_collected": from_cents(totals["principal"]),
        "due_in_period": from_cents(totals["due"]),
    }


def book(as_of: datetime.date) -> tuple[str, dict]:
    """The base of the book as of ``as_of`` (``loans.portfolio.book_base``) and its parameter."""
    return portfolio.book_base(as_of, timezone.localdate())


def _params(as_of: datetime.date, start: datetime.date, end: datetime.date) -> dict:
    # Instants in UTC: SQLite (the demo) compares them as text with the UTC values Django stores.
    return {
        "as_of": as_of,
        "as_of_end": _end_of(as_of).astimezone(datetime.UTC),
        "start": start,
        "end": end,
        "start_at": _start_of(start).astimezone(datetime.UTC),
        "end_at": _end_of(end).astimezone(datetime.UTC),
        **{f"par{days}": as_of - datetime.timedelta(days=days) for days in PAR_DAYS},
    }


def _check_period(as_of: datetime.date, start: datetime.date, end: datetime.date) -> datetime.date:
    if start > end:
        raise ValueError("The period starts after it ends.")
    return min(end, as_of)


def reserve_params(as_of: datetime.date) -> dict:
    """The first day of each band of the loan-loss reserve (``settings.LOAN_LOSS_RESERVE_BANDS``) as a due
    date: ``band{index}`` is ``as_of`` less the band's first day of lateness."""
    return {
        f"band{index}": as_of - datetime.timedelta(days=first_day)
        for index, (first_day, _rate) in enumerate(settings.LOAN_LOSS_RESERVE_BANDS)
    }


@month_figures.computation("reports.portfolio_rows")
def portfolio_rows(as_of: datetime.date, *, start: datetime.date, end: datetime.date, capital: bool) -> list:
    """The rows of the portfolio SQL (``loans.portfolio.portfolio_sql``) as of ``as_of``: the totals, then
    each breakdown's groups, then with ``capital`` the funds' and the loan-loss reserve's. Kept for a closed
    month (``loans.month_figures``)."""
    base, base_params = book(as_of)
    params = {**_params(as_of, start, end), **base_params}
    bands = None
    if capital:
        bands = len(settings.LOAN_LOSS_RESERVE_BANDS)
        params.update(reserve_params(as_of), fund_start=start)
    rows = _fetch(portfolio.portfolio_sql(base, BREAKDOWNS, bands), params)
    # In a set order (grouping flags, then keys): PostgreSQL's hash aggregates give them in any order.
    rows.sort(key=lambda row: [(value is None, value) for name, value in row.items() if _is_key(name)])
    return rows


def _is_key(column: str) -> bool:
    return column.startswith("g_") or column.endswith("_id")


def portfolio_figures(
    *,
    as_of: datetime.date,
    start: datetime.date,
    end: datetime.date,
    breakdown: str | None = None,
    capital: bool = False,
) -> dict:
    """The portfolio's KPIs (``totals``) and, with ``breakdown`` (``"all"`` or one of BREAKDOWNS), its
    breakdowns: one query for the figures, four for the labels of the groups. With ``capital``, the same
    query also gives what the capital section reads from the book (``book_capital``: the loans by fund, and
    the active ones by fund and band of the loan-loss reserve, in cents; ``reports.capital``)."""
    end = _check_period(as_of, start, end)
    rows = month_figures.kept("reports.portfolio_rows", as_of, start=start, end=end, capital=capital)
    flags = (*BREAKDOWNS, "fund", "band") if capital else BREAKDOWNS
    totals = next(_figures(row) for row in rows if all(row[f"g_{name}"] for name in flags))
    # Collections over the period: for the whole portfolio (the breakdowns show stocks and disbursements).
    totals.update(period_flows(start, end))
    totals["collection_rate"] = percent(totals["collected"], totals["due_in_period"])
    result = {"as_of": as_of, "start": start, "end": end, "totals": totals, "breakdowns": {}}
    if capital:
        result["book_capital"] = {
            "funds": [row for row in rows if not row["g_fund"] and row["g_band"]],
            "reserve": [row for row in rows if not row["g_band"]],
        }
    wanted = BREAKDOWNS if breakdown == "all" else (breakdown,) if breakdown in BREAKDOWNS else ()
    if wanted:
        circles = _circles()
        result["network_of"] = {pk: network for pk, (_name, _advisor, network) in circles.items()}
        labels = _labels(circles)
        for name in wanted:
            groups = [
                {
                    "key": row[f"{name}_id"],
                    "label": labels[name].get(row[f"{name}_id"]) or _("None"),
                    **_figures(row),
                }
                for row in rows
                if not row[f"g_{name}"]
            ]
            groups.sort(key=lambda group: (-group["outstanding"], str(group["label"])))
            result["breakdowns"][name] = groups
    return result


# The loans behind each figure of the dashboard (for staff: drill-down).
FIGURES = {
    "active": OPEN,
    "par1": f"{OPEN} AND oldest_unpaid < %(par1)s",
    "par30": f"{OPEN} AND oldest_unpaid < %(par30)s",
    "par90": f"{OPEN} AND oldest_unpaid < %(par90)s",
    "restructured": f"{OPEN} AND restructured = 1",
    "circle": f"{OPEN} AND guaranteed",
    "individual": f"{OPEN} AND NOT guaranteed",
    "disbursed": "disbursed_on >= %(start)s AND disbursed_on <= %(end)s",
    "repaid": REPAID,
    "written_off": "written_off_at IS NOT NULL",
}


def _positional(sql: str, params: dict) -> tuple[str, list]:
    """``%(name)s`` placeholders as ``%s`` with the values in order, to embed the SQL in an ORM query."""
    values = []

    def placeholder(match):
        values.append(params[match.group(1)])
        return "%s"

    return re.sub(r"%\((\w+)\)s", placeholder, sql), values


def loans_behind(
    *,
    figure: str,
    as_of: datetime.date,
    start: datetime.date,
    end: datetime.date,
    breakdown: str = "",
    key: str = "",
) -> RawSQL:
    """The ids of the loans counted in ``figure`` (a key of FIGURES), within one breakdown group if given
    (``key`` "none" is the group without a circle / network), as a subquery for ``pk__in``: the drill-down
    pages through them in the database, whatever their number."""
    if figure not in FIGURES:
        raise ValueError(f"Unknown figure {figure!r}")
    end = _check_period(as_of, start, end)
    base, base_params = book(as_of)
    params = {**_params(as_of, start, end), **base_params}
    grouped = breakdown if breakdown in BREAKDOWNS else None
    if grouped and key != "none":
        params["key"] = int(key)
    sql = portfolio.loans_behind_sql(base, FIGURES[figure], grouped, none=key == "none")
    return RawSQL(*_positional(sql, params))


def default_period(end: datetime.date) -> datetime.date:
    """The start of the default period: the twelve calendar months up to ``end``."""
    return add_months(month_start(end), -11)


def portfolio_trends(*, as_of: datetime.date, months: int = TREND_MONTHS) -> list[dict]:
    """The last ``months`` months up to ``as_of``: disbursed, due, collected (and the collection rate),
    written off, and the outstanding principal at the end of each month (everything disbursed minus principal
    repaid minus written off up to then). The month of ``as_of`` stops at ``as_of``. Three queries on the
    daily rows and the written-off positions, whatever the portfolio size."""
    last = month_start(as_of)
    first = add_months(last, -(months - 1))
    keys = [add_months(first, index) for index in range(months)]
    flows = {
        key: dict.fromkeys(("disbursed", "due", "collected", "principal", "written_off"), ZERO)
        for key in keys
    }
    counts = dict.fromkeys(keys, 0)
    rollup = {"disbursed": Sum("disbursed_cents"), "principal": Sum("principal_collected_cents")}
    before = PortfolioDay.objects.filter(day__lt=first).aggregate(**rollup)
    for row in (
        PortfolioDay.objects.filter(day__gte=first, day__lte=as_of)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .order_by()
        .annotate(
            **rollup, due=Sum("due_cents"), collected=Sum("collected_cents"), count=Sum("disbursed_count")
        )
    ):
        for name in ("disbursed", "due", "collected", "principal"):
            flows[row["month"]][name] = from_cents(row[name])
        counts[row["month"]] = row["count"]
    # Written off: what was still owed when the loan was written off (no payment is taken after that).
    written_before = ZERO
    for at, lent, paid in LoanPosition.objects.filter(written_off_at__lt=_end_of(as_of)).values_list(
        "written_off_at", "lent_cents", "principal_paid_cents"
    ):
        month = month_start(timezone.localdate(at))
        if month in flows:
            flows[month]["written_off"] += from_cents(lent - paid)
        elif month < first:
            written_before += from_cents(lent - paid)

    outstanding = from_cents(before["disbursed"]) - from_cents(before["principal"]) - written_before
    trends = []
    for key in keys:
        month = flows[key]
        outstanding += month["disbursed"] - month["principal"] - month["written_off"]
        trends.append(
            {
                "month": key,
                "disbursed_count": counts[key],
                "disbursed": month["disbursed"],
                "due": month["due"],
                "collected": month["collected"],
                "collection_rate": percent(month["collected"], month["due"]),
                "written_off": month["written_off"],
                "outstanding": outstanding,
            }
        )
    return trends


def guarantee_call_figures(*, as_of: datetime.date, start: datetime.date, end: datetime.date) -> dict:
    as_of_end = _end_of(as_of)
    return GuaranteeCall.objects.aggregate(
        open=Count(
            "pk",
            filter=Q(opened_at__lt=as_of_end) & (Q(resolved_at__isnull=True) | Q(resolved_at__gte=as_of_end)),
        ),
        opened=Count("pk", filter=Q(opened_at__gte=_start_of(start), opened_at__lt=_end_of(end))),
        resolved=Count("pk", filter=Q(resolved_at__gte=_start_of(start), resolved_at__lt=_end_of(end))),
    )


def _share(label, count: int, total: int) -> dict:
    """A count and its share; under SMALL_COUNT both are hidden ("<5")."""
    if count < SMALL_COUNT:
        return {"label": str(label), "count": None, "percent": None, "display": f"<{SMALL_COUNT}"}
    return {
        "label": str(label),
        "count": count,
        "percent": percent(Decimal(count), Decimal(total)),
        "display": str(count),
    }


POPULATIONS = (
    ("women", "Women"),
    ("immigrants", "Immigrants"),
    ("anglophones", "Anglophones"),
    ("youth", "Youth under 35"),
    ("disability", "People living with a disability"),
    ("social_assistance", "Social assistance"),
    ("no_income", "No income"),
)


def social_reach(*, as_of: datetime.date) -> dict:
    """From consented answers only: the share of borrowers (a loan disbursed on or before ``as_of``) and of
    participants (every registered entrepreneur) in each target population. One query."""
    youth_from = as_of.year - 35
    populations = {
        "women": Q(gender=Gender.WOMAN),
        "immigrants": Q(immigrant=True),
        "anglophones": Q(anglophone=True),
        "youth": Q(birth_year__gt=youth_from),
        "disability": Q(disability=True),
        "social_assistance": Q(income_source=IncomeSource.SOCIAL_ASSISTANCE),
        "no_income": Q(income_source=IncomeSource.NO_INCOME),
    }
    # The borrowers from the loans' narrow positions (one per disbursed loan), not the loans themselves.
    borrower_ids = LoanPosition.objects.filter(disbursed_on__lte=as_of).values("borrower_id")
    consented = Demographics.objects.filter(consent_given_at__isnull=False)
    aggregates = {"participants": Count("pk"), "borrowers": Count("pk", filter=Q(profile__in=borrower_ids))}
    for key, condition in populations.items():
        aggregates[f"{key}_participants"] = Count("pk", filter=condition)
        aggregates[f"{key}_borrowers"] = Count("pk", filter=condition & Q(profile__in=borrower_ids))
    counts = consented.aggregate(**aggregates)
    labels = {
        "women": _("Women"),
        "immigrants": _("Immigrants"),
        "anglophones": _("Anglophones"),
        "youth": _("Youth under 35"),
        "disability": _("People living with a disability"),
        "social_assistance": _("Social assistance"),
        "no_income": _("No income"),
    }
    return {
        "consented_borrowers": _share(_("Borrowers who consented"), counts["borrowers"], counts["borrowers"]),
        "consented_participants": _share(
            _("Participants who consented"), counts["participants"], counts["participants"]
        ),
        "rows": [
            {
                "label": str(labels[key]),
                "borrowers": _share(labels[key], counts[f"{key}_borrowers"], counts["borrowers"]),
                "participants": _share(labels[key], counts[f"{key}_participants"], counts["participants"]),
            }
            for key, _label in POPULATIONS
        ],
    }


def training_figures(*, start: datetime.date, end: datetime.date) -> dict:
    return TrainingSession.objects.filter(date__range=(start, end)).aggregate(
        sessions=Count("pk"), trainings=Count("training", distinct=True)
    )


def portfolio_report(
    *,
    as_of: datetime.date | None = None,
    start: datetime.date | None = None,
    end: datetime.date | None = None,
    breakdown: str | None = "all",
    for_board: bool = False,
) -> dict:
    """Everything on the board's dashboard, as plain dicts of Decimals and ints; no person's name except
    advisors' in the ``advisor`` breakdown (views show that one to staff only). Default: as of today, over
    the twelve months up to it. A fixed number of queries, whatever the size of the portfolio. For the board's
    (``for_board``): with what the privacy rule needs (``board_activity``)."""
    as_of = as_of or timezone.localdate()
    end = end or as_of
    start = start or default_period(end)
    # One book for the figures and the capital section (the fund ledgers' loans, the loan-loss reserve).
    report = portfolio_figures(as_of=as_of, start=start, end=end, breakdown=breakdown, capital=True)
    report["guarantee_calls"] = guarantee_call_figures(as_of=as_of, start=report["start"], end=report["end"])
    report["trends"] = portfolio_trends(as_of=as_of)
    from reports.capital import capital_figures  # the capital section builds on this module's book

    report["capital"] = capital_figures(as_of=as_of, start=report["start"], book=report.pop("book_capital"))
    report["reach"] = social_reach(as_of=as_of)
    report["impact"] = impact_figures(start=report["start"], end=report["end"], for_board=for_board)
    report["training"] = training_figures(start=report["start"], end=report["end"])
    if for_board:
        report["activity"] = board_activity(
            as_of=as_of,
            start=min(report["start"], default_period(as_of)),
            period=(report["start"], report["end"]),
        )
    return report


KEPT_MONTHS = 12  # the closed months whose board report the hourly task keeps ready


def keep_board_report(today: datetime.date | None = None, months: int = KEPT_MONTHS) -> int:
    """Compute and keep, unless kept, the board's default report (what a board member opening the dashboard
    reads: the last closed month, ``board_dates`` of the default period) and the report as of each of the
    ``months`` closed month ends before it over its own default period (twelve months up to it). Returns how
    many were computed."""
    from loans.models import MonthFigures
    from microcredit.core.privacy import board_dates

    today = today or timezone.localdate()
    wanted = [board_dates(today, default_period(today), today, today=today)]
    month = wanted[0][0]
    for _index in range(months - 1):
        month = month_start(month) - datetime.timedelta(days=1)
        wanted.append((month, default_period(month), month))
    computed = 0
    for as_of, start, end in wanted:
        before = MonthFigures.objects.filter(month_end=as_of).count()
        portfolio_report(as_of=as_of, start=start, end=end, for_board=True)
        computed += MonthFigures.objects.filter(month_end=as_of).count() > before
    return computed


# What the board's privacy rule needs (``microcredit.core.privacy``): how many loans make each figure and how
# many moved in each month. Months are numbered ``year * 12 + month - 1``.


def month_index(day: datetime.date) -> int:
    return day.year * 12 + day.month - 1


def month_of(index: int) -> datetime.date:
    return datetime.date(index // 12, index % 12 + 1, 1)


def _rows(sql: str, params) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def days_late_cuts(first_days: list[int]) -> list[int]:
    """The thresholds, in days late ("at least n days late"), that split the active loans into the pieces
    of every figure by days past due: the loan-loss reserve's bands (``first_days``, the first one 0) and
    PAR1, PAR30, PAR90 (more than n days late: at least n + 1). Piece i runs from ``[0, *cuts][i]`` to the
    next threshold (the last one has none)."""
    return sorted({*first_days[1:], *(days + 1 for days in PAR_DAYS)})


def board_activity(
    *, as_of: datetime.date, start: datetime.date, period: tuple[datetime.date, datetime.date] | None = None
) -> dict:
    """What the board's privacy rule reads (``board_moves`` of ``activity_figures``, for the report's
    ``period``, default from ``start`` to ``as_of``), kept for a closed month (``loans.month_figures``: the
    board only reads closed months)."""
    period_start, period_end = period or (start, as_of)
    return month_figures.kept(
        "reports.board_activity", as_of, start=start, period_start=period_start, period_end=period_end
    )


@month_figures.computation("reports.board_activity")
def _board_activity(
    as_of: datetime.date, *, start: datetime.date, period_start: datetime.date, period_end: datetime.date
) -> dict:
    network_of = {pk: network for pk, (_name, _advisor, network) in _circles().items()}
    return board_moves(activity_figures(as_of, start=start), (period_start, period_end), network_of)


def last_move(series: dict[int, int], month: int, first: int, *, whole_history: bool) -> list[int]:
    """The units that moved in the last month up to ``month`` in which anything moved: a stock unchanged
    since then shows (or hides) what it showed then. Nothing moved since ``first``: over the whole history
    the figure never moved (it is zero); over a window, we cannot tell, so the figure is treated as moved by
    fewer than 5."""
    for index in range(month, first - 1, -1):
        if series.get(index):
            return [series[index]]
    return [] if whole_history else [1]


GROUPED = ("circle", "product", "network")  # the breakdowns the board sees


def board_moves(activity: dict, period: tuple[datetime.date, datetime.date], network_of: dict) -> dict:
    """``activity_figures`` reduced to what the board's privacy rule reads (``reports.tables.board_figures``)
    over the report's ``period``: the whole portfolio's series as they are; the loans' groups (circle,
    product, guarantee) added up by guarantee (movers by month) and by breakdown group (``groups[name][key]``:
    ``moved``, the movers of the last month the group's outstanding principal moved, ``last_move``;
    ``disbursed``, the loans disbursed in each month of the period; ``par30``, the loans that moved in or out
    of PAR30 since the previous month's end); the PAR movers added up by band (``par_movers[days]``). A few
    values per group instead of one per group and month."""
    first, last = activity["first"], activity["last"]
    in_period = range(month_index(period[0]), month_index(period[1]) + 1)
    by_guarantee: dict[bool, dict[int, int]] = {True: {}, False: {}}
    moved: dict[str, dict] = {name: {} for name in GROUPED}
    disbursed: dict[str, dict] = {name: {} for name in GROUPED}
    par30: dict[str, dict] = {name: {} for name in GROUPED}
    for (circle, product, guaranteed), entries in activity["groups"].items():
        keys = {"circle": circle, "product": product, "network": network_of.get(circle)}
        for m, entry in entries.items():
            by_guarantee[guaranteed][m] = by_guarantee[guaranteed].get(m, 0) + entry["movers"]
            for name, key in keys.items():
                series = moved[name].setdefault(key, {})
                series[m] = series.get(m, 0) + entry["movers"]
                series = disbursed[name].setdefault(key, {})
                series[m] = series.get(m, 0) + entry["disbursed"]
    for (circle, product), entry in activity["par_movers"].items():
        for name, key in {"circle": circle, "product": product, "network": network_of.get(circle)}.items():
            par30[name][key] = par30[name].get(key, 0) + entry[30]
    groups = {
        name: {
            key: {
                "moved": last_move(moved[name].get(key, {}), last, first, whole_history=False),
                "disbursed": [disbursed[name].get(key, {}).get(m, 0) for m in in_period],
                "par30": par30[name].get(key, 0),
            }
            for key in moved[name].keys() | par30[name].keys()
        }
        for name in GROUPED
    }
    kept = (
        "first",
        "last",
        "months",
        "written_off_months",
        "disbursed_months",
        "band_movers",
        "piece_movers",
        "restructured_movers",
        "unrestructured_movers",
    )
    return {
        **{name: activity[name] for name in kept},
        "by_guarantee": by_guarantee,
        "par_movers": {
            days: sum(entry[days] for entry in activity["par_movers"].values()) for days in PAR_DAYS
        },
        "groups": groups,
    }


def activity_figures(as_of: datetime.date, *, start: datetime.date) -> dict:
    """For the board's privacy rule, as of ``as_of`` (the end of a month) over the months from ``start``
    (and a year before, to follow a figure back to the last month it moved):

    - ``months[m]``: for the whole portfolio, loans disbursed, paying (anything, principal), moving (a
      disbursement, principal paid or a write-off changes the outstanding principal), written off, due
      (an instalment fell due), active at the end of the month;
    - ``groups[(circle, product, guaranteed)][m]``: the loans that moved, were disbursed, were written off;
    - ``written_off_months`` / ``disbursed_months``: write-offs and disbursements by month, whole history;
    - ``par_movers[(circle, product)]``: loans that entered, left or changed balance in each PAR band
      since the previous month's end; ``band_movers[index]``: the same for each band of the loan-loss
      reserve (``reports.capital``); ``piece_movers[index]``: the same for each piece of the days past due
      (``days_late_cuts``: the current loans, 1 day late, 2 to 30 days late...);
    - ``restructured_movers``: the restructured loans (active at either month end) that were restructured,
      paid principal or were written off since the previous month's end; ``unrestructured_movers``: the
      other loans that were disbursed, paid principal, were written off or were restructured since then.
    Seven queries, whatever the portfolio."""
    first = month_index(start) - 12
    last = month_index(as_of)
    lo, hi = month_of(first), as_of
    empty = {
        "disbursed": 0,
        "payers": 0,
        "principal_payers": 0,
        "movers": 0,
        "written_off": 0,
        "due": 0,
        "active": 0,
    }
    months = {m: dict(empty) for m in range(first, last + 1)}
    groups: dict[tuple, dict[int, dict]] = {}

    def group_month(key, m):
        return groups.setdefault(key, {}).setdefault(m, {"movers": 0, "disbursed": 0, "written_off": 0})

    moved_in: set[tuple[int, int]] = set()  # (loan, month) for the written-off loans, below
    for m, circle, product, guaranteed, movers, payers, principal_payers, disbursed in _rows(
        portfolio.moved_sql(), [lo, hi, lo, hi]
    ):
        month = months[m]
        month["movers"] += movers
        month["payers"] += payers
        month["principal_payers"] += principal_payers
        month["disbursed"] += disbursed
        entry = group_month((circle, product, bool(guaranteed)), m)
        entry["movers"] += movers
        entry["disbursed"] += disbursed

    # Write-offs: few; their month in the organization's time zone. A loan that also moved otherwise that
    # month is counted once.
    as_of_end = _end_of(as_of)
    written = list(
        LoanPosition.objects.filter(written_off_at__lt=as_of_end).values_list(
            "loan_id", "circle_id", "product_id", "guaranteed", "written_off_at", "disbursed_on"
        )
    )
    written_months = {loan: month_index(timezone.localdate(at)) for loan, _c, _p, _g, at, _d in written}
    for loan, paid_on in Allocation.objects.filter(
        loan_id__in=list(written_months), principal__gt=0, paid_on__gte=lo, paid_on__lte=hi
    ).values_list("loan_id", "paid_on"):
        moved_in.add((loan, month_index(paid_on)))
    written_off_months: dict[int, int] = {}
    group_written: dict[tuple, dict[int, int]] = {}
    for loan, circle, product, guaranteed, _at, disbursed_on in written:
        m = written_months[loan]
        written_off_months[m] = written_off_months.get(m, 0) + 1
        key = (circle, product, guaranteed)
        group_written.setdefault(key, {})[m] = group_written.get(key, {}).get(m, 0) + 1
        if m in months:
            months[m]["written_off"] += 1
            also_moved = (loan, m) in moved_in or month_index(disbursed_on) == m
            entry = group_month(key, m)
            entry["written_off"] += 1
            if not also_moved:
                months[m]["movers"] += 1
                entry["movers"] += 1

    for m, due in _rows(portfolio.due_sql(), [lo, hi, hi]):
        months[m]["due"] = due

    # Active at each month's end: disbursed by then, neither repaid (last instalment settled) nor written off.
    spans = [
        (dm, rm, count)
        for dm, rm, count in _rows(portfolio.active_sql(), [hi, as_of_end.astimezone(datetime.UTC)])
    ]
    spans += [(month_index(d), None, 1) for _l, _c, _p, _g, _at, d in written]
    wo_end = dict(written_months)
    for m, month in months.items():
        month["active"] = sum(count for dm, rm, count in spans if dm <= m and (rm is None or rm > m))
    # Written-off loans count as active until the month they were written off.
    for loan, _c, _p, _g, _at, d in written:
        for m in months:
            if month_index(d) <= m and wo_end[loan] <= m:
                months[m]["active"] -= 1

    disbursed_months = {
        month_index(row["month"]): row["count"]
        for row in PortfolioDay.objects.filter(day__lte=as_of)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .order_by()
        .annotate(count=Sum("disbursed_count"))
        if row["count"]
    }

    prev = month_of(last) - datetime.timedelta(days=1)
    params = _params(as_of, start, as_of)
    base, base_params = book(as_of)
    prev_base, prev_params = book(prev)
    params.update(
        base_params,
        prev=prev,
        prev_end=_end_of(prev).astimezone(datetime.UTC),
        prev_base=prev_params.get("base"),
        **{f"par{days}_p": prev - datetime.timedelta(days=days) for days in PAR_DAYS},
    )
    reserve_bands = settings.LOAN_LOSS_RESERVE_BANDS
    for index, (first_day, _rate) in enumerate(reserve_bands):
        params[f"band{index}"] = as_of - datetime.timedelta(days=first_day)
        params[f"band{index}_p"] = prev - datetime.timedelta(days=first_day)
    # The pieces of the days past due (``days_late_cuts``), counted in the same pass when they differ
    # from the bands: a band of several pieces can move by fewer loans than its pieces (a loan passing
    # from one piece to the next inside it), so each is counted apart.
    piece_days = [0, *days_late_cuts([first_day for first_day, _rate in reserve_bands])]
    pieces = 0 if piece_days == [first_day for first_day, _rate in reserve_bands] else len(piece_days)
    for index, first_day in enumerate(piece_days if pieces else []):
        params[f"piece{index}"] = as_of - datetime.timedelta(days=first_day)
        params[f"piece{index}_p"] = prev - datetime.timedelta(days=first_day)
    par_movers, band_movers, piece_movers = {}, [0] * len(reserve_bands), [0] * pieces
    for row in _fetch(portfolio.par_movers_sql(base, prev_base, len(reserve_bands), pieces), params):
        key = (row["circle_id"], row["product_id"])
        par_movers[key] = {days: row[f"moved{days}"] or 0 for days in PAR_DAYS}
        for index in range(len(reserve_bands)):
            band_movers[index] += row[f"band_moved{index}"] or 0
        for index in range(pieces):
            piece_movers[index] += row[f"piece_moved{index}"] or 0
    if not pieces:
        piece_movers = list(band_movers)
    # The restructured loans' outstanding principal (a stock at the month's end) changes by the loans
    # restructured in the month and by the restructured ones that paid principal or were written off in it
    # (a repaid loan paid principal); the other active loans' by those that were disbursed, paid principal,
    # were written off or were restructured (they left) in it. One query.
    prev_end = _end_of(prev)
    moved = (
        Q(disbursed_on__gt=prev)
        | Q(written_off_at__lt=as_of_end)
        | Exists(
            Allocation.objects.filter(
                loan_id=OuterRef("loan_id"), principal__gt=0, paid_on__gt=prev, paid_on__lte=as_of
            )
        )
    )
    restructured_by = Q(restructured_on__lte=as_of)
    restructured_before = Q(restructured_on__lte=prev)
    restructuring = (
        LoanPosition.objects.filter(disbursed_on__lte=as_of)
        .exclude(written_off_at__lt=prev_end)
        .aggregate(
            restructured=Count("pk", filter=restructured_by & (~restructured_before | moved)),
            others=Count("pk", filter=~restructured_before & (restructured_by | moved)),
        )
    )
    return {
        "first": first,
        "last": last,
        "months": months,
        "groups": groups,
        "written_off_months": written_off_months,
        "group_written": group_written,
        "disbursed_months": disbursed_months,
        "par_movers": par_movers,
        "band_movers": band_movers,
        "piece_movers": piece_movers,
        "restructured_movers": restructuring["restructured"],
        "unrestructured_movers": restructuring["others"],
    }
