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
  (``Instalment.settled_on``, kept by the allocation) is dated on or before D. The same definition as the
  loans' days past due (``InstalmentQuerySet.unpaid_as_of``), written here in SQL.
- *PARn*: outstanding principal of the active loans more than n days late / outstanding principal of all
  active loans (percent, rounded to 0.01). Exactly 30 days late is not in PAR30; 31 is. A loan is in
  default when more than ``loan_default_days`` (90) late: exactly 90 is in neither PAR90 nor default.
- *Collection rate*: what was paid (interest and principal) by payments dated in the period / what fell
  due in the period, for the whole portfolio. Both are summed from the daily rows (``PortfolioDay``) kept
  with the ledger. The instalments of a written-off loan due after the day of its write-off are not "due".
- *Written off*: the principal still outstanding when the loan was written off. *Loss rate*: principal
  written off as of D / principal disbursed as of D.
- *Capital available to lend*: amounts committed by the active fund sources - outstanding principal -
  principal written off (losses come out of the fund; repaid principal goes back into it; interest pays
  for operations and is not counted).
"""

import datetime
import re
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection, transaction
from django.db.models import Count, Q, Sum
from django.db.models.expressions import RawSQL
from django.db.models.functions import TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Circle, CircleNetwork, TrainingSession
from coaching.selectors.impact import impact_figures
from loans.models import GuaranteeCall, LoanPosition, LoanProduct, PortfolioDay
from microcredit.accounts.models import Demographics, EntrepreneurProfile, Gender, IncomeSource, User
from microcredit.core.money import ZERO, from_cents
from microcredit.core.selectors import SMALL_COUNT
from reports.models import FundSource

PERCENT = Decimal("0.01")
BREAKDOWNS = ("circle", "advisor", "product", "network")
PAR_DAYS = (1, 30, 90)
TREND_MONTHS = 12

# One row per loan disbursed as of D ("book"), in cents; the report groups it, the drill-down lists it.
# It reads the loans' narrow positions (``LoanPosition``, kept by ``loans.services.ledger``) and takes back
# what was paid after D: as of today it reads no payment and no instalment. The oldest instalment unpaid as of
# D is the oldest unpaid today or one settled after D (an index range, empty as of today).
BOOK_SQL = """
WITH
later AS (
    SELECT a.loan_id, CAST(ROUND(SUM(a.principal) * 100) AS BIGINT) AS principal
    FROM loans_allocation a
    WHERE a.paid_on > %(as_of)s
    GROUP BY a.loan_id
),
settled_since AS (
    SELECT i.loan_id, MIN(i.due_date) AS due_date
    FROM loans_instalment i
    WHERE i.settled_on > %(as_of)s
    GROUP BY i.loan_id
),
book AS (
    SELECT p.loan_id AS id, p.borrower_id, p.circle_id, p.product_id, p.guaranteed, p.disbursed_on,
           p.lent_cents AS lent,
           p.lent_cents - p.principal_paid_cents + COALESCE(later.principal, 0) AS balance,
           CASE WHEN s.due_date < p.first_unsettled_due OR p.first_unsettled_due IS NULL THEN s.due_date
                ELSE p.first_unsettled_due END AS oldest_unpaid,
           CASE WHEN p.written_off_at < %(as_of_end)s THEN p.written_off_at END AS written_off_at
    FROM loans_loanposition p
    LEFT JOIN later ON later.loan_id = p.loan_id
    LEFT JOIN settled_since s ON s.loan_id = p.loan_id
    WHERE p.disbursed_on <= %(as_of)s
)"""

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
CENTS_FIGURES = (
    "outstanding",
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


def _grouped_sql() -> str:
    """Classes of loans by circle and product, their figures by circle and product, then one SELECT per
    grouping (the totals, then each breakdown) joined with UNION ALL: the rows of GROUP BY GROUPING SETS,
    written so that SQLite (the demo) runs it too. The number of active borrowers (distinct people) is
    counted once, for the totals."""
    classes = ",\n".join(f"{expression} AS {name}" for name, expression in CLASSES.items())
    class_names = ", ".join(CLASSES)
    # Sums of integers kept integers (PostgreSQL would widen them to numeric, slower to add up).
    by_group = ",\n".join(
        f"CAST({expression} AS BIGINT) AS {name}" for name, expression in AGGREGATES.items()
    )
    sums = ", ".join(f"CAST(SUM({name}) AS BIGINT) AS {name}" for name in AGGREGATES)
    selects = []
    for grouped in (None, *BREAKDOWNS):
        flags = ", ".join(f"{0 if name == grouped else 1} AS g_{name}" for name in BREAKDOWNS)
        keys = ", ".join(
            f"{name}_id" if name == grouped else f"CAST(NULL AS BIGINT) AS {name}_id" for name in BREAKDOWNS
        )
        borrowers = "(SELECT n FROM borrowers)" if grouped is None else "NULL"
        group_by = f" GROUP BY {grouped}_id" if grouped else ""
        select = f"SELECT {flags}, {keys}, {sums}, {borrowers} AS active_borrowers FROM g{group_by}"
        selects.append(select)
    # Fixed fragments only: every value is a bound parameter.
    return (
        BOOK_SQL
        + f""",
