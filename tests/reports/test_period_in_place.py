"""The board's period change: with htmx only the figures come back (and the form, out of band); without
JavaScript the form is a plain GET and the whole page comes back, with the same figures."""

import datetime
import re
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from tests.reports.portfolio import build_portfolio

pytestmark = pytest.mark.django_db
URL = reverse("reports:dashboard")
HTMX = {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "report-region"}
PERIOD = {"as_of": "2025-06-30", "start": "2025-01-01", "end": "2025-06-30"}
BEFORE = {"as_of": "2024-12-31", "start": "2024-01-01", "end": "2024-12-31"}


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(
        datetime.datetime(2025, 7, 2, 10, 0, tzinfo=ZoneInfo("America/Montreal")), tick=False
    ):
        yield


@pytest.fixture
def coordinator(personas, client_for):
    build_portfolio()
    return client_for(personas.coordinator)


def _kpis(page: str) -> str:
    table = re.search(r'<section class="mb-4 report-table" id="table-kpis">.*?</section>', page, re.S)
    assert table
    return table.group(0)


def test_without_javascript_the_form_is_a_plain_get_and_the_page_comes_back(coordinator):
    page = coordinator.get(URL, PERIOD).content.decode()
    assert '<form id="report-period" method="get" action="/reports/"' in page
    assert '<div id="report-region" aria-live="polite"' in page
    assert "<html" in page and _kpis(page)
    earlier = coordinator.get(URL, BEFORE).content.decode()
    assert _kpis(earlier) != _kpis(page)  # the figures follow the period asked for


def test_with_htmx_only_the_figures_and_the_form_come_back(coordinator):
    response = coordinator.get(URL, PERIOD, **HTMX)
    page = response.content.decode()
    assert response.status_code == 200 and "<html" not in page and 'id="report-region"' not in page
    assert _kpis(page) == _kpis(coordinator.get(URL, PERIOD).content.decode())
    assert 'hx-swap-oob="true"' in page  # the form, its errors gone
    assert "HX-Request" in response["Vary"]


def test_a_refused_period_sends_the_form_back_with_its_errors_and_leaves_the_figures(coordinator):
    response = coordinator.get(URL, {**PERIOD, "start": "2025-07-01"}, **HTMX)
    page = response.content.decode()
    assert response["HX-Retarget"] == "#report-period" and response["HX-Reswap"] == "outerHTML"
    assert response["HX-Push-Url"] == "false"
    assert "Le début de la période doit précéder sa fin." in page and "report-table" not in page
    assert 'value="2025-07-01"' in page  # what was typed stays


def test_a_history_restore_gets_the_whole_page(coordinator):
    response = coordinator.get(URL, PERIOD, **HTMX, HTTP_HX_HISTORY_RESTORE_REQUEST="true")
    assert "<html" in response.content.decode()
