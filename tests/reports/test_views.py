import csv
import datetime
import html
import io
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from funds.models import FundSource, Tranche
from tests.reports.portfolio import build_portfolio

MONTREAL = ZoneInfo("America/Montreal")
pytestmark = pytest.mark.django_db
URL = reverse("reports:dashboard")
DRILL = reverse("reports:loans")
PERIOD = {"as_of": "2025-06-30", "start": "2025-01-01", "end": "2025-06-30"}
TABLES = (
    "kpis",
    "par",
    "by_circle",
    "by_product",
    "by_network",
    "trends",
    "fund_sources",
    "capital",
    "reach",
    "impact",
)


@pytest.fixture(autouse=True)
def english(personas):
    for user in (personas.board, personas.coordinator, personas.advisor):
        user.language = "en"
        user.save(update_fields=["language"])


@pytest.fixture
def book(personas):
    book = build_portfolio()
    fund = FundSource.objects.create(
        name="Caisse solidaire",
        kind="investor",
        amount_committed="20000.00",
        committed_on=datetime.date(2024, 1, 1),
    )
    Tranche.objects.create(fund=fund, received_on=datetime.date(2024, 1, 1), amount="20000.00")
    return book


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(datetime.datetime(2025, 7, 2, 10, 0, tzinfo=MONTREAL), tick=False):
        yield


def _names(book) -> list[str]:
    names = []
    for key in "abcdef":
        borrower = book[key].borrower
        names += [borrower.user.first_name, borrower.user.last_name, borrower.business_name]
        names += [borrower.user.get_full_name(), book[key].circle.advisor.last_name]
    # Other people's names appear by right (the privacy officer in the footer, the coordinators): a borrower
    # may share a first name with one of them (random names), which is no leak.
    from microcredit.accounts.models import User

    named = {book[key].borrower.user_id for key in "abcdef"} | {
        book[key].circle.advisor_id for key in "abcdef"
    }
    others = set()
    for user in User.objects.exclude(pk__in=named):
        others |= {user.first_name, user.last_name, user.get_full_name()}
    return [name for name in names if name and name not in others]


def _csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))


def _figures(rows: list[list[str]]) -> list[list[str]]:
    """A report CSV's rows of figures: after the header and the columns, before the legend's note rows."""
    return [row for row in rows[2:] if row[0] != "Note"]


LEGEND = "Aggregate figures only; counts under 5 are shown as <5."
BOARD_LEGEND = (
    "Board members see closed months only: the as-of date is the end of the last month ended (or of the "
    "month chosen), the period runs over whole months, and an amount made of fewer than 5 loans, or that "
    "changed by fewer than 5 loans in a month, shows —."
)


def test_board_sees_figures_and_no_name(personas, client_for, book):
    client = client_for(personas.board)
    response = client.get(URL, PERIOD)
    assert response.status_code == 200
    page = response.content.decode()
    assert "$20,000.00" in page  # the fund committed, written the English way (the persona reads English)
    # A portfolio this small has every monthly amount hidden or zero for the board: no chart to draw, a
    # sentence each instead (the staff's charts draw: test_staff_sees_the_charts).
    assert page.count('data-testid="chart-empty"') == 3 and "<svg" not in page
    assert "cdn" not in page.lower()
    assert DRILL not in page  # no drill-down for the board
    # The page names the board member themself (the account menu), who may share a first name with a borrower.
    # (the menu writes the full name, or the first name alone on narrower screens).
    for own in (personas.board.get_full_name(), personas.board.first_name, personas.board.last_name):
        page = page.replace(own, "")
    for table in TABLES:
        content = client.get(URL, {**PERIOD, "format": "csv", "table": table}).content.decode("utf-8-sig")
        page += content
    for name in _names(book):
        # As a whole word: a borrower named Marc must not be found in "March 2025".
        assert not re.search(rf"\b{re.escape(name)}\b", page), name


