"""The loan-loss reserve and the shares of the portfolio at risk go through the board's privacy rule: a band
of fewer than 5 loans is hidden, and so is every figure it could be worked back from (the total provision,
PAR30 when the band is all of it, one more band beside the outstanding principal), and a share is hidden
with the outstanding principal it divides (amount / share would give it back)."""

import datetime
from decimal import Decimal

import pytest
from django.utils import translation

from reports.capital import capital_tables
from reports.selectors import portfolio_report
from reports.tables import _par, board_figures

pytestmark = pytest.mark.django_db

AS_OF = datetime.date(2025, 5, 31)


def empty_report() -> dict:
    """The board's report of a portfolio with no loan, to fill with figures."""
    return portfolio_report(as_of=AS_OF, start=datetime.date(2024, 6, 1), end=AS_OF, for_board=True)


def with_bands(report: dict, loans: list[int], amounts: list[str], movers: list[int]) -> dict:
    """The reserve's bands (current, 1-30, 31-90, 91-180, over 180 days) and the totals that go with them."""
    reserve = report["capital"]["reserve"]
    for band, count, amount in zip(reserve["bands"], loans, amounts, strict=True):
        band.update(
            loans=count,
            outstanding=Decimal(amount),
            provision=(Decimal(amount) * band["rate"] / 100).quantize(Decimal("0.01")),
        )
    reserve["loans"] = sum(loans)
    reserve["outstanding"] = sum(Decimal(amount) for amount in amounts)
    reserve["total"] = sum(band["provision"] for band in reserve["bands"])
    totals = report["totals"]
    totals.update(
        active_loans=sum(loans),
        outstanding=reserve["outstanding"],
        par1_loans=sum(loans[1:]),
        par30_loans=sum(loans[2:]),
        par90_loans=sum(loans[3:]),
        par1_amount=sum(Decimal(amount) for amount in amounts[1:]),
        par30_amount=sum(Decimal(amount) for amount in amounts[2:]),
        par90_amount=sum(Decimal(amount) for amount in amounts[3:]),
    )
    report["activity"]["band_movers"] = movers
    # The pieces of the days past due (current, 1 day late, 2 to 30, then the bands): the 1-30 band's loans
    # are all 2 to 30 days late here (PAR1 holds them).
    report["activity"]["piece_movers"] = [movers[0], 0, *movers[1:]]
    # Enough loans moved in every month for the other figures to show.
    for month in report["activity"]["months"].values():
        month.update(movers=8, active=sum(loans))
    report["activity"]["par_movers"] = {1: 6, 30: 6, 90: 6}
    return report


def reserve_rows(report: dict, hidden: set) -> list[list[str]]:
    with translation.override("en"):
        table = capital_tables(report["capital"], for_board=True, hidden=hidden)[-1]
        return [[str(cell) for cell in row] for row in table.rows]


def test_a_band_of_one_late_loan_hides_its_provision_the_total_and_what_it_could_be_read_from():
    # The walk-through's case: 8 current loans, one 31-90 days late (302,23 $ = 25 % of 1 208,92 $).
    report = with_bands(
        empty_report(), [8, 0, 1, 0, 0], ["9000.00", "0", "1208.92", "0", "0"], [8, 0, 1, 0, 0]
    )
    hidden = board_figures(report)
    assert ("reserve", 2) in hidden and ("reserve", "provision") in hidden
    # Alone, the band would be the outstanding principal less the current band, and it is all of PAR30.
    assert ("reserve", 0) in hidden and ("kpi", "par30_amount") in hidden
    rows = reserve_rows(report, hidden)
    assert rows[2][3:] == ["—", "—"] and rows[0][3:] == ["—", "—"]
    assert rows[-1][4] == "—"  # the total provision: 302,23 $ over 25 % was the late loan's balance
    # No cell, nor any cell over a band's rate, is the late loan's balance.
    cells = {Decimal(cell) for row in rows for cell in row[3:] if cell.replace(".", "").isdigit()}
    assert not {cell * 100 / rate for cell in cells for rate in (10, 25, 50, 100)} & {Decimal("1208.92")}


