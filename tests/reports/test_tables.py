"""Breakdowns of many groups: the largest on the screen and in the PDF, the others on one row."""

from decimal import Decimal

from django.utils import translation

from microcredit.reports.tables import _breakdown


def _group(index: int) -> dict:
    return {
        "key": index,
        "label": f"Cercle {index}",
        "active_loans": 6,
        "outstanding": Decimal(1000 - index),
        "par30_amount": Decimal(100),
        "par30": Decimal("10.00"),
        "disbursed_count": 6,
        "disbursed_amount": Decimal(600),
        "written_off_loans": 0,
        "written_off": Decimal(0),
        "disbursed_count_all": 6,
    }


def test_the_largest_groups_then_one_row_for_the_others():
    groups = [_group(index) for index in range(25)]  # sorted by outstanding, as the selectors give them
    with translation.override("en"):
        table = _breakdown("circle", groups, for_board=False, limit=20)
    assert len(table.rows) == 21 and len(table.links) == 21
    assert [row[0] for row in table.rows[:2]] == ["Cercle 0", "Cercle 1"]
    others = table.rows[-1]
    # Circles 20 to 24: 5 x 6 loans, outstanding 980 + 979 + 978 + 977 + 976, PAR30 500 of it.
    assert others == ["The other 5 circles", 30, "4890", "10.22 %", 30, "3000", "0"]
    assert table.links[-1] is None  # no drill-down for the summed row
    assert "the CSV has them all" in table.note
    assert len(_breakdown("circle", groups, for_board=False, limit=None).rows) == 25
    assert len(_breakdown("circle", groups[:21], for_board=False, limit=20).rows) == 21  # no "other 1" row
