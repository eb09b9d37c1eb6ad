"""The figures of a closed month, computed once and kept (``loans.month_figures``, issue #21): the board's
report as of a closed month reads them instead of the loans, and every change dated on or before the month's
end forgets them in its own transaction, so that what is read is always what the ledger gives. Hand-built
portfolio through the real services; ``ledger_differences`` (``rebuild_ledger --check``) computes every kept
figure again and compares."""

import contextlib
import datetime
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from loans import month_figures, services
from loans.models import Frequency, Instalment, MonthFigures
from loans.services import ledger
from loans.services.ledger import ledger_differences, snapshot_closed_months
from reports.selectors import default_period, portfolio_report
from reports.tables import board_figures
from tests.factories import AdvisorFactory, CoordinatorFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db

MONTREAL = ZoneInfo("America/Montreal")
D = datetime.date
APRIL, MAY = D(2025, 4, 30), D(2025, 5, 31)
READ_ON = D(2025, 7, 15)


def at_noon(day: datetime.date):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MONTREAL), tick=False)


def pay(loan, day: datetime.date, value: Decimal, recorded_by, *, on: datetime.date | None = None):
    with at_noon(on or day):
        return services.payment_record(
            loan=loan, amount=value, paid_on=day, method="cash", recorded_by=recorded_by
        )


@pytest.fixture
def portfolio():
    """Six loans at 0 % disbursed on 10 January, 6 monthly instalments from 10 February, each paid on its
    day up to May; the months up to June taken on 15 July."""
    with at_noon(D(2025, 1, 10)):
        coordinator = CoordinatorFactory()
        product = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY
        )
        loans = [
            disbursed_loan(
                amount=f"{1200 + 37 * n}.00",
                term=6,
                product=product,
                approver=coordinator,
                disbursed_on=D(2025, 1, 10),
                first_due=D(2025, 2, 10),
            )
            for n in range(6)
        ]
    for month in range(2, 6):
        for loan in loans:
            due = D(2025, month, 10)
            pay(loan, due, Instalment.objects.get(loan=loan, due_date=due).total_due, coordinator)
    with at_noon(READ_ON):
        snapshot_closed_months()
    return coordinator, loans


def board_report(as_of: datetime.date, read_on: datetime.date | None = READ_ON) -> dict:
    with at_noon(read_on) if read_on else contextlib.nullcontext():
        report = portfolio_report(as_of=as_of, start=default_period(as_of), end=as_of, for_board=True)
        report["hidden"] = board_figures(report)
    return report


def kept_months() -> list[datetime.date]:
    return sorted(set(MonthFigures.objects.values_list("month_end", flat=True)))


def test_the_json_gives_back_every_type_it_keeps():
    value = {
        "rows": [{"a": 1, "b": None, "c": "x"}, {"a": 2, "b": 3, "c": "y"}],
        "mixed": [{"a": Decimal("1.10")}, {"a": D(2025, 5, 31)}],
        "groups": {(1, 2, True): {24300: {"movers": 3}}, (None, 2, False): {}},
        "flags": {True: {1: 2}, False: {}},
        "none": {None: [1, 2]},
        "at": datetime.datetime(2025, 5, 31, 12, tzinfo=datetime.UTC),
        "empty": [],
        "tuple": (1, "a"),
    }
    assert month_figures.thaw(month_figures.freeze(value)) == value
    assert type(month_figures.thaw(month_figures.freeze(value))["tuple"]) is tuple
    with pytest.raises(TypeError):
        month_figures.freeze(1.5)  # money is never a float


def test_the_board_report_of_a_closed_month_is_read_from_its_kept_figures(portfolio):
    first = board_report(MAY)
    assert kept_months() == [MAY]
    assert set(MonthFigures.objects.values_list("name", flat=True)) == {
        "reports.portfolio_rows",
        "reports.board_activity",
    }
    with CaptureQueriesContext(connection) as queries, at_noon(READ_ON):
        again = board_report(MAY)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "loans_allocation" not in sql and "loans_instalment" not in sql  # no loan read again
    assert "loans_monthfigures" in sql
    assert again["totals"] == first["totals"]
    assert again["breakdowns"] == first["breakdowns"]
    assert again["activity"] == first["activity"]
    assert again["hidden"] == first["hidden"]
    assert again["totals"]["active_loans"] == 6
    assert ledger_differences() == []


