"""The board's home page (issue #13, point 5): the portfolio's key figures, from the dashboard's own tables
and privacy rule, with links to the dashboard and the PDF. In French."""

import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from loans.models import Frequency
from microcredit.accounts.models import BusinessStage
from microcredit.core.selectors import board_overview
from tests import factories
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db
MONTREAL = ZoneInfo("America/Montreal")
D = datetime.date


def _noon(day):
    return time_machine.travel(datetime.datetime.combine(day, datetime.time(12), tzinfo=MONTREAL), tick=False)


@pytest.fixture
def five_in_may(personas):
    """Five loans of 1 000 $ disbursed on May 12, 2025 at 0 %; nothing paid yet."""
    with _noon(D(2025, 5, 12)):
        product = LoanProductFactory(
            name="Zéro", annual_rate=Decimal("0.00"), min_term=4, frequency=Frequency.MONTHLY
        )
        return [
            disbursed_loan(
                amount="1000.00",
                term=4,
                product=product,
                approver=personas.coordinator,
                disbursed_on=D(2025, 5, 12),
                first_due=D(2025, 6, 12),
            )
            for _ in range(5)
        ]


def _figures(client) -> dict[str, str]:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-testid="board-key-figures"' in page
    assert reverse("reports:dashboard") in page  # the link to the dashboard
    assert 'data-testid="portfolio-report"' in page  # the PDF button
    assert "s'afficheront ici" not in page and "will appear here" not in page
    figures = response.context["figures"]
    from microcredit.core.formatting import format_cell

    return {str(label): format_cell(value) for label, value in figures}


def test_the_board_home_shows_the_portfolios_key_figures_in_french(personas, client_for, five_in_may):
    personas.board.language = "fr-ca"
    personas.board.save(update_fields=["language"])
    with _noon(D(2025, 7, 2)):
        figures = _figures(client_for(personas.board))
        page = client_for(personas.board).get(reverse("home")).content.decode()
    assert "Au 30 juin 2025" in page  # the last month ended, not today (July 2)
    assert figures["Prêts actifs"] == "5"
    assert figures["Capital restant dû ($)"] == "5\xa0000,00\xa0$"
    assert figures["Montant débloqué pendant la période ($)"] == "5\xa0000,00\xa0$"
    assert figures["Montant radié au total ($)"] == "0,00\xa0$"


def test_a_loan_alone_in_its_month_hides_what_it_would_give_away(personas, client_for, five_in_may):
    with _noon(D(2025, 6, 3)):
        disbursed_loan(amount="2345.67", term=6, approver=personas.coordinator, disbursed_on=D(2025, 6, 3))
    personas.board.language = "fr-ca"
    personas.board.save(update_fields=["language"])
    with _noon(D(2025, 7, 2)):
        figures = _figures(client_for(personas.board))
        staff = client_for(personas.coordinator).get(reverse("reports:dashboard")).context["report"]
    assert figures["Prêts actifs"] == "6"
    # June's one loan would be the difference between May's and June's figures: hidden.
    assert figures["Capital restant dû ($)"] == "—"
    assert figures["Montant débloqué pendant la période ($)"] == "—"
    assert staff["totals"]["outstanding"] == Decimal("7345.67")  # the coordinator keeps the full figure


def test_a_lone_hidden_stage_goes_with_another():
    factories.EntrepreneurFactory.create_batch(3, business_stage=BusinessStage.IDEA)
    factories.EntrepreneurFactory.create_batch(6, business_stage=BusinessStage.STARTING)
    factories.EntrepreneurFactory.create_batch(8, business_stage=BusinessStage.OPERATING)
    stages = {row.label: row.display for row in board_overview()["stages"]}
    shown = [value for value in stages.values() if value not in ("<5", "—")]
    # 17 entrepreneurs: the idea stage (3) hidden; alone, it would be 17 minus the others: the startup stage
    # (6, the smallest other) goes with it.
    assert sorted(shown) == ["8"] and list(stages.values()).count("—") == 1
