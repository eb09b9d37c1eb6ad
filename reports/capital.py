"""The community capital section of the board's report and the capital page: each fund's ledger, the capital
available to lend, each fund's use against its commitment, and the loan-loss reserve.

*Loan-loss reserve* as of D: each active loan's outstanding principal (as of D) times the rate of its band of
days past due (``settings.LOAN_LOSS_RESERVE_BANDS``, by default current 0 %, 1 to 30 days 10 %, 31 to 90
25 %, 91 to 180 50 %, more than 180 100 %), rounded to the cent per band. Days past due as the report's
(D minus the due date of the oldest instalment unpaid as of D): exactly 30 days is in the 1-30 band, 31 in
the next.
"""

import datetime
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.utils.translation import gettext as _

from funds.models import Population
from funds.rules import age_band
from loans.fund_ledger import fund_ledgers, loan_figures_from_book
from loans.portfolio import band_case, loss_reserve_sql
from microcredit.core.formatting import NBSP, Money, Percent, format_date, format_money, is_french
from microcredit.core.money import CENT, ZERO, from_cents
from microcredit.core.selectors import SMALL_COUNT
from reports.selectors import _fetch, _params, book, percent, reserve_params
from reports.tables import HIDDEN, Table


def loss_reserve(*, as_of: datetime.date) -> dict:
    """The provision by band of days past due (and by fund), as of ``as_of``: one query."""
    bands = settings.LOAN_LOSS_RESERVE_BANDS
    params = {**_params(as_of, as_of, as_of), **reserve_params(as_of)}
    base, base_params = book(as_of)
    # Fixed fragments only: every value is a bound parameter.
    rows = _fetch(loss_reserve_sql(base, band_case(len(bands))), {**params, **base_params})
    return _reserve(as_of, [(row["fund_id"], row["band"], row["loans"], row["balance"]) for row in rows])


def reserve_from_book(as_of: datetime.date, rows: list[dict]) -> dict:
    """``loss_reserve`` from the book the report's figures read (``portfolio_figures(capital=True)``: its
    rows by fund and band, ``book_capital["reserve"]``)."""
    return _reserve(
        as_of,
        [
            (row["fund_id"], row["band_id"], row["active_loans"], row["outstanding"])
            for row in rows
            if row["active_loans"]
        ],
    )


def _reserve(as_of: datetime.date, rows: list[tuple]) -> dict:
    """The reserve from the active loans' (fund, band, loans, outstanding principal in cents)."""
    bands = settings.LOAN_LOSS_RESERVE_BANDS
    result_bands = []
    for index, (first_day, rate) in enumerate(bands):
        last_day = bands[index + 1][0] - 1 if index + 1 < len(bands) else None
        in_band = [row for row in rows if row[1] == index]
        outstanding = sum((from_cents(row[3]) for row in in_band), ZERO)
        result_bands.append(
            {
                "label": band_label(first_day, last_day),
                "first_day": first_day,
                "rate": rate,
                "loans": sum(row[2] for row in in_band),
                "outstanding": outstanding,
                "provision": _provision(outstanding, rate),
            }
        )
    by_fund: dict[int | None, Decimal] = {}
    for fund_id, band, _loans, balance in rows:
        provision = _provision(from_cents(balance), bands[band][1])
        by_fund[fund_id] = by_fund.get(fund_id, ZERO) + provision
    return {
        "as_of": as_of,
        "bands": result_bands,
        "by_fund": by_fund,
        "outstanding": sum((band["outstanding"] for band in result_bands), ZERO),
        "total": sum((band["provision"] for band in result_bands), ZERO),
        "loans": sum(band["loans"] for band in result_bands),
    }


def _provision(outstanding: Decimal, rate: Decimal) -> Decimal:
    return (outstanding * rate / 100).quantize(CENT, rounding=ROUND_HALF_UP)


def band_label(first_day: int, last_day: int | None) -> str:
    if first_day == 0 and last_day == 0:
        return _("Current")
    if first_day == 0:
        return _("Up to %(last)s days late") % {"last": last_day}
    if last_day is None:
        return _("More than %(days)s days late") % {"days": first_day - 1}
    return _("%(first)s to %(last)s days late") % {"first": first_day, "last": last_day}


def capital_figures(
    *, as_of: datetime.date, start: datetime.date | None = None, book: dict | None = None
) -> dict:
    """The fund ledgers and the reserve, as of ``as_of`` (flows of the period from ``start``). ``book``: what
    the report's figures already read from the book as of ``as_of`` with the same ``start``
    (``portfolio_figures(capital=True)["book_capital"]``), so that the loans are not read again."""
    if book is None:
        return {"ledgers": fund_ledgers(as_of=as_of, start=start), "reserve": loss_reserve(as_of=as_of)}
    return {
        "ledgers": fund_ledgers(as_of=as_of, start=start, loans=loan_figures_from_book(book["funds"])),
        "reserve": reserve_from_book(as_of, book["reserve"]),
    }


