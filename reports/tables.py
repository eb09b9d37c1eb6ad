"""The report as tables: one list of tables that the dashboard, the CSV exports and the PDF all render.

Nothing here names an entrepreneur. For the board (``for_board=True``): no advisor breakdown (advisors are
people), no written-off amount by group (a group's write-offs are nearly always one or two people's); counts
from 1 to 4 show "<5"; every amount and rate goes through the board's privacy rule
(``microcredit.core.privacy.board_hidden``, from ``board_figures`` below) and shows "—" when hidden.
"""

from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from microcredit.core.formatting import MISSING, Money, Percent, format_month_year
from microcredit.core.privacy import SMALL_COUNT, Figure, Sum, board_hidden
from reports.selectors import BREAKDOWNS, PAR_DAYS, days_late_cuts, month_index, percent
from reports.selectors import last_move as _last_move

HIDDEN = f"<{SMALL_COUNT}"
MASKS = (MISSING, HIDDEN)  # what a hidden figure shows: "—" for an amount or a rate, "<5" for a count


@dataclass
class Table:
    key: str
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    note: str = ""
    # For staff: the drill-down figure behind each row (``(figure, breakdown, key)``), same length as rows.
    links: list = field(default_factory=list)
    # The name of each row's figure where a page picks rows (the board's home), same length as rows.
    row_keys: list = field(default_factory=list)

    @property
    def lines(self) -> list[tuple[list, tuple | None]]:
        """(row, drill-down link or None) pairs, for the templates."""
        return list(zip_longest(self.rows, self.links[: len(self.rows)]))


def mask_legend(*, closed_months: bool = False) -> list[str]:
    """The legend of the hidden figures, in the reader's language: the same sentences under a report page's
    title and at the end of each of its CSV files that shows "—" or "<5" (``csv_rows``). ``closed_months``:
    the board's dashboard and capital pages, whose amounts follow the board's month rule."""
    sentences = [_("Aggregate figures only; counts under 5 are shown as <5.")]
    if closed_months:
        sentences.append(
            _(
                "Board members see closed months only: the as-of date is the end of the last month ended "
                "(or of the month chosen), the period runs over whole months, and an amount made of fewer "
                "than 5 loans, or that changed by fewer than 5 loans in a month, shows —."
            )
        )
    return sentences


def csv_rows(
    rows: list[list], *, legend: list[str], note: str = "", header: list | None = None
) -> list[list]:
    """The rows of a report's CSV file: its header row if any, then ``rows`` (a table's columns and rows),
    then, when a cell shows a mask ("—" or "<5"), a note row for the table's own note and for each sentence
    of the page's legend (``mask_legend``), so that the file explains its masks as the page does."""
    lines = [*([header] if header else []), *rows]
    if any(isinstance(cell, str) and cell in MASKS for row in rows for cell in row):
        # As wide as the table (a rectangular file reads the same in every spreadsheet).
        blank = [""] * (max(len(row) for row in rows) - 2)
        lines += [[_("Note"), sentence, *blank] for sentence in (note, *legend) if sentence]
    return lines


def table_csv_rows(table: "Table", *, legend: list[str], header: list | None = None) -> list[list]:
    """One table's CSV rows (``csv_rows``): its columns, its rows and its note, as on the page."""
    return csv_rows([table.columns, *table.rows], legend=legend, note=table.note, header=header)


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


