import datetime

import pytest

from microcredit.core.months import add_months, month_end, month_start

D = datetime.date


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2026, 1, 31), 1, D(2026, 2, 28)),
        (D(2028, 1, 31), 1, D(2028, 2, 29)),
        (D(2026, 3, 31), -1, D(2026, 2, 28)),
        (D(2026, 12, 15), 1, D(2027, 1, 15)),
        (D(2026, 1, 1), -12, D(2025, 1, 1)),
        (D(2026, 5, 1), 0, D(2026, 5, 1)),
    ],
)
def test_add_months_clamps_to_the_end_of_a_shorter_month(day, months, expected):
    assert add_months(day, months) == expected


def test_month_start_and_end():
    assert month_start(D(2026, 2, 17)) == D(2026, 2, 1)
    assert month_end(D(2026, 2, 17)) == D(2026, 2, 28)
    assert month_end(D(2028, 2, 1)) == D(2028, 2, 29)
    assert month_end(D(2026, 12, 31)) == D(2026, 12, 31)
    assert month_end(D(9999, 12, 3)) == D.max