def restrictions(fund) -> str:
    """A fund's eligibility rules in words ("—" for an unrestricted fund)."""
    parts = []
    if fund.min_age is not None or fund.max_age is not None:
        parts.append(_("age %(band)s") % {"band": age_band(fund)})
    if fund.prefixes:
        parts.append(_("region %(region)s") % {"region": ", ".join(fund.prefixes)})
    if fund.population:
        parts.append(str(Population(fund.population).label))
    if fund.max_per_loan is not None:
        parts.append(_("at most %(amount)s a loan") % {"amount": format_money(fund.max_per_loan)})
    products = list(fund.products.all())  # prefetched by the fund ledgers
    if products:
        parts.append(", ".join(product.name for product in products))
    separator = f"{NBSP}; " if is_french() else "; "  # French puts a non-breaking space before ";"
    return separator.join(str(part) for part in parts) or "—"


# The board's hidden portfolio figures that hide the capital's loan totals (lent, collected, written off,
# outstanding, available): lent - collected = outstanding + written off, and the lent and collected totals
# move month to month by that month's disbursements and principal (one month's single loan would show).
LOAN_TOTALS = {
    ("kpi", "outstanding"),
    ("kpi", "written_off"),
    ("kpi", "disbursed_amount_all"),
    ("kpi", "principal_collected_all"),
}


def _money(value) -> Money | str:
    return "—" if value is None else Money(value)


def _count(value: int, for_board: bool):
    return HIDDEN if for_board and 0 < value < SMALL_COUNT else value


def _ledger_table(ledgers: dict, for_board: bool, portfolio_hidden: frozenset | set = frozenset()) -> Table:
    """For the board, a fund's loan figures (lent, collected, written off, outstanding, available) are never
    shown per fund: a fund's write-offs are nearly always one or two people's, and its outstanding principal
    may be a few active loans' even when it lent to five or more; what it owes a funder who bears losses is
    hidden with them. The totals follow the portfolio's own rule (``microcredit.core.privacy``)."""
    rows = list(ledgers["rows"]) + ([ledgers["unassigned"]] if ledgers["unassigned"] else [])
    hidden = set(range(len(rows))) if for_board else set()
    table = Table(
        "fund_ledger",
        _("The loan fund's ledger"),
        [
            _("Fund"),
            _("Kind"),
            _("Received ($)"),
            _("Capital repaid to it ($)"),
            _("Return paid to it ($)"),
            _("Lent ($)"),
            _("Principal collected ($)"),
            _("Written off ($)"),
            _("Outstanding ($)"),
            _("Available to lend ($)"),
            _("Owed to it ($)"),
        ],
    )
    for index, row in enumerate(rows):
        fund = row["fund"]
        loans = (
            ["—"] * 4
            if index in hidden
            else [_money(row[key]) for key in ("lent", "principal_collected", "written_off", "outstanding")]
        )
        table.rows.append(
            [
                fund.name if fund else _("Loans charged to no fund"),
                fund.get_kind_display() if fund else "—",
                _money(row["received"]),
                _money(row["capital_repaid"]),
                _money(row["return_paid"]),
                *loans,
                "—" if index in hidden else _money(row["available"]),
                "—"
                if not fund or (for_board and fund.bears_losses and row["written_off"])
                else _money(row["owed"]),
            ]
        )
    t = ledgers["totals"]
    totals_hidden = for_board and bool(LOAN_TOTALS & set(portfolio_hidden))
    if totals_hidden:
        t = {**t, **dict.fromkeys(("lent", "principal_collected", "written_off", "outstanding", "available"))}
    if for_board and any(row["fund"] and row["fund"].bears_losses and row["written_off"] for row in rows):
        t = {**t, "owed": None}
    table.rows.append(
        [
            _("Total"),
            "",
            *(
                _money(t.get(key, ZERO)) if key not in t or t[key] is not None else "—"
                for key in (
                    "received",
                    "capital_repaid",
                    "return_paid",
                    "lent",
                    "principal_collected",
                    "written_off",
                    "outstanding",
                    "available",
                    "owed",
                )
            ),
        ]
    )
    table.note = _(
        "Owed to it: capital received - capital repaid (less the principal written off on the loans it "
        "financed when its terms make it bear losses) + the return its terms give it (simple interest on "
        "the capital not yet repaid) - the return paid."
    )
    if for_board:
        table.note += " " + _(
            "A fund's loan amounts summing fewer than 5 loans show as — (and so do one more fund's when a "
            "single one would be hidden)."
        )
    return table


