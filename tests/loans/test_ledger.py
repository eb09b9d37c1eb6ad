"""The derived ledger figures (loan positions, instalments' settlement dates, monthly portfolio rows) follow
every disbursement, payment, reversal and write-off, and always equal a recomputation from the ledger."""

import contextlib
import datetime
import threading
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.models import F, Sum
from django.db.models.functions import TruncMonth
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loans import services
from loans.models import Loan, LoanPosition, PortfolioDay
from loans.services.ledger import ledger_differences
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, approved_loan, disbursed_loan
from tests.reports.portfolio import build_portfolio

pytestmark = pytest.mark.django_db
D = datetime.date
M = Decimal


def _months() -> dict:
    """{month: (due, collected, principal collected, loans disbursed, amount disbursed)} over all groups,
    amounts in cents."""
    return {
        row["month"]: (row["due"], row["collected"], row["principal"], row["count"], row["amount"])
        for row in PortfolioDay.objects.annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(
            due=Sum("due_cents"),
            collected=Sum("collected_cents"),
            principal=Sum("principal_collected_cents"),
            count=Sum("disbursed_count"),
            amount=Sum("disbursed_cents"),
        )
    }


def test_the_hand_built_portfolio_has_the_expected_stored_figures():
    book = build_portfolio()
    a, d, e, f = (LoanPosition.objects.get(loan=book[key]) for key in "adef")
    assert (a.lent_cents, a.principal_paid_cents, a.interest_paid_cents) == (120000, 120000, 0)
    assert [i.settled_on for i in a.loan.instalments.order_by("number")] == [
        D(2025, m, 1) for m in (2, 3, 4, 5)
    ]
    # D's March payment was reversed: the second instalment is not settled.
    assert d.principal_paid_cents == 30000
    assert [i.settled_on for i in d.loan.instalments.order_by("number")] == [D(2025, 2, 15), None, None, None]
    assert e.principal_paid_cents == 20000
    assert (a.first_unsettled_due, d.first_unsettled_due, f.first_unsettled_due) == (
        None,
        D(2025, 3, 15),
        D(2025, 7, 1),
    )
    assert e.written_off_at is not None and a.written_off_at is None
    assert (a.guaranteed, f.guaranteed) == (True, False)  # F's 3000 is above the 2000 threshold
    months = _months()
    # February: A, D and E each owe and pay one instalment.
    assert months[D(2025, 2, 1)] == (80000, 80000, 80000, 0, 0)
    # March: the same instalments fall due; only A's payment stands.
    assert months[D(2025, 3, 1)] == (80000, 30000, 30000, 0, 0)
    assert months[D(2025, 1, 1)][3:] == (3, 320000)  # A, D, E
    assert months[D(2025, 4, 1)][3:] == (2, 240000)  # B, C
    assert months[D(2025, 6, 1)][3:] == (1, 300000)  # F
    assert ledger_differences() == []


def _pay(loan, day, amount):
    return services.payment_record(
        loan=loan, amount=M(amount), paid_on=day, method="cash", recorded_by=CoordinatorFactory()
    )