def test_staff_sees_the_charts(personas, client_for, book):
    page = client_for(personas.coordinator).get(URL, PERIOD).content.decode()
    assert page.count("<svg") == 3 and "<title" in page and "<desc" in page
    assert 'data-testid="chart-empty"' not in page


def test_board_does_not_get_the_advisor_breakdown(personas, client_for, book):
    client = client_for(personas.board)
    assert client.get(URL, {**PERIOD, "format": "csv", "table": "by_advisor"}).status_code == 404
    assert (
        client_for(personas.coordinator)
        .get(URL, {**PERIOD, "format": "csv", "table": "by_advisor"})
        .status_code
        == 200
    )


def test_board_breakdown_hides_small_groups(personas, client_for, book):
    rows = _csv(client_for(personas.board).get(URL, {**PERIOD, "format": "csv", "table": "by_circle"}))
    # Each circle holds one loan: every group shows <5 and no amount.
    assert all(row[1] == "<5" and row[2] == "—" for row in _figures(rows))
    rows = _csv(client_for(personas.board).get(URL, {**PERIOD, "format": "csv", "table": "by_product"}))
    # 4 active loans: a count under 5, shown as <5, and their outstanding principal and PAR30 hidden in the
    # group; 6 disbursed are shown but not their amount (January 3, April 2, June 1: months of fewer than 5
    # would come out of two reports a month apart); no write-offs by group for the board.
    assert rows[1][-1] == "Amount disbursed ($)"
    assert rows[2] == ["Zero", "<5", "—", "—", "6", "—"]
    staff = _csv(
        client_for(personas.coordinator).get(URL, {**PERIOD, "format": "csv", "table": "by_product"})
    )
    assert staff[2] == ["Zero", "4", "6300.00", "33.3%", "6", "8600.00", "600.00"]


def test_board_small_counts_in_key_figures(personas, client_for, book):
    rows = dict(
        row[:2]
        for row in _csv(client_for(personas.board).get(URL, {**PERIOD, "format": "csv", "table": "kpis"}))[2:]
    )
    assert rows["Loans fully repaid"] == "<5"
    assert rows["Loans disbursed in the period"] == "6"
    # Amounts made of fewer than 5 loans are hidden, the portfolio's own too (issue #14).
    assert rows["Outstanding principal ($)"] == "—"  # 4 active loans
    assert rows["Outstanding under individual responsibility ($)"] == "—"  # F alone
    assert rows["Amount disbursed in the period ($)"] == "—"  # 6 loans, but 1 to 3 a month
    assert rows["Average loan disbursed in the period ($)"] == "—"
    assert rows["Guarantee calls open"] == "<5"
    assert rows["Written off in total ($)"] == "—"  # E alone
    assert rows["Loss rate (written off / disbursed, in total)"] == "—"


