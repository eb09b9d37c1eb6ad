"""Derived ledger figures kept for the board's report, in the same transaction as the change they follow.

- ``Instalment.settled_on`` and ``Allocation.loan`` / ``paid_on`` are set by
  ``loans.services.payments.reallocate``;
- ``LoanPosition`` (one narrow row per disbursed loan, in cents) is created at disbursement, its paid amounts
  follow each rebuilt allocation, its write-off date the write-off;
- ``PositionSnapshot`` (a loan's paid principal and oldest unpaid due date at each month end taken,
  ``PositionMonth``) is rewritten for the loan from the month of the change on, whenever its allocation or
  schedule changes or it is disbursed (so a payment backdated into a past month updates the past months);
  ``snapshot_closed_months`` takes each month once it is over (a daily task);
- ``PortfolioDay`` (by day and product, in cents: due, collected, disbursed) is added to at disbursement
  and corrected by the difference each time a loan's allocation is rebuilt; at a write-off, the instalments
  that fall due after the write-off day are taken out of "due" (nothing is expected on them any more: the
  loss is counted once, in the loss rate, not again in each later month's collection rate). Two payments of
  the same day and product wait for each other on that row until the first commits: a few milliseconds.

``rebuild_ledger`` recomputes all of it from the payments, schedules and history (the migration that
introduced it, ``manage.py rebuild_ledger`` after a manual database repair, and the tests that check the two
agree).
"""

import datetime
import threading
from collections import defaultdict
from collections.abc import Iterable
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import Count, F, Max, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from loans import month_figures
from loans.portfolio import CENTS, oldest_unsettled_due, snapshot_month_sql, unsettled_sql
from loans.services.arrears_counts import (
    arrears_count_differences,
    arrears_tally_open,
    arrears_tally_refresh,
    rebuild_arrears_counts,
)
from loans.signals import position_changed
from microcredit.core.money import as_cents
from microcredit.core.months import month_end, month_start

FIELDS = ("due_cents", "collected_cents", "principal_collected_cents", "disbursed_count", "disbursed_cents")

UPSERT_SQL = """
INSERT INTO loans_portfolioday (day, product_key, {columns})
VALUES (%s, %s, {placeholders})
ON CONFLICT (day, product_key) DO UPDATE SET {updates}
""".format(
    columns=", ".join(FIELDS),
    placeholders=", ".join(["%s"] * len(FIELDS)),
    updates=", ".join(f"{name} = loans_portfolioday.{name} + excluded.{name}" for name in FIELDS),
)