def _kpis(totals: dict, calls: dict, for_board: bool, hidden: set) -> Table:
    c = _counter(for_board)
    t = {key: None if ("kpi", key) in hidden else value for key, value in totals.items()}
    rows = [
        ("active_loans", _("Active loans"), c(t["active_loans"]), "active"),
        ("active_borrowers", _("Active borrowers"), c(t["active_borrowers"]), "active"),
        ("outstanding", _("Outstanding principal ($)"), _amount(t["outstanding"]), "active"),
        ("disbursed_count", _("Loans disbursed in the period"), c(t["disbursed_count"]), "disbursed"),
        (
            "disbursed_amount",
            _("Amount disbursed in the period ($)"),
            _amount(t["disbursed_amount"]),
            "disbursed",
        ),
        (
            "average_loan",
            _("Average loan disbursed in the period ($)"),
            _amount(t["average_loan"]),
            "disbursed",
        ),
        (
            "principal_collected",
            _("Principal repaid in the period ($)"),
            _amount(t["principal_collected"]),
            None,
        ),
        ("collected", _("Collected in the period ($)"), _amount(t["collected"]), None),
        ("due_in_period", _("Due in the period ($)"), _amount(t["due_in_period"]), None),
        (
            "collection_rate",
            _("Collection rate (collected / due in the period)"),
            _pct(t["collection_rate"]),
            None,
        ),
        ("repaid_loans", _("Loans fully repaid"), c(t["repaid_loans"]), "repaid"),
        (
            "written_off_period",
            _("Written off in the period ($)"),
            _amount(t["written_off_period"]),
            "written_off",
        ),
        ("written_off", _("Written off in total ($)"), _amount(t["written_off"]), "written_off"),
        ("loss_rate", _("Loss rate (written off / disbursed, in total)"), _pct(t["loss_rate"]), None),
        (
            "outstanding_circle",
            _("Outstanding under a circle guarantee ($)"),
            _amount(t["outstanding_circle"]),
            "circle",
        ),
        (
            "outstanding_individual",
            _("Outstanding under individual responsibility ($)"),
            _amount(t["outstanding_individual"]),
            "individual",
        ),
        ("calls_open", _("Guarantee calls open"), c(calls["open"]), None),
        ("calls_opened", _("Guarantee calls opened in the period"), c(calls["opened"]), None),
        ("calls_resolved", _("Guarantee calls resolved in the period"), c(calls["resolved"]), None),
    ]
    return Table(
        "kpis",
        _("Key figures"),
        [_("Figure"), _("Value")],
        [[label, value] for _key, label, value, _figure in rows],
        links=[(figure, "", "") if figure else None for _key, _label, _value, figure in rows],
        row_keys=[key for key, _label, _value, _figure in rows],
    )


def _par(totals: dict, for_board: bool, hidden: set) -> Table:
    rows, links = [], []
    for days in (1, 30, 90):
        count = totals[f"par{days}_loans"]
        shown = ("kpi", f"par{days}_amount") not in hidden and ("kpi", f"par{days}") not in hidden
        rows.append(
            [
                f"PAR{days}",
                _counter(for_board)(count),
                _amount(totals[f"par{days}_amount"]) if shown else "—",
                _pct(totals[f"par{days}"]) if shown else "—",
            ]
        )
        links.append((f"par{days}", "", ""))
    # Restructured loans stay in view beside PAR: a restructuring makes a loan current again.
    restructured_shown = ("kpi", "restructured_amount") not in hidden
    rows.append(
        [
            _("Restructured loans"),
            _counter(for_board)(totals["restructured_loans"]),
            _amount(totals["restructured_amount"]) if restructured_shown else "—",
            _pct(totals["restructured_share"])
            if restructured_shown and ("kpi", "restructured_share") not in hidden
            else "—",
        ]
    )
    links.append(("restructured", "", ""))
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
            "days late, divided by the outstanding principal of all active loans. Restructured: the "
            "outstanding principal of the active loans whose schedule was restructured, whether late or not."
        ),
        links=links,
        row_keys=[f"par{days}" for days in (1, 30, 90)],
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
        "members": [group["key"] for group in groups],
        "label": _(OTHERS[name]) % {"count": len(groups)},
        **summed,
    }


GROUP_CELLS = ("outstanding", "par30_amount", "disbursed_amount", "written_off")


