"""Breakdowns of many groups: the largest on the screen and in the PDF, the others on one row."""

from decimal import Decimal

from django.utils import translation

from microcredit.core.formatting import Money, Percent, format_cell
from reports.tables import _breakdown


def shown(cells) -> list[str]:
    """Cells as the English screen writes them (the tables hold typed values: Money, Percent, counts)."""
    with translation.override("en"):
        return [format_cell(cell) for cell in cells]


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
    assert shown(others) == ["The other 5 circles", "30", "$4,890.00", "10.2%", "30", "$3,000.00", "$0.00"]
    assert isinstance(others[2], Money) and isinstance(others[3], Percent) and others[3] == Decimal("10.22")
    assert table.links[-1] is None  # no drill-down for the summed row
    assert "the CSV has them all" in table.note
    assert len(_breakdown("circle", groups, for_board=False, limit=None).rows) == 25
    assert len(_breakdown("circle", groups[:21], for_board=False, limit=20).rows) == 21  # no "other 1" row


def _sized(label: str, active: int, disbursed: int, written_off: int = 0) -> dict:
    return {
        **_group(0),
        "label": label,
        "active_loans": active,
        "outstanding": Decimal(100 * active),
        "disbursed_count": disbursed,
        "disbursed_count_all": max(active, disbursed, 5),
        "written_off_loans": written_off,
        "written_off": Decimal(50 * written_off),
    }


def test_the_board_breakdown_shows_dashes_for_the_hidden_cells_and_no_write_offs():
    groups = [_sized("A", 12, 9), _sized("B", 8, 7, written_off=6), _sized("C", 3, 6)]
    hidden = {("group", "circle", 0, "outstanding")}  # every _sized group has key 0: A, B and C
    board = _breakdown("circle", groups[2:], for_board=True, hidden=hidden)
    assert shown(board.rows[0]) == [
        "C",
        "<5",
        "—",
        "—",
        "6",
        "$600.00",
    ]  # no written-off column for the board
    staff = _breakdown("circle", groups, for_board=False)
    assert shown(row[2] for row in staff.rows) == ["$1,200.00", "$800.00", "$300.00"]
    assert shown(row[6] for row in staff.rows) == ["$0.00", "$300.00", "$0.00"]


def test_the_others_row_is_hidden_when_one_of_its_groups_is():
    groups = [{**_sized(f"G{index}", 10 - index, 6), "key": index} for index in range(5)]
    hidden = {("group", "circle", 4, "disbursed_amount")}
    board = _breakdown("circle", groups, for_board=True, limit=3, hidden=hidden)
    # Rows G0, G1, G2 and "the other 2" (G3 and G4): G4's disbursement is hidden, so the summed row's is.
    assert shown(row[5] for row in board.rows) == ["$600.00", "$600.00", "$600.00", "—"]
    assert shown(row[2] for row in board.rows) == ["$1,000.00", "$900.00", "$800.00", "$1,300.00"]


def test_the_impact_table_tells_the_entrepreneurs_with_a_jobs_milestone_from_the_jobs_they_reported():
    from coaching.models import MilestoneKind
    from coaching.selectors.impact import Figure
    from reports.tables import _impact

    def report(language):
        with translation.override(language):
            label = str(MilestoneKind.JOBS_CREATED.label)
            impact = {
                "hours": None,
                "sessions": Figure("sessions", None),
                "people_coached": Figure("people", None),
                "referrals": [],
                "milestones": [Figure(label, 6)],
                "jobs_created": None,
            }
            table = _impact({"impact": impact, "training": {"trainings": 0, "sessions": 0}})
            return {row[0]: row[1] for row in table.rows[-2:]}

    # The walk-through's page: 6 entrepreneurs reported jobs, the number of jobs is hidden.
    assert report("en") == {
        "Entrepreneurs who reached the milestone “Jobs created”": "6",
        "Jobs created (number of jobs reported)": "<5",
    }
    assert report("fr") == {
        "Entrepreneur·es ayant atteint le jalon «\xa0Emplois créés\xa0»": "6",
        "Emplois créés (nombre d'emplois déclarés)": "<5",
    }