def test_a_backdated_payment_and_a_reversal_move_the_settlement_dates_and_the_months():
    with time_machine.travel(datetime.datetime(2025, 6, 30, 12, tzinfo=datetime.UTC), tick=False):
        product = LoanProductFactory(annual_rate=M("0.00"), min_term=4, max_term=4)
        loan = disbursed_loan(
            amount="1200.00", term=4, product=product, disbursed_on=D(2025, 1, 1), first_due=D(2025, 2, 1)
        )
        _pay(loan, D(2025, 3, 1), "300.00")
        assert [i.settled_on for i in loan.instalments.order_by("number")][:2] == [D(2025, 3, 1), None]
        early = _pay(loan, D(2025, 2, 1), "300.00")  # recorded later, dated earlier: allocated first
        assert [i.settled_on for i in loan.instalments.order_by("number")][:2] == [
            D(2025, 2, 1),
            D(2025, 3, 1),
        ]
        assert _months()[D(2025, 2, 1)][1] == 30000
        services.payment_reverse(payment=early, reversed_by=CoordinatorFactory(), reason="Wrong loan")
        assert [i.settled_on for i in loan.instalments.order_by("number")][:2] == [D(2025, 3, 1), None]
        months = _months()
        assert months[D(2025, 2, 1)][1] == 0
        assert months[D(2025, 3, 1)][1] == 30000
        position = LoanPosition.objects.get(loan=loan)
        assert (position.principal_paid_cents, position.first_unsettled_due) == (30000, D(2025, 3, 1))
    assert ledger_differences() == []


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(["pay", "reverse"]),
            st.integers(min_value=0, max_value=150),  # days after disbursement
            st.decimals(min_value=M("0.01"), max_value=M("500.00"), places=2),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_stored_figures_always_equal_a_recomputation(steps):
    loan = disbursed_loan(
        amount="1500.00", term=6, disbursed_on=timezone.localdate() - datetime.timedelta(days=200)
    )
    payments = []
    for action, days, amount in steps:
        if action == "pay":
            with contextlib.suppress(ValidationError):  # more than what is owed: refused, nothing stored
                payments.append(_pay(loan, loan.disbursed_on + datetime.timedelta(days=days), amount))
        elif payments:
            services.payment_reverse(
                payment=payments.pop(0), reversed_by=CoordinatorFactory(), reason="Error"
            )
        loan.refresh_from_db()
    assert ledger_differences() == []


def test_an_instalment_paid_in_three_parts_is_settled_on_every_database():
    # 290.76 + 100.00 + 112.71 = 503.47 exactly; added as floats (SQLite), 503.46999999999997.
    product = LoanProductFactory(annual_rate=M("0.00"), min_term=6, max_term=6)
    loan = disbursed_loan(amount="3020.82", term=6, product=product)
    first = loan.instalments.get(number=1)
    assert first.total_due == M("503.47")
    for amount in ("290.76", "100.00", "112.71"):
        _pay(loan, loan.disbursed_on + datetime.timedelta(days=1), amount)
    first.refresh_from_db()
    assert first.settled_on == loan.disbursed_on + datetime.timedelta(days=1)
    assert ledger_differences() == []


def test_the_command_checks_and_repairs_the_stored_figures(capsys):
    build_portfolio()
    call_command("rebuild_ledger", "--check")
    PortfolioDay.objects.filter(day=D(2025, 2, 1)).update(collected_cents=F("collected_cents") + 1)
    LoanPosition.objects.filter(principal_paid_cents__gt=0).update(principal_paid_cents=0)
    with pytest.raises(CommandError, match="differ"):
        call_command("rebuild_ledger", "--check")
    call_command("rebuild_ledger")
    call_command("rebuild_ledger", "--check")
    assert "agree" in capsys.readouterr().out
    assert _months()[D(2025, 2, 1)][1] == 80000


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_on_loans_of_one_circle_add_up():
    first = disbursed_loan(amount="1000.00", term=6)
    # A second loan in the same circle and product: all four payments add to the same monthly row.
    second = approved_loan(amount="1000.00", term=6, product=first.product)
    Loan.objects.filter(pk=second.pk).update(circle=first.circle)
    second.refresh_from_db()
    services.loan_disburse(
        loan=second, disbursed_by=second.approved_by, disbursed_on=first.disbursed_on, method="transfer"
    )
    day = first.disbursed_on
    barrier = threading.Barrier(4)
    errors = []

    def pay(loan_id):
        try:
            barrier.wait()
            _pay(Loan.objects.get(pk=loan_id), day, "100.00")
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay, args=(loan.pk,)) for loan in (first, second, first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    row = PortfolioDay.objects.get(day=day, product_key=first.product_id)
    assert row.collected_cents == 40000
    assert ledger_differences() == []
