"""Golden schedules worked out by hand (figures below), and properties that must hold for any loan."""

import datetime
from decimal import Decimal

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from loans.schedule import build_schedule, level_payment

D = Decimal
FIRST = datetime.date(2026, 1, 15)
PERIODS = {"monthly": 12, "biweekly": 26, "weekly": 52}  # written out here, not read from the code under test


def _rows(schedule):
    return [(r.number, r.due_date.isoformat(), str(r.principal), str(r.interest)) for r in schedule]


def test_golden_with_interest_1000_at_12_percent_over_12_months():
    # r = 1 % a month; payment = 1000 x 0.01 / (1 - 1.01^-12) = 88.8488 -> 88.85.
    # Each month: interest = balance x 1 % rounded half up; principal = 88.85 - interest;
    # the 12th takes the remaining 87.96 of principal (+ 0.88 interest = 88.84).
    schedule = build_schedule(
        amount=D("1000.00"), annual_rate_percent=D("12"), instalments=12, frequency="monthly", first_due=FIRST
    )
    assert _rows(schedule) == [
        (1, "2026-01-15", "78.85", "10.00"),
        (2, "2026-02-15", "79.64", "9.21"),
        (3, "2026-03-15", "80.43", "8.42"),
        (4, "2026-04-15", "81.24", "7.61"),
        (5, "2026-05-15", "82.05", "6.80"),
        (6, "2026-06-15", "82.87", "5.98"),
        (7, "2026-07-15", "83.70", "5.15"),
        (8, "2026-08-15", "84.54", "4.31"),
        (9, "2026-09-15", "85.38", "3.47"),
        (10, "2026-10-15", "86.24", "2.61"),
        (11, "2026-11-15", "87.10", "1.75"),
        (12, "2026-12-15", "87.96", "0.88"),
    ]


def test_golden_zero_interest_1000_over_3_with_the_rounding_on_the_last():
    # 1000 / 3 = 333.333... -> 333.33, 333.33, and the last absorbs 333.34.
    schedule = build_schedule(
        amount=D("1000.00"), annual_rate_percent=D("0"), instalments=3, frequency="monthly", first_due=FIRST
    )
    assert _rows(schedule) == [
        (1, "2026-01-15", "333.33", "0.00"),
        (2, "2026-02-15", "333.33", "0.00"),
        (3, "2026-03-15", "333.34", "0.00"),
    ]


def test_golden_with_two_months_of_grace():
    # 1200 at 6 % a year = 0.5 % a month. Two interest-only months of 6.00, then 4 level payments:
    # 1200 x 0.005 / (1 - 1.005^-4) = 303.7594 -> 303.76.
    # 3rd: interest 6.00, principal 297.76, balance 902.24; 4th: interest 4.51 (4.5112), principal 299.25,
    # balance 602.99; 5th: interest 3.01 (3.01495), principal 300.75, balance 302.24; 6th: interest 1.51
    # (1.5112), principal 302.24 (all that is left), so the last instalment is 303.75.
    schedule = build_schedule(
        amount=D("1200.00"),
        annual_rate_percent=D("6"),
        instalments=6,
        frequency="monthly",
        first_due=FIRST,
        grace=2,
    )
    assert _rows(schedule) == [
        (1, "2026-01-15", "0.00", "6.00"),
        (2, "2026-02-15", "0.00", "6.00"),
        (3, "2026-03-15", "297.76", "6.00"),
        (4, "2026-04-15", "299.25", "4.51"),
        (5, "2026-05-15", "300.75", "3.01"),
        (6, "2026-06-15", "302.24", "1.51"),
    ]


def test_weekly_and_biweekly_due_dates():
    weekly = build_schedule(
        amount=D("520"), annual_rate_percent=D("0"), instalments=3, frequency="weekly", first_due=FIRST
    )
    assert [r.due_date for r in weekly] == [
        FIRST,
        FIRST + datetime.timedelta(7),
        FIRST + datetime.timedelta(14),
    ]
    biweekly = build_schedule(
        amount=D("520"), annual_rate_percent=D("5.2"), instalments=2, frequency="biweekly", first_due=FIRST
    )
    assert biweekly[1].due_date == FIRST + datetime.timedelta(14)
    assert biweekly[0].interest == D("1.04")  # 520 x 5.2 % / 26


def test_month_ends_stay_at_month_end():
    schedule = build_schedule(
        amount=D("300"),
        annual_rate_percent=D("0"),
        instalments=3,
        frequency="monthly",
        first_due=datetime.date(2026, 1, 31),
    )
    assert [r.due_date.isoformat() for r in schedule] == ["2026-01-31", "2026-02-28", "2026-03-31"]


def test_the_level_payment_is_rounded_half_up():
    assert level_payment(D("1000"), D("0.01"), 12) == D("88.85")
    assert level_payment(D("100.01"), D("0"), 2) == D("50.01")  # 50.005 rounds up


