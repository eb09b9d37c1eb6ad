import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from reports.selectors import portfolio_figures, portfolio_report, portfolio_trends, social_reach
from tests.reports.portfolio import build_portfolio

pytestmark = pytest.mark.django_db
D = datetime.date


@pytest.fixture
def book():
    return build_portfolio()


def test_portfolio_today(book):
    totals = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 1, 1), end=D(2025, 6, 30))["totals"]
    assert totals["active_loans"] == 4  # B, C, D (in default), F
    assert totals["active_borrowers"] == 4
    assert totals["outstanding"] == Decimal("6300.00")
    assert totals["outstanding_circle"] == Decimal("3300.00")
    assert totals["outstanding_individual"] == Decimal("3000.00")
    # B is exactly 30 days late: in PAR1, not in PAR30. C is 31 days late. D is 107 days late.
    assert totals["par1_amount"] == Decimal("3300.00")
    assert totals["par30_amount"] == Decimal("2100.00")
    assert totals["par90_amount"] == Decimal("900.00")
    assert totals["par1"] == Decimal("52.38")
    assert totals["par30"] == Decimal("33.33")
    assert totals["par90"] == Decimal("14.29")
    assert totals["par30_loans"] == 2
    assert totals["disbursed_count"] == 6
    assert totals["disbursed_amount"] == Decimal("8600.00")
    assert totals["average_loan"] == Decimal("1433.33")
    # The reversed payment of D is not collected.
    assert totals["collected"] == Decimal("1700.00")
    assert totals["principal_collected"] == Decimal("1700.00")
    assert totals["due_in_period"] == Decimal("4400.00")
    assert totals["collection_rate"] == Decimal("38.64")
    assert totals["repaid_loans"] == 1
    assert totals["written_off_loans"] == 1
    assert totals["written_off"] == Decimal("600.00")
    assert totals["written_off_period"] == Decimal("600.00")
    assert totals["loss_rate"] == Decimal("6.98")


def test_portfolio_as_of_a_past_date(book):
    totals = portfolio_figures(as_of=D(2025, 3, 31), start=D(2025, 1, 1), end=D(2025, 3, 31))["totals"]
    # A (600 left), D (900: the March payment was reversed), E (600: written off only in June).
    assert totals["active_loans"] == 3
    assert totals["outstanding"] == Decimal("2100.00")
    assert totals["par1_amount"] == Decimal("1500.00")  # D 16 days late, E 21 days late
    assert totals["par1"] == Decimal("71.43")
    assert totals["par30"] == Decimal("0.00")
    assert totals["par90"] == Decimal("0.00")
    assert totals["disbursed_count"] == 3
    assert totals["disbursed_amount"] == Decimal("3200.00")
    assert totals["collected"] == Decimal("1100.00")
    assert totals["due_in_period"] == Decimal("1600.00")
    assert totals["collection_rate"] == Decimal("68.75")
    assert totals["written_off_loans"] == 0
    assert totals["written_off"] == Decimal("0.00")
    assert totals["loss_rate"] == Decimal("0.00")
    assert totals["repaid_loans"] == 0


def test_a_period_cut_inside_months_adds_the_days_to_the_whole_months(book):
    # Whole months February and March, plus January 20-31 (nothing) and April 1-15.
    totals = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 1, 20), end=D(2025, 4, 15))["totals"]
    # Collected: February 800 (A, D, E), March 300 (A; D's was reversed), April 1-15: A's 300.
    assert totals["collected"] == Decimal("1400.00")
    # Due: February 800, March 800 (A, D, E), April 1-15: A on the 1st, E on the 10th, D on the 15th.
    assert totals["due_in_period"] == Decimal("2400.00")
    assert totals["collection_rate"] == Decimal("58.33")
    # Within one month only: February 5 to 12 (E's 200 due and paid on the 10th).
    totals = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 2, 5), end=D(2025, 2, 12))["totals"]
    assert (totals["collected"], totals["due_in_period"]) == (Decimal("200.00"), Decimal("200.00"))