def _breakdown(
    name: str, groups: list[dict], for_board: bool, limit: int | None = None, hidden: set | None = None
) -> Table:
    title, column = BREAKDOWN_TITLES[name]
    hidden = hidden or set()

    def cells_hidden(group) -> set[str]:
        """The cells of a group the board does not see (a summed row: any of its groups')."""
        members = group.get("members", [group["key"]])
        return {cell for cell in GROUP_CELLS if any(("group", name, key, cell) in hidden for key in members)}

    others = None
    if limit is not None and len(groups) > limit + 1:
        # The largest groups (by outstanding principal), then the rest on one row: the CSV has them all.
        groups, others = groups[:limit], _others(name, groups[limit:])
    columns = [
        _(column),
        _("Active loans"),
        _("Outstanding ($)"),
        "PAR30",
        _("Disbursed in the period"),
        _("Amount disbursed ($)"),
    ]
    table = Table(f"by_{name}", _(title), columns if for_board else [*columns, _("Written off ($)")])
    entries = [*groups, *([others] if others is not None else [])]
    for group in entries:
        cells = cells_hidden(group) if for_board else set()
        # A group of fewer than 5 loans in all shows no count either.
        tiny = for_board and group["disbursed_count_all"] < SMALL_COUNT
        if tiny:  # nothing of it, not even a zero (it would tell that its one loan was repaid)
            cells = set(GROUP_CELLS)
        row = [
            group["label"],
            HIDDEN if tiny else _counter(for_board)(group["active_loans"]),
            "—" if "outstanding" in cells else _amount(group["outstanding"]),
            "—" if cells & {"outstanding", "par30_amount"} else _pct(group["par30"]),
            HIDDEN if tiny else _counter(for_board)(group["disbursed_count"]),
            "—" if "disbursed_amount" in cells else _amount(group["disbursed_amount"]),
        ]
        if not for_board:
            row.append(_amount(group["written_off"]))
        table.rows.append(row)
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
            "A group's amount made of fewer than 5 loans, or that changed by fewer than 5 loans since the "
            "month before, shows as — (and so does one more group's when only one would be hidden, since the "
            "totals are shown); a group of fewer than 5 loans shows <5."
        )
        table.note = " ".join(filter(None, [board_note, table.note]))
    return table


def _trends(trends: list[dict], for_board: bool, hidden: set) -> Table:
    def cell(row, name):
        return "—" if ("month", month_index(row["month"]), name) in hidden else _amount(row[name])

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
                cell(row, "disbursed"),
                cell(row, "collected"),
                cell(row, "written_off"),
                cell(row, "outstanding"),
            ]
            for row in trends
        ],
    )


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
        # Hours of 5 sessions or more hidden by the board's month rule read "—", not "<5".
        [
            _("Coaching hours"),
            impact["hours"] if impact["hours"] is not None else "—" if impact["sessions"].count else small,
        ],
        [_("Coaching sessions"), count(impact["sessions"])],
        [_("People coached"), count(impact["people_coached"])],
        [_("Trainings held"), training["trainings"]],
        [_("Training sessions held"), training["sessions"]],
    ]
    rows += [[_("Referrals: %(kind)s") % {"kind": r["label"]}, count(r["made"])] for r in impact["referrals"]]
    # The milestones count entrepreneurs ("Jobs created" among them: who reported jobs); the jobs row counts
    # the jobs they reported.
    rows += [
        [_("Entrepreneurs who reached the milestone “%(milestone)s”") % {"milestone": m.label}, count(m)]
        for m in impact["milestones"]
    ]
    rows.append(
        [
            _("Jobs created (number of jobs reported)"),
            small if impact["jobs_created"] is None else impact["jobs_created"],
        ]
    )
    return Table("impact", _("Coaching and impact in the period"), [_("Figure"), _("Value")], rows)


BREAKDOWN_ROWS = 20  # on the screen and in the PDF; the CSV has every group


