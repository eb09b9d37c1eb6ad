"""The circle rules, each refused with a clear message, and the race on the last places."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation

from circles import services
from circles.models import (
    CircleEventKind,
    CircleStatus,
    LeaveReason,
    Meeting,
    MeetingStatus,
    Membership,
)
from microcredit.core.models import OrganizationSettings
from tests.circles.factories import (
    CircleFactory,
    MeetingFactory,
    MembershipFactory,
    TrainingFactory,
    TrainingParticipantFactory,
    circle_with_members,
)
from tests.factories import EntrepreneurFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _english():
    """Service messages are checked in English here; the screens' tests check both languages."""
    with translation.override("en"):
        yield


def _events(circle):
    return list(circle.events.order_by("pk").values_list("kind", flat=True))


def test_an_eighth_member_is_refused(personas):
    circle = circle_with_members(7)
    with pytest.raises(ValidationError, match="maximum"):
        services.circle_member_add(circle=circle, profile=EntrepreneurFactory(), added_by=personas.advisor)
    assert services.active_member_count(circle) == 7


def test_the_maximum_is_the_organizations_setting(personas):
    settings = OrganizationSettings.load()
    settings.circle_max_members = 5
    settings.save()
    circle = circle_with_members(5)
    with pytest.raises(ValidationError):
        services.circle_member_add(circle=circle, profile=EntrepreneurFactory(), added_by=None)


def test_a_person_is_active_in_one_circle_at_a_time(personas):
    first = circle_with_members(4)
    member = first.memberships.first().profile
    with pytest.raises(ValidationError, match="already an active member"):
        services.circle_member_add(circle=CircleFactory(), profile=member, added_by=personas.advisor)


def test_the_database_enforces_one_active_circle_too(personas):
    membership = MembershipFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Membership.objects.create(circle=CircleFactory(), profile=membership.profile)


def test_after_leaving_one_can_join_another(personas):
    membership = MembershipFactory()
    services.circle_member_remove(membership=membership, removed_by=personas.advisor, reason=LeaveReason.LEFT)
    joined = services.circle_member_add(circle=CircleFactory(), profile=membership.profile, added_by=None)
    assert joined.is_active
    assert Membership.objects.filter(profile=membership.profile).count() == 2


def test_a_circle_starts_only_with_four_members(personas):
    circle = circle_with_members(3, status=CircleStatus.FORMING)
    with pytest.raises(ValidationError, match="at least 4"):
        services.circle_activate(circle=circle, activated_by=personas.advisor)
    services.circle_member_add(circle=circle, profile=EntrepreneurFactory(), added_by=personas.advisor)
    circle = services.circle_activate(circle=circle, activated_by=personas.advisor)
    assert circle.status == CircleStatus.ACTIVE
    assert _events(circle)[-1] == CircleEventKind.ACTIVATED


def test_falling_below_four_is_flagged_and_recovering_too(personas):
    circle = circle_with_members(4)
    services.circle_member_remove(membership=circle.memberships.first(), removed_by=personas.advisor)
    assert _events(circle)[-2:] == [CircleEventKind.MEMBER_LEFT, CircleEventKind.BELOW_MINIMUM]
    from circles.selectors import circles_for

    assert circles_for(personas.coordinator).get(pk=circle.pk).below_minimum is True
    services.circle_member_add(circle=circle, profile=EntrepreneurFactory(), added_by=personas.advisor)
    assert _events(circle)[-1] == CircleEventKind.BACK_TO_MINIMUM
    assert circles_for(personas.coordinator).get(pk=circle.pk).below_minimum is False


def test_closed_circles_take_no_members(personas):
    circle = circle_with_members(4)
    services.circle_dissolve(circle=circle, dissolved_by=personas.coordinator, note="fin")
    with pytest.raises(ValidationError, match="no longer takes members"):
        services.circle_member_add(circle=circle, profile=EntrepreneurFactory(), added_by=None)


def test_dissolving_ends_every_membership_and_keeps_the_history(personas):
    circle = circle_with_members(5)
    services.circle_dissolve(circle=circle, dissolved_by=personas.coordinator, note="Déménagements")
    circle.refresh_from_db()
    assert circle.status == CircleStatus.DISSOLVED and circle.closed_on == timezone.localdate()
    assert not circle.memberships.filter(left_on__isnull=True).exists()
    assert set(circle.memberships.values_list("leave_reason", flat=True)) == {LeaveReason.DISSOLVED}
    assert circle.memberships.count() == 5