def test_breakdowns_add_up(book):
    report = portfolio_figures(as_of=D(2025, 6, 30), start=D(2025, 1, 1), end=D(2025, 6, 30), breakdown="all")
    for name in ("circle", "advisor", "product", "network"):
        groups = report["breakdowns"][name]
        assert sum(group["outstanding"] for group in groups) == Decimal("6300.00"), name
        assert sum(group["disbursed_count"] for group in groups) == 6, name
        assert sum(group["par30_amount"] for group in groups) == Decimal("2100.00"), name
        assert sum(group["written_off"] for group in groups) == Decimal("600.00"), name
        assert sum(group["active_loans"] for group in groups) == 4, name
    (product,) = report["breakdowns"]["product"]
    assert product["label"] == "Zero"
    assert product["par30"] == Decimal("33.33")


def test_trends_month_by_month(book):
    months = {row["month"]: row for row in portfolio_trends(as_of=D(2025, 6, 30))}
    assert len(months) == 12
    assert months[D(2025, 3, 1)]["outstanding"] == Decimal("2100.00")
    assert months[D(2025, 6, 1)]["outstanding"] == Decimal("6300.00")
    assert months[D(2025, 6, 1)]["written_off"] == Decimal("600.00")
    assert months[D(2025, 4, 1)]["disbursed_count"] == 2
    assert months[D(2025, 4, 1)]["disbursed"] == Decimal("2400.00")
    assert months[D(2025, 3, 1)]["collected"] == Decimal("300.00")  # A's; D's March payment was reversed
    assert months[D(2024, 7, 1)]["outstanding"] == Decimal("0.00")
    assert months[D(2025, 3, 1)]["due"] == Decimal("800.00")  # A, D, E
    assert months[D(2025, 3, 1)]["collection_rate"] == Decimal("37.50")
    assert months[D(2025, 6, 1)]["due"] == Decimal("600.00")  # B's and C's second instalments, June 30
    # As of March 12, March is cut at the 12th: A's 300 (1st) and E's 200 (10th) fell due, A's was paid.
    march = portfolio_trends(as_of=D(2025, 3, 12))[-1]
    assert (march["month"], march["due"], march["collected"]) == (
        D(2025, 3, 1),
        Decimal("500.00"),
        Decimal("300.00"),
    )


def test_guarantee_calls_and_capital(book):
    from reports.models import FundSource

    FundSource.objects.create(
        name="Fonds A", kind="fund", amount_committed=Decimal("10000.00"), committed_on=D(2024, 1, 1)
    )
    FundSource.objects.create(
        name="Old",
        kind="investor",
        amount_committed=Decimal("5.00"),
        committed_on=D(2020, 1, 1),
        is_active=False,
    )
    report = portfolio_report(as_of=D(2025, 6, 30), start=D(2025, 1, 1), end=D(2025, 6, 30))
    assert report["guarantee_calls"] == {"open": 1, "opened": 1, "resolved": 0}  # D's, in default
    assert report["capital"]["committed"] == Decimal("10000.00")
    # 10000 - 6300 outstanding - 600 written off
    assert report["capital"]["available"] == Decimal("3100.00")


def _count_queries(**kwargs) -> int:
    with CaptureQueriesContext(connection) as context:
        portfolio_report(as_of=D(2025, 6, 30), **kwargs)
    return len(context)


def test_query_count_does_not_grow_with_the_portfolio(book):
    small = _count_queries()
    for _ in range(9):
        build_portfolio()  # 6 more loans each time: 60 in all
    assert _count_queries() == small


def test_reach_small_counts_are_hidden(db):
    from microcredit.accounts.models import Demographics
    from tests.factories import EntrepreneurFactory

    for index in range(6):
        Demographics.objects.create(
            profile=EntrepreneurFactory(),
            consent_given_at=datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC),
            gender="woman" if index < 5 else "man",
            immigrant=index < 2,
        )
    Demographics.objects.create(profile=EntrepreneurFactory())  # no consent: not counted
    with translation.override("en"):
        reach = social_reach(as_of=D(2025, 6, 30))
    rows = {row["label"]: row for row in reach["rows"]}
    assert reach["consented_participants"]["count"] == 6
    assert rows["Women"]["participants"]["count"] == 5
    assert rows["Women"]["participants"]["percent"] == Decimal("83.33")
    assert rows["Immigrants"]["participants"]["display"] == "<5"
    assert rows["Immigrants"]["participants"]["percent"] is None
    assert rows["Women"]["borrowers"]["display"] == "<5"