def report_tables(report: dict, *, for_board: bool, limit: int | None = BREAKDOWN_ROWS) -> list[Table]:
    """Every table of the report, in the order of the dashboard. A breakdown longer than ``limit`` shows its
    largest groups and one row for the others (``limit=None``: every group, for the CSV files)."""
    hidden = board_figures(report) if for_board else set()
    report["board_hidden"] = hidden  # the charts hide the same figures
    tables = [
        _kpis(report["totals"], report["guarantee_calls"], for_board, hidden),
        _par(report["totals"], for_board, hidden),
    ]
    for name in BREAKDOWNS:
        if name == "advisor" and for_board:
            continue
        if name in report["breakdowns"]:
            tables.append(_breakdown(name, report["breakdowns"][name], for_board, limit, hidden))
    tables.append(_trends(report["trends"], for_board, hidden))
    from reports.capital import capital_tables  # it builds on this module's Table

    tables += capital_tables(report["capital"], for_board=for_board, hidden=hidden)
    tables.append(_reach(report["reach"]))
    tables.append(_impact(report))
    return tables


def _moved(movers: int, units: int) -> list[int]:
    """Movers since the previous month's end of a figure we can only compare with that month (PAR): none
    moved and the figure is not zero: treated as moved by fewer than 5 (we cannot tell what it showed)."""
    return [movers] if movers else ([1] if units else [])