def test_kept_figures_equal_the_figures_computed_from_the_ledger(portfolio):
    board_report(MAY)
    with at_noon(READ_ON):
        for row in MonthFigures.objects.all():
            compute = month_figures.COMPUTATIONS[row.name]
            fresh = compute(row.month_end, **month_figures.thaw(row.parameters))
            assert month_figures.thaw(row.figures) == fresh
            assert row.figures == month_figures.freeze(fresh)


def test_a_payment_of_today_forgets_nothing(portfolio):
    coordinator, loans = portfolio
    board_report(MAY)
    with CaptureQueriesContext(connection) as queries:
        pay(loans[0], READ_ON, Decimal("10.00"), coordinator)
    assert not [q for q in queries.captured_queries if "loans_monthfigures" in q["sql"]]
    assert not [
        q for q in queries.captured_queries if "FOR UPDATE" in q["sql"] and "positionmonth" in q["sql"]
    ]
    assert kept_months() == [MAY]
    assert ledger_differences() == []


def test_a_payment_dated_back_into_a_closed_month_forgets_it_and_the_months_after(portfolio):
    coordinator, loans = portfolio
    board_report(APRIL)
    before = board_report(MAY)
    assert kept_months() == [APRIL, MAY]
    # On 16 July an advisor types a payment the borrower made on 28 May.
    pay(loans[0], D(2025, 5, 28), Decimal("100.00"), coordinator, on=D(2025, 7, 16))
    assert kept_months() == [APRIL]  # April's end is before the payment: its figures stand
    after = board_report(MAY, read_on=D(2025, 7, 16))
    paid = Decimal(before["totals"]["outstanding"]) - Decimal(after["totals"]["outstanding"])
    assert paid == Decimal("100.00")  # the month now reads the ledger with the late payment
    assert ledger_differences() == []


def test_a_reversal_of_a_may_payment_forgets_may(portfolio):
    coordinator, loans = portfolio
    board_report(APRIL)
    board_report(MAY)
    payment = loans[0].payments.get(paid_on=D(2025, 5, 10))
    with at_noon(D(2025, 7, 16)):
        services.payment_reverse(payment=payment, reversed_by=coordinator, reason="Chèque sans provision")
    assert kept_months() == [APRIL]
    assert ledger_differences() == []


def test_a_restructuring_decided_at_a_past_meeting_and_a_write_off_forget_from_their_day(portfolio):
    _coordinator, loans = portfolio
    board_report(APRIL)
    board_report(MAY)
    with at_noon(D(2025, 7, 16)):
        ledger.record_restructuring(loans[1], D(2025, 5, 20))
    assert kept_months() == [APRIL]
    board_report(MAY)
    with at_noon(D(2025, 7, 16)):
        ledger.record_write_off(loans[2], datetime.datetime(2025, 7, 16, 12, tzinfo=MONTREAL))
    assert kept_months() == [APRIL, MAY]  # written off today: no closed month changes


def test_a_circle_changing_advisor_forgets_every_month(portfolio):
    _coordinator, loans = portfolio
    board_report(APRIL)
    board_report(MAY)
    circle = loans[0].circle
    circle.advisor = AdvisorFactory()
    circle.save()
    assert kept_months() == []
    circle.save(update_fields=["status"])  # a change the breakdowns do not group by
    board_report(MAY)
    circle.save(update_fields=["status"])
    assert kept_months() == [MAY]


def test_stale_kept_figures_are_found_by_the_ledger_check_and_forgotten_by_the_rebuild(portfolio):
    board_report(MAY)
    row = MonthFigures.objects.get(name="reports.board_activity")
    row.figures = month_figures.freeze({"tampered": True})
    row.save()
    differences = ledger_differences()
    assert len(differences) == 1 and "reports.board_activity" in differences[0]
    ledger.rebuild_ledger()
    assert kept_months() == []
    assert ledger_differences() == []


