"""The figures of a closed month, computed once and kept (``MonthFigures``).

The board reads the portfolio as of the end of a closed month, again and again, and a closed month's figures
change only when something dated on or before its end is recorded later (a payment recorded late, a reversal,
a restructuring decided at a past meeting...). So the heavy reads as of a month end whose positions were taken
(``PositionMonth``) are computed once from the ledger and kept as JSON: ``kept(name, month_end,
**parameters)`` returns the kept figures of the computation ``name`` (registered with ``computation``), or
computes, keeps and returns them. The report as of a closed month
then reads a few rows instead of every loan (``benchmarks/bench_report.py``).

They are kept right by the services that change the ledger, in the same transaction
(``loans.services.ledger``): a change dated ``day`` forgets the figures of every month end on or after it
(``forget_from``); nothing is forgotten for a change dated after the last closed month, the everyday case.
``forget_all`` runs when a circle changes advisor or network (the breakdowns group by them), at
``rebuild_ledger`` and after every ``migrate`` (a new version of the code may compute them differently).
``manage.py rebuild_ledger --check`` computes every kept figure again and compares.

Concurrency (PostgreSQL): a read holds its month's ``PositionMonth`` row FOR SHARE while it computes and
keeps the figures; a change takes the rows of the months it forgets FOR UPDATE first. Either the change waits
until the figures are kept and then forgets them, or the read waits until the change is committed and then
computes from it: figures computed before a change are never kept after it.
"""

import datetime
import hashlib
import json
import threading
from contextlib import contextmanager
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from microcredit.core.months import month_end as end_of_month

_deferred = threading.local()


# --- Reading ---------------------------------------------------------------------------------------------

# The computations whose figures can be kept, by name: ``function(month_end, **parameters)``. Registered by
# the modules that define them (``computation``; the reports' in ``ReportsConfig.ready()``).
COMPUTATIONS: dict = {}


def computation(name: str):
    """Register the decorated ``function(month_end, **parameters)`` as the computation ``name``."""

    def register(function):
        COMPUTATIONS[name] = function
        return function

    return register


def _context():
    """What the computations read from the settings: part of every key (other settings, other figures)."""
    from django.conf import settings

    return freeze(list(settings.LOAN_LOSS_RESERVE_BANDS))


def _key(name: str, parameters) -> str:
    text = json.dumps([name, parameters, _context()], sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()


def is_kept_month(day: datetime.date, today: datetime.date | None = None) -> bool:
    """Whether figures as of ``day`` can be kept: the end of a month that is over (no query)."""
    return day < (today or timezone.localdate()) and day == end_of_month(day)


def _month_taken(month_end: datetime.date) -> bool:
    share = " FOR SHARE" if connection.vendor == "postgresql" else ""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT 1 FROM loans_positionmonth WHERE month_end = %s{share}", [month_end])  # noqa: S608
        return cursor.fetchone() is not None


def kept(name: str, month_end: datetime.date, **parameters):
    """The value of the computation ``name`` as of ``month_end`` with ``parameters`` (what it depends on
    besides the ledger and the settings): kept when ``month_end`` is a closed month end whose positions were
    taken, computed every time otherwise. The value is what ``thaw(freeze(...))`` gives back (dicts, lists,
    tuples, ints, strings, booleans, None, Decimals, dates): the same on the first read and the next."""
    compute = COMPUTATIONS[name]
    if getattr(_deferred, "anew", False) or not is_kept_month(month_end):
        return compute(month_end, **parameters)
    from loans.models import MonthFigures

    frozen = freeze(parameters)
    key = _key(name, frozen)
    with transaction.atomic():
        if not _month_taken(month_end):
            return compute(month_end, **parameters)
        stored = MonthFigures.objects.filter(month_end=month_end, key=key).values_list("figures", flat=True)
        for figures in stored:
            return thaw(figures)
        figures = freeze(compute(month_end, **parameters))
        MonthFigures.objects.bulk_create(
            [MonthFigures(month_end=month_end, key=key, name=name, parameters=frozen, figures=figures)],
            ignore_conflicts=True,
        )
        return thaw(figures)


@contextmanager
def computed_anew():
    """Within this block (this thread), every figure is computed from the ledger, nothing read from or kept
    in ``MonthFigures`` (the benchmark's "computed again")."""
    _deferred.anew = True
    try:
        yield
    finally:
        _deferred.anew = False


# --- Forgetting ------------------------------------------------------------------------------------------


def _lock_months(month_from: datetime.date | None) -> None:
    if connection.vendor != "postgresql":
        return
    where = "" if month_from is None else " WHERE month_end >= %s"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT 1 FROM loans_positionmonth{where} ORDER BY month_end FOR UPDATE",  # noqa: S608
            [] if month_from is None else [month_from],
        )


