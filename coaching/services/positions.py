"""The caseload positions (``CaseloadPosition``): kept by every coaching service that records or changes a
session or a referral, in the same transaction, and rebuilt or checked from the sessions and referrals
(``manage.py rebuild_caseload [--check]``, the data migration)."""

from collections.abc import Iterable

from django.db import connection, transaction
from django.db.models import Count, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from coaching.models import CaseloadPosition, CoachingSession, Referral
from coaching.models.choices import REFERRAL_CLOSED
from coaching.services.counts import (
    caseload_count_differences,
    caseload_tally_refresh,
    rebuild_caseload_counts,
)
from microcredit.accounts.models import EntrepreneurProfile

FIELDS = ("last_contact_on", "next_follow_up_on", "open_referrals")
EMPTY = (None, None, 0)


def _expected(profiles) -> dict[int, tuple]:
    """What the positions of ``profiles`` (a queryset) should hold, by profile id; people without any
    session or referral are left out (no row means ``EMPTY``)."""
    latest = CoachingSession.objects.filter(profile=OuterRef("pk")).order_by("-held_on", "-pk")
    open_referrals = (
        Referral.objects.filter(profile=OuterRef("pk"))
        .exclude(status__in=REFERRAL_CLOSED)
        .order_by()
        .values("profile")
        .annotate(count=Count("pk"))
        .values("count")[:1]
    )
    rows = (
        profiles.filter(
            Q(pk__in=CoachingSession.objects.values("profile")) | Q(pk__in=Referral.objects.values("profile"))
        )
        .order_by()
        .annotate(
            last=Subquery(latest.values("held_on")[:1]),
            next=Subquery(latest.values("next_follow_up_on")[:1]),
            open_count=Coalesce(Subquery(open_referrals, output_field=IntegerField()), Value(0)),
        )
        .values_list("pk", "last", "next", "open_count")
    )
    return {
        pk: (last, next_, referrals)
        for pk, last, next_, referrals in rows
        if (last, next_, referrals) != EMPTY
    }


def caseload_position_refresh(*, profile_ids: Iterable[int]) -> None:
    """Recompute the positions of these entrepreneurs from their sessions and referrals. Called by the
    services after each change, inside their transaction: the profiles are locked first (in id order), so two
    sessions recorded at once for one person cannot leave the figures of only one of them."""
    ids = sorted(set(profile_ids))
    if not ids:
        return
    with transaction.atomic():
        list(
            EntrepreneurProfile.objects.select_for_update()
            .filter(pk__in=ids)
            .order_by("pk")
            .values_list("pk")
        )
        expected = _expected(EntrepreneurProfile.objects.filter(pk__in=ids))
        CaseloadPosition.objects.filter(pk__in=[pk for pk in ids if pk not in expected]).delete()
        for pk, values in expected.items():
            CaseloadPosition.objects.update_or_create(
                profile_id=pk, defaults=dict(zip(FIELDS, values, strict=True))
            )
        caseload_tally_refresh(profile_ids=ids)


def _stored() -> dict[int, tuple]:
    return {pk: tuple(values) for pk, *values in CaseloadPosition.objects.values_list("pk", *FIELDS)}


def caseload_differences() -> list[str]:
    """Every stored position, tally or counter that differs from a recount (``position_differences``, then
    ``caseload_count_differences``)."""
    return position_differences() + caseload_count_differences()


def position_differences() -> list[str]:
    """Every entrepreneur whose stored position differs from a recount of the sessions and referrals."""
    expected = _expected(EntrepreneurProfile.objects.all())
    stored = _stored()
    differences = []
    for pk in sorted(set(expected) | set(stored)):
        want, have = expected.get(pk, EMPTY), stored.get(pk, EMPTY)
        if want != have:
            changed = ", ".join(
                f"{name} stored {old!r}, expected {new!r}"
                for name, old, new in zip(FIELDS, have, want, strict=True)
                if old != new
            )
            differences.append(f"entrepreneur {pk}: {changed}")
    return differences


@transaction.atomic
def rebuild_caseload() -> int:
    """Recompute every position, then every tally and counter (``coaching.services.counts``); the changes
    recorded meanwhile wait. Returns the positions kept."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "LOCK TABLE coaching_caseloadposition, coaching_caseloadtally, coaching_caseloadcount "
                "IN SHARE ROW EXCLUSIVE MODE"
            )
    expected = _expected(EntrepreneurProfile.objects.all())
    CaseloadPosition.objects.all().delete()
    CaseloadPosition.objects.bulk_create(
        [
            CaseloadPosition(profile_id=pk, **dict(zip(FIELDS, values, strict=True)))
            for pk, values in expected.items()
        ],
        batch_size=2000,
    )
    rebuild_caseload_counts()
    return len(expected)
