"""A believable demo (issue #13, 11): no two people share a name, every step of a loan's history, every vote,
payment, guarantee call and meeting record is dated when it happened (not the minute the demo was loaded),
and a training's season is the season of its dates. Loading it again changes none of it."""

import datetime
import time

import pytest
from django.core.management import call_command
from django.db.models import Count
from django.utils import timezone

from circles.demo import season
from circles.models import Meeting, Training
from loans.models import CircleVote, GuaranteeCall, Loan, LoanStatus, LoanTransition, Payment
from microcredit.accounts.models import User
from microcredit.core.management.commands.seed_demo import ENTREPRENEUR_COUNT, demo_name

pytestmark = pytest.mark.django_db

SEASON_MONTHS = {"hiver": {12, 1, 2}, "printemps": {3, 4, 5}, "été": {6, 7, 8}, "automne": {9, 10, 11}}


def _seed():
    with open("/dev/null", "w") as quiet:
        call_command("seed_demo", force=True, stdout=quiet)


def _history():
    return sorted(LoanTransition.objects.values_list("loan_id", "to_status", "changed_at"))


def test_the_demo_is_believable_and_stays_so_when_loaded_again():
    loaded_at = timezone.now()
    started = time.monotonic()
    _seed()
    assert time.monotonic() - started < 60  # fast enough for `make demo`
    today = timezone.localdate()

    names = list(User.objects.values_list("first_name", "last_name"))
    assert len(names) == len(set(names)), "two demo people share a name"
    assert len({demo_name(i) for i in range(ENTREPRENEUR_COUNT)}) == ENTREPRENEUR_COUNT

    # Only the latest steps may be today's; nothing of the history is dated the minute of the load.
    recent = loaded_at - datetime.timedelta(minutes=5)
    assert not LoanTransition.objects.filter(changed_at__gte=recent).exists()
    assert not Loan.objects.filter(created_at__gte=recent).exists()
    assert not CircleVote.objects.filter(recorded_at__gte=recent).exists()
    assert not Payment.objects.filter(recorded_at__gte=recent).exists()
    assert not GuaranteeCall.objects.filter(opened_at__gte=recent).exists()
    assert not Meeting.objects.filter(recorded_at__gte=recent).exists()
    for meeting in Meeting.objects.filter(status="held"):
        assert timezone.localdate(meeting.recorded_at) == meeting.date

    for loan in Loan.objects.exclude(disbursed_on=None).prefetch_related("transitions", "payments"):
        steps = list(loan.transitions.all())
        assert [s.changed_at for s in steps] == sorted(s.changed_at for s in steps), loan.pk
        disbursed = next(s for s in steps if s.to_status == LoanStatus.ACTIVE)
        assert timezone.localdate(disbursed.changed_at) == loan.disbursed_on, loan.pk
        assert timezone.localdate(loan.created_at) < loan.disbursed_on, loan.pk
        before = [s for s in steps if s.changed_at < disbursed.changed_at]
        assert {s.to_status for s in before} >= {LoanStatus.SUBMITTED, LoanStatus.APPROVED}, loan.pk
        for payment in loan.payments.all():
            assert timezone.localdate(payment.recorded_at) == payment.paid_on
        for step in steps:
            assert timezone.localdate(step.changed_at) <= today
    defaulted = LoanTransition.objects.filter(to_status=LoanStatus.DEFAULTED).select_related("loan")
    assert defaulted.exists()
    for step in defaulted:
        call = GuaranteeCall.objects.filter(loan=step.loan).first()
        assert call is None or call.opened_at == step.changed_at

    trainings = list(Training.objects.all())
    assert trainings
    for training in trainings:
        named = next(name for name in SEASON_MONTHS if f"({name} " in training.title)
        assert training.start_date.month in SEASON_MONTHS[named], training.title

    first = _history()
    _seed()
    assert _history() == first
    assert User.objects.values("first_name", "last_name").annotate(n=Count("pk")).filter(n__gt=1).count() == 0


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (datetime.date(2026, 10, 17), "automne 2026"),
        (datetime.date(2026, 2, 4), "hiver 2025-2026"),
        (datetime.date(2026, 12, 1), "hiver 2026-2027"),
        (datetime.date(2026, 4, 1), "printemps 2026"),
        (datetime.date(2026, 7, 1), "été 2026"),
    ],
)
def test_the_season_of_a_training_is_that_of_its_start(day, expected):
    assert season(day) == expected