def test_csv_content(personas, client_for, book):
    rows = _csv(client_for(personas.coordinator).get(URL, {**PERIOD, "format": "csv", "table": "par"}))
    assert rows[0] == ["As of", "2025-06-30", "Period", "2025-01-01", "2025-06-30"]
    # Percentages to the page's one decimal ("52.4%" on the page too); nothing hidden, no legend.
    assert rows[2:] == [
        ["PAR1", "3", "3300.00", "52.4%"],
        ["PAR30", "2", "2100.00", "33.3%"],
        ["PAR90", "1", "900.00", "14.3%"],
        ["Restructured loans", "0", "0.00", "0.0%"],
    ]
    board = _csv(client_for(personas.board).get(URL, {**PERIOD, "format": "csv", "table": "par"}))
    # Hidden figures: the file ends with the table's note and the page's legend, as wide as the table.
    assert board[2:6] == [
        ["PAR1", "<5", "—", "—"],
        ["PAR30", "<5", "—", "—"],
        ["PAR90", "<5", "—", "—"],
        ["Restructured loans", "0", "0.00", "0.0%"],
    ]
    assert [row[0] for row in board[6:]] == ["Note"] * 3 and all(row[2:] == ["", ""] for row in board[6:])
    assert board[6][1].startswith("PARn: outstanding principal of the active loans")
    assert [row[1] for row in board[7:]] == [LEGEND, BOARD_LEGEND]
    page = client_for(personas.board).get(URL, PERIOD).content.decode()
    assert [html.unescape(text) for text in re.findall(r'data-testid="mask-legend">([^<]*)<', page)] == [
        LEGEND,
        BOARD_LEGEND,
    ]
    rows = _csv(client_for(personas.coordinator).get(URL, {**PERIOD, "format": "csv", "table": "capital"}))
    assert ["Available to lend", "13100.00"] in rows
    board = _csv(client_for(personas.board).get(URL, {**PERIOD, "format": "csv", "table": "capital"}))
    # The outstanding principal is hidden from the board here: so is every capital figure it could be read
    # off (lent - collected = outstanding + written off); what the funders paid in stays in view.
    assert _figures(board) == [
        ["Cash received from the fund sources", "20000.00"],
        ["Less: capital repaid to them", "0.00"],
        ["Less: principal lent", "—"],
        ["Plus: principal collected", "—"],
        ["Available to lend", "—"],
        ["Of the principal lent, still outstanding", "—"],
        ["Of the principal lent, written off", "—"],
    ]