def _available_table(ledgers: dict, hidden: frozenset | set = frozenset()) -> Table:
    """``hidden``: the board's hidden portfolio figures (``microcredit.core.privacy``). When the outstanding
    principal, the write-offs, the principal lent or collected since the start are hidden (``LOAN_TOTALS``),
    so is every figure they could be read off (lent, collected and available: lent - collected = outstanding
    + written off)."""
    t = ledgers["totals"]
    if LOAN_TOTALS & set(hidden):
        t = {**t, **dict.fromkeys(("lent", "principal_collected", "available", "outstanding", "written_off"))}
    return Table(
        "capital",
        _("Capital available to lend"),
        [_("Figure"), _("Amount ($)")],
        [
            [_("Cash received from the fund sources"), _money(t.get("received", ZERO))],
            [_("Less: capital repaid to them"), _money(t.get("capital_repaid", ZERO))],
            [_("Less: principal lent"), _money(t.get("lent", ZERO))],
            [_("Plus: principal collected"), _money(t.get("principal_collected", ZERO))],
            [_("Available to lend"), _money(t.get("available", ZERO))],
            [_("Of the principal lent, still outstanding"), _money(t.get("outstanding", ZERO))],
            [_("Of the principal lent, written off"), _money(t.get("written_off", ZERO))],
        ],
        note=_(
            "Available to lend = cash received - capital repaid to funders - principal lent + principal "
            "collected, which is the same as cash received - capital repaid - outstanding principal - "
            "principal written off (what was lent is either collected, still outstanding or written off). "
            "Interest collected and the return paid to funders belong to operations and are not counted."
        ),
    )


def _use_table(ledgers: dict, for_board: bool) -> Table:
    rows = ledgers["rows"]
    # For the board a fund's outstanding principal is never shown (it may be a few active loans' even when the
    # fund lent to five or more): its use shows as the loans it financed and what it received.
    hidden = set(range(len(rows))) if for_board else set()
    table = Table(
        "fund_use",
        _("Each fund's use against its commitment"),
        [
            _("Fund"),
            _("Eligibility"),
            _("Committed ($)"),
            _("Received ($)"),
            _("Loans financed"),
            _("Outstanding ($)"),
            _("Outstanding / committed"),
        ],
    )
    for index, row in enumerate(rows):
        fund = row["fund"]
        table.rows.append(
            [
                fund.name,
                restrictions(fund),
                _money(fund.amount_committed),
                _money(row["received"]),
                _count(row["loans"], for_board),
                "—" if index in hidden else _money(row["outstanding"]),
                "—" if index in hidden else _pct(percent(row["outstanding"], fund.amount_committed)),
            ]
        )
    return table


def _pct(value):
    return "—" if value is None else Percent(value)


def _rate(rate) -> Percent:
    """A band's provision rate, written like every percentage of the reports, the CSV files' included
    (``format_percent``: "10,0 %" / "10.0%", not "10 %")."""
    return Percent(Decimal(rate))


def _reserve_table(reserve: dict, for_board: bool, hidden: frozenset | set = frozenset()) -> Table:
    """For the board, a band's outstanding principal and provision (its outstanding times a known rate) show
    or hide together, as the privacy rule says (``reports.tables.board_figures``: the bands are pieces of the
    outstanding principal beside PAR); the total outstanding is the key figures' outstanding principal, and
    the total provision is hidden when any band is (it would give that band's provision back)."""
    bands = reserve["bands"]
    table = Table(
        "loss_reserve",
        _("Loan-loss reserve"),
        [
            _("Days past due"),
            _("Provision rate"),
            _("Active loans"),
            _("Outstanding ($)"),
            _("Provision ($)"),
        ],
    )
    for index, band in enumerate(bands):
        band_hidden = for_board and ("reserve", index) in hidden
        table.rows.append(
            [
                band["label"],
                _rate(band["rate"]),
                _count(band["loans"], for_board),
                "—" if band_hidden else _money(band["outstanding"]),
                "—" if band_hidden else _money(band["provision"]),
            ]
        )
    table.rows.append(
        [
            _("Total"),
            "",
            _count(reserve["loans"], for_board),
            "—" if for_board and ("kpi", "outstanding") in hidden else _money(reserve["outstanding"]),
            "—" if for_board and ("reserve", "provision") in hidden else _money(reserve["total"]),
        ]
    )
    table.note = _(
        "As of %(date)s: the outstanding principal of the active loans times the rate of their band of days "
        "past due, rounded to the cent per band (rates set in the organization's settings)."
    ) % {"date": format_date(reserve["as_of"])}
    return table


def capital_tables(capital: dict, *, for_board: bool, hidden: frozenset | set = frozenset()) -> list[Table]:
    """The capital section's tables, for the dashboard, its CSV files, the capital page and the PDF."""
    ledgers = capital["ledgers"]
    return [
        _ledger_table(ledgers, for_board, hidden if for_board else frozenset()),
        _available_table(ledgers, hidden if for_board else frozenset()),
        _use_table(ledgers, for_board),
        _reserve_table(capital["reserve"], for_board, hidden if for_board else frozenset()),
    ]