# Portable SQL (PostgreSQL and SQLite) recomputing the per-row derived fields from the ledger. Amounts are
# compared and cast in whole cents: SQLite adds decimals as floats (290.76 + 100.00 + 112.71 = 503.4699…)
# (``CENTS``).
# What a loan's whole schedule asks (LoanPosition.scheduled_cents; migration 0006 fills it the same way).
SCHEDULED = "(SELECT SUM(i.principal_due + i.interest_due) FROM loans_instalment i WHERE i.loan_id = {loan})"
REBUILD_SQL = (
    """UPDATE loans_allocation
       SET loan_id = (SELECT p.loan_id FROM loans_payment p WHERE p.id = loans_allocation.payment_id),
           paid_on = (SELECT p.paid_on FROM loans_payment p WHERE p.id = loans_allocation.payment_id)""",
    # Payments fill an instalment in date order: the last allocation to it is the payment that settled it.
    """UPDATE loans_instalment
       SET settled_on = CASE
           WHEN principal_due + interest_due = 0
               THEN (SELECT l.disbursed_on FROM loans_loan l WHERE l.id = loans_instalment.loan_id)
           WHEN (SELECT ROUND(COALESCE(SUM(a.principal + a.interest), 0) * 100) FROM loans_allocation a
                 WHERE a.instalment_id = loans_instalment.id) >= ROUND((principal_due + interest_due) * 100)
               THEN (SELECT MAX(a.paid_on) FROM loans_allocation a
                     WHERE a.instalment_id = loans_instalment.id)
           END""",
    "DELETE FROM loans_loanposition",
    f"""INSERT INTO loans_loanposition (loan_id, borrower_id, circle_id, product_id, guaranteed, fund_id,
            disbursed_on, lent_cents, scheduled_cents, principal_paid_cents, interest_paid_cents,
            written_off_at, restructured_on, first_unsettled_due)
       SELECT l.id, l.borrower_id, l.circle_id, l.product_id, l.guarantee_type = 'circle', l.fund_id,
              l.disbursed_on,
              {CENTS.format("COALESCE(l.approved_amount, l.amount)")},
              {CENTS.format(SCHEDULED.format(loan="l.id"))},
              {CENTS.format("(SELECT SUM(a.principal) FROM loans_allocation a WHERE a.loan_id = l.id)")},
              {CENTS.format("(SELECT SUM(a.interest) FROM loans_allocation a WHERE a.loan_id = l.id)")},
              CASE WHEN l.status = 'written_off' THEN
                  (SELECT MAX(t.changed_at) FROM loans_loantransition t
                   WHERE t.loan_id = l.id AND t.to_status = 'written_off') END,
              (SELECT MIN(r.decided_on) FROM loans_restructuring r
               WHERE r.loan_id = l.id AND r.status = 'approved'),
              (SELECT MIN(i.due_date) FROM loans_instalment i WHERE i.loan_id = l.id AND {unsettled_sql("i")})
       FROM loans_loan l
       WHERE l.disbursed_on IS NOT NULL""",
)


def _keys(loan) -> tuple[int]:
    return (loan.product_id,)


_deferred = threading.local()


@contextmanager
def daily_rows_deferred():
    """Within this block (in this thread), the changes to the daily rows are added up in memory, one entry per
    day and product however many loans change, and written once when it ends without error. For an import
    of thousands of loans in one transaction: updating the same daily row thousands of times there leaves
    PostgreSQL a chain of row versions to walk at each update (the time grows as the square of the loans).
    The loan positions are still written as they change; nested blocks write with the outermost."""
    if getattr(_deferred, "changes", None) is not None:
        yield
        return
    _deferred.changes = defaultdict(lambda: defaultdict(int))
    try:
        yield
        changes = _deferred.changes
    finally:
        _deferred.changes = None
    _apply(changes)


@contextmanager
def derived_rows_deferred():
    """``daily_rows_deferred``, and what follows each loan's change (its monthly snapshots, the arrears
    tallies and counters, ``position_changed``) done once when the block ends without error: the snapshots
    per loan changed, their arrears tallies and the counters moved once, one signal for all their borrowers.
    For an import of thousands of loans in one transaction, where updating the same counter rows once per loan
    would grow as the square of the loans (see ``daily_rows_deferred``). Nested blocks end with the
    outermost."""
    if getattr(_deferred, "loans", None) is not None:
        yield
        return
    _deferred.loans = {}
    try:
        with daily_rows_deferred(), month_figures.forgetting_deferred():
            yield
        loans = dict(_deferred.loans)
    finally:
        _deferred.loans = None
    if not loans:
        return
    from loans.models import LoanPosition
    from loans.services.arrears_counts import arrears_tallies_follow

    for pk in sorted(loans):
        _loan_snapshots(pk)
    arrears_tallies_follow(loan_ids=loans)
    position_changed.send(sender=LoanPosition, loan=None, borrower_ids=sorted(set(loans.values())))


def _followed(loan, *, opened: bool) -> None:
    """After a change of the loan's position: its snapshots, its arrears tally (``opened``: a new one) and
    whoever follows ``position_changed`` — now, or when ``derived_rows_deferred`` ends."""
    from loans.models import LoanPosition

    pending = getattr(_deferred, "loans", None)
    if pending is not None:
        pending[loan.pk] = loan.borrower_id  # ids only: memory stays flat however many loans
        return
    record_snapshots(loan)
    if opened:
        arrears_tally_open(loan)
    else:
        arrears_tally_refresh(loan_ids=[loan.pk])
    position_changed.send(sender=LoanPosition, loan=loan)


