"""Small helpers shared by the browser tests."""

from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import PASSWORD


def submit(browser, selector="main form button[type=submit]"):
    """Click a submit button and wait for the next page to replace this one."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    button = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(old_page))


def sign_in(browser, live_server, username):
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser)


def set_value(browser, name, value):
    """Fill an input by script (date and time inputs ignore typed text in some locales)."""
    field = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1];", field, value)
