"""A loan in difficulty restructured in a French browser: the advisor proposes the arrears spread over the
remaining instalments and sees the new schedule beside the current one; a coordinator records the circle's
decision and approves; the loan page shows the new schedule, the earlier one and the history."""

import datetime
from decimal import Decimal

import pytest
from django.utils import timezone
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from circles.models import Meeting
from loans import selectors, services
from loans.models import RestructuringStatus
from loans.services.ledger import ledger_differences
from tests.e2e.helpers import follow, sign_in, submit
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def choose(browser, selector):
    """Tick a radio button (scrolled into view first: a sticky bar may cover it)."""
    radio = browser.find_element(By.CSS_SELECTOR, selector)
    browser.execute_script("arguments[0].scrollIntoView({block: 'center', behavior: 'instant'});", radio)
    radio.click()


@pytest.mark.parametrize("browser_language", ["fr-CA"])
def test_an_advisor_proposes_and_a_coordinator_approves_a_restructuring(
    browser, browser_language, live_server, personas
):
    for person in (personas.advisor, personas.coordinator):
        person.language = "fr-ca"
        person.save(update_fields=["language"])
    today = timezone.localdate()
    loan = disbursed_loan(
        amount="1200.00", term=6, advisor=personas.advisor, disbursed_on=today - datetime.timedelta(days=100)
    )
    services.payment_record(
        loan=loan, amount=Decimal("150.00"), paid_on=today, method="cash", recorded_by=CoordinatorFactory()
    )
    meeting = Meeting.objects.create(circle=loan.circle, date=today - datetime.timedelta(days=2))

    sign_in(browser, live_server, "advisor")
    browser.get(f"{live_server.url}/loans/{loan.pk}/")
    follow(browser, "[data-testid=restructure]")
    choose(browser, "input[name=kind][value=spread_arrears]")
    browser.find_element(By.NAME, "reason").send_keys("Perte de son principal client")
    submit(browser, "[data-testid=preview]")
    compare = browser.find_element(By.CSS_SELECTOR, "[data-testid=schedule-compare]").text
    assert "Échéancier actuel" in compare and "Nouvel échéancier" in compare
    assert (
        "Coût total pour la personne"
        in browser.find_element(By.CSS_SELECTOR, "[data-testid=restructuring-cost]").text
    )
    submit(browser, "[data-testid=propose]")
    assert "Proposée" in browser.find_element(By.CSS_SELECTOR, "[data-testid=restructuring-status]").text
    # The advisor cannot decide on her own proposal: no decision form for her.
    assert not browser.find_elements(By.CSS_SELECTOR, "[data-testid=decide]")
    proposal_url = browser.current_url

    sign_in(browser, live_server, "coordinator")
    browser.get(proposal_url)
    choose(browser, "input[name=decision][value=approve]")
    Select(browser.find_element(By.NAME, "circle_meeting")).select_by_value(str(meeting.pk))
    Select(browser.find_element(By.NAME, "circle_opinion")).select_by_value("agrees")
    submit(browser, "[data-testid=decide]")
    assert browser.current_url.endswith(f"/loans/{loan.pk}/")
    history = browser.find_element(By.CSS_SELECTOR, "[data-testid=loan-history]").text
    assert "Restructuré" in history and "Perte de son principal client" in history
    assert browser.find_elements(By.CSS_SELECTOR, "[data-testid=schedule-version]")
    assert loan.restructurings.get().status == RestructuringStatus.APPROVED
    assert selectors.days_past_due(loan) == 0
    assert ledger_differences() == []
