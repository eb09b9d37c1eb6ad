"""The report as tables: one list of tables that the dashboard, the CSV exports and the PDF all render.

Nothing here names an entrepreneur. For the board (``for_board=True``): no advisor breakdown (advisors are
people); counts from 1 to 4 show "<5"; the whole portfolio's amounts (its totals, risk, losses, months) are
shown, they are what the board answers for, while a breakdown group's amount summing fewer than five loans is
hidden, with one more when a single hidden amount could be read off the totals.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from microcredit.core.formatting import Money, Percent, format_month_year
from microcredit.core.selectors import SMALL_COUNT
from reports.selectors import BREAKDOWNS, percent

HIDDEN = f"<{SMALL_COUNT}"


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    # For staff: the drill-down figure behind each row (``(figure, breakdown, key)``), same length as rows.
    links: list = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[list, tuple | None]]:
        """(row, drill-down link or None) pairs, for the templates."""
        return list(zip_longest(self.rows, self.links[: len(self.rows)]))


def _pct(value: Decimal | None) -> Percent | str:
    """A percentage cell ("—" when there is nothing to divide by)."""
    return "—" if value is None else Percent(value)


def _amount(value: Decimal | None) -> Money | str:
    """An amount cell ("—" when hidden or missing)."""
    return "—" if value is None else Money(value)


def _counter(for_board: bool):
    """For the board, a count from 1 to 4 shows as "<5" (README: Who may see what)."""

    def count(value: int | None):
        return HIDDEN if for_board and value and value < SMALL_COUNT else value

    return count


def _kpis(totals: dict, calls: dict, for_board: bool) -> Table:
    t = totals
    c = _counter(for_board)
    rows = [
        (_("Active loans"), c(t["active_loans"]), "active"),
        (_("Active borrowers"), c(t["active_borrowers"]), "active"),
        (_("Outstanding principal ($)"), _amount(t["outstanding"]), "active"),
        (_("Loans disbursed in the period"), c(t["disbursed_count"]), "disbursed"),
        (
            _("Amount disbursed in the period ($)"),
            _amount(t["disbursed_amount"]),
            "disbursed",
        ),
        (
            _("Average loan disbursed in the period ($)"),
            _amount(t["average_loan"]),
            "disbursed",
        ),
        (_("Principal repaid in the period ($)"), _amount(t["principal_collected"]), None),
        (_("Collected in the period ($)"), _amount(t["collected"]), None),
        (_("Due in the period ($)"), _amount(t["due_in_period"]), None),
        (_("Collection rate (collected / due in the period)"), _pct(t["collection_rate"]), None),
        (_("Loans fully repaid"), c(t["repaid_loans"]), "repaid"),
        (
            _("Written off in the period ($)"),
            _amount(t["written_off_period"]),
            "written_off",
        ),
        (
            _("Written off in total ($)"),
            _amount(t["written_off"]),
            "written_off",
        ),
        (_("Loss rate (written off / disbursed, in total)"), _pct(t["loss_rate"]), None),
        (
            _("Outstanding under a circle guarantee ($)"),
            _amount(t["outstanding_circle"]),
            "circle",
        ),
        (
            _("Outstanding under individual responsibility ($)"),
            _amount(t["outstanding_individual"]),
            "individual",
        ),
        (_("Guarantee calls open"), c(calls["open"]), None),
        (_("Guarantee calls opened in the period"), c(calls["opened"]), None),
        (_("Guarantee calls resolved in the period"), c(calls["resolved"]), None),
    ]
    return Table(
        "kpis",
        _("Key figures"),
        [_("Figure"), _("Value")],
        [[label, value] for label, value, _figure in rows],
        links=[(figure, "", "") if figure else None for _label, _value, figure in rows],
    )


def _par(totals: dict, for_board: bool) -> Table:
    rows, links = [], []
    for days in (1, 30, 90):
        count = totals[f"par{days}_loans"]
        rows.append(
            [
                f"PAR{days}",
                _counter(for_board)(count),
                _amount(totals[f"par{days}_amount"]),
                _pct(totals[f"par{days}"]),
            ]
        )
        links.append((f"par{days}", "", ""))
    return Table(
        "par",
        _("Portfolio at risk"),
        [
            _("Measure"),
            _("Loans"),
            _("Outstanding principal at risk ($)"),
            _("Share of outstanding principal"),
        ],
        rows,
        note=_(
            "PARn: outstanding principal of the active loans whose oldest unpaid instalment is more than n "
            "days late, divided by the outstanding principal of all active loans."
        ),
        links=links,
    )


# Marked here, translated when a table is built (in the reader's language).
BREAKDOWN_TITLES = {
    "circle": (gettext_noop("By circle"), gettext_noop("Circle")),
    "advisor": (gettext_noop("By advisor"), gettext_noop("Advisor")),
    "product": (gettext_noop("By loan product"), gettext_noop("Product")),
    "network": (gettext_noop("By circle network"), gettext_noop("Circle network")),
}


OTHERS = {
    "circle": gettext_noop("The other %(count)s circles"),
    "advisor": gettext_noop("The other %(count)s advisors"),
    "product": gettext_noop("The other %(count)s products"),
    "network": gettext_noop("The other %(count)s networks"),
}


def _others(name: str, groups: list[dict]) -> dict:
    """The groups past the table's limit, summed into one row (no drill-down)."""
    summed = {
        key: sum(
            (group[key] for group in groups), start=Decimal(0) if isinstance(groups[0][key], Decimal) else 0
        )
        for key in (
            "active_loans",
            "outstanding",
            "par30_amount",
            "disbursed_count",
            "disbursed_amount",
            "written_off_loans",
            "written_off",
            "disbursed_count_all",
        )
    }
    summed["par30"] = percent(summed["par30_amount"], summed["outstanding"])
    return {
        "key": None,
        "label": _(OTHERS[name]) % {"count": len(groups)},
        **summed,
    }


