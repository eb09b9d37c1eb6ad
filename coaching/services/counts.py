"""The caseload counters (``CaseloadCount``) and what each person is counted under (``CaseloadTally``).

Every change that can move someone from one count to another recomputes that person's tally in the same
transaction and adds the difference to the counters (``caseload_tally_refresh``): the coaching services
(through ``caseload_position_refresh``), and, registered in ``CoachingConfig.ready()``
(``coaching.receivers``), entrepreneurs registered at once (``accounts.signals.entrepreneurs_created``), a
save of an entrepreneur's profile or account (advisor, email address, intake date), a save or deletion of a
loan (its status: open, pending) and a change of a loan's position (``loans.signals.position_changed``: a
payment, a reversal, a disbursement). ``manage.py rebuild_caseload`` recomputes all of it, ``--check``
compares (``caseload_count_differences``).

So the homes and the caseload read their counts from a bounded number of counter rows (per advisor: one per
day on which someone's follow-up falls, someone was last contacted or starts being flagged) instead of
counting thousands of people.
"""

import datetime
import threading
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

from django.db import connection, transaction
from django.db.models import BooleanField, Case, DateField, Exists, F, Min, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce

from coaching.models import CaseloadCount, CaseloadTally
from coaching.models.positions import FLAGGED, FOLLOW_UP, NO_DAY, NO_EMAIL, PEOPLE, RULE, SINCE
from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.models import OrganizationSettings
from microcredit.core.rebuild import differences

TALLY_FIELDS = (
    "advisor_key",
    "has_email",
    "follow_up_on",
    "since_on",
    "arrears_since",
    "pending_request",
    "flagged_from",
)

UPSERT_SQL = """
INSERT INTO coaching_caseloadcount (advisor_key, kind, day, count) VALUES (%s, %s, %s, %s)
ON CONFLICT (advisor_key, kind, day) DO UPDATE SET count = coaching_caseloadcount.count + excluded.count
"""


def flagged_from(
    follow_up: datetime.date | None,
    since: datetime.date,
    arrears: datetime.date | None,
    pending: bool,
    no_contact_days: int,
) -> datetime.date | None:
    """The first day the caseload flags someone, as the flags read (``coaching.selectors.flags``,
    ``loan_flags``): the day after the planned follow-up, the day the no-contact delay is passed, the day
    after a loan's oldest unpaid due date; a pending request flags from the start."""
    if pending:
        return NO_DAY
    days = [since + datetime.timedelta(days=no_contact_days + 1)]
    if follow_up:
        days.append(follow_up + datetime.timedelta(days=1))
    if arrears:
        days.append(arrears + datetime.timedelta(days=1))
    return min(days)


def _inputs(profiles) -> dict[int, tuple]:
    """{profile id: the tally's fields but ``flagged_from``} of ``profiles`` (a queryset), in one query."""
    from coaching.selectors.loan_flags import PENDING_STATUSES
    from loans.models import OPEN_STATUSES, Loan

    arrears = (
        Loan.objects.filter(
            borrower=OuterRef("pk"), status__in=OPEN_STATUSES, position__first_unsettled_due__isnull=False
        )
        .order_by()
        .values("borrower")
        .annotate(day=Min("position__first_unsettled_due"))
        .values("day")[:1]
    )
    rows = (
        profiles.order_by()
        .annotate(
            key=Coalesce(F("advisor_id"), Value(0)),
            email=Case(
                When(user__email="", then=Value(False)), default=Value(True), output_field=BooleanField()
            ),
            follow_up=F("caseload_position__next_follow_up_on"),
            since=Coalesce(
                F("caseload_position__last_contact_on"), F("intake_date"), output_field=DateField()
            ),
            late=Subquery(arrears),
            pending=Exists(Loan.objects.filter(borrower=OuterRef("pk"), status__in=PENDING_STATUSES)),
        )
        .values_list("pk", "key", "email", "follow_up", "since", "late", "pending")
    )
    return {pk: tuple(values) for pk, *values in rows}


def _tally(values: tuple, no_contact_days: int) -> tuple:
    key, email, follow_up, since, late, pending = values
    return (
        key,
        email,
        follow_up,
        since,
        late,
        pending,
        flagged_from(follow_up, since, late, pending, no_contact_days),
    )


def contributions(tally: tuple) -> list[tuple]:
    """The counters a tally counts one in: (advisor key, kind, day)."""
    key, has_email, follow_up, since, _late, _pending, flagged = tally
    rows = [(key, PEOPLE, NO_DAY), (key, SINCE, since)]
    if not has_email:
        rows.append((key, NO_EMAIL, NO_DAY))
    if follow_up:
        rows.append((key, FOLLOW_UP, follow_up))
    if flagged:
        rows.append((key, FLAGGED, flagged))
    return rows


def rule_days() -> int | None:
    """The no-contact delay the stored "flagged" days were computed with (None before the first rebuild)."""
    return (
        CaseloadCount.objects.filter(advisor_key=0, kind=RULE, day=NO_DAY)
        .values_list("count", flat=True)
        .first()
    )


def _apply(deltas: dict[tuple, int]) -> None:
    """Add the deltas to the counters, in key order (no deadlock between two changes)."""
    rows = [(*key, delta) for key, delta in sorted(deltas.items()) if delta]
    if rows:
        with connection.cursor() as cursor:
            cursor.executemany(UPSERT_SQL, rows)


_deferred = threading.local()
DEFERRED_CHUNK = 1000