def test_merging_moves_the_members_and_points_to_the_successor(personas):
    absorbed = circle_with_members(3)
    into = circle_with_members(4)
    moving = set(absorbed.memberships.values_list("profile", flat=True))
    services.circle_merge(absorbed=absorbed, into=into, merged_by=personas.coordinator, note="Même quartier")
    absorbed.refresh_from_db()
    assert absorbed.status == CircleStatus.MERGED and absorbed.merged_into == into
    assert services.active_member_count(into) == 7
    assert moving <= set(into.memberships.filter(left_on__isnull=True).values_list("profile", flat=True))
    # The absorbed circle keeps its history: who was in it, and why they left.
    assert set(absorbed.memberships.values_list("leave_reason", flat=True)) == {LeaveReason.MERGED}
    assert CircleEventKind.ABSORBED in _events(absorbed)
    assert CircleEventKind.MERGED_IN in _events(into)


def test_a_merge_past_seven_is_refused(personas):
    absorbed = circle_with_members(4)
    into = circle_with_members(4)
    with pytest.raises(ValidationError, match="maximum is 7"):
        services.circle_merge(absorbed=absorbed, into=into, merged_by=None)
    assert services.active_member_count(absorbed) == 4


def test_a_merged_circle_cannot_be_merged_again(personas):
    absorbed, into = circle_with_members(2), circle_with_members(4)
    services.circle_merge(absorbed=absorbed, into=into, merged_by=None)
    with pytest.raises(ValidationError):
        services.circle_merge(absorbed=absorbed, into=circle_with_members(1), merged_by=None)


def test_a_forming_circle_that_reaches_four_by_merging_starts(personas):
    absorbed = circle_with_members(2, status=CircleStatus.FORMING)
    into = circle_with_members(2, status=CircleStatus.FORMING)
    services.circle_merge(absorbed=absorbed, into=into, merged_by=None)
    into.refresh_from_db()
    assert into.status == CircleStatus.ACTIVE


def test_moving_a_member(personas):
    source, target = circle_with_members(5), circle_with_members(4)
    membership = source.memberships.first()
    new = services.circle_member_move(membership=membership, to_circle=target, moved_by=personas.advisor)
    membership.refresh_from_db()
    assert membership.leave_reason == LeaveReason.MOVED and new.circle == target and new.is_active


def test_moving_into_a_full_circle_is_refused_and_nothing_changes(personas):
    source, target = circle_with_members(5), circle_with_members(7)
    membership = source.memberships.first()
    with pytest.raises(ValidationError):
        services.circle_member_move(membership=membership, to_circle=target, moved_by=None)
    membership.refresh_from_db()
    assert membership.is_active


def test_forming_a_circle_from_a_training_in_one_step(personas):
    training = TrainingFactory(advisor=personas.advisor)
    participants = TrainingParticipantFactory.create_batch(5, training=training)
    circle = services.circle_form_from_training(
        training=training, name="Les Semeuses", participants=participants, created_by=personas.advisor
    )
    assert circle.status == CircleStatus.ACTIVE
    assert circle.training == training and circle.advisor == personas.advisor
    assert services.active_member_count(circle) == 5


def test_three_completed_participants_form_a_forming_circle(personas):
    training = TrainingFactory()
    participants = TrainingParticipantFactory.create_batch(3, training=training)
    circle = services.circle_form_from_training(
        training=training, name="Trio", participants=participants, created_by=None
    )
    assert circle.status == CircleStatus.FORMING


def test_only_those_who_completed_can_form_a_circle(personas):
    training = TrainingFactory()
    participants = TrainingParticipantFactory.create_batch(4, training=training)
    participants[0].status = "enrolled"
    participants[0].save()
    with pytest.raises(ValidationError, match="completed"):
        services.circle_form_from_training(
            training=training, name="X", participants=participants, created_by=None
        )


def test_a_failed_formation_leaves_nothing_behind(personas):
    training = TrainingFactory()
    participants = TrainingParticipantFactory.create_batch(4, training=training)
    MembershipFactory(profile=participants[3].profile)  # already active in a circle
    with pytest.raises(ValidationError):
        services.circle_form_from_training(
            training=training, name="Rollback", participants=participants, created_by=None
        )
    from circles.models import Circle

    assert not Circle.objects.filter(name="Rollback").exists()


def test_recording_a_meeting(personas):
    circle = circle_with_members(4)
    members = list(circle.memberships.values_list("profile_id", flat=True))
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    next_date = timezone.localdate() + timezone.timedelta(days=30)
    services.meeting_record(
        meeting=meeting,
        recorded_by=personas.advisor,
        attendance={members[0]: "present", members[1]: "late", members[2]: "excused", members[3]: "absent"},
        follow_ups={
            members[0]: {"progress": "Premier contrat", "difficulties": "", "help_offered": "Contact SAJE"}
        },
        decisions="Analyser la demande de prêt de Marie",
        shared_notes="Prochaine rencontre chez Fatou",
        next_meeting={"date": next_date},
    )
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.HELD and meeting.recorded_by == personas.advisor
    assert meeting.attendance.count() == 4
    assert meeting.follow_ups.get().help_offered == "Contact SAJE"
    assert Meeting.objects.filter(circle=circle, date=next_date, status=MeetingStatus.PLANNED).exists()