def board_figures(report: dict) -> set:
    """The keys of the report's amounts and rates the board does not see: every figure of the report with
    the loans it is made of and the loans that moved it, and the sums a reader knows, given to the one rule
    (``microcredit.core.privacy.board_hidden``). Keys: ``("kpi", name)``, ``("month", index, column)``,
    ``("group", breakdown, key, column)``."""
    activity = report["activity"]
    months, first, last = activity["months"], activity["first"], activity["last"]
    totals = report["totals"]
    period = range(month_index(report["start"]), month_index(report["end"]) + 1)

    def series(name: str) -> dict[int, int]:
        return {m: values[name] for m, values in months.items()}

    def in_period(name: str) -> list[int]:
        return [months.get(m, {}).get(name, 0) for m in period]

    movers = series("movers")
    by_guarantee = activity["by_guarantee"]
    par_movers = activity["par_movers"]
    figures = [
        Figure(
            ("kpi", "outstanding"),
            totals["active_loans"],
            _last_move(movers, last, first, whole_history=False),
        ),
        Figure(
            ("kpi", "outstanding_circle"),
            totals["loans_circle"],
            _last_move(by_guarantee[True], last, first, whole_history=False),
        ),
        Figure(
            ("kpi", "outstanding_individual"),
            totals["loans_individual"],
            _last_move(by_guarantee[False], last, first, whole_history=False),
        ),
        *(
            Figure(
                ("kpi", f"par{days}_amount"),
                totals[f"par{days}_loans"],
                _moved(par_movers[days], totals[f"par{days}_loans"]),
            )
            for days in PAR_DAYS
        ),
        # Restructured loans (a stock, like PAR): hidden when made of 1 to 4 loans, or when 1 to 4 were
        # restructured, paid principal or were written off since the month before (or none did).
        Figure(
            ("kpi", "restructured_amount"),
            totals["restructured_loans"],
            _moved(activity.get("restructured_movers", 0), totals["restructured_loans"]),
        ),
        Figure(("kpi", "disbursed_amount"), totals["disbursed_count"], in_period("disbursed")),
        Figure(("kpi", "collected"), max(in_period("payers"), default=0), in_period("payers")),
        Figure(
            ("kpi", "principal_collected"),
            max(in_period("principal_payers"), default=0),
            in_period("principal_payers"),
        ),
        Figure(("kpi", "due_in_period"), max(in_period("due"), default=0), in_period("due")),
        Figure(("kpi", "written_off_period"), totals["written_off_loans_period"], in_period("written_off")),
        Figure(
            ("kpi", "written_off"),
            totals["written_off_loans"],
            _last_move(activity["written_off_months"], last, 0, whole_history=True),
        ),
        Figure(
            ("kpi", "disbursed_amount_all"),
            totals["disbursed_count_all"],
            _last_move(activity["disbursed_months"], last, 0, whole_history=True),
        ),
        # The principal collected since the start (the capital page): it moves by each month's principal.
        Figure(
            ("kpi", "principal_collected_all"),
            totals["disbursed_count_all"],
            _last_move(series("principal_payers"), last, first, whole_history=False),
        ),
    ]
    sums = [
        Sum(
            parts=[("kpi", "outstanding_circle"), ("kpi", "outstanding_individual")],
            total=("kpi", "outstanding"),
        ),
    ]
    if totals["restructured_loans"]:
        # The restructured loans are some of the active ones: the outstanding principal less theirs is the
        # others' (no table shows it; it follows the same stock rule).
        others = totals["active_loans"] - totals["restructured_loans"]
        figures.append(
            Figure(
                ("kpi", "unrestructured"), others, _moved(activity.get("unrestructured_movers", 0), others)
            )
        )
        sums.append(
            Sum(
                parts=[("kpi", "restructured_amount"), ("kpi", "unrestructured")],
                total=("kpi", "outstanding"),
            )
        )
    for row in report["trends"]:
        m = month_index(row["month"])
        values = months.get(m, {})
        figures += [
            Figure(("month", m, "disbursed"), values.get("disbursed", 0)),
            Figure(("month", m, "collected"), values.get("payers", 0)),
            Figure(("month", m, "written_off"), values.get("written_off", 0)),
            Figure(
                ("month", m, "outstanding"),
                values.get("active", 0),
                _last_move(movers, m, first, whole_history=False),
            ),
        ]
        if m == last:  # the same figure as the key figures' outstanding principal
            sums.append(Sum(parts=[("month", m, "outstanding")], total=("kpi", "outstanding")))

    # Breakdowns: each group's figures, from the loans' groups (circle, product, guarantee) added up by group
    # (``reports.selectors.board_moves``).
    circles = {group["key"]: group for group in report["breakdowns"].get("circle", [])}
    network_of = report.get("network_of", {})
    column_totals = {
        "outstanding": "outstanding",
        "par30_amount": "par30_amount",
        "disbursed_amount": "disbursed_amount",
    }
    nothing = {"moved": [1], "disbursed": [0] * len(period), "par30": 0}  # no loan of the group moved
    for name, groups in report["breakdowns"].items():
        if name == "advisor":
            continue
        moves = activity["groups"].get(name, {})
        for group in groups:
            key = group["key"]
            entry = moves.get(key, nothing)
            figures += [
                Figure(("group", name, key, "outstanding"), group["active_loans"], entry["moved"]),
                Figure(
                    ("group", name, key, "par30_amount"),
                    group["par30_loans"],
                    _moved(entry["par30"], group["par30_loans"]),
                ),
                Figure(
                    ("group", name, key, "disbursed_amount"), group["disbursed_count"], entry["disbursed"]
                ),
            ]
        for cell, total in column_totals.items():
            sums.append(
                Sum(parts=[("group", name, group["key"], cell) for group in groups], total=("kpi", total))
            )
    if "network" in report["breakdowns"] and circles:
        members: dict = {}
        for key in circles:
            members.setdefault(network_of.get(key), []).append(key)
        for network, keys in members.items():
            for cell in column_totals:
                sums.append(
                    Sum(
                        parts=[("group", "circle", key, cell) for key in keys],
                        total=("group", "network", network, cell),
                    )
                )
    if "capital" in report:
        reserve_figures, reserve_sums = _days_late_figures(report)
        figures += reserve_figures
        sums += reserve_sums
    hidden = board_hidden(figures, sums)
    # Figures computed from hidden ones (a rate times a hidden amount, or a hidden amount over a rate, gives
    # the hidden amount back).
    derived = {
        "average_loan": ["disbursed_amount"],
        "collection_rate": ["collected", "due_in_period"],
        "loss_rate": ["written_off", "disbursed_amount_all"],
        "restructured_share": ["restructured_amount", "outstanding"],
        **{f"par{days}": [f"par{days}_amount", "outstanding"] for days in PAR_DAYS},
    }
    for name, parts in derived.items():
        if any(("kpi", part) in hidden for part in parts):
            hidden.add(("kpi", name))
    if not totals["restructured_loans"]:  # 0 % of a hidden outstanding principal tells nothing about it
        hidden.discard(("kpi", "restructured_share"))
    # The reserve's total is the bands' outstanding principal, each times its own rate: with one band hidden,
    # the total less the shown bands' provisions, over the hidden band's rate, gives it back.
    if any(key[0] == "reserve" for key in hidden):
        hidden.add(("reserve", "provision"))
    return hidden