@contextmanager
def caseload_tallies_deferred() -> Iterator[None]:
    """Inside the block ``caseload_tally_refresh`` only notes whom to recompute; when the block ends without
    error their tallies are recomputed and the counters moved once (by chunks of ``DEFERRED_CHUNK`` people).
    For an import of thousands of people or loans in one transaction, where recomputing a person and moving
    the same counter rows once per row grew as the square of the rows. Inside the caller's transaction;
    nested blocks end with the outermost."""
    if getattr(_deferred, "ids", None) is not None:
        yield
        return
    _deferred.ids = set()
    try:
        yield
        ids = sorted(_deferred.ids)
    finally:
        _deferred.ids = None
    for start in range(0, len(ids), DEFERRED_CHUNK):
        caseload_tally_refresh(profile_ids=ids[start : start + DEFERRED_CHUNK])


def caseload_tally_refresh(*, profile_ids: Iterable[int]) -> None:
    """Recompute these entrepreneurs' tallies and move the counters by the difference. Inside the caller's
    transaction; their tally rows are locked first (in id order; a person without one yet, their profile), so
    two changes for one person at once count once. Locking the tallies rather than the profiles keeps a
    payment (which holds its loan's lock) from waiting on a service that holds the borrower's profile.
    Inside ``caseload_tallies_deferred``, done when that block ends."""
    pending = getattr(_deferred, "ids", None)
    if pending is not None:
        pending.update(pk for pk in profile_ids if pk)
        return
    ids = sorted({pk for pk in profile_ids if pk})
    if not ids:
        return
    with transaction.atomic():
        tallies = CaseloadTally.objects.select_for_update().filter(pk__in=ids).order_by("pk")
        locked = set(tallies.values_list("pk", flat=True))
        if len(locked) < len(ids):
            new = (
                EntrepreneurProfile.objects.select_for_update()
                .filter(pk__in=set(ids) - locked)
                .order_by("pk")
            )
            list(new.values_list("pk"))
        days = rule_days()
        if days is None:  # no counters yet: ``rebuild_caseload`` (the migration) makes them
            days = OrganizationSettings.load().coaching_no_contact_days
            CaseloadCount.objects.get_or_create(
                advisor_key=0, kind=RULE, day=NO_DAY, defaults={"count": days}
            )
        expected = {
            pk: _tally(values, days)
            for pk, values in _inputs(EntrepreneurProfile.objects.filter(pk__in=ids)).items()
        }
        stored = {
            pk: tuple(values)
            for pk, *values in CaseloadTally.objects.filter(pk__in=ids).values_list("pk", *TALLY_FIELDS)
        }
        deltas: dict[tuple, int] = defaultdict(int)
        gone, created, changed = [], [], []
        for pk in ids:
            old, new = stored.get(pk), expected.get(pk)
            if old == new:
                continue
            for row in contributions(old) if old else ():
                deltas[row] -= 1
            for row in contributions(new) if new else ():
                deltas[row] += 1
            if new is None:
                gone.append(pk)
            else:
                tally = CaseloadTally(profile_id=pk, **dict(zip(TALLY_FIELDS, new, strict=True)))
                (changed if old else created).append(tally)
        # Written at once (an import's thousand people: three statements, not one per person).
        if gone:
            CaseloadTally.objects.filter(pk__in=gone).delete()
        if created:
            CaseloadTally.objects.bulk_create(created)
        if changed:
            CaseloadTally.objects.bulk_update(changed, TALLY_FIELDS, batch_size=500)
        _apply(deltas)


def caseload_tally_forget(profile_id: int) -> None:
    """An entrepreneur's profile is being deleted: take them out of the counters."""
    stored = CaseloadTally.objects.filter(pk=profile_id).values_list(*TALLY_FIELDS).first()
    if stored:
        _apply(Counter(dict.fromkeys(contributions(tuple(stored)), -1)))
        CaseloadTally.objects.filter(pk=profile_id).delete()


def _expected_all(days: int) -> tuple[dict[int, tuple], dict[tuple, int]]:
    tallies = {pk: _tally(values, days) for pk, values in _inputs(EntrepreneurProfile.objects.all()).items()}
    counts: dict[tuple, int] = Counter()
    for tally in tallies.values():
        for row in contributions(tally):
            counts[row] += 1
    counts[(0, RULE, NO_DAY)] = days
    return tallies, counts


def rebuild_caseload_counts() -> int:
    """Recompute every tally and counter (in the caller's transaction: ``rebuild_caseload``), with the
    organization's no-contact delay of today. Returns the counter rows."""
    tallies, counts = _expected_all(OrganizationSettings.load().coaching_no_contact_days)
    CaseloadTally.objects.all().delete()
    CaseloadCount.objects.all().delete()
    CaseloadTally.objects.bulk_create(
        (
            CaseloadTally(profile_id=pk, **dict(zip(TALLY_FIELDS, tally, strict=True)))
            for pk, tally in tallies.items()
        ),
        batch_size=2000,
    )
    CaseloadCount.objects.bulk_create(
        (
            CaseloadCount(advisor_key=key, kind=kind, day=day, count=count)
            for (key, kind, day), count in counts.items()
        ),
        batch_size=2000,
    )
    return len(counts)


def caseload_count_differences() -> list[str]:
    """Every tally and counter that differs from a recount of the profiles, positions and loans."""
    tallies, counts = _expected_all(OrganizationSettings.load().coaching_no_contact_days)
    stored_tallies = {
        pk: tuple(values) for pk, *values in CaseloadTally.objects.values_list("pk", *TALLY_FIELDS)
    }
    stored_counts = {
        (key, kind, day): count
        for key, kind, day, count in CaseloadCount.objects.values_list("advisor_key", "kind", "day", "count")
        if count
    }
    return differences("tally of entrepreneur", tallies, stored_tallies) + differences(
        "count", counts, stored_counts, missing=0, order=str
    )
