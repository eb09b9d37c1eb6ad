"""The board's privacy rule (microcredit/core/privacy.py), on plain figures."""

import datetime

from hypothesis import given
from hypothesis import strategies as st

from microcredit.core.privacy import Figure, Sum, board_dates, board_hidden, last_closed_month_end

D = datetime.date


def test_an_amount_of_1_to_4_units_is_hidden_none_and_5_are_shown():
    figures = [Figure(units, units) for units in range(7)]
    assert board_hidden(figures) == {1, 2, 3, 4}


def test_a_figure_that_moved_by_1_to_4_units_in_a_month_is_hidden():
    assert board_hidden([Figure("a", 40, [7, 0, 12]), Figure("b", 40, [7, 3, 12]), Figure("c", 0, [1])]) == {
        "b"
    }


def test_a_lone_hidden_part_takes_the_smallest_other_part_with_it():
    figures = [Figure("a", 3), Figure("b", 9), Figure("c", 6), Figure("total", 18)]
    assert board_hidden(figures, [Sum(["a", "b", "c"], "total")]) == {"a", "c"}


def test_hidden_parts_hold_at_least_5_units_together():
    figures = [Figure("a", 1), Figure("b", 2), Figure("c", 6), Figure("d", 7), Figure("total", 16)]
    # a and b hide 3 units between them: the total minus c and d would give a + b, two people's amounts.
    assert board_hidden(figures, [Sum(["a", "b", "c", "d"], "total")]) == {"a", "b", "c"}


def test_a_part_of_no_unit_is_never_the_complement_and_the_total_goes_when_nothing_else_can():
    figures = [Figure("a", 2), Figure("zero", 0), Figure("total", 2)]
    assert board_hidden(figures, [Sum(["a", "zero"], "total")]) == {"a", "total"}


def test_a_known_total_without_a_cell_still_protects_the_parts():
    figures = [Figure("a", 3), Figure("b", 8), Figure("c", 9)]
    assert board_hidden(figures, [Sum(["a", "b", "c"])]) == {"a", "b"}


def test_sums_that_share_cells_are_followed_until_nothing_changes():
    # a hidden in the first sum brings b; b in the second sum brings c.
    figures = [Figure(k, u) for k, u in (("a", 2), ("b", 6), ("c", 7), ("d", 30), ("t1", 8), ("t2", 43))]
    hidden = board_hidden(figures, [Sum(["a", "b"], "t1"), Sum(["b", "c", "d"], "t2")])
    assert hidden == {"a", "b", "c"}


@given(st.lists(st.integers(0, 12), min_size=1, max_size=8))
def test_no_part_can_be_read_off_a_shown_total(units):
    keys = [f"p{index}" for index in range(len(units))]
    figures = [Figure(key, unit) for key, unit in zip(keys, units, strict=True)]
    figures.append(Figure("total", sum(units)))
    hidden = board_hidden(figures, [Sum(keys, "total")])
    hidden_parts = [unit for key, unit in zip(keys, units, strict=True) if key in hidden]
    assert all(key in hidden for key, unit in zip(keys, units, strict=True) if 0 < unit < 5)
    if "total" not in hidden and hidden_parts:
        # Never one hidden part alone, and never fewer than 5 units between them.
        assert len(hidden_parts) >= 2 and sum(hidden_parts) >= 5


def test_the_board_sees_closed_whole_months():
    today = D(2026, 12, 1)
    assert last_closed_month_end(today) == D(2026, 11, 30)
    assert board_dates(today, D(2026, 3, 17), today, today=today) == (
        D(2026, 11, 30),
        D(2026, 3, 1),
        D(2026, 11, 30),
    )
    # A date in the month in progress goes back to the last month ended; a past one to the end of its month.
    assert board_dates(D(2026, 12, 20), D(2026, 1, 1), D(2026, 12, 20), today=D(2026, 12, 21))[0] == D(
        2026, 11, 30
    )
    assert board_dates(D(2026, 6, 3), D(2026, 1, 5), D(2026, 2, 2), today=today) == (
        D(2026, 6, 30),
        D(2026, 1, 1),
        D(2026, 2, 28),
    )