def forget_from(day: datetime.date | None) -> None:
    """Forget the figures of every month end on or after ``day`` (something dated ``day`` changed). No query
    when ``day`` is after the last month that is over."""
    if day is None or day >= timezone.localdate().replace(day=1):
        return
    pending = getattr(_deferred, "day", False)
    if pending is not False:
        _deferred.day = day if pending is None else min(pending, day)
        return
    from loans.models import MonthFigures

    with transaction.atomic():
        _lock_months(day)
        MonthFigures.objects.filter(month_end__gte=day).delete()


def forget_all() -> None:
    """Forget every kept figure."""
    from loans.models import MonthFigures

    with transaction.atomic():
        _lock_months(None)
        MonthFigures.objects.all().delete()


@contextmanager
def forgetting_deferred():
    """Within this block (this thread), the figures to forget are added up (the earliest day) and forgotten
    once when it ends without error: an import of thousands of loans forgets once."""
    if getattr(_deferred, "day", False) is not False:
        yield
        return
    _deferred.day = None
    try:
        yield
        day = _deferred.day
    finally:
        _deferred.day = False
    forget_from(day)


def differences() -> list[str]:
    """The kept figures that differ from those computed again now (``rebuild_ledger --check``). Rows kept
    under other settings (never read again) are left out."""
    from loans.models import MonthFigures

    found = []
    rows = MonthFigures.objects.order_by("month_end", "name").values_list(
        "month_end", "key", "name", "parameters", "figures"
    )
    for month_end, key, name, parameters, figures in rows:
        if name not in COMPUTATIONS or key != _key(name, parameters):
            continue
        if not _same(thaw(freeze(COMPUTATIONS[name](month_end, **thaw(parameters)))), thaw(figures)):
            found.append(f"month figures {month_end} {name} {thaw(parameters)}: kept, differ from the ledger")
    return found


def _same(fresh, kept) -> bool:
    """Equal as values: dicts in any order, and a query's rows (a list of dicts) in any order."""
    if isinstance(fresh, list) and isinstance(kept, list) and all(isinstance(r, dict) for r in fresh + kept):
        return sorted(map(repr, fresh)) == sorted(map(repr, kept))
    return fresh == kept


# --- JSON both ways --------------------------------------------------------------------------------------


def freeze(value):
    """``value`` as JSON that ``thaw`` turns back into an equal value of the same types. A list of dicts with
    the same string keys (a query's rows) is kept as its columns and values."""
    if isinstance(value, bool) or value is None or isinstance(value, int | str):
        return value
    if isinstance(value, list):
        if value and all(isinstance(item, dict) for item in value):
            columns = list(value[0])
            if all(isinstance(c, str) for c in columns) and all(list(item) == columns for item in value):
                rows = [[item[c] for c in columns] for item in value]
                if all(v is None or isinstance(v, int | str) for row in rows for v in row):
                    return {"R": [columns, rows]}  # scalars only: read back as they are
                return {"r": [columns, [[freeze(v) for v in row] for row in rows]]}
        return [freeze(item) for item in value]
    if isinstance(value, dict):
        return {"d": [[freeze(k), freeze(v)] for k, v in value.items()]}
    if isinstance(value, tuple):
        return {"t": [freeze(item) for item in value]}
    if isinstance(value, Decimal):
        return {"n": str(value)}
    if isinstance(value, datetime.datetime):
        return {"i": value.isoformat()}
    if isinstance(value, datetime.date):
        return {"a": value.isoformat()}
    raise TypeError(f"Cannot keep a {type(value).__name__} in the month's figures")


def thaw(value):
    if isinstance(value, list):
        return [thaw(item) for item in value]
    if not isinstance(value, dict):
        return value
    (tag, inner), *_rest = value.items()
    if tag == "R":
        columns, rows = inner
        return [dict(zip(columns, row, strict=True)) for row in rows]
    if tag == "r":
        columns, rows = inner
        return [dict(zip(columns, (thaw(v) for v in row), strict=True)) for row in rows]
    if tag == "d":
        return {thaw(k): thaw(v) for k, v in inner}
    if tag == "t":
        return tuple(thaw(item) for item in inner)
    if tag == "n":
        return Decimal(inner)
    if tag == "i":
        return datetime.datetime.fromisoformat(inner)
    if tag == "a":
        return datetime.date.fromisoformat(inner)
    raise ValueError(f"Unknown tag {tag!r} in the month's figures")