def test_the_board_page_of_a_closed_month_reads_its_kept_figures_over_http(personas, portfolio):
    client = Client()
    client.force_login(personas.board)
    url = reverse("reports:dashboard")
    with at_noon(READ_ON):
        assert client.get(url, {"as_of": MAY.isoformat(), "end": MAY.isoformat()}).status_code == 200
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url, {"as_of": MAY.isoformat(), "end": MAY.isoformat()})
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "loans_allocation" not in sql and "loans_instalment" not in sql


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_change_waits_for_a_read_that_is_keeping_the_month_then_forgets_it(portfolio):
    coordinator, loans = portfolio
    reading, release = threading.Event(), threading.Event()
    errors = []

    def slow_read():
        """A board read that has taken the month (FOR SHARE) and is still computing."""
        try:
            # Today (no travel in threads: the clock is the process's): May is long closed.
            with transaction.atomic():
                assert month_figures._month_taken(MAY)
                reading.set()
                release.wait(10)
                board_report(MAY, read_on=None)  # keeps May's figures, computed before the payment below
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    reader = threading.Thread(target=slow_read)
    reader.start()
    assert reading.wait(10)
    done = threading.Event()

    def late_payment():
        try:
            services.payment_record(
                loan=loans[0],
                amount=Decimal("100.00"),
                paid_on=D(2025, 5, 28),
                method="cash",
                recorded_by=coordinator,
            )
        except Exception as error:
            errors.append(error)
        finally:
            done.set()
            connection.close()

    writer = threading.Thread(target=late_payment)
    writer.start()
    assert not done.wait(1)  # the payment waits for the read that holds the month
    release.set()
    reader.join(20)
    writer.join(20)
    assert errors == []
    assert kept_months() == []  # the figures the read kept were forgotten by the payment
    assert ledger_differences() == []


def test_the_hourly_task_keeps_the_boards_months_once(personas, portfolio):
    from reports.tasks import keep_board_month

    JUNE = D(2025, 6, 30)
    with at_noon(READ_ON):
        assert keep_board_month.delay().get() == 6  # June (the default), then May back to January
        assert keep_board_month.delay().get() == 0  # run twice: kept once
    assert kept_months()[-2:] == [MAY, JUNE]
    assert MonthFigures.objects.filter(month_end=JUNE).count() == 2
    kept = MonthFigures.objects.count()
    client = Client()
    client.force_login(personas.board)
    with at_noon(READ_ON), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("reports:dashboard"))  # the board's default: the last closed month
    assert response.status_code == 200
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "loans_allocation" not in sql and "loans_instalment" not in sql
    assert MonthFigures.objects.count() == kept
    # A payment typed late into May forgets May and June; the next run computes those two again.
    coordinator, loans = portfolio
    pay(loans[0], D(2025, 5, 28), Decimal("100.00"), coordinator, on=D(2025, 7, 16))
    with at_noon(D(2025, 7, 16)):
        assert keep_board_month.delay().get() == 2
    assert ledger_differences() == []


def test_the_check_compares_values_not_the_order_rows_came_in(portfolio):
    board_report(MAY)
    row = MonthFigures.objects.get(name="reports.portfolio_rows", parameters__d__2__1=True)
    figures = month_figures.thaw(row.figures)
    assert len(figures) > 2
    row.figures = month_figures.freeze(list(reversed(figures)))  # the same rows, another order
    row.save()
    assert ledger_differences() == []
    figures[0] = {**figures[0], "active_loans": (figures[0]["active_loans"] or 0) + 1}
    row.figures = month_figures.freeze(figures)
    row.save()
    assert len(ledger_differences()) == 1


def test_a_board_member_changing_only_the_as_of_date_reads_what_the_task_kept(personas, portfolio):
    from reports.tasks import keep_board_month

    with at_noon(READ_ON):
        keep_board_month.delay().get()
        kept = MonthFigures.objects.count()
        client = Client()
        client.force_login(personas.board)
        # The form as it comes (the default period, up to today), with only "as of" changed to 30 April.
        dates = {"as_of": APRIL.isoformat(), "start": default_period(READ_ON).isoformat(), "end": READ_ON}
        with CaptureQueriesContext(connection) as queries:
            response = client.get(reverse("reports:dashboard"), dates)
    assert response.status_code == 200
    assert response.context["report"]["start"] == default_period(APRIL)
    sql = " ".join(query["sql"] for query in queries.captured_queries)
    assert "loans_allocation" not in sql and "loans_instalment" not in sql
    assert MonthFigures.objects.count() == kept