amounts = st.decimals(min_value=D("100.00"), max_value=D("20000.00"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("30"), places=2)


@settings(max_examples=300, deadline=None)
@given(
    amount=amounts,
    rate=rates,
    count=st.integers(min_value=1, max_value=60),
    grace_share=st.integers(min_value=0, max_value=3),
    frequency=st.sampled_from(["monthly", "biweekly", "weekly"]),
)
def test_any_schedule_adds_up_and_ends_at_zero(amount, rate, count, grace_share, frequency):
    grace = min(grace_share, count - 1)
    schedule = build_schedule(
        amount=amount,
        annual_rate_percent=rate,
        instalments=count,
        frequency=frequency,
        first_due=FIRST,
        grace=grace,
    )
    assert len(schedule) == count
    assert sum(r.principal for r in schedule) == amount
    assert schedule[-1].balance_after == 0
    for row in schedule:
        assert row.principal >= 0 and row.interest >= 0
        assert row.principal == row.principal.quantize(D("0.01")) and row.interest == row.interest.quantize(
            D("0.01")
        )
    assert all(r.principal == 0 for r in schedule[:grace])
    assert [r.due_date for r in schedule] == sorted({r.due_date for r in schedule})


# --- Exact half cents (issue #16) ---------------------------------------------------------------------


def test_an_interest_of_exactly_half_a_cent_is_rounded_up():
    # 162 x 7 % / 12 = 0.945 exactly; 133.25 x 12 % / 26 = 0.615; 113.75 x 8 % / 52 = 0.175;
    # 150.48 x 25 % / 12 = 3.135. A periodic rate divided to 28 digits first put them a hair below.
    cases = [
        ("162.00", "7.00", "monthly", "0.95"),
        ("133.25", "12.00", "biweekly", "0.62"),
        ("113.75", "8.00", "weekly", "0.18"),
        ("150.48", "25.00", "monthly", "3.14"),
    ]
    for amount, rate, frequency, interest in cases:
        (row,) = build_schedule(
            amount=D(amount), annual_rate_percent=D(rate), instalments=1, frequency=frequency, first_due=FIRST
        )
        assert (row.principal, row.interest) == (D(amount), D(interest)), (amount, rate, frequency)


def _exact_half_up_cents(balance: D, rate: D, periods: int) -> D:
    """The period's interest worked out in integers: balance (cents) x rate (hundredths of a percent) /
    (10,000 x periods) cents, half a cent and more going up."""
    numerator = int(balance * 100) * int(rate * 100)
    denominator = 10_000 * periods
    cents, remainder = divmod(numerator, denominator)
    return D(cents + (1 if 2 * remainder >= denominator else 0)) / 100


@st.composite
def half_cent_cases(draw):
    """A balance and an annual rate whose period's interest is exactly some cents and a half, for a frequency:
    balance_cents x rate_hundredths = (2k + 1) x 5,000 x periods, so a rate dividing that product is drawn
    and the balance is the quotient."""
    frequency = draw(st.sampled_from(["monthly", "biweekly", "weekly"]))
    periods = PERIODS[frequency]
    odd = 2 * draw(st.integers(min_value=0, max_value=5_000)) + 1
    product = odd * 5_000 * periods
    rates = [r for r in range(1, 3_001) if product % r == 0 and 10_000 <= product // r <= 2_000_000]
    assume(rates)
    rate_hundredths = draw(st.sampled_from(rates))
    return D(product // rate_hundredths) / 100, D(rate_hundredths) / 100, frequency, odd


@settings(max_examples=300, deadline=None)
@given(case=half_cent_cases())
def test_every_exact_half_cent_of_interest_rounds_up_for_every_frequency(case):
    amount, rate, frequency, odd = case
    (row,) = build_schedule(
        amount=amount, annual_rate_percent=rate, instalments=1, frequency=frequency, first_due=FIRST
    )
    # The exact interest is odd / 2 cents: (odd + 1) / 2 cents rounded half up.
    assert row.interest == D((odd + 1) // 2) / 100
    assert row.interest == _exact_half_up_cents(amount, rate, PERIODS[frequency])


@settings(max_examples=200, deadline=None)
@given(
    amount=amounts,
    rate=rates,
    count=st.integers(min_value=1, max_value=60),
    frequency=st.sampled_from(["monthly", "biweekly", "weekly"]),
)
def test_each_periods_interest_is_the_exact_product_rounded_once(amount, rate, count, frequency):
    periods = PERIODS[frequency]
    schedule = build_schedule(
        amount=amount, annual_rate_percent=rate, instalments=count, frequency=frequency, first_due=FIRST
    )
    balance = amount
    for row in schedule:
        assert row.interest == _exact_half_up_cents(balance, rate, periods)
        balance = row.balance_after
