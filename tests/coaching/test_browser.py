"""An advisor's follow-up in a real browser: from the caseload, whom to call next, to a recorded session
that the entrepreneur then reads, without the staff-only note."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from coaching.models import CoachingSession
from tests.coaching.factories import CoachingSessionFactory, days_ago
from tests.e2e.helpers import sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_calls_the_overdue_entrepreneur_and_records_the_session(browser, live_server, personas):
    CoachingSessionFactory(profile=personas.entrepreneur, held_on=days_ago(40), next_follow_up_on=days_ago(5))
    sign_in(browser, live_server, "advisor")
    browser.get(live_server.url + "/coaching/caseload/")
    first_row = browser.find_element(By.CSS_SELECTOR, "[data-testid=caseload] tbody tr")
    assert "Marie Tremblay" in first_row.text
    assert first_row.find_elements(By.CSS_SELECTOR, "[data-flag=follow_up_overdue]")

    first_row.find_element(By.CSS_SELECTOR, "a.btn").click()
    WebDriverWait(browser, 10).until(expected_conditions.url_contains("/sessions/new/"))
    browser.find_element(By.CSS_SELECTOR, "input[name=topics][value=marketing]").click()
    browser.find_element(By.NAME, "shared_summary").send_keys("Nous avons préparé ta liste de prix.")
    browser.find_element(By.NAME, "next_steps").send_keys("Appeler cinq clients.")
    browser.find_element(By.NAME, "staff_notes").send_keys("Note interne confidentielle")
    submit(browser)
    assert browser.find_element(By.TAG_NAME, "h1").text == "Marie Tremblay"
    assert CoachingSession.objects.filter(staff_notes="Note interne confidentielle").exists()

    browser.get(live_server.url + "/coaching/caseload/")
    row = browser.find_element(By.CSS_SELECTOR, f"[data-profile='{personas.entrepreneur.pk}']")
    assert not row.find_elements(By.CSS_SELECTOR, "[data-flag]")

    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + "/coaching/me/")
    main = browser.find_element(By.TAG_NAME, "main").text
    assert "Nous avons préparé ta liste de prix." in main and "Appeler cinq clients." in main
    assert "Note interne confidentielle" not in browser.page_source
