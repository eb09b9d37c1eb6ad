"""A loan that falls into default again while its guarantee call is still open (issue #16, 2).

The organization keeps the open call (the circle is already called on for this loan) and records the new
default on it; every path through default, catch-up, reversal, repayment and write-off leaves one consistent
state: at most one open call per loan, the loan's status what its days past due say.
"""

import datetime
import logging
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from loans import selectors, services
from loans.models import CallOutcome, Frequency, GuaranteeCall, GuaranteeType, LoanStatus
from tests.factories import CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

D = datetime.date
MONTREAL = ZoneInfo("America/Montreal")


def _on(day: datetime.date, hour: int = 6):
    """The machine's clock on ``day`` (the nightly pass runs at 06:00, Montreal time)."""
    return time_machine.travel(
        datetime.datetime(day.year, day.month, day.day, hour, tzinfo=MONTREAL), tick=False
    )


@pytest.fixture
def loan():
    """Circle-guaranteed 1 200,00 $ in 4 x 300,00 $ due 2025-02-01, 03-01, 04-01, 05-01 (no interest)."""
    with _on(D(2025, 1, 1), 10):
        product = LoanProductFactory(
            name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12, frequency=Frequency.MONTHLY
        )
        loan = disbursed_loan(
            amount="1200.00", term=4, product=product, disbursed_on=D(2025, 1, 1), first_due=D(2025, 2, 1)
        )
    assert loan.guarantee_type == GuaranteeType.CIRCLE
    return loan


def _pay(loan, day, amount="300.00"):
    with _on(day, 14):
        return services.payment_record(
            loan=loan, amount=Decimal(amount), paid_on=day, method="cash", recorded_by=loan.circle.advisor
        )


def _nightly_pass(day) -> int:
    with _on(day):
        return services.loans_mark_defaults()


def _status(loan):
    loan.refresh_from_db()
    return loan.status


def test_a_second_default_with_the_call_still_open_is_recorded_on_that_call(
    loan, caplog, django_capture_on_commit_callbacks
):
    # The dates: 90 days late on 2025-05-02 and again on 2025-06-30. In default is *more* than 90 days
    # late (as PAR90 counts): the pass of the 90th day leaves the loan active, the 91st's puts it in default.
    assert _nightly_pass(D(2025, 5, 2)) == 0
    assert _status(loan) == LoanStatus.ACTIVE
    with django_capture_on_commit_callbacks(execute=True):
        assert _nightly_pass(D(2025, 5, 3)) == 1  # 91 days after 2025-02-01
    assert _status(loan) == LoanStatus.DEFAULTED
    call = GuaranteeCall.objects.get(loan=loan)
    assert call.is_open and call.defaults == 1 and call.last_defaulted_at is None
    guarantors = loan.guarantors.count()
    assert guarantors >= 1
    # One email to the circle's advisor, one to each guarantor (issue #13).
    assert len(mail.outbox) == 1 + guarantors

    _pay(loan, D(2025, 5, 10))
    _pay(loan, D(2025, 5, 20))
    assert _status(loan) == LoanStatus.ACTIVE  # caught up below the threshold: 04-01 is the oldest unpaid
    call.refresh_from_db()
    assert call.is_open  # the advisor, not a payment, records how the call ended

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        assert _nightly_pass(D(2025, 6, 30)) == 0  # 90 days after 2025-04-01
        assert _nightly_pass(D(2025, 7, 1)) == 1  # 91
    assert not [r for r in caplog.records if "Could not check loan" in r.getMessage()]
    assert _status(loan) == LoanStatus.DEFAULTED
    (kept,) = GuaranteeCall.objects.filter(loan=loan)
    assert kept.pk == call.pk and kept.is_open
    assert kept.defaults == 2
    assert kept.last_defaulted_at == datetime.datetime(2025, 7, 1, 6, tzinfo=MONTREAL)
    assert [t.to_status for t in loan.transitions.order_by("changed_at", "pk")][-4:] == [
        LoanStatus.ACTIVE,  # disbursed
        LoanStatus.DEFAULTED,
        LoanStatus.ACTIVE,  # caught up
        LoanStatus.DEFAULTED,
    ]
    # The advisor and the guarantors already have this call open: no second "call opened" email.
    assert len(mail.outbox) == 1 + guarantors
    assert _nightly_pass(D(2025, 7, 2)) == 0  # and the next pass changes nothing
    assert GuaranteeCall.objects.get(loan=loan).defaults == 2


def test_a_default_after_the_call_was_resolved_opens_a_new_call(loan):
    _nightly_pass(D(2025, 5, 3))
    _pay(loan, D(2025, 5, 10))
    _pay(loan, D(2025, 5, 20))
    first = GuaranteeCall.objects.get(loan=loan)
    with _on(D(2025, 5, 21), 9):
        services.guarantee_call_resolve(
            call=first,
            outcome=CallOutcome.BORROWER_CAUGHT_UP,
            resolved_by=loan.circle.advisor,
            note="Rattrapé",
        )
    _nightly_pass(D(2025, 7, 1))
    assert _status(loan) == LoanStatus.DEFAULTED
    calls = list(GuaranteeCall.objects.filter(loan=loan).order_by("opened_at"))
    assert [c.pk == first.pk for c in calls] == [True, False]
    assert not calls[0].is_open and calls[1].is_open and calls[1].defaults == 1