def test_a_csv_of_impossible_dates_is_refused_not_replaced_by_other_dates(personas, client_for, book):
    client = client_for(personas.coordinator)
    response = client.get(URL, {"as_of": "2999-01-01", "format": "csv", "table": "kpis"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("text/plain")
    assert response.content.decode().strip()  # the reason, in the user's language
    assert client.get(URL, {"as_of": "2999-01-01"}).status_code == 200  # the page shows the form's errors


def test_unknown_table_is_404(personas, client_for, book):
    assert client_for(personas.board).get(URL, {"format": "csv", "table": "nope"}).status_code == 404


@pytest.mark.parametrize("who", ["entrepreneur", "other_entrepreneur"])
def test_entrepreneurs_get_404(personas, client_for, who):
    client = client_for(getattr(personas, who))
    assert client.get(URL).status_code == 404
    assert client.get(DRILL, {"figure": "active"}).status_code == 404


def test_anonymous_is_sent_to_sign_in(client):
    assert client.get(URL).status_code == 302


def test_board_cannot_drill_down(personas, client_for, book):
    assert client_for(personas.board).get(DRILL, {**PERIOD, "figure": "par30"}).status_code == 404


@pytest.mark.parametrize("who", ["coordinator", "advisor"])
def test_staff_drill_down_to_the_loans_behind_par30(personas, client_for, book, who):
    response = client_for(getattr(personas, who)).get(DRILL, {**PERIOD, "figure": "par30"})
    assert response.status_code == 200
    loans = [loan.pk for loan in response.context["page_obj"]]
    assert loans == sorted([book["c"].pk, book["d"].pk])
    assert reverse("loans:loan_detail", args=[book["c"].pk]) in response.content.decode()


def test_the_drill_down_names_its_figure_in_the_readers_language(personas, client_for, book):
    """Walk-through: it read « active », the query string's code."""
    personas.coordinator.language = "fr-ca"
    personas.coordinator.save(update_fields=["language"])
    page = client_for(personas.coordinator).get(DRILL, {**PERIOD, "figure": "active"}).content.decode()
    assert "Prêts actifs" in page and "« active »" not in page and "“active”" not in page


def test_drill_down_by_group(personas, client_for, book):
    circle = book["f"].circle
    response = client_for(personas.coordinator).get(
        DRILL, {**PERIOD, "figure": "active", "breakdown": "circle", "key": circle.pk}
    )
    assert [loan.pk for loan in response.context["page_obj"]] == [book["f"].pk]
    bad = client_for(personas.coordinator).get(DRILL, {"figure": "active", "breakdown": "circle", "key": "x"})
    assert bad.status_code == 404


def test_drill_down_as_of_a_past_date_shows_the_balances_of_that_date(personas, client_for, book):
    past = {"as_of": "2025-03-31", "start": "2025-01-01", "end": "2025-03-31"}
    response = client_for(personas.coordinator).get(DRILL, {**past, "figure": "active"})
    loans = {loan.pk: loan for loan in response.context["page_obj"]}
    # A, repaid in May, was active on March 31 with 600 owed and nothing late.
    assert (loans[book["a"].pk].owed, loans[book["a"].pk].oldest_unpaid) == (Decimal("600.00"), None)
    # D owed its March 15 instalment then (the March payment was reversed).
    assert loans[book["d"].pk].oldest_unpaid == datetime.date(2025, 3, 15)


def test_dashboard_links_for_staff(personas, client_for, book):
    page = client_for(personas.coordinator).get(URL, PERIOD).content.decode()
    assert f"{DRILL}?figure=par30" in page


def test_dashboard_queries_do_not_grow(personas, client_for, queries_for, book):
    client = client_for(personas.coordinator)
    small = queries_for(client, URL, **PERIOD)
    # Capital for the new loans (each disbursement is charged to the fund and needs its capital).
    Tranche.objects.create(
        fund=FundSource.objects.get(), received_on=datetime.date(2024, 2, 1), amount="90000.00"
    )
    for _ in range(3):
        with time_machine.travel(datetime.datetime(2025, 6, 30, 12, tzinfo=MONTREAL), tick=False):
            build_portfolio()
    assert queries_for(client, URL, **PERIOD) == small


def test_future_as_of_falls_back_to_the_last_closed_month(personas, client_for, book):
    response = client_for(personas.board).get(URL, {"as_of": "2030-01-01"})
    assert response.status_code == 200
    assert response.context["report"]["as_of"] == datetime.date(2025, 6, 30)  # today is July 2
    staff = client_for(personas.coordinator).get(URL, {"as_of": "2030-01-01"})
    assert staff.context["report"]["as_of"] == datetime.date(2025, 7, 2)


def test_pdf_button_for_board_and_coordinators_only(personas, client_for, book):
    assert 'data-testid="portfolio-report"' in client_for(personas.board).get(URL).content.decode()
    assert 'data-testid="portfolio-report"' not in client_for(personas.advisor).get(URL).content.decode()


def test_nav_has_reports(personas, client_for):
    for user in (personas.board, personas.coordinator):
        assert URL in client_for(user).get(reverse("home")).content.decode()


def test_absurd_dates_and_keys_are_refused_without_an_error_page(personas, client_for):
    from django.urls import reverse

    client = client_for(personas.coordinator)
    response = client.get(reverse("reports:dashboard"), {"as_of": "0001-01-01"})
    assert response.status_code == 200
    assert "as_of" in response.context["form"].errors
    drill = client.get(reverse("reports:loans"), {"figure": "active", "breakdown": "circle", "key": "²"})
    assert drill.status_code == 404


def test_the_board_sees_whole_months_staff_the_exact_dates(personas, client_for, book):
    asked = {"as_of": "2025-06-17", "start": "2025-02-10", "end": "2025-03-03"}
    board = client_for(personas.board).get(URL, asked).context["report"]
    assert (board["as_of"], board["start"], board["end"]) == (
        datetime.date(2025, 6, 30),
        datetime.date(2025, 2, 1),
        datetime.date(2025, 3, 31),
    )
    staff = client_for(personas.coordinator).get(URL, asked).context["report"]
    assert (staff["as_of"], staff["start"], staff["end"]) == (
        datetime.date(2025, 6, 17),
        datetime.date(2025, 2, 10),
        datetime.date(2025, 3, 3),
    )


def test_charts_whose_every_month_is_hidden_say_so_instead_of_drawing_nothing(personas, client_for):
    from reports import charts

    page = client_for(personas.board).get(URL, PERIOD).content.decode()
    # No loan at all: the portfolio at risk is hidden (fewer than 5 loans), PAR1, PAR30 and PAR90 alike, and
    # every month's amounts are zero: no chart draws an empty frame (0,00 $ to 1,00 $).
    empty = dict(re.findall(r'<p [^>]*id="([\w-]+)" data-testid="chart-empty">([^<]*)</p>', page))
    assert list(empty) == ["chart-disbursed", "chart-outstanding", "chart-par"], empty
    assert empty["chart-par"].startswith("Portfolio at risk: nothing to draw, every figure of the period")
    assert "is hidden" in empty["chart-par"]
    assert "every figure of the period is zero" in empty["chart-outstanding"]
    assert "<svg" not in page.split('id="chart-disbursed"')[1].split("</div>")[0]
    assert 'aria-labelledby="chart-par-title' not in page
    drawn = charts.bar_chart(
        chart_id="c", title="T", desc="D", labels=["Jan", "Feb"], values=[None, Decimal("10")]
    )
    assert "<svg" in drawn and "chart-empty" not in drawn
    hidden = charts.bar_chart(chart_id="c", title="T", desc="D", labels=["Jan", "Feb"], values=[None, None])
    assert "<svg" not in hidden and 'id="c"' in hidden
    # Hidden months and zero months: still no bar to draw, and the sentence says some are hidden.
    masked = charts.bar_chart(
        chart_id="c", title="T", desc="D", labels=["Jan", "Feb"], values=[None, Decimal("0.00")]
    )
    assert "<svg" not in masked and "every figure of the period is hidden" in masked
    par = charts.par_chart(chart_id="p", title="P", desc="D", rows=[("PAR1", None), ("PAR30", Decimal(0))])
    assert "<svg" not in par and "hidden" in par
    current = charts.par_chart(chart_id="p", title="P", desc="D", rows=[("PAR1", Decimal(0))])
    assert "<svg" in current  # a portfolio with nothing late: 0 % is a figure worth drawing


def test_the_trends_csv_names_its_months_in_the_readers_language(personas, client_for, book):
    params = {**PERIOD, "format": "csv", "table": "trends"}
    rows = _csv(client_for(personas.board).get(URL, params))
    assert rows[1][0] == "Month"
    assert [row[0] for row in rows[2:4]] == ["July 2024", "August 2024"]
    personas.board.language = "fr-ca"
    personas.board.save(update_fields=["language"])
    content = client_for(personas.board).get(URL, params).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(content), delimiter=";"))
    assert rows[1][0] == "Mois"
    assert [row[0] for row in rows[2:4]] == ["juillet 2024", "août 2024"]


@pytest.mark.parametrize("who", ["board", "coordinator"])
def test_changing_only_the_as_of_date_moves_the_period_with_it(personas, client_for, book, who):
    """Walk-through: a board member who changed only "En date du" to 30 June (the end still 30 November)
    got an error and November's figures under a form reading 30 June. The period now becomes the twelve
    months up to the as-of date, and the form shows the dates the figures are for."""
    response = client_for(getattr(personas, who)).get(
        reverse("reports:dashboard"), {"as_of": "2025-03-31", "start": "2025-01-01", "end": "2025-06-30"}
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert not form.errors
    assert (response.context["report"]["as_of"], response.context["report"]["end"]) == (
        datetime.date(2025, 3, 31),
        datetime.date(2025, 3, 31),
    )
    assert form.initial["end"] == datetime.date(2025, 3, 31)
    assert response.context["report"]["start"] == datetime.date(2024, 4, 1)  # the twelve months up to it
    assert 'value="2025-03-31"' in response.content.decode()