# For the board, the amounts of a breakdown group that sum fewer than 5 loans, by column: (count, cell).
HIDING = (
    ("active_loans", "outstanding"),
    ("disbursed_count", "disbursed"),
    ("written_off_loans", "written_off"),
)


def _hidden_cells(entries: list[dict]) -> dict[int, set[str]]:
    """{row index: the cells to hide}. A group of fewer than 5 loans in all hides everything; otherwise an
    amount summing 1 to 4 loans is hidden (with the outstanding principal goes the PAR30 of those loans).
    The portfolio's totals are shown, so a column with a single hidden amount would give it away: the
    smallest other amount of that column is hidden with it."""
    hidden: dict[int, set[str]] = {}
    for index, entry in enumerate(entries):
        if entry["disbursed_count_all"] < SMALL_COUNT:
            hidden[index] = {"rows", *(cell for _count, cell in HIDING)}
    for count, cell in HIDING:
        for index, entry in enumerate(entries):
            if 0 < entry[count] < SMALL_COUNT:
                hidden.setdefault(index, set()).add(cell)
        in_column = [index for index in hidden if cell in hidden[index]]
        if len(in_column) == 1 and len(entries) > 1:
            others = sorted(
                (i for i in range(len(entries)) if i not in in_column), key=lambda i: entries[i][count]
            )
            hidden.setdefault(others[0], set()).add(cell)
    return hidden


def _breakdown(name: str, groups: list[dict], for_board: bool, limit: int | None = None) -> Table:
    title, column = BREAKDOWN_TITLES[name]
    others = None
    if limit is not None and len(groups) > limit + 1:
        # The largest groups (by outstanding principal), then the rest on one row: the CSV has them all.
        groups, others = groups[:limit], _others(name, groups[limit:])
    table = Table(
        f"by_{name}",
        _(title),
        [
            _(column),
            _("Active loans"),
            _("Outstanding ($)"),
            "PAR30",
            _("Disbursed in the period"),
            _("Amount disbursed ($)"),
            _("Written off ($)"),
        ],
    )
    entries = [*groups, *([others] if others is not None else [])]
    hidden = _hidden_cells(entries) if for_board else {}
    for index, group in enumerate(entries):
        cells = hidden.get(index, set())
        table.rows.append(
            [
                group["label"],
                HIDDEN if "rows" in cells else _counter(for_board)(group["active_loans"]),
                "—" if "outstanding" in cells else _amount(group["outstanding"]),
                "—" if "outstanding" in cells else _pct(group["par30"]),
                HIDDEN if "rows" in cells else _counter(for_board)(group["disbursed_count"]),
                "—" if "disbursed" in cells else _amount(group["disbursed_amount"]),
                "—" if "written_off" in cells else _amount(group["written_off"]),
            ]
        )
        if group is not others:
            table.links.append(("active", name, group["key"] if group["key"] is not None else "none"))
    if others is not None:
        table.links.append(None)
        table.note = " ".join(
            filter(
                None,
                [
                    table.note,
                    _("The %(limit)s largest groups by outstanding principal; the CSV has them all.")
                    % {"limit": limit},
                ],
            )
        )
    if for_board:
        board_note = _(
            "A group's amount that sums fewer than 5 loans shows as — (and so does one more group's when "
            "only one would be hidden, since the totals are shown); a group of fewer than 5 loans shows <5."
        )
        table.note = " ".join(filter(None, [board_note, table.note]))
    return table