def _apply(changes: dict[tuple, dict]) -> None:
    """Add ``changes`` ({(day, product_key): {field: delta in cents}}) to the daily rows, in key order
    (two transactions touching the same rows lock them in the same order: no deadlock)."""
    pending = getattr(_deferred, "changes", None)
    if pending is not None:
        for key, values in changes.items():
            for name, delta in values.items():
                pending[key][name] += delta
        return
    rows = [
        (*key, *(changes[key].get(name, 0) for name in FIELDS))
        for key in sorted(changes)
        if any(changes[key].values())
    ]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT_SQL, rows)


def record_disbursement(loan, instalments: Iterable) -> None:
    """A loan was disbursed with this schedule: its position opens, its instalments fall due, its amount
    goes out."""
    from loans.models import GuaranteeType, LoanPosition

    lent = as_cents(loan.final_amount)
    instalments = list(instalments)
    LoanPosition.objects.create(
        loan=loan,
        first_unsettled_due=oldest_unsettled_due(instalments),
        borrower_id=loan.borrower_id,
        circle_id=loan.circle_id,
        product_id=loan.product_id,
        guaranteed=loan.guarantee_type == GuaranteeType.CIRCLE,
        fund_id=loan.fund_id,
        disbursed_on=loan.disbursed_on,
        lent_cents=lent,
        scheduled_cents=sum(as_cents(i.total_due) for i in instalments),
    )
    changes: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for instalment in instalments:
        changes[(instalment.due_date, *_keys(loan))]["due_cents"] += as_cents(instalment.total_due)
    disbursed = changes[(loan.disbursed_on, *_keys(loan))]
    disbursed["disbursed_count"] += 1
    disbursed["disbursed_cents"] += lent
    _apply(changes)
    month_figures.forget_from(loan.disbursed_on)
    _followed(loan, opened=True)


def daily_collections(allocations: Iterable) -> dict[datetime.date, tuple[int, int]]:
    """{day: (principal, interest) in cents} of allocations given as (paid_on, principal, interest)."""
    days: dict[datetime.date, list[int]] = defaultdict(lambda: [0, 0])
    for paid_on, principal, interest in allocations:
        day = days[paid_on]
        day[0] += as_cents(principal)
        day[1] += as_cents(interest)
    return {key: tuple(values) for key, values in days.items()}


def record_reallocation(loan, before: dict, after: dict, first_unsettled_due: datetime.date | None) -> None:
    """The allocation of a loan was rebuilt, from ``before`` to ``after`` (both from
    ``daily_collections``): its position's paid amounts and oldest unpaid due date, and the daily collections
    follow."""
    from loans.models import LoanPosition, LoanStatus

    LoanPosition.objects.filter(loan=loan).update(
        first_unsettled_due=first_unsettled_due,
        principal_paid_cents=sum(principal for principal, _interest in after.values()),
        interest_paid_cents=sum(interest for _principal, interest in after.values()),
    )
    changes = {}
    for day in before.keys() | after.keys():
        old, new = before.get(day, (0, 0)), after.get(day, (0, 0))
        changes[(day, *_keys(loan))] = {
            "collected_cents": sum(new) - sum(old),
            "principal_collected_cents": new[0] - old[0],
        }
    _apply(changes)
    moved = [day for day in before.keys() | after.keys() if before.get(day) != after.get(day)]
    if moved and loan.status == LoanStatus.WRITTEN_OFF:
        # The fund ledgers count a written-off loan's loss as what it still owes today.
        moved.append(loan.disbursed_on)
    month_figures.forget_from(min(moved, default=None))
    _followed(loan, opened=False)


