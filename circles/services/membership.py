"""Writes about circles: membership rules, merges, dissolution, trainings and meetings.

Every change that depends on a circle's membership locks the circle's row first
(``select_for_update``), re-reads the active members and only then decides, so two advisors adding the
last places at the same moment cannot push a circle past its maximum. Circles are locked in primary-key
order when two are involved (merge, move) so that two such changes cannot deadlock.
"""

import datetime
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from circles.models import (
    Circle,
    CircleEvent,
    CircleEventKind,
    CircleStatus,
    LeaveReason,
    MeetingStatus,
    MemberRole,
    Membership,
)
from microcredit.accounts.models import EntrepreneurProfile, Role, User
from microcredit.core.models import OrganizationSettings


def _check_advisor(advisor: User) -> None:
    if not (advisor.role == Role.ADVISOR and advisor.is_active):
        raise ValidationError({"advisor": _("Choose an active advisor.")})


def _lock(*circles: Circle) -> list[Circle]:
    """Lock the circles' rows, in primary-key order, and return them fresh from the database."""
    ids = sorted({circle.pk for circle in circles})
    locked = {
        circle.pk: circle for circle in Circle.objects.select_for_update().filter(pk__in=ids).order_by("pk")
    }
    return [locked[circle.pk] for circle in circles]


def active_member_count(circle: Circle) -> int:
    return circle.memberships.filter(left_on__isnull=True).count()


def _check_no_pending_loans(circle: Circle) -> None:
    """A circle with a request in review or an open guarantee call must settle it before it closes."""
    if circle.loans.filter(status="submitted").exists():
        raise ValidationError(
            _("The circle %(name)s is reviewing a loan request: record its decision first.")
            % {"name": circle.phrase_name}
        )
    if circle.guarantee_calls.filter(resolved_at__isnull=True).exists():
        raise ValidationError(
            _("The circle %(name)s has an unresolved guarantee call: resolve it first.")
            % {"name": circle.phrase_name}
        )


def _cancel_planned_meetings(circle: Circle) -> None:
    circle.meetings.filter(status=MeetingStatus.PLANNED).update(status=MeetingStatus.CANCELLED)


def _record(circle: Circle, kind: str, actor: User | None, **fields) -> CircleEvent:
    return CircleEvent.objects.create(circle=circle, kind=kind, actor=actor, **fields)


def _check_open(circle: Circle) -> None:
    if not circle.is_open:
        raise ValidationError(
            _("The circle %(name)s is %(status)s: it no longer takes members or meetings.")
            % {"name": circle.phrase_name, "status": circle.get_status_display().lower()}
        )


@transaction.atomic
def circle_create(
    *,
    name: str,
    advisor: User,
    created_by: User | None,
    network=None,
    training=None,
    meeting_place: str = "",
    meeting_rhythm: str = "monthly",
    characteristics: Iterable = (),
    created_on: datetime.date | None = None,
) -> Circle:
    _check_advisor(advisor)
    circle = Circle(
        name=name,
        advisor=advisor,
        network=network,
        training=training,
        meeting_place=meeting_place,
        meeting_rhythm=meeting_rhythm,
        created_on=created_on or timezone.localdate(),
    )
    circle.full_clean()
    circle.save()
    circle.characteristics.set(characteristics)
    _record(circle, CircleEventKind.CREATED, created_by)
    return circle


@transaction.atomic
def circle_update(
    *, circle: Circle, changed_by: User | None, characteristics: Iterable | None = None, **fields
) -> Circle:
    allowed = {"name", "advisor", "network", "meeting_place", "meeting_rhythm"}
    if set(fields) - allowed:
        raise TypeError(f"Unexpected fields: {sorted(set(fields) - allowed)}")
    if "advisor" in fields:
        _check_advisor(fields["advisor"])
    (circle,) = _lock(circle)
    for name, value in fields.items():
        setattr(circle, name, value)
    circle.full_clean()
    circle.save()
    if characteristics is not None:
        circle.characteristics.set(characteristics)
    return circle