borrowers AS (
    SELECT COUNT(DISTINCT p.borrower_id) AS n
    FROM loans_loanposition p
    LEFT JOIN later ON later.loan_id = p.loan_id
    WHERE p.disbursed_on <= %(as_of)s AND (p.written_off_at IS NULL OR p.written_off_at >= %(as_of_end)s)
      AND p.lent_cents - p.principal_paid_cents + COALESCE(later.principal, 0) > 0
),
classes AS (
    SELECT circle_id, product_id, guaranteed, {class_names},
           COUNT(*) AS loans, CAST(SUM(balance) AS BIGINT) AS balance, CAST(SUM(lent) AS BIGINT) AS lent
    FROM (SELECT circle_id, product_id, guaranteed, balance, lent,
{classes}
          FROM book) AS classed
    GROUP BY circle_id, product_id, guaranteed, {class_names}
),
by_group AS (
    SELECT circle_id, product_id,
{by_group}
    FROM classes
    GROUP BY circle_id, product_id
),
g AS (
    SELECT by_group.*, c.advisor_id, c.network_id
    FROM by_group LEFT JOIN circles_circle c ON c.id = by_group.circle_id
)
"""
        + "\nUNION ALL\n".join(selects)
    )


PORTFOLIO_SQL = _grouped_sql()


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


def portfolio_figures(
    *, as_of: datetime.date, start: datetime.date, end: datetime.date, breakdown: str | None = None
) -> dict:
    """The portfolio's KPIs (``totals``) and, with ``breakdown`` (``"all"`` or one of BREAKDOWNS), its
    breakdowns: one query for the figures, four for the labels of the groups."""
    end = _check_period(as_of, start, end)
    rows = _fetch(PORTFOLIO_SQL, _params(as_of, start, end))
    totals = next(_figures(row) for row in rows if all(row[f"g_{name}"] for name in BREAKDOWNS))
    # Collections over the period: for the whole portfolio (the breakdowns show stocks and disbursements).
    totals.update(period_flows(start, end))
    totals["collection_rate"] = percent(totals["collected"], totals["due_in_period"])
    result = {"as_of": as_of, "start": start, "end": end, "totals": totals, "breakdowns": {}}
    wanted = BREAKDOWNS if breakdown == "all" else (breakdown,) if breakdown in BREAKDOWNS else ()
    if wanted:
        labels = _labels(_circles())
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
    params = _params(as_of, start, end)
    where = FIGURES[figure]
    sql = (
        BOOK_SQL
        + f" SELECT book.id FROM book LEFT JOIN circles_circle c ON c.id = book.circle_id WHERE {where}"
    )
    if breakdown in BREAKDOWNS:
        if key == "none":
            sql += f" AND {breakdown}_id IS NULL"
        else:
            sql += f" AND {breakdown}_id = %(key)s"
            params["key"] = int(key)
    return RawSQL(*_positional(sql, params))


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def default_period(end: datetime.date) -> datetime.date:
    """The start of the default period: the twelve calendar months up to ``end``."""
    return _add_months(_month_start(end), -11)


def portfolio_trends(*, as_of: datetime.date, months: int = TREND_MONTHS) -> list[dict]:
    """The last ``months`` months up to ``as_of``: disbursed, due, collected (and the collection rate),
    written off, and the outstanding principal at the end of each month (everything disbursed minus principal
    repaid minus written off up to then). The month of ``as_of`` stops at ``as_of``. Three queries on the
    daily rows and the written-off positions, whatever the portfolio size."""
    last = _month_start(as_of)
    first = _add_months(last, -(months - 1))
    keys = [_add_months(first, index) for index in range(months)]
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
        month = _month_start(timezone.localdate(at))
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


def community_capital(*, outstanding: Decimal, written_off: Decimal) -> dict:
    """The loan fund's sources and what is left to lend (formula in the module's docstring)."""
    sources = list(FundSource.objects.filter(is_active=True).order_by("committed_on", "name"))
    committed = sum((source.amount_committed for source in sources), ZERO)
    return {
        "sources": [
            {
                "name": source.name,
                "kind": source.get_kind_display(),
                "amount_committed": source.amount_committed,
                "committed_on": source.committed_on,
                "terms": source.terms,
            }
            for source in sources
        ],
        "committed": committed,
        "outstanding": outstanding,
        "written_off": written_off,
        "available": committed - outstanding - written_off,
    }


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
    borrower_ids = EntrepreneurProfile.objects.filter(loans__disbursed_on__lte=as_of).values("pk")
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
) -> dict:
    """Everything on the board's dashboard, as plain dicts of Decimals and ints; no person's name except
    advisors' in the ``advisor`` breakdown (views show that one to staff only). Default: as of today, over
    the twelve months up to it. A fixed number of queries, whatever the size of the portfolio."""
    as_of = as_of or timezone.localdate()
    end = end or as_of
    start = start or default_period(end)
    report = portfolio_figures(as_of=as_of, start=start, end=end, breakdown=breakdown)
    totals = report["totals"]
    report["guarantee_calls"] = guarantee_call_figures(as_of=as_of, start=report["start"], end=report["end"])
    report["trends"] = portfolio_trends(as_of=as_of)
    report["capital"] = community_capital(
        outstanding=totals["outstanding"], written_off=totals["written_off"]
    )
    report["reach"] = social_reach(as_of=as_of)
    report["impact"] = impact_figures(start=report["start"], end=report["end"])
    report["training"] = training_figures(start=report["start"], end=report["end"])
    return report
