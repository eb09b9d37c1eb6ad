"""The arrears counters (``ArrearsCount``) and what each loan is counted under (``ArrearsTally``).

A disbursed loan has a tally from its disbursement on (``record_disbursement``); every change that can move
it from one count to another recomputes it in the same transaction and adds the difference to the counters
(``arrears_tally_refresh``): the ledger (a payment, a reversal, a schedule change), a change of status
(``loans.services.base.transition``), and, connected in ``LoansConfig.ready()`` (``loans.receivers``), a
circle's or a borrower's change of advisor. ``rebuild_ledger`` recomputes them and ``rebuild_ledger --check``
compares (``arrears_count_differences``).

So the homes count the loans in arrears ("my loans" for an advisor, every loan for a coordinator) from a
few counter rows (one per day on which some open loan's oldest unpaid instalment fell due) instead of
every late loan. The arrears list itself still pages the late loans (``loans.selectors.late``).
"""

from collections import Counter, defaultdict
from collections.abc import Iterable

from django.db import connection
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from microcredit.core.rebuild import differences

UPSERT_SQL = """
INSERT INTO loans_arrearscount (advisor_key, day, count) VALUES (%s, %s, %s)
ON CONFLICT (advisor_key, day) DO UPDATE SET count = loans_arrearscount.count + excluded.count
"""
FIELDS = ("circle_advisor_key", "borrower_advisor_key", "unsettled_due")


def _expected(loans) -> dict[int, tuple]:
    """{loan id: (circle's advisor, borrower's advisor, oldest unpaid due date while open)} of the disbursed
    ``loans`` (a queryset), in one query."""
    from loans.models import OPEN_STATUSES

    rows = (
        loans.filter(position__isnull=False)
        .order_by()
        .values_list(
            "pk",
            Coalesce(F("circle__advisor_id"), Value(0)),
            Coalesce(F("borrower__advisor_id"), Value(0)),
            "status",
            "position__first_unsettled_due",
        )
    )
    return {
        pk: (circle, borrower, due if status in OPEN_STATUSES else None)
        for pk, circle, borrower, status, due in rows
    }


def contributions(tally: tuple) -> list[tuple]:
    """The counters a loan counts one in: (advisor key, day), for the organization (0) and each advisor."""
    circle, borrower, day = tally
    if day is None:
        return []
    return [(key, day) for key in sorted({0, circle, borrower})]


def _apply(deltas: dict[tuple, int]) -> None:
    rows = [(*key, delta) for key, delta in sorted(deltas.items()) if delta]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT_SQL, rows)


def _locked_tallies(ids: list[int]) -> dict[int, tuple]:
    """These loans' stored tallies, their rows locked in id order (two changes of one loan at once wait)."""
    from loans.models import ArrearsTally

    return {
        pk: tuple(values)
        for pk, *values in ArrearsTally.objects.select_for_update()
        .filter(pk__in=ids)
        .order_by("pk")
        .values_list("pk", *FIELDS)
    }


def arrears_tally_refresh(*, loan_ids: Iterable[int]) -> None:
    """Recompute these loans' tallies and move the counters by the difference, in the caller's transaction.
    The tally rows are locked first (in id order): two changes of one loan at once count once. A loan
    without a tally (not disbursed) is not counted."""
    from loans.models import ArrearsTally, Loan

    ids = sorted(set(loan_ids))
    if not ids:
        return
    stored = _locked_tallies(ids)
    if not stored:
        return
    expected = _expected(Loan.objects.filter(pk__in=list(stored)))
    deltas: dict[tuple, int] = defaultdict(int)
    for pk, old in stored.items():
        new = expected.get(pk, (0, 0, None))
        if new == old:
            continue
        for row in contributions(old):
            deltas[row] -= 1
        for row in contributions(new):
            deltas[row] += 1
        ArrearsTally.objects.filter(pk=pk).update(**dict(zip(FIELDS, new, strict=True)))
    _apply(deltas)


def arrears_tally_open(loan) -> None:
    """A loan was just disbursed (its position exists): its tally, counted."""
    from loans.models import ArrearsTally, Loan

    tally = _expected(Loan.objects.filter(pk=loan.pk)).get(loan.pk, (0, 0, None))
    ArrearsTally.objects.create(loan_id=loan.pk, **dict(zip(FIELDS, tally, strict=True)))
    _apply(Counter(contributions(tally)))


def arrears_tallies_follow(*, loan_ids: Iterable[int]) -> None:
    """Open the tallies of these disbursed loans that have none, recompute the others, and move the counters
    once by the sum of the differences: what ``ledger.derived_rows_deferred`` does for an import's loans at
    the end of its block (one upsert per counter row, not one per loan; the other loans' tallies untouched, so
    a payment recorded elsewhere meanwhile keeps its own)."""
    from loans.models import ArrearsTally, Loan

    ids = sorted(set(loan_ids))
    if not ids:
        return
    stored = _locked_tallies(ids)
    deltas: dict[tuple, int] = defaultdict(int)
    opened = []
    for pk, new in sorted(_expected(Loan.objects.filter(pk__in=ids)).items()):
        old = stored.get(pk)
        if old == new:
            continue
        for row in contributions(old) if old is not None else []:
            deltas[row] -= 1
        for row in contributions(new):
            deltas[row] += 1
        if old is None:
            opened.append(ArrearsTally(loan_id=pk, **dict(zip(FIELDS, new, strict=True))))
        else:
            ArrearsTally.objects.filter(pk=pk).update(**dict(zip(FIELDS, new, strict=True)))
    ArrearsTally.objects.bulk_create(opened, batch_size=2000)
    _apply(deltas)


def _expected_all() -> tuple[dict[int, tuple], Counter]:
    from loans.models import Loan

    tallies = _expected(Loan.objects.all())
    counts: Counter = Counter()
    for tally in tallies.values():
        for row in contributions(tally):
            counts[row] += 1
    return tallies, counts


def rebuild_arrears_counts() -> int:
    """Recompute every tally and counter (in ``rebuild_ledger``'s transaction). Returns the counter rows."""
    from loans.models import ArrearsCount, ArrearsTally

    tallies, counts = _expected_all()
    ArrearsTally.objects.all().delete()
    ArrearsCount.objects.all().delete()
    ArrearsTally.objects.bulk_create(
        (ArrearsTally(loan_id=pk, **dict(zip(FIELDS, tally, strict=True))) for pk, tally in tallies.items()),
        batch_size=2000,
    )
    ArrearsCount.objects.bulk_create(
        (ArrearsCount(advisor_key=key, day=day, count=count) for (key, day), count in counts.items()),
        batch_size=2000,
    )
    return len(counts)


def arrears_count_differences() -> list[str]:
    """Every tally and counter that differs from a recount of the loans and their positions."""
    from loans.models import ArrearsCount, ArrearsTally

    tallies, counts = _expected_all()
    stored_tallies = {pk: tuple(values) for pk, *values in ArrearsTally.objects.values_list("pk", *FIELDS)}
    stored_counts = {
        (key, day): count
        for key, day, count in ArrearsCount.objects.values_list("advisor_key", "day", "count")
        if count
    }
    return differences("arrears tally of loan", tallies, stored_tallies) + differences(
        "arrears count", counts, stored_counts, missing=0, order=str
    )