def _days_late_figures(report: dict) -> tuple[list[Figure], list[Sum]]:
    """The figures that split the active loans by days past due (the outstanding principal, PAR1, PAR30,
    PAR90 and the loan-loss reserve's bands, ``("reserve", index)``: a band's provision is its outstanding
    principal times a known rate, so it is shown or hidden with it), as runs of one series of *pieces* (the
    loans between two consecutive thresholds of any of them), and the sums a reader can form from them:
    each figure is the sum of its pieces, and a figure holding another is that one plus the pieces between
    (PAR30 - PAR90 is the 31-90 band, the outstanding principal - PAR1 the current loans and those 1 day
    late)."""
    totals = report["totals"]
    bands = report["capital"]["reserve"]["bands"]
    band_movers = report["activity"].get("band_movers") or [0] * len(bands)
    first_days = [band["first_day"] for band in bands]
    # Each threshold as "at least n days late"; PARn is "more than n days late".
    cuts = days_late_cuts(first_days)
    # Loans at least ``cut`` days late (each threshold's count).
    at_least = {}
    for index, first_day in enumerate(first_days[1:], start=1):
        at_least[first_day] = sum(band["loans"] for band in bands[index:])
    for days in PAR_DAYS:
        at_least[days + 1] = totals[f"par{days}_loans"]
    points = [0, *cuts, None]  # piece i runs from points[i] (0: every active loan) to points[i + 1]
    counts = [totals["active_loans"], *(at_least[cut] for cut in cuts), 0]

    def run(first, stop):
        return points.index(first), points.index(stop)

    shown: dict = {("kpi", "outstanding"): run(0, None)}
    for days in PAR_DAYS:
        shown[("kpi", f"par{days}_amount")] = run(days + 1, None)
    for index, first_day in enumerate(first_days):
        stop = first_days[index + 1] if index + 1 < len(first_days) else None
        shown[("reserve", index)] = run(first_day, stop)
    pieces = []
    for index in range(len(points) - 1):
        same = [key for key, span in shown.items() if span == (index, index + 1)]
        pieces.append(same[0] if same else ("days_late", index))
    figures = [
        Figure(("reserve", index), band["loans"], _moved(band_movers[index], band["loans"]))
        for index, band in enumerate(bands)
    ]
    # The pieces no table shows (1 day late, 2 to 30 days late: a reader works them out from the others,
    # this month's and last month's) follow the stock rule of the bands.
    piece_movers = report["activity"].get("piece_movers") or [0] * len(pieces)
    figures += [
        Figure(
            key,
            counts[index] - counts[index + 1],
            _moved(piece_movers[index], counts[index] - counts[index + 1]),
        )
        for index, key in enumerate(pieces)
        if key[0] == "days_late"
    ]
    sums = []
    for key, (first, stop) in shown.items():
        parts = pieces[first:stop]
        if parts != [key]:
            sums.append(Sum(parts=parts, total=key))
        for inner, (inner_first, inner_stop) in shown.items():
            if inner == key or not (first <= inner_first and inner_stop <= stop):
                continue
            outside = [*pieces[first:inner_first], *pieces[inner_stop:stop]]
            sums.append(Sum(parts=[*outside, inner], total=key))
    return figures, sums
