"""Small helpers shared by the browser tests."""

from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.factories import PASSWORD


def replaced(element):
    """Like ``staleness_of``, also when chromedriver reports the old node as gone from the document
    ("Node with given id does not belong to the document") instead of stale, as it does under load."""

    def check(_driver):
        try:
            element.is_enabled()
        except WebDriverException:  # StaleElementReferenceException is one
            return True
        return False

    return check


def submit(browser, selector="main form button[type=submit]"):
    """Click a submit button and wait for the next page to replace this one."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    button = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", button)
    button.click()
    WebDriverWait(browser, 10).until(replaced(old_page))


def sign_in(browser, live_server, username):
    browser.delete_all_cookies()
    browser.get(live_server.url + "/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    browser.find_element(By.NAME, "password").send_keys(PASSWORD)
    submit(browser)


def set_value(browser, name, value):
    """Fill an input by script (date and time inputs ignore typed text in some locales)."""
    field = browser.find_element(By.NAME, name)
    browser.execute_script("arguments[0].value = arguments[1];", field, value)


def follow(browser, selector, by=By.CSS_SELECTOR):
    """Click a link and wait for the next page, so that nothing is looked up on the page being left."""
    old_page = browser.find_element(By.TAG_NAME, "html")
    link = browser.find_element(by, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", link)
    link.click()
    WebDriverWait(browser, 10).until(replaced(old_page))
