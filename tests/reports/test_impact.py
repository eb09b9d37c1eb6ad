"""Business survival by cohort, the annual statistics and the impact page, in literal figures."""

import datetime
import html
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from coaching.models import Milestone, MilestoneKind
from reports.impact import impact_report, indicators, survival_cells, survival_cohorts
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db
D = datetime.date
URL = reverse("reports:impact")


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2026, 6, 1, 12, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


@pytest.fixture
def cohorts():
    product = LoanProductFactory(name="Zero", annual_rate=Decimal("0.00"), min_term=4, max_term=12)

    def first_loan(day):
        return disbursed_loan(
            amount="1000.00",
            term=4,
            product=product,
            disbursed_on=day,
            first_due=day + datetime.timedelta(days=30),
        ).borrower

    closed, going, silent = (first_loan(D(2020, 3, 1)) for _ in range(3))
    later = first_loan(D(2024, 5, 1))
    Milestone.objects.create(profile=closed, kind=MilestoneKind.BUSINESS_CLOSED, achieved_on=D(2022, 6, 1))
    Milestone.objects.create(profile=going, kind=MilestoneKind.FIRST_SALE, achieved_on=D(2024, 1, 15))
    Milestone.objects.create(
        profile=later, kind=MilestoneKind.JOBS_CREATED, achieved_on=D(2025, 2, 1), jobs_count=2
    )
    return {"closed": closed, "going": going, "silent": silent, "later": later}


def test_survival_by_cohort_closed_operating_and_unknown(cohorts):
    result = survival_cohorts(as_of=D(2026, 6, 1))
    assert [(c["year"], c["people"]) for c in result] == [(2020, 3), (2024, 1)]
    first = result[0]["horizons"]
    # After 1 year (2021-03-01): the closed one closed later (operating then), the one with a first sale in
    # 2024 operating, the silent one unknown.
    assert first[1] == {"operating": 2, "closed": 0, "unknown": 1}
    # After 3 years (2023-03-01): closed in 2022; the first sale of 2024 shows the other going.
    assert first[3] == {"operating": 1, "closed": 1, "unknown": 1}
    # After 5 years (2025-03-01): nothing dated since shows the second one going: unknown, not alive.
    assert first[5] == {"operating": 0, "closed": 1, "unknown": 2}
    later = result[1]["horizons"]
    assert later[1] == {"operating": 0, "closed": 0, "unknown": 1}  # 2025-05-01 reached, nothing after it
    assert later[3] == {"operating": 0, "closed": 0, "unknown": 0}  # 2027: not yet


def test_small_survival_cells_are_hidden():
    assert survival_cells({"operating": 12, "closed": 6, "unknown": 0}) == {
        "operating": 12,
        "closed": 6,
        "unknown": 0,
        "rate": Decimal("66.67"),
    }
    # 2 unknown are hidden, and the smallest other count with them (the cohort's total would give them away);
    # the rate goes too (it would give the closed count).
    assert survival_cells({"operating": 12, "closed": 6, "unknown": 2}) == {
        "operating": 12,
        "closed": "<5",
        "unknown": "<5",
        "rate": None,
    }


def test_the_annual_statistics_rows(cohorts):
    rows = {
        (year, code, population): value
        for year, code, population, _l, value, _u in indicators(impact_report(as_of=D(2026, 6, 1)))
    }
    assert rows[(2020, "loans_disbursed", "all")] == "<5"
    assert rows[(2020, "amount_disbursed", "all")] == ""  # 3 loans: the amount is not shown
    assert rows[(2020, "first_loans", "all")] == "<5"
    assert rows[(2025, "jobs_created", "all")] == ""  # one person's jobs
    assert rows[(2020, "survival_1y_unknown", "all")] == "<5"
    assert rows[(2020, "survival_1y", "all")] == ""
    assert (2024, "survival_3y", "all") not in rows  # not reached yet


def test_the_impact_page_and_its_csv_for_the_board(personas, client_for, cohorts):
    client = client_for(personas.board)
    page = client.get(URL)
    assert page.status_code == 200
    survival = next(t for t in page.context["tables"] if t.key == "survival")
    assert survival.rows[0][:2] == ["2020", "<5"]
    assert survival.rows[1][-4:] == ["—", "—", "—", "—"]  # 2024's five years: not yet
    response = client.get(URL, {"format": "csv"})
    lines = response.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "année;indicateur;population;valeur;unité;libellé"
    assert "2020;loans_disbursed;all;<5;count;Prêts débloqués" in lines
    # Its "<5" explained at the end, in the words of the page's legend (quoted: the French has a ";").
    legend = "Données globales seulement\xa0; les nombres inférieurs à 5 sont affichés comme <5."
    assert f'data-testid="mask-legend">{legend}</span>' in html.unescape(page.content.decode())
    assert lines[-1] == f'Note;"{legend}";;;;'
    survival_file = client.get(URL, {"format": "csv", "table": "survival"}).content.decode("utf-8-sig")
    assert survival_file.splitlines()[-1].startswith(f'Note;"{legend}"')
    assert client_for(personas.advisor).get(URL).status_code == 404