def record_schedule_change(loan, removed: Iterable, added: Iterable) -> None:
    """The unpaid part of a loan's schedule was replaced (a restructuring, an early settlement or its
    reversal): the instalments ``removed`` no longer fall due, those ``added`` do, and what the whole schedule
    asks follows. Called between the allocation's removal and its rebuild (``reallocate``), which then sets
    the paid amounts and the oldest unpaid due date."""
    from loans.models import LoanPosition

    changes: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    delta = 0
    for instalment in removed:
        changes[(instalment.due_date, *_keys(loan))]["due_cents"] -= as_cents(instalment.total_due)
        delta -= as_cents(instalment.total_due)
    for instalment in added:
        changes[(instalment.due_date, *_keys(loan))]["due_cents"] += as_cents(instalment.total_due)
        delta += as_cents(instalment.total_due)
    LoanPosition.objects.filter(loan=loan).update(scheduled_cents=F("scheduled_cents") + delta)
    _apply(changes)  # the snapshots follow the rebuilt allocation (``record_reallocation``)
    month_figures.forget_from(min((day for day, *_key in changes), default=None))


def record_restructuring(loan, on: datetime.date) -> None:
    """A restructuring of the loan was approved on ``on``: the board's report shows it apart. A loan once
    restructured stays restructured from its first restructuring: a later one keeps that date (else the
    months in between would read differently afterwards); the rebuild takes the earliest approved one."""
    from loans.models import LoanPosition

    if (
        LoanPosition.objects.filter(loan=loan)
        .filter(Q(restructured_on__isnull=True) | Q(restructured_on__gt=on))
        .update(restructured_on=on)
    ):
        month_figures.forget_from(on)


def record_write_off(loan, at: datetime.datetime) -> None:
    """A loan was written off at ``at``: its position says so, and its instalments due after that day no
    longer count as due (``not_due_after_write_off``)."""
    from loans.models import Instalment, LoanPosition

    LoanPosition.objects.filter(loan=loan).update(written_off_at=at)
    month_figures.forget_from(timezone.localdate(at))
    changes: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for _loan_id, _product_id, due_date, cents in not_due_after_write_off(Instalment, {loan.pk: at}):
        changes[(due_date, *_keys(loan))]["due_cents"] -= cents
    _apply(changes)


def not_due_after_write_off(Instalment, written_off: dict[int, datetime.datetime]) -> list[tuple]:
    """(loan id, product id, due date, cents) of the instalments of the written-off loans ({loan id: write-off
    instant}) that fall due after the write-off day (in the organization's time zone): those are not "due" in
    the collection rate. The one home of the rule: the write-off and the rebuild use it (migration 0005, which
    applied it to the existing figures, carries a frozen copy)."""
    if not written_off:
        return []
    days = {loan_id: timezone.localdate(at) for loan_id, at in written_off.items()}
    rows = Instalment.objects.filter(loan_id__in=list(days)).values_list(
        "loan_id", "loan__product_id", "due_date", "principal_due", "interest_due"
    )
    return [
        (loan_id, product_id, due_date, as_cents(principal + interest))
        for loan_id, product_id, due_date, principal, interest in rows
        if due_date > days[loan_id]
    ]


def written_off_instants(Loan) -> dict[int, datetime.datetime]:
    """{loan id: when it was written off} (a written-off loan stays so: its last such transition)."""
    return dict(
        Loan.objects.filter(status="written_off")
        .annotate(at=Max("transitions__changed_at", filter=Q(transitions__to_status="written_off")))
        .filter(at__isnull=False)
        .values_list("pk", "at")
    )


