"""The arrears counters the homes read (issue #21, 1): after every kind of change (a disbursement, payments,
a reversal, a default, a write-off, a repayment, a circle's or a borrower's new advisor) the count of loans
in arrears read from the counters equals the arrears list's own count, for a coordinator and for each
advisor's "my loans", and ``rebuild_ledger --check`` finds a drift."""

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from loans import selectors, services
from loans.models import ArrearsCount
from loans.services.arrears_counts import arrears_count_differences
from microcredit.accounts import services as account_services
from tests.factories import AdvisorFactory, CoordinatorFactory, EntrepreneurFactory
from tests.loans.factories import disbursed_loan

pytestmark = pytest.mark.django_db


def days_ago(days: int) -> datetime.date:
    return timezone.localdate() - datetime.timedelta(days=days)


def agrees(*people):
    assert arrears_count_differences() == []
    for user in people:
        assert selectors.arrears_count(user) == selectors.arrears(user).count(), user
        if user.role == "advisor":
            assert selectors.arrears_count(user, mine=True) == selectors.arrears(user, mine=True).count(), (
                user
            )


def test_every_kind_of_change_keeps_the_counts_equal_to_the_arrears_list(personas):
    coordinator = CoordinatorFactory()
    people = (coordinator, personas.advisor, personas.other_advisor)
    other_borrower = EntrepreneurFactory(advisor=personas.other_advisor)
    late = disbursed_loan(borrower=personas.entrepreneur, approver=coordinator, disbursed_on=days_ago(100))
    current = disbursed_loan(borrower=other_borrower, approver=coordinator, disbursed_on=days_ago(5))
    agrees(*people)
    assert selectors.arrears_count(coordinator) == 1
    payment = services.payment_record(
        loan=late,
        amount=Decimal("1000.00"),
        paid_on=timezone.localdate(),
        method="cash",
        recorded_by=coordinator,
    )
    agrees(*people)
    services.payment_reverse(payment=payment, reversed_by=coordinator, reason="Chèque sans provision")
    agrees(*people)
    services.payment_record(
        loan=late, amount=Decimal("50.00"), paid_on=days_ago(60), method="cash", recorded_by=coordinator
    )
    agrees(*people)
    # The borrower moves to the other advisor, then the circle does.
    account_services.entrepreneur_assign_advisor(
        profile=personas.entrepreneur, advisor=personas.other_advisor, changed_by=coordinator
    )
    agrees(*people)
    circle = late.circle
    circle.advisor = AdvisorFactory()
    circle.save()
    agrees(*people, circle.advisor)
    services.loan_mark_default(loan=late, as_of=timezone.localdate() + datetime.timedelta(days=60))
    agrees(*people)
    late.refresh_from_db()
    services.loan_write_off(loan=late, written_off_by=coordinator, reason="Entreprise fermée")
    agrees(*people)
    owed = selectors.amount_owed(current)
    services.payment_record(
        loan=current, amount=owed, paid_on=timezone.localdate(), method="cash", recorded_by=coordinator
    )
    agrees(*people)
    assert selectors.arrears_count(coordinator) == 0


def test_the_homes_count_from_the_counters(personas, client_for):
    coordinator = CoordinatorFactory()
    disbursed_loan(borrower=personas.entrepreneur, approver=coordinator, disbursed_on=days_ago(100))
    for user in (coordinator, personas.advisor):
        client = client_for(user)
        client.get("/")
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/").status_code == 200
        assert any("loans_arrearscount" in query["sql"] for query in queries)
        # No count of the late loans over the positions (the old way: an index range of every late loan).
        late_counts = [
            query["sql"]
            for query in queries
            if "COUNT(" in query["sql"] and '"loans_loanposition"."first_unsettled_due" <' in query["sql"]
        ]
        assert late_counts == [], user


def test_the_check_finds_a_drift_and_the_rebuild_repairs_it(personas):
    coordinator = CoordinatorFactory()
    disbursed_loan(borrower=personas.entrepreneur, approver=coordinator, disbursed_on=days_ago(100))
    ArrearsCount.objects.filter(advisor_key=0).update(count=7)
    assert arrears_count_differences()
    with pytest.raises(CommandError):
        call_command("rebuild_ledger", "--check")
    call_command("rebuild_ledger")
    call_command("rebuild_ledger", "--check")
    agrees(coordinator, personas.advisor)


def test_loans_disbursed_in_a_deferred_block_are_counted_once_at_its_end(personas):
    """An import's block (``ledger.derived_rows_deferred``): the loans it disburses get their tallies and move
    the counters when it ends, and a loan outside it keeps its own tally untouched."""
    from loans.models import ArrearsTally
    from loans.services import ledger

    coordinator = CoordinatorFactory()
    outside = disbursed_loan(borrower=personas.entrepreneur, approver=coordinator, disbursed_on=days_ago(100))
    before = ArrearsTally.objects.get(pk=outside.pk)
    with ledger.derived_rows_deferred():
        inside = [
            disbursed_loan(borrower=EntrepreneurFactory(), approver=coordinator, disbursed_on=days_ago(100))
            for _ in range(3)
        ]
        assert not ArrearsTally.objects.filter(pk__in=[loan.pk for loan in inside]).exists()
    assert ArrearsTally.objects.filter(pk__in=[loan.pk for loan in inside]).count() == 3
    assert ArrearsTally.objects.get(pk=outside.pk).unsettled_due == before.unsettled_due
    assert selectors.arrears_count(coordinator) == 4
    agrees(coordinator, personas.advisor)
