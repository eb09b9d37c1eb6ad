"""A fund's eligibility and the reserve's rates, as the board reads them (in French): amounts money-formatted,
French punctuation, no setting names."""

import datetime
import re
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import translation

from funds.models import FundSource, Population
from reports.capital import restrictions

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2025, 12, 31, 12, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


@pytest.fixture
def youth():
    return FundSource.objects.create(
        name="Fonds jeunesse",
        kind="fund",
        amount_committed=Decimal("10000.00"),
        committed_on=datetime.date(2025, 1, 1),
        population=Population.YOUTH,
        max_per_loan=Decimal("5000.00"),
    )


def test_the_restriction_sentence_is_written_each_languages_way(youth):
    with translation.override("fr-ca"):
        assert (
            restrictions(youth) == f"Jeunes de moins de 35 ans{NBSP}; au plus 5{NBSP}000,00{NBSP}$ par prêt"
        )
    with translation.override("en"):
        assert restrictions(youth) == "Youth under 35; at most $5,000.00 a loan"


@pytest.mark.parametrize("url", [reverse("reports:dashboard"), reverse("reports:capital")])
def test_the_board_reads_the_restriction_and_the_reserve_rates_in_words(personas, client_for, youth, url):
    personas.board.language = "fr-ca"
    personas.board.save(update_fields=["language"])
    page = client_for(personas.board).get(url)
    assert page.status_code == 200
    text = re.sub(r"[ \n]+", " ", page.content.decode())
    assert f"Jeunes de moins de 35 ans{NBSP}; au plus 5{NBSP}000,00{NBSP}$ par prêt" in text
    assert "5000.00" not in text
    assert "LOAN_LOSS_RESERVE_BANDS" not in text
    assert "taux fixés dans les réglages de l'organisme" in text.replace("&#x27;", "'")