def test_bands_of_five_loans_or_more_that_moved_by_five_or_more_show_with_their_total():
    report = with_bands(
        empty_report(), [8, 5, 6, 0, 0], ["9000.00", "800.00", "1500.00", "0", "0"], [8, 5, 6, 0, 0]
    )
    hidden = board_figures(report)
    assert not {key for key in hidden if key[0] == "reserve"}
    rows = reserve_rows(report, hidden)
    assert rows[2][3:] == ["1500.00", "375.00"] and rows[-1][3:] == ["11300.00", "455.00"]


def test_a_band_that_moved_by_fewer_than_five_loans_is_hidden_with_one_more():
    # Six loans 31-90 days late, but only one entered, left or paid since the month before: the two month
    # ends' reports would give that one loan's change.
    report = with_bands(
        empty_report(), [8, 5, 6, 0, 0], ["9000.00", "800.00", "1500.00", "0", "0"], [8, 5, 1, 0, 0]
    )
    hidden = board_figures(report)
    assert ("reserve", 2) in hidden and ("reserve", "provision") in hidden
    assert ("reserve", 1) in hidden or ("reserve", 0) in hidden  # outstanding - the shown bands
    assert ("kpi", "par30_amount") in hidden  # PAR30 is the 31-90 band here


def restructured_report(active: int, movers: int, others_moved: int) -> dict:
    """``active`` current loans (12 000 $), six of them restructured (3 000 $, 25 %): ``movers`` of these
    and ``others_moved`` of the others moved since the month before."""
    report = with_bands(
        empty_report(), [active, 0, 0, 0, 0], ["12000.00", "0", "0", "0", "0"], [active, 0, 0, 0, 0]
    )
    report["totals"].update(
        restructured_loans=6, restructured_amount=Decimal("3000.00"), restructured_share=Decimal("25.00")
    )
    report["activity"].update(restructured_movers=movers, unrestructured_movers=others_moved)
    return report


def test_the_restructured_amount_follows_the_month_rule_and_is_not_the_outstanding_principal_less_one():
    assert ("kpi", "restructured_amount") not in board_figures(restructured_report(11, 6, 5))
    # One restructured loan moved since the month before: this month's amount less last month's is its.
    assert ("kpi", "restructured_amount") in board_figures(restructured_report(11, 1, 5))
    # None moved: we cannot tell what it showed (the stock rule of PAR).
    assert ("kpi", "restructured_amount") in board_figures(restructured_report(11, 0, 5))
    # Eight active loans, six restructured: the outstanding principal less them is the other two's.
    hidden = board_figures(restructured_report(8, 6, 2))
    assert ("kpi", "restructured_amount") in hidden and ("kpi", "outstanding") not in hidden
    # One of the five others moved: the outstanding principal less the restructured amount, this month's
    # less last month's, is that loan's change.
    assert ("kpi", "restructured_amount") in board_figures(restructured_report(11, 6, 1))


def test_the_restructured_share_hides_with_the_outstanding_principal_it_divides():
    report = restructured_report(11, 6, 5)
    totals = report["totals"]
    shown = board_figures(report)
    assert ("kpi", "restructured_share") not in shown
    # The outstanding principal moved by 2 loans in its last month (so did the loans not restructured):
    # hidden; 3 000 $ / 25 % would give it.
    for month in report["activity"]["months"].values():
        month["movers"] = 2
    report["activity"]["unrestructured_movers"] = 2
    hidden = board_figures(report)
    assert ("kpi", "outstanding") in hidden and ("kpi", "restructured_share") in hidden
    assert ("kpi", "restructured_amount") not in hidden
    with translation.override("en"):
        restructured = _par(totals, True, hidden).rows[-1]
    assert str(restructured[2]) == "3000.00" and restructured[3] == "—"
    # PAR's shares too: each is its amount over the outstanding principal.
    assert {("kpi", "par1"), ("kpi", "par30"), ("kpi", "par90")} <= hidden