def test_a_reversal_that_puts_the_loan_back_past_the_threshold_defaults_it_on_the_open_call(loan):
    _nightly_pass(D(2025, 5, 3))
    _pay(loan, D(2025, 5, 10))
    second = _pay(loan, D(2025, 5, 20))
    assert _status(loan) == LoanStatus.ACTIVE
    # The second payment bounces on 2025-06-05: 03-01 is unpaid again, 96 days late. The reversal itself does
    # not default the loan (only the daily pass does); the next morning's pass does, on the call still open.
    with _on(D(2025, 6, 5), 11):
        services.payment_reverse(payment=second, reversed_by=loan.circle.advisor, reason="Chèque retourné")
        assert selectors.days_past_due(loan) == 96
    assert _status(loan) == LoanStatus.ACTIVE
    assert _nightly_pass(D(2025, 6, 6)) == 1
    assert _status(loan) == LoanStatus.DEFAULTED
    (call,) = GuaranteeCall.objects.filter(loan=loan)
    assert call.is_open and call.defaults == 2


def test_recording_a_backlog_of_old_payments_opens_no_call(loan):
    # Payments of months ago typed in today: on the way the loan is more than 90 days late, but a payment
    # never puts a loan in default.
    advisor = loan.circle.advisor
    for day in (D(2025, 2, 1), D(2025, 3, 1), D(2025, 4, 1)):
        with _on(D(2025, 7, 15), 10):
            services.payment_record(
                loan=loan, amount=Decimal("300.00"), paid_on=day, method="cash", recorded_by=advisor
            )
    assert _status(loan) == LoanStatus.ACTIVE
    assert not GuaranteeCall.objects.filter(loan=loan).exists()


def test_repaid_with_the_call_open_closes_the_call_and_a_reversal_then_a_default_opens_a_new_one(loan):
    _nightly_pass(D(2025, 5, 3))
    _pay(loan, D(2025, 5, 10), "600.00")
    last = _pay(loan, D(2025, 5, 20), "600.00")
    assert _status(loan) == LoanStatus.REPAID
    (call,) = GuaranteeCall.objects.filter(loan=loan)
    assert not call.is_open and call.outcome == CallOutcome.BORROWER_CAUGHT_UP  # no longer late: closed
    with _on(D(2025, 6, 5), 11):
        services.payment_reverse(payment=last, reversed_by=loan.circle.advisor, reason="Erreur de prêt")
    # 600.00 still paid: 02-01 and 03-01, so 04-01 is 65 days late: open again, not in default yet.
    assert _status(loan) == LoanStatus.ACTIVE
    assert _nightly_pass(D(2025, 7, 1)) == 1
    first, second = GuaranteeCall.objects.filter(loan=loan).order_by("opened_at")
    assert first.pk == call.pk and not first.is_open
    assert second.is_open and second.defaults == 1


def test_a_write_off_after_a_second_default_resolves_the_one_call(loan):
    _nightly_pass(D(2025, 5, 3))
    _pay(loan, D(2025, 5, 10))
    _pay(loan, D(2025, 5, 20))
    _nightly_pass(D(2025, 7, 1))
    with _on(D(2025, 7, 15), 10):
        services.loan_write_off(loan=loan, written_off_by=CoordinatorFactory(), reason="Entreprise fermée")
    (call,) = GuaranteeCall.objects.filter(loan=loan)
    assert not call.is_open and call.outcome == CallOutcome.WRITTEN_OFF


def test_the_calls_page_and_the_loan_page_show_the_new_default(loan, client_for):
    from django.urls import reverse
    from django.utils import translation

    _nightly_pass(D(2025, 5, 3))
    _pay(loan, D(2025, 5, 10))
    _pay(loan, D(2025, 5, 20))
    _nightly_pass(D(2025, 7, 1))
    client = client_for(loan.circle.advisor)
    for url in (reverse("loans:guarantee_calls"), reverse("loans:loan_detail", args=[loan.pk])):
        with translation.override("fr"):
            page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
        assert "De nouveau en défaut le" in page and "(2 fois en tout)" in page


def test_exactly_90_days_late_is_neither_in_default_nor_in_par90_and_91_is_both(loan):
    """The board's page reads consistently: every loan in default (and every guarantee call it opens) is in
    PAR90 the same day, and a loan in PAR90 is in default once the day's pass has run."""
    from reports.selectors import portfolio_report

    def board(day):
        report = portfolio_report(as_of=day, breakdown=None)
        return report["totals"]["par90_loans"], report["guarantee_calls"]["open"]

    _nightly_pass(D(2025, 5, 2))
    assert selectors.days_past_due(loan, as_of=D(2025, 5, 2)) == 90
    assert _status(loan) == LoanStatus.ACTIVE and board(D(2025, 5, 2)) == (0, 0)
    _nightly_pass(D(2025, 5, 3))
    assert _status(loan) == LoanStatus.DEFAULTED and board(D(2025, 5, 3)) == (1, 1)
