"""A loan from draft to repaid in the browser: the entrepreneur asks, the circle accepts, a coordinator
approves and disburses, the advisor records the payment that closes it."""

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from loans.models import Loan, LoanStatus
from loans.services import amount_owed
from tests.circles.factories import circle_with_members
from tests.e2e.helpers import follow, set_value, sign_in, submit
from tests.loans.factories import LoanProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(browser):
    browser.delete_all_cookies()


def test_from_draft_to_repaid(browser, live_server, personas):
    from circles.models import Membership

    circle = circle_with_members(4, advisor=personas.advisor, name="Les Bâtisseuses")
    Membership.objects.create(circle=circle, profile=personas.entrepreneur)
    product = LoanProductFactory(min_term=1)

    # The entrepreneur drafts the request, sees the schedule preview, submits it.
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + "/loans/new/")
    Select(browser.find_element(By.NAME, "product")).select_by_value(str(product.pk))
    browser.find_element(By.NAME, "amount").send_keys("1000.00")
    browser.find_element(By.NAME, "term").send_keys("2")
    browser.find_element(By.NAME, "purpose").send_keys("Machine à coudre")
    submit(browser)
    loan = Loan.objects.get(borrower=personas.entrepreneur)
    assert len(browser.find_elements(By.CSS_SELECTOR, "main table tbody tr")) == 2  # the preview
    submit(browser, f"form[action='/loans/{loan.pk}/submit/'] button")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.SUBMITTED

    # The advisor records the circle's votes and acceptance.
    _sign_out(browser)
    sign_in(browser, live_server, "advisor")
    browser.get(live_server.url + f"/loans/{loan.pk}/review/")
    for select in browser.find_elements(By.CSS_SELECTOR, "select[name^=vote_]"):
        Select(select).select_by_value("for")
    Select(browser.find_element(By.NAME, "outcome")).select_by_value("circle_accepted")
    submit(browser)
    assert "Cautionné par le cercle" in browser.find_element(By.CSS_SELECTOR, "[data-testid=guarantee]").text

    # A coordinator who took no part so far approves and disburses.
    _sign_out(browser)
    sign_in(browser, live_server, "coordinator")
    browser.get(live_server.url + "/loans/approvals/")
    follow(browser, f"a[href='/loans/{loan.pk}/decide/']")
    submit(browser)
    follow(browser, f"a[href='/loans/{loan.pk}/disburse/']")
    submit(browser)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE

    # The advisor records the payment of everything owed: the loan closes.
    _sign_out(browser)
    sign_in(browser, live_server, "advisor")
    browser.get(live_server.url + f"/loans/{loan.pk}/payments/new/")
    browser.find_element(By.NAME, "amount").send_keys(str(amount_owed(loan)))
    set_value(browser, "paid_on", loan.disbursed_on.isoformat())
    submit(browser)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert "Remboursé" in browser.find_element(By.CSS_SELECTOR, "[data-testid=loan-status]").text
