"""A real browser (Debian's chromium, in French) through nginx on the production settings: the pages
render with the Content-Security-Policy enforced and break none of its rules (no inline script or style
is left that it would block), and the scripts the pages need still run (the menu opens)."""

import os

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import WebDriverWait

from tests.stack.client import DEMO_PASSWORD
from tests.stack.test_walk import crawl

pytestmark = pytest.mark.browser

PAGES = 25  # per role: the home page, the navigation and what it links to first
# Every violation the page meets is kept in the page itself, from before its first script runs.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (event) {
  window.__cspViolations.push(event.violatedDirective + ' ' + (event.blockedURI || 'inline') + ' ' +
                              (event.sourceFile || '') + ':' + (event.lineNumber || ''));
});
"""


@pytest.fixture
def browser_flags():
    return ["--ignore-certificate-errors"]  # the stack's self-signed certificate


def sign_in(browser, base, username):
    browser.get(f"{base}/accounts/login/")
    browser.find_element(By.NAME, "username").send_keys(username)
    password = browser.find_element(By.NAME, "password")
    password.send_keys(DEMO_PASSWORD)
    password.find_element(By.XPATH, "ancestor::form//*[@type='submit']").click()
    WebDriverWait(browser, 15).until(expected_conditions.url_to_be(f"{base}/"))


@pytest.mark.parametrize("username", ["sophie", "amelie", "pierre", "entrepreneur01"])
def test_pages_break_no_rule_of_the_content_security_policy(browser, stack, username):
    base = os.environ["STACK_URL"]
    browser.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORD_VIOLATIONS})
    sign_in(browser, base, username)
    client = stack()
    client.sign_in(username)
    paths = [
        path
        for path, (status, headers) in crawl(client, limit=PAGES).items()
        if status == 200 and "text/html" in headers.get("Content-Type", "")
    ]
    if username == "sophie":
        paths += ["/admin/", "/admin/loans/loan/", "/admin/accounts/user/add/"]
    violations = {}
    for path in paths:
        browser.get(base + path)
        found = browser.execute_script("return window.__cspViolations || null")
        assert found is not None, f"{path}: the violation recorder did not run"
        if found:
            violations[path] = found
    assert not violations, violations
    assert len(paths) >= 4
    # The recorder does see a violation: an inline style the policy refuses.
    browser.execute_script("document.body.setAttribute('style', 'color: red')")
    WebDriverWait(browser, 5).until(
        lambda driver: driver.execute_script("return window.__cspViolations.length")
    )


def test_the_menu_still_opens_on_a_phone(browser, stack):
    base = os.environ["STACK_URL"]
    browser.set_window_size(390, 844)
    sign_in(browser, base, "amelie")
    toggler = browser.find_element(By.CSS_SELECTOR, ".navbar-toggler")
    assert toggler.is_displayed()
    toggler.click()  # Bootstrap's script, loaded under the CSP, opens the menu
    WebDriverWait(browser, 10).until(
        expected_conditions.visibility_of_element_located((By.CSS_SELECTOR, "#main-nav .nav-link"))
    )
    assert browser.find_element(By.CSS_SELECTOR, "html").get_attribute("lang") == "fr-ca"
