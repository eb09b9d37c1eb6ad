"""The board's period change in a French browser: the figures change in place (htmx), the page is not
reloaded, and the address follows the period (so it can be shared, and Back works)."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.e2e.helpers import set_value, sign_in
from tests.reports.portfolio import build_portfolio

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _kpis(browser) -> str:
    return browser.find_element(By.ID, "table-kpis").text


def test_a_new_period_changes_the_tables_without_reloading_the_page(browser, live_server, personas):
    build_portfolio()
    sign_in(browser, live_server, "coordinator")
    browser.get(live_server.url + "/reports/?as_of=2025-06-30&start=2025-01-01&end=2025-06-30")
    region = browser.find_element(By.ID, "report-region")
    assert region.get_attribute("aria-live") == "polite"
    assert (
        "En date du 30 juin 2025" in browser.find_element(By.CSS_SELECTOR, "[data-testid=report-dates]").text
    )
    before = _kpis(browser)
    browser.execute_script("window.notReloaded = true;")

    set_value(browser, "as_of", "2024-12-31")
    set_value(browser, "start", "2024-01-01")
    set_value(browser, "end", "2024-12-31")
    browser.find_element(By.ID, "report-show").click()
    WebDriverWait(browser, 15).until(
        lambda driver: (
            "En date du 31 décembre 2024"
            in driver.find_element(By.CSS_SELECTOR, "[data-testid=report-dates]").text
        )
    )
    assert _kpis(browser) != before
    assert browser.execute_script("return window.notReloaded === true;")
    assert "as_of=2024-12-31" in browser.current_url
    assert browser.find_element(By.ID, "report-region").get_attribute("aria-live") == "polite"