def rebuild_portfolio_days(Loan, Instalment, Allocation, PortfolioDay) -> int:
    """Recompute every daily row from the schedules, allocations and loans. Takes the model classes so that
    the migration can pass its historical ones. Returns the number of rows."""
    rows: dict[tuple, dict] = defaultdict(lambda: defaultdict(int))
    for row in (
        Instalment.objects.values("due_date", "loan__product_id")
        .order_by()
        .annotate(total=Sum(F("principal_due") + F("interest_due")))
    ):
        rows[(row["due_date"], row["loan__product_id"])]["due_cents"] += as_cents(row["total"])
    for _loan_id, product_id, due_date, cents in not_due_after_write_off(
        Instalment, written_off_instants(Loan)
    ):
        rows[(due_date, product_id)]["due_cents"] -= cents
    for row in (
        Allocation.objects.values("paid_on", "loan__product_id")
        .order_by()
        .annotate(total=Sum(F("principal") + F("interest")), principal=Sum("principal"))
    ):
        collected = rows[(row["paid_on"], row["loan__product_id"])]
        collected["collected_cents"] += as_cents(row["total"])
        collected["principal_collected_cents"] += as_cents(row["principal"])
    for row in (
        Loan.objects.filter(disbursed_on__isnull=False)
        .values("disbursed_on", "product_id")
        .order_by()
        .annotate(count=Count("pk"), total=Sum(Coalesce("approved_amount", "amount")))
    ):
        disbursed = rows[(row["disbursed_on"], row["product_id"])]
        disbursed["disbursed_count"] += row["count"]
        disbursed["disbursed_cents"] += as_cents(row["total"])
    PortfolioDay.objects.all().delete()
    PortfolioDay.objects.bulk_create(
        (
            PortfolioDay(day=day, product_key=product, **values)
            for (day, product), values in sorted(rows.items())
        ),
        batch_size=1000,
    )
    return len(rows)


# One loan's snapshot rows at every month end taken from its disbursement on, in one statement (correlated
# subqueries over that loan's few instalments and allocations, by index).
LOAN_SNAPSHOTS_SQL = f"""
INSERT INTO loans_positionsnapshot (month_end, loan_id, principal_paid_cents, first_unsettled_due)
SELECT x.month_end, x.loan_id, x.paid, x.unsettled
FROM (SELECT m.month_end, p.loan_id, p.lent_cents AS lent,
             {
    CENTS.format(
        "(SELECT SUM(a.principal) FROM loans_allocation a WHERE a.loan_id = p.loan_id "
        "AND a.paid_on <= m.month_end)"
    )
} AS paid,
             (SELECT MIN(i.due_date) FROM loans_instalment i
              WHERE i.loan_id = p.loan_id AND {unsettled_sql("i", "m.month_end")}) AS unsettled
      FROM loans_positionmonth m JOIN loans_loanposition p ON p.disbursed_on <= m.month_end
      WHERE p.loan_id = %s) x
WHERE x.unsettled IS NOT NULL OR x.paid < x.lent"""


def record_snapshots(loan) -> None:
    """Rewrite the loan's monthly snapshot rows from its ledger (two statements, whatever the number of
    months): after a payment, a reversal, a schedule change or the disbursement, in that transaction. Every
    month is rewritten, not only those after the change: a change of allocation reaches back to the
    earliest payment it moves, and the rows are few (one per month end taken)."""
    _loan_snapshots(loan.pk)


def _loan_snapshots(pk: int) -> None:
    from loans.models import PositionSnapshot

    PositionSnapshot.objects.filter(loan_id=pk).delete()
    with connection.cursor() as cursor:
        cursor.execute(LOAN_SNAPSHOTS_SQL, [pk])


def _take_month(month: datetime.date) -> None:
    with connection.cursor() as cursor:
        cursor.execute(snapshot_month_sql(loan_filter=False), {"month_end": month})


