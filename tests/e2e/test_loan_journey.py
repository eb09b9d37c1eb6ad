"""A loan from draft to repaid in the browser: the entrepreneur asks, the circle accepts, a coordinator
approves and disburses, the advisor records the payment that closes it.

It runs twice: with a French browser (fr-CA), typing amounts with a decimal comma and spaces between the
thousands, and with an English one (en-CA), typing them the English way; the disbursement and the payment
go through their confirmation step (Change, then Confirm)."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from loans.models import Loan, LoanStatus
from loans.selectors import amount_owed
from tests.circles.factories import circle_with_members
from tests.e2e.helpers import follow, set_value, sign_in, submit
from tests.loans.factories import LoanProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _sign_out(browser):
    browser.delete_all_cookies()


# language: (what the entrepreneur types, the amount it is, how the confirmation writes amounts, words)
LANGUAGES = {
    "fr-CA": {
        "profile": "fr-ca",
        "typed": "1 000,50",
        "written": lambda amount: f"{amount:,.2f}".replace(",", " ").replace(".", ",") + " $",
        "typed_back": lambda amount: f"{amount:,.2f}".replace(",", " ").replace(".", ","),
        "guaranteed": "Cautionné par le cercle",
        "disbursing": "Vous débloquez",
        "recording": "Vous enregistrez un paiement de",
        "repaid": "Remboursé",
    },
    "en-CA": {
        "profile": "en",
        "typed": "1,000.50",
        "written": lambda amount: f"${amount:,.2f}",
        "typed_back": lambda amount: f"{amount:,.2f}",
        "guaranteed": "Guaranteed by the circle",
        "disbursing": "You are disbursing",
        "recording": "You are recording a payment of",
        "repaid": "Repaid",
    },
}


def _confirmation(browser) -> str:
    text = browser.find_element(By.CSS_SELECTOR, "[data-testid=confirmation]").text
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


@pytest.mark.parametrize("browser_language", ["fr-CA", "en-CA"])
def test_from_draft_to_repaid(browser, browser_language, live_server, personas):
    from circles.models import Membership

    words = LANGUAGES[browser_language]
    for person in (personas.advisor, personas.coordinator, personas.entrepreneur.user):
        person.language = words["profile"]
        person.save(update_fields=["language"])
    browser.get(live_server.url + "/accounts/login/")  # signed out: the browser's language decides
    assert browser.find_element(By.TAG_NAME, "html").get_attribute("lang") == words["profile"]
    circle = circle_with_members(4, advisor=personas.advisor, name="Les Bâtisseuses")
    Membership.objects.create(circle=circle, profile=personas.entrepreneur)
    product = LoanProductFactory(min_term=1)

    # The entrepreneur drafts the request, sees the schedule preview, submits it.
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + "/loans/new/")
    Select(browser.find_element(By.NAME, "product")).select_by_value(str(product.pk))
    amount = browser.find_element(By.NAME, "amount")
    assert (amount.get_attribute("type"), amount.get_attribute("inputmode")) == ("text", "decimal")
    amount.send_keys(words["typed"])
    browser.find_element(By.NAME, "term").send_keys("2")
    browser.find_element(By.NAME, "purpose").send_keys("Machine à coudre")
    # Each section of the business plan, written to the length the organization expects (issue #13).
    for name in ("plan_summary", "plan_market", "plan_use_of_funds", "plan_projections"):
        browser.find_element(By.NAME, name).send_keys("Retouches et couture sur mesure pour le quartier.")
    submit(browser)
    loan = Loan.objects.get(borrower=personas.entrepreneur)
    assert loan.amount == Decimal("1000.50")
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
    assert words["guaranteed"] in browser.find_element(By.CSS_SELECTOR, "[data-testid=guarantee]").text

    # A coordinator who took no part so far approves and disburses.
    _sign_out(browser)
    sign_in(browser, live_server, "coordinator")
    browser.get(live_server.url + "/loans/approvals/")
    follow(browser, f"a[href='/loans/{loan.pk}/decide/']")
    submit(browser)  # the requested amount, shown back the reader's way, is approved as it is
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_amount == Decimal("1000.50")
    follow(browser, f"a[href='/loans/{loan.pk}/disburse/']")
    browser.find_element(By.NAME, "reference").send_keys("VIR-77")
    submit(browser)
    assert f"{words['disbursing']} {words['written'](Decimal('1000.50'))}" in _confirmation(browser)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED  # nothing recorded before Confirm
    submit(browser, "[data-testid=change]")
    assert browser.find_element(By.NAME, "reference").get_attribute("value") == "VIR-77"
    submit(browser)
    submit(browser, "[data-testid=confirm]")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.disbursement_reference == "VIR-77"

    # The advisor records the payment of everything owed: the loan closes.
    _sign_out(browser)
    sign_in(browser, live_server, "advisor")
    browser.get(live_server.url + f"/loans/{loan.pk}/payments/new/")
    owed = amount_owed(loan)
    typed = words["typed_back"](owed)  # "1 034,12" in French, "1,034.12" in English
    browser.find_element(By.NAME, "amount").send_keys(typed)
    set_value(browser, "paid_on", loan.disbursed_on.isoformat())
    submit(browser)
    assert f"{words['recording']} {words['written'](owed)}" in _confirmation(browser)
    submit(browser, "[data-testid=change]")
    assert browser.find_element(By.NAME, "amount").get_attribute("value") == typed
    submit(browser)
    submit(browser, "[data-testid=confirm]")
    loan.refresh_from_db()
    assert loan.status == LoanStatus.REPAID
    assert loan.payments.get().amount == owed
    assert words["repaid"] in browser.find_element(By.CSS_SELECTOR, "[data-testid=loan-status]").text
