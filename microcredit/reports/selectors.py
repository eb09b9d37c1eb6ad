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
  instalments in order, so the oldest unpaid instalment is more than N days late exactly when what fell
  due before D - N exceeds what was paid as of D: one pass over the instalments, no window function.
- *PARn*: outstanding principal of the active loans more than n days late / outstanding principal of all
  active loans (percent, rounded to 0.01). Exactly 30 days late is not in PAR30; 31 is.
- *Collection rate*: what was paid (interest and principal) by payments dated in the period / what fell
  due in the period.
- *Written off*: the principal still outstanding when the loan was written off. *Loss rate*: principal
  written off as of D / principal disbursed as of D.
- *Capital available to lend*: amounts committed by the active fund sources - outstanding principal -
  principal written off (losses come out of the fund; repaid principal goes back into it; interest pays
  for operations and is not counted).
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.db import connection
from django.db.models import Count, F, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import Circle, CircleNetwork, TrainingSession
from coaching.selectors.impact import impact_figures
from loans.models import Allocation, GuaranteeCall, Loan, LoanProduct, LoanStatus, LoanTransition
from microcredit.accounts.models import Demographics, EntrepreneurProfile, Gender, IncomeSource, User
from microcredit.core.money import ZERO
from microcredit.core.selectors import SMALL_COUNT
from microcredit.reports.models import FundSource

PERCENT = Decimal("0.01")
BREAKDOWNS = ("circle", "advisor", "product", "network")
PAR_DAYS = (1, 30, 90)
TREND_MONTHS = 12

# One row per loan disbursed as of D ("book"); the report groups it, the drill-down lists it.
BOOK_SQL = """
WITH
written_off AS (
    SELECT t.loan_id, MAX(t.at) AS at
    FROM loans_loantransition t
    JOIN loans_loan l ON l.id = t.loan_id AND l.status = 'written_off'
    WHERE t.to_status = 'written_off' AND t.at < %(as_of_end)s
    GROUP BY t.loan_id
),
-- What was paid as of D (and in the period), by loan.
paid AS (
    SELECT p.loan_id,
           SUM(a.principal) AS principal,
           SUM(a.principal + a.interest) AS total,
           SUM(a.principal + a.interest) FILTER (WHERE p.paid_on >= %(start)s AND p.paid_on <= %(end)s)
               AS collected,
           SUM(a.principal) FILTER (WHERE p.paid_on >= %(start)s AND p.paid_on <= %(end)s)
               AS principal_collected
    FROM loans_allocation a
    JOIN loans_payment p ON p.id = a.payment_id
    WHERE p.paid_on <= %(as_of)s
    GROUP BY p.loan_id
),
-- What fell due before each PAR threshold (and in the period), by loan.
scheduled AS (
    SELECT i.loan_id,
           SUM(i.due) FILTER (WHERE i.due_date < %(par1)s) AS due_par1,
           SUM(i.due) FILTER (WHERE i.due_date < %(par30)s) AS due_par30,
           SUM(i.due) FILTER (WHERE i.due_date < %(par90)s) AS due_par90,
           SUM(i.due) FILTER (WHERE i.due_date >= %(start)s AND i.due_date <= %(end)s) AS due_in_period
    FROM (SELECT loan_id, due_date, principal_due + interest_due AS due FROM loans_instalment
          WHERE due_date <= %(as_of)s) AS i
    GROUP BY i.loan_id
),
book AS (
    SELECT l.id, l.borrower_id, l.circle_id, l.product_id, c.advisor_id, c.network_id,
           l.guarantee_type, l.disbursed_on,
           COALESCE(l.approved_amount, l.amount) AS lent,
           COALESCE(l.approved_amount, l.amount) - COALESCE(paid.principal, 0) AS balance,
           COALESCE(paid.total, 0) AS paid_total,
           COALESCE(paid.collected, 0) AS collected,
           COALESCE(paid.principal_collected, 0) AS principal_collected,
           COALESCE(s.due_par1, 0) AS due_par1,
           COALESCE(s.due_par30, 0) AS due_par30,
           COALESCE(s.due_par90, 0) AS due_par90,
           COALESCE(s.due_in_period, 0) AS due_in_period,
           wo.at AS written_off_at,
           (wo.loan_id IS NULL AND COALESCE(paid.principal, 0) < COALESCE(l.approved_amount, l.amount))
               AS open,
           (wo.loan_id IS NULL AND COALESCE(paid.principal, 0) >= COALESCE(l.approved_amount, l.amount))
               AS repaid
    FROM loans_loan l
    LEFT JOIN circles_circle c ON c.id = l.circle_id
    LEFT JOIN paid ON paid.loan_id = l.id
    LEFT JOIN scheduled s ON s.loan_id = l.id
    LEFT JOIN written_off wo ON wo.loan_id = l.id
    WHERE l.disbursed_on IS NOT NULL AND l.disbursed_on <= %(as_of)s
)
"""