def _add_member(
    circle: Circle,
    profile: EntrepreneurProfile,
    *,
    actor: User | None,
    role: str,
    joined_on: datetime.date,
    settings: OrganizationSettings,
    other_circle: Circle | None = None,
) -> Membership:
    """Add a member to a circle whose row is already locked by the caller."""
    _check_open(circle)
    count = active_member_count(circle)
    if count >= settings.circle_max_members:
        raise ValidationError(
            _("The circle %(name)s already has %(max)s active members, the maximum.")
            % {"name": circle.phrase_name, "max": settings.circle_max_members},
            code="circle_full",
        )
    current = (
        Membership.objects.filter(profile=profile, left_on__isnull=True).select_related("circle").first()
    )
    if current is not None:
        raise ValidationError(
            _("%(person)s is already an active member of the circle %(name)s.")
            % {"person": profile, "name": current.circle.phrase_name},
            code="already_member",
        )
    try:
        with transaction.atomic():
            membership = Membership.objects.create(
                circle=circle, profile=profile, role=role, joined_on=joined_on
            )
    except IntegrityError:
        # Another request made this person a member elsewhere between our check and our insert.
        raise ValidationError(
            _("%(person)s is already an active member of a circle.") % {"person": profile}
        ) from None
    _record(circle, CircleEventKind.MEMBER_JOINED, actor, profile=profile, other_circle=other_circle)
    if circle.status == CircleStatus.ACTIVE and count + 1 == settings.circle_min_members:
        _record(circle, CircleEventKind.BACK_TO_MINIMUM, actor)
    return membership


def _end_membership(
    membership: Membership,
    *,
    actor: User | None,
    reason: str,
    note: str,
    left_on: datetime.date,
    settings: OrganizationSettings,
    other_circle: Circle | None = None,
) -> None:
    """End a membership of a circle whose row is already locked by the caller."""
    circle = membership.circle
    if left_on < membership.joined_on:
        raise ValidationError(_("A member cannot leave before the day they joined."))
    membership.left_on = left_on
    membership.leave_reason = reason
    membership.leave_note = note
    membership.save(update_fields=["left_on", "leave_reason", "leave_note"])
    _record(
        circle,
        CircleEventKind.MEMBER_LEFT,
        actor,
        profile=membership.profile,
        other_circle=other_circle,
        note=note,
    )
    if (
        circle.status == CircleStatus.ACTIVE
        and active_member_count(circle) == settings.circle_min_members - 1
    ):
        _record(circle, CircleEventKind.BELOW_MINIMUM, actor)


@transaction.atomic
def circle_member_add(
    *,
    circle: Circle,
    profile: EntrepreneurProfile,
    added_by: User | None,
    role: str = MemberRole.MEMBER,
    joined_on: datetime.date | None = None,
) -> Membership:
    """Admit a person: refused when the circle is full, closed, or the person is active in another circle."""
    (circle,) = _lock(circle)
    return _add_member(
        circle,
        profile,
        actor=added_by,
        role=role,
        joined_on=joined_on or timezone.localdate(),
        settings=OrganizationSettings.load(),
    )


@transaction.atomic
def circle_member_remove(
    *,
    membership: Membership,
    removed_by: User | None,
    reason: str = LeaveReason.LEFT,
    note: str = "",
    left_on: datetime.date | None = None,
) -> Membership:
    if reason not in (LeaveReason.LEFT, LeaveReason.REMOVED):
        raise ValidationError(_("Choose why the member leaves."))
    _lock(membership.circle)
    membership = Membership.objects.select_related("circle", "profile__user").get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("This person has already left the circle."))
    _end_membership(
        membership,
        actor=removed_by,
        reason=reason,
        note=note,
        left_on=left_on or timezone.localdate(),
        settings=OrganizationSettings.load(),
    )
    return membership