def snapshot_closed_months(today: datetime.date | None = None) -> list[datetime.date]:
    """Take every month end that is over (before ``today``) since the first disbursement and not taken yet,
    from the ledger: one statement per month. Returns the months taken. Run daily (``loans.snapshot_months``);
    concurrent payments wait on the snapshot table's lock for the few seconds each month takes."""
    from loans.models import LoanPosition, PositionMonth

    today = today or timezone.localdate()
    first = LoanPosition.objects.order_by("disbursed_on").values_list("disbursed_on", flat=True).first()
    if first is None:
        return []
    taken = []
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "LOCK TABLE loans_positionmonth, loans_positionsnapshot IN SHARE ROW EXCLUSIVE MODE"
                )
        have = set(PositionMonth.objects.values_list("month_end", flat=True))
        month = month_end(first)
        while month < today:
            if month not in have:
                _take_month(month)
                PositionMonth.objects.create(month_end=month)
                taken.append(month)
            month = month_end(month_start(month) + datetime.timedelta(days=32))
    return taken


def rebuild_snapshots() -> int:
    """Recompute the snapshot rows of every month end taken (``PositionMonth``). Returns the rows."""
    from loans.models import PositionMonth, PositionSnapshot

    PositionSnapshot.objects.all().delete()
    for month in PositionMonth.objects.order_by("month_end").values_list("month_end", flat=True):
        _take_month(month)
    return PositionSnapshot.objects.count()


def rebuild_rows(using_connection=None) -> None:
    """Recompute the per-row derived data (allocations' loan and date, instalments' settlement dates, loan
    positions)."""
    with (using_connection or connection).cursor() as cursor:
        for statement in REBUILD_SQL:
            cursor.execute(statement)


@transaction.atomic
def rebuild_ledger() -> int:
    """Recompute all the derived ledger figures from the ledger itself. Returns the number of daily rows."""
    from loans.models import Allocation, Instalment, Loan, PortfolioDay

    if connection.vendor == "postgresql":
        # No payment, reversal or disbursement may commit halfway through (its changes would be lost): they
        # wait until the rebuild is done. Run it at a quiet time (about a minute at 100,000 loans).
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE loans_payment, loans_paymentreversal, loans_allocation, loans_instalment, "
                "loans_loanposition, loans_portfolioday, loans_positionmonth, loans_positionsnapshot, "
                "loans_arrearstally, loans_arrearscount IN SHARE ROW EXCLUSIVE MODE"
            )
    rebuild_rows()
    rows = rebuild_portfolio_days(Loan, Instalment, Allocation, PortfolioDay)
    rebuild_snapshots()
    rebuild_arrears_counts()
    month_figures.forget_all()
    return rows


def _snapshot() -> dict:
    from loans.models import Allocation, Instalment, LoanPosition, PortfolioDay, PositionSnapshot

    position_fields = [f.attname for f in LoanPosition._meta.concrete_fields]
    return {
        "position": {row[0]: row[1:] for row in LoanPosition.objects.values_list(*position_fields)},
        "instalment": dict(Instalment.objects.values_list("pk", "settled_on")),
        "allocation": {
            pk: (loan, day) for pk, loan, day in Allocation.objects.values_list("pk", "loan_id", "paid_on")
        },
        "day": {
            (day, product): tuple(values)
            for day, product, *values in PortfolioDay.objects.values_list("day", "product_key", *FIELDS)
            if any(values)
        },
        "snapshot": {
            (month, loan): (paid, unsettled)
            for month, loan, paid, unsettled in PositionSnapshot.objects.values_list(
                "month_end", "loan_id", "principal_paid_cents", "first_unsettled_due"
            )
        },
    }


def ledger_differences() -> list[str]:
    """What differs between the stored derived figures and the ones recomputed from the ledger (nothing is
    changed: the recomputation is rolled back). Holds the figures in memory: a check, not a routine job."""
    with transaction.atomic():
        stored = _snapshot()
        kept = month_figures.differences()  # before the rebuild forgets them
        rebuild_ledger()
        expected = _snapshot()
        transaction.set_rollback(True)
    differences = arrears_count_differences() + kept
    for kind in stored:
        for key in sorted(stored[kind].keys() | expected[kind].keys(), key=str):
            if stored[kind].get(key) != expected[kind].get(key):
                differences.append(
                    f"{kind} {key}: stored {stored[kind].get(key)}, expected {expected[kind].get(key)}"
                )
    return differences