def _trends(trends: list[dict], for_board: bool) -> Table:
    return Table(
        "trends",
        _("Monthly trends"),
        [
            _("Month"),
            _("Loans disbursed"),
            _("Disbursed ($)"),
            _("Collected ($)"),
            _("Written off ($)"),
            _("Outstanding at the end of the month ($)"),
        ],
        [
            [
                format_month_year(row["month"]),
                _counter(for_board)(row["disbursed_count"]),
                _amount(row["disbursed"]),
                _amount(row["collected"]),
                _amount(row["written_off"]),
                _amount(row["outstanding"]),
            ]
            for row in trends
        ],
    )


def _capital(capital: dict) -> list[Table]:
    sources = Table(
        "fund_sources",
        _("Sources of the loan fund"),
        [_("Source"), _("Kind"), _("Amount committed ($)"), _("Committed on"), _("Terms")],
        [
            [s["name"], s["kind"], _amount(s["amount_committed"]), s["committed_on"], s["terms"]]
            for s in capital["sources"]
        ],
    )
    available = Table(
        "capital",
        _("Capital available to lend"),
        [_("Figure"), _("Amount ($)")],
        [
            [_("Committed by the active sources"), _amount(capital["committed"])],
            [_("Less: outstanding principal"), _amount(capital["outstanding"])],
            [_("Less: principal written off"), _amount(capital["written_off"])],
            [_("Available to lend"), _amount(capital["available"])],
        ],
        note=_(
            "Available to lend = amounts committed by the active fund sources - outstanding principal - "
            "principal written off. Repaid principal returns to the fund; interest pays for operations "
            "and is not counted."
        ),
    )
    return [sources, available]


def _reach(reach: dict) -> Table:
    rows = [
        [
            _("People who answered (with consent)"),
            reach["consented_borrowers"]["display"],
            "",
            reach["consented_participants"]["display"],
            "",
        ]
    ]
    for row in reach["rows"]:
        b, p = row["borrowers"], row["participants"]
        rows.append(
            [
                row["label"],
                b["display"],
                _pct(b["percent"]) if b["count"] else "—",
                p["display"],
                _pct(p["percent"]) if p["count"] else "—",
            ]
        )
    return Table(
        "reach",
        _("Social reach"),
        [
            _("Population"),
            _("Borrowers"),
            _("Share of borrowers"),
            _("Participants"),
            _("Share of participants"),
        ],
        rows,
        note=_(
            "From consented answers only. Counts under 5 are shown as <5 so that nobody can be singled out."
        ),
    )


def _impact(report: dict) -> Table:
    impact, training = report["impact"], report["training"]
    small = HIDDEN

    def count(figure) -> str:
        return figure.display

    rows = [
        [_("Coaching hours"), small if impact["hours"] is None else impact["hours"]],
        [_("Coaching sessions"), count(impact["sessions"])],
        [_("People coached"), count(impact["people_coached"])],
        [_("Trainings held"), training["trainings"]],
        [_("Training sessions held"), training["sessions"]],
    ]
    rows += [[_("Referrals: %(kind)s") % {"kind": r["label"]}, count(r["made"])] for r in impact["referrals"]]
    rows += [[m.label, count(m)] for m in impact["milestones"]]
    rows.append([_("Jobs created"), small if impact["jobs_created"] is None else impact["jobs_created"]])
    return Table("impact", _("Coaching and impact in the period"), [_("Figure"), _("Value")], rows)


BREAKDOWN_ROWS = 20  # on the screen and in the PDF; the CSV has every group


def report_tables(report: dict, *, for_board: bool, limit: int | None = BREAKDOWN_ROWS) -> list[Table]:
    """Every table of the report, in the order of the dashboard. A breakdown longer than ``limit`` shows its
    largest groups and one row for the others (``limit=None``: every group, for the CSV files)."""
    tables = [
        _kpis(report["totals"], report["guarantee_calls"], for_board),
        _par(report["totals"], for_board),
    ]
    for name in BREAKDOWNS:
        if name == "advisor" and for_board:
            continue
        if name in report["breakdowns"]:
            tables.append(_breakdown(name, report["breakdowns"][name], for_board, limit))
    tables.append(_trends(report["trends"], for_board))
    tables += _capital(report["capital"])
    tables.append(_reach(report["reach"]))
    tables.append(_impact(report))
    return tables