@transaction.atomic
def circle_member_move(
    *, membership: Membership, to_circle: Circle, moved_by: User | None, note: str = ""
) -> Membership:
    """Move a member to another circle: they leave one and join the other on the same day."""
    source, target = _lock(membership.circle, to_circle)
    if source.pk == target.pk:
        raise ValidationError(_("Choose a different circle."))
    membership = Membership.objects.select_related("profile__user").get(pk=membership.pk)
    if not membership.is_active:
        raise ValidationError(_("This person has already left the circle."))
    settings = OrganizationSettings.load()
    today = timezone.localdate()
    _end_membership(
        membership,
        actor=moved_by,
        reason=LeaveReason.MOVED,
        note=note,
        left_on=today,
        settings=settings,
        other_circle=target,
    )
    return _add_member(
        target,
        membership.profile,
        actor=moved_by,
        role=MemberRole.MEMBER,
        joined_on=today,
        settings=settings,
        other_circle=source,
    )


@transaction.atomic
def circle_activate(*, circle: Circle, activated_by: User | None) -> Circle:
    """A forming circle starts once it has at least the minimum number of members."""
    (circle,) = _lock(circle)
    if circle.status != CircleStatus.FORMING:
        raise ValidationError(_("Only a forming circle can be started."))
    settings = OrganizationSettings.load()
    count = active_member_count(circle)
    if count < settings.circle_min_members:
        raise ValidationError(
            _("A circle needs at least %(min)s members to start; %(name)s has %(count)s.")
            % {"min": settings.circle_min_members, "name": circle.name, "count": count},
            code="below_minimum",
        )
    circle.status = CircleStatus.ACTIVE
    circle.save(update_fields=["status"])
    _record(circle, CircleEventKind.ACTIVATED, activated_by)
    return circle


@transaction.atomic
def circle_merge(*, absorbed: Circle, into: Circle, merged_by: User | None, note: str = "") -> Circle:
    """Merge ``absorbed`` into ``into``: its active members join ``into``; it keeps its history and points
    to its successor. Loans it guaranteed stay attached to it (and so to its successor)."""
    absorbed, into = _lock(absorbed, into)
    if absorbed.pk == into.pk:
        raise ValidationError(_("A circle cannot be merged into itself."))
    _check_open(absorbed)
    _check_open(into)
    _check_no_pending_loans(absorbed)
    settings = OrganizationSettings.load()
    moving = list(absorbed.memberships.filter(left_on__isnull=True).select_related("profile__user"))
    combined = active_member_count(into) + len(moving)
    if combined > settings.circle_max_members:
        raise ValidationError(
            _("Together these circles would have %(count)s active members; the maximum is %(max)s.")
            % {"count": combined, "max": settings.circle_max_members},
            code="circle_full",
        )
    today = timezone.localdate()
    for membership in moving:
        membership.left_on, membership.leave_reason, membership.leave_note = today, LeaveReason.MERGED, note
        membership.save(update_fields=["left_on", "leave_reason", "leave_note"])
        Membership.objects.create(
            circle=into, profile=membership.profile, role=membership.role, joined_on=today
        )
    absorbed.status, absorbed.merged_into, absorbed.closed_on = CircleStatus.MERGED, into, today
    absorbed.save(update_fields=["status", "merged_into", "closed_on"])
    _cancel_planned_meetings(absorbed)
    _record(absorbed, CircleEventKind.ABSORBED, merged_by, other_circle=into, note=note)
    _record(into, CircleEventKind.MERGED_IN, merged_by, other_circle=absorbed, note=note)
    if into.status == CircleStatus.FORMING and combined >= settings.circle_min_members:
        into.status = CircleStatus.ACTIVE
        into.save(update_fields=["status"])
        _record(into, CircleEventKind.ACTIVATED, merged_by)
    return into


@transaction.atomic
def circle_dissolve(*, circle: Circle, dissolved_by: User | None, note: str = "") -> Circle:
    (circle,) = _lock(circle)
    _check_open(circle)
    _check_no_pending_loans(circle)
    today = timezone.localdate()
    for membership in circle.memberships.filter(left_on__isnull=True):
        membership.left_on, membership.leave_reason, membership.leave_note = (
            today,
            LeaveReason.DISSOLVED,
            note,
        )
        membership.save(update_fields=["left_on", "leave_reason", "leave_note"])
    circle.status, circle.closed_on = CircleStatus.DISSOLVED, today
    circle.save(update_fields=["status", "closed_on"])
    _cancel_planned_meetings(circle)
    _record(circle, CircleEventKind.DISSOLVED, dissolved_by, note=note)
    return circle