# The aggregates of one group of the book (the totals or one breakdown group).
AGGREGATES = """
       COUNT(*) FILTER (WHERE open) AS active_loans,
       (SELECT COUNT(DISTINCT borrower_id) FROM book WHERE open) AS active_borrowers,
       COALESCE(SUM(balance) FILTER (WHERE open), 0) AS outstanding,
       COALESCE(SUM(balance) FILTER (WHERE open AND guarantee_type = 'circle'), 0) AS outstanding_circle,
       COALESCE(SUM(balance) FILTER (WHERE open AND guarantee_type <> 'circle'), 0) AS outstanding_individual,
       COUNT(*) FILTER (WHERE open AND guarantee_type = 'circle') AS loans_circle,
       COUNT(*) FILTER (WHERE open AND guarantee_type <> 'circle') AS loans_individual,
       COALESCE(SUM(balance) FILTER (WHERE open AND due_par1 > paid_total), 0) AS par1,
       COALESCE(SUM(balance) FILTER (WHERE open AND due_par30 > paid_total), 0) AS par30,
       COALESCE(SUM(balance) FILTER (WHERE open AND due_par90 > paid_total), 0) AS par90,
       COUNT(*) FILTER (WHERE open AND due_par30 > paid_total) AS par30_loans,
       COUNT(*) FILTER (WHERE disbursed_on >= %(start)s AND disbursed_on <= %(end)s) AS disbursed_count,
       COALESCE(SUM(lent) FILTER (WHERE disbursed_on >= %(start)s AND disbursed_on <= %(end)s), 0)
           AS disbursed_amount,
       COUNT(*) AS disbursed_count_all,
       COALESCE(SUM(lent), 0) AS disbursed_amount_all,
       COALESCE(SUM(collected), 0) AS collected,
       COALESCE(SUM(principal_collected), 0) AS principal_collected,
       COALESCE(SUM(due_in_period), 0) AS due_in_period,
       COUNT(*) FILTER (WHERE repaid) AS repaid_loans,
       COUNT(*) FILTER (WHERE written_off_at IS NOT NULL) AS written_off_loans,
       COALESCE(SUM(balance) FILTER (WHERE written_off_at IS NOT NULL), 0) AS written_off,
       COUNT(*) FILTER (WHERE written_off_at >= %(start_at)s AND written_off_at < %(end_at)s)
           AS written_off_loans_period,
       COALESCE(SUM(balance) FILTER (WHERE written_off_at >= %(start_at)s AND written_off_at < %(end_at)s), 0)
           AS written_off_period
"""


def _grouped_sql() -> str:
    """One SELECT per grouping (the totals, then each breakdown), joined with UNION ALL: the same rows as
    GROUP BY GROUPING SETS, written so that SQLite (the demo) runs it too."""
    selects = []
    for grouped in (None, *BREAKDOWNS):
        flags = ", ".join(f"{0 if name == grouped else 1} AS g_{name}" for name in BREAKDOWNS)
        keys = ", ".join(
            f"{name}_id" if name == grouped else f"CAST(NULL AS BIGINT) AS {name}_id" for name in BREAKDOWNS
        )
        group_by = f" GROUP BY {grouped}_id" if grouped else ""
        selects.append(f"SELECT {flags}, {keys},{AGGREGATES}FROM book{group_by}")
    return "\nUNION ALL\n".join(selects)


