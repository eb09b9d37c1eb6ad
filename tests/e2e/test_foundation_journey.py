"""An advisor's first morning, in a real browser: sign in, register an entrepreneur with no email,
switch the interface to English, and an entrepreneur finding only their own file."""

import pytest
from selenium.webdriver.common.by import By

from microcredit.accounts.models import EntrepreneurProfile
from tests.e2e.helpers import follow, sign_in, submit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_advisor_registers_an_entrepreneur_then_reads_in_english(browser, live_server, personas):
    sign_in(browser, live_server, "advisor")
    assert "Ma journée" in browser.find_element(By.TAG_NAME, "h1").text

    follow(browser, "main a[href$='/people/entrepreneurs/new/']")
    browser.find_element(By.NAME, "first_name").send_keys("Guerline")
    browser.find_element(By.NAME, "last_name").send_keys("Joseph")
    browser.find_element(By.NAME, "business_name").send_keys("Couture Guerline")
    browser.find_element(By.NAME, "postal_code").send_keys("H2L 1P1")
    submit(browser)

    assert browser.find_element(By.TAG_NAME, "h1").text == "Guerline Joseph"
    assert "guerline.joseph" in browser.find_element(By.CSS_SELECTOR, ".alert-success").text
    profile = EntrepreneurProfile.objects.get(user__username="guerline.joseph")
    assert profile.advisor == personas.advisor
    assert profile.user.email == ""

    submit(browser, "[data-testid=language-switch]")
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == "en"
    assert "Edit" in browser.find_element(By.TAG_NAME, "main").text
    personas.advisor.refresh_from_db()
    assert personas.advisor.language == "en"


def test_an_entrepreneur_finds_only_their_own_file(browser, live_server, personas):
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + f"/people/entrepreneurs/{personas.entrepreneur.pk}/")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Marie Tremblay"
    browser.get(live_server.url + f"/people/entrepreneurs/{personas.other_entrepreneur.pk}/")
    assert "Fatou" not in browser.page_source
    assert "Page introuvable" in browser.find_element(By.TAG_NAME, "h1").text