def test_what_the_apps_above_add_is_saved_in_the_meetings_transaction_and_can_refuse_it_all(personas):
    """``meeting_record(also=...)``: the hooks registered through ``circles.meeting_extensions`` (the
    repayments collected, from loans) run with the locked meeting after the rest is written; a refusal
    there leaves nothing, not the attendance, not the next meeting."""
    circle = circle_with_members(4)
    attendance = dict.fromkeys(circle.memberships.values_list("profile_id", flat=True), "present")
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    next_date = timezone.localdate() + timezone.timedelta(days=30)
    seen = []

    def refuse(locked):
        seen.append((locked.pk, locked.status, locked.attendance.count()))
        raise ValidationError("refused by an extension")

    with pytest.raises(ValidationError, match="refused by an extension"):
        services.meeting_record(
            meeting=meeting,
            recorded_by=personas.advisor,
            attendance=attendance,
            next_meeting={"date": next_date},
            also=[refuse],
        )
    assert seen == [(meeting.pk, MeetingStatus.HELD, 4)]  # called after the record was written
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.PLANNED and not meeting.attendance.exists()
    assert not Meeting.objects.filter(circle=circle, date=next_date).exists()


def test_every_members_attendance_is_required(personas):
    circle = circle_with_members(4)
    members = list(circle.memberships.values_list("profile_id", flat=True))
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    with pytest.raises(ValidationError, match="every member"):
        services.meeting_record(
            meeting=meeting, recorded_by=personas.advisor, attendance={members[0]: "present"}
        )


def test_outsiders_cannot_be_marked_present(personas):
    circle = circle_with_members(4)
    attendance = dict.fromkeys(circle.memberships.values_list("profile_id", flat=True), "present")
    attendance[personas.other_entrepreneur.pk] = "present"
    meeting = MeetingFactory(circle=circle, date=timezone.localdate())
    with pytest.raises(ValidationError, match="active members"):
        services.meeting_record(meeting=meeting, recorded_by=personas.advisor, attendance=attendance)


def test_a_future_meeting_cannot_be_recorded_yet(personas):
    circle = circle_with_members(4)
    meeting = MeetingFactory(circle=circle)
    attendance = dict.fromkeys(circle.memberships.values_list("profile_id", flat=True), "present")
    with pytest.raises(ValidationError, match="on or after its date"):
        services.meeting_record(meeting=meeting, recorded_by=personas.advisor, attendance=attendance)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_advisors_adding_the_last_places_at_once_cannot_pass_seven():
    circle = circle_with_members(6)
    candidates = EntrepreneurFactory.create_batch(2)
    barrier = threading.Barrier(2)
    outcomes = []

    def add(profile):
        try:
            barrier.wait()
            services.circle_member_add(circle=circle, profile=profile, added_by=None)
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(profile,)) for profile in candidates]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "refused"]
    assert services.active_member_count(circle) == 7


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_one_person_added_to_two_circles_at_once_joins_one():
    first, second = CircleFactory(), CircleFactory()
    profile = EntrepreneurFactory()
    barrier = threading.Barrier(2)
    outcomes = []

    def add(circle):
        try:
            barrier.wait()
            services.circle_member_add(circle=circle, profile=profile, added_by=None)
            outcomes.append("added")
        except ValidationError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=add, args=(circle,)) for circle in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["added", "refused"]
    assert Membership.objects.filter(profile=profile, left_on__isnull=True).count() == 1


def test_a_circle_reviewing_a_request_cannot_be_merged_or_dissolved(personas):
    from tests.loans.factories import submitted_loan

    loan = submitted_loan()
    with pytest.raises(ValidationError, match="reviewing a loan request"):
        services.circle_dissolve(circle=loan.circle, dissolved_by=None)
    with pytest.raises(ValidationError, match="reviewing a loan request"):
        services.circle_merge(absorbed=loan.circle, into=circle_with_members(1), merged_by=None)


def test_dissolving_cancels_the_planned_meetings(personas):
    circle = circle_with_members(4)
    meeting = MeetingFactory(circle=circle)
    services.circle_dissolve(circle=circle, dissolved_by=None)
    meeting.refresh_from_db()
    assert meeting.status == MeetingStatus.CANCELLED