PORTFOLIO_SQL = BOOK_SQL + _grouped_sql()


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


def _money(value) -> Decimal:
    return Decimal(value or 0).quantize(PERCENT)


def _figures(row: dict) -> dict:
    """The KPIs of one row of the portfolio query (the totals or one breakdown group)."""
    outstanding = _money(row["outstanding"])
    figures = {
        key: row[key]
        for key in (
            "active_loans",
            "active_borrowers",
            "loans_circle",
            "loans_individual",
            "par30_loans",
            "disbursed_count",
            "disbursed_count_all",
            "repaid_loans",
            "written_off_loans",
            "written_off_loans_period",
        )
    }
    for key in (
        "outstanding_circle",
        "outstanding_individual",
        "disbursed_amount",
        "disbursed_amount_all",
        "collected",
        "principal_collected",
        "due_in_period",
        "written_off",
        "written_off_period",
    ):
        figures[key] = _money(row[key])
    figures["outstanding"] = outstanding
    for days in PAR_DAYS:
        figures[f"par{days}_amount"] = _money(row[f"par{days}"])
        figures[f"par{days}"] = percent(figures[f"par{days}_amount"], outstanding)
    figures["collection_rate"] = percent(figures["collected"], figures["due_in_period"])
    figures["loss_rate"] = percent(figures["written_off"], figures["disbursed_amount_all"])
    figures["average_loan"] = (
        (figures["disbursed_amount"] / figures["disbursed_count"]).quantize(PERCENT, rounding=ROUND_HALF_UP)
        if figures["disbursed_count"]
        else None
    )
    return figures


def _fetch(sql: str, params: dict) -> list[dict]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor.fetchall()]


def _labels() -> dict[str, dict]:
    """Names of circles, networks, products and advisors: four small queries, whatever the portfolio."""
    return {
        "circle": dict(Circle.objects.values_list("pk", "name")),
        "network": dict(CircleNetwork.objects.values_list("pk", "name")),
        "product": dict(LoanProduct.objects.values_list("pk", "name")),
        "advisor": {
            pk: f"{first} {last}".strip() or username
            for pk, first, last, username in User.objects.filter(circles__isnull=False)
            .distinct()
            .values_list("pk", "first_name", "last_name", "username")
        },
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
    result = {"as_of": as_of, "start": start, "end": end, "totals": totals, "breakdowns": {}}
    wanted = BREAKDOWNS if breakdown == "all" else (breakdown,) if breakdown in BREAKDOWNS else ()
    if wanted:
        labels = _labels()
        for name in wanted:
            groups = [
                {
                    "key": row[f"{name}_id"],
                    "label": labels[name].get(row[f"{name}_id"]) or _("None"),
                    **_figures(row),
                    "active_borrowers": None,  # counted for the whole portfolio only
                }
                for row in rows
                if not row[f"g_{name}"]
            ]
            groups.sort(key=lambda group: (-group["outstanding"], str(group["label"])))
            result["breakdowns"][name] = groups
    return result


# The loans behind each figure of the dashboard (for staff: drill-down).
FIGURES = {
    "active": "open",
    "par1": "open AND due_par1 > paid_total",
    "par30": "open AND due_par30 > paid_total",
    "par90": "open AND due_par90 > paid_total",
    "circle": "open AND guarantee_type = 'circle'",
    "individual": "open AND guarantee_type <> 'circle'",
    "disbursed": "disbursed_on >= %(start)s AND disbursed_on <= %(end)s",
    "repaid": "repaid",
    "written_off": "written_off_at IS NOT NULL",
}


def loan_ids_behind(
    *,
    figure: str,
    as_of: datetime.date,
    start: datetime.date,
    end: datetime.date,
    breakdown: str = "",
    key: str = "",
) -> list[int]:
    """The ids of the loans counted in ``figure`` (a key of FIGURES), within one breakdown group if given
    (``key`` "none" is the group without a circle / network). One query."""
    if figure not in FIGURES:
        raise ValueError(f"Unknown figure {figure!r}")
    end = _check_period(as_of, start, end)
    params = _params(as_of, start, end)
    sql = BOOK_SQL + f"SELECT id FROM book WHERE {FIGURES[figure]}"  # noqa: S608 (fixed fragments only)
    if breakdown in BREAKDOWNS:
        if key == "none":
            sql += f" AND {breakdown}_id IS NULL"
        else:
            sql += f" AND {breakdown}_id = %(key)s"
            params["key"] = int(key)
    with connection.cursor() as cursor:
        cursor.execute(sql + " ORDER BY id", params)
        return [row[0] for row in cursor.fetchall()]


def _month_start(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def _add_months(day: datetime.date, months: int) -> datetime.date:
    index = day.year * 12 + day.month - 1 + months
    return datetime.date(index // 12, index % 12 + 1, 1)


def default_period(end: datetime.date) -> datetime.date:
    """The start of the default period: the twelve calendar months up to ``end``."""
    return _add_months(_month_start(end), -11)


def portfolio_trends(*, as_of: datetime.date, months: int = TREND_MONTHS) -> list[dict]:
    """The last ``months`` months up to ``as_of``: disbursed, collected, written off, and the outstanding
    principal at the end of each month (everything disbursed minus principal repaid minus written off up
    to then). Four grouped queries whatever the portfolio, on PostgreSQL and on SQLite alike."""
    last = _month_start(as_of)
    first = _add_months(last, -(months - 1))
    keys = [_add_months(first, index) for index in range(months)]
    flows = {key: dict.fromkeys(("disbursed", "collected", "principal", "written_off"), ZERO) for key in keys}
    counts = dict.fromkeys(keys, 0)
    before = dict.fromkeys(("disbursed", "principal", "written_off"), ZERO)  # everything before ``first``

    def add(month, name, amount):
        month = _month_start(month if isinstance(month, datetime.date) else month.date())
        bucket = flows.get(month) if month >= first else before
        if bucket is not None and name in bucket:
            bucket[name] += _money(amount)

    lent = Coalesce("approved_amount", "amount")
    for row in (
        Loan.objects.filter(disbursed_on__isnull=False, disbursed_on__lte=as_of)
        .annotate(month=TruncMonth("disbursed_on"))
        .values("month")
        .annotate(count=Count("pk"), total=Sum(lent))
    ):
        add(row["month"], "disbursed", row["total"])
        if row["month"] in counts:
            counts[row["month"]] = row["count"]
    for row in (
        Allocation.objects.filter(payment__paid_on__lte=as_of)
        .annotate(month=TruncMonth("payment__paid_on"))
        .values("month")
        .annotate(total=Sum(F("principal") + F("interest")), principal=Sum("principal"))
    ):
        add(row["month"], "collected", row["total"])
        add(row["month"], "principal", row["principal"])
    # Written off: what was still owed on each loan when it was written off (few loans: one row each).
    principal_paid = (
        Allocation.objects.filter(payment__loan=OuterRef("loan"))
        .values("payment__loan")
        .annotate(total=Sum("principal"))
        .values("total")
    )
    for row in (
        LoanTransition.objects.filter(
            to_status=LoanStatus.WRITTEN_OFF, loan__status=LoanStatus.WRITTEN_OFF, at__lt=_end_of(as_of)
        )
        .annotate(lent=Coalesce("loan__approved_amount", "loan__amount"), paid=Subquery(principal_paid))
        .values("at", "lent", "paid")
    ):
        add(timezone.localdate(row["at"]), "written_off", _money(row["lent"]) - _money(row["paid"]))

    outstanding = before["disbursed"] - before["principal"] - before["written_off"]
    trends = []
    for key in keys:
        month = flows[key]
        outstanding += month["disbursed"] - month["principal"] - month["written_off"]
        trends.append(
            {
                "month": key,
                "disbursed_count": counts[key],
                "disbursed": month["disbursed"],
                "collected": month["collected"],
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
