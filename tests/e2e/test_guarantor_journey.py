"""A guarantor's journey in French (issue #13): before voting she reads what voting "Pour" commits her to;
once her circle has accepted the request, she finds it among the loans she stands behind, from her home
page and her navigation, while the loan's own page stays closed to her."""

from decimal import Decimal

import pytest
from selenium.webdriver.common.by import By

from circles.models import Membership
from loans import selectors, services
from loans.models import Guarantor
from tests.circles.factories import circle_with_members
from tests.e2e.helpers import follow, sign_in, submit
from tests.loans.factories import LoanProductFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _text(browser, selector) -> str:
    text = browser.find_element(By.CSS_SELECTOR, selector).text
    return " ".join(text.replace("\xa0", " ").replace("\u202f", " ").split())


def test_a_guarantor_knows_before_voting_and_then_sees_the_loan_she_stands_behind(
    browser, live_server, personas
):
    circle = circle_with_members(4, advisor=personas.advisor, name="Les Bâtisseuses")
    Membership.objects.create(circle=circle, profile=personas.entrepreneur)
    borrower = circle.memberships.exclude(profile=personas.entrepreneur).first().profile
    loan = services.loan_request_create(
        borrower=borrower,
        prepared_by=borrower.user,
        product=LoanProductFactory(),
        amount=Decimal("1500.00"),
        term=12,
        purpose="Four à pain",
        plan_summary="Une boulangerie de quartier qui vend du pain au levain et des viennoiseries.",
        plan_market="Les familles du quartier, deux cafés voisins et le marché public du samedi.",
        plan_use_of_funds="Un four à sole d'occasion, sa livraison et son installation par un technicien.",
        plan_projections="Des ventes régulières dès le troisième mois, en hausse la deuxième année.",
    )
    loan = services.loan_submit(loan=loan, submitted_by=borrower.user)

    # Before voting, Marie reads what "Pour" means: she would stand behind this loan of 1 500,00 $.
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + f"/loans/{loan.pk}/")
    meaning = _text(browser, "[data-testid=vote-meaning]")
    assert "Ce que votre vote signifie" in meaning
    assert (
        "cette demande de 1 500,00 $ est dans la limite de la garantie du cercle (2 000,00 $ au plus)"
        in meaning
    )
    assert (
        "Si vous votez Pour et que le cercle l'accepte, vous devenez l'une des personnes garantes" in meaning
    )
    browser.find_element(By.CSS_SELECTOR, "input[name=vote][value=for]").click()
    submit(browser, f"form[action='/loans/{loan.pk}/vote/'] button")
    assert "Votre vote est enregistré" in browser.find_element(By.TAG_NAME, "main").text

    # The other members vote for it, and the advisor records the circle's acceptance.
    for member in selectors.eligible_voters(loan):
        if member.pk != personas.entrepreneur.pk:
            services.circle_vote_record(loan=loan, member=member, vote="for", recorded_by=personas.advisor)
    services.circle_decision_record(loan=loan, outcome="circle_accepted", decided_by=personas.advisor)
    assert Guarantor.objects.filter(loan=loan, member=personas.entrepreneur).exists()

    # Her home page tells her she stands behind it, and leads to the list.
    browser.get(live_server.url + "/")
    assert "Vous êtes garant·e de 1 prêt." in _text(browser, "[data-testid=home-guaranteed]")
    follow(browser, "[data-testid=home-guaranteed] a")
    assert browser.find_element(By.TAG_NAME, "h1").text == "Prêts dont je suis garant·e"
    row = _text(browser, "[data-testid=guaranteed-loans] tbody tr")
    assert str(loan.pk) in row and "1 500,00 $" in row and "Acceptée par le cercle" in row
    # Her navigation leads there too.
    nav = browser.find_element(By.CSS_SELECTOR, "nav a[href='/loans/guaranteed/']")
    assert nav.get_attribute("textContent").strip() == "Prêts dont je suis garant·e"
    # The loan's own page (its payments, its documents) is not hers to read.
    browser.get(live_server.url + f"/loans/{loan.pk}/")
    assert "Prêt nº" not in browser.find_element(By.TAG_NAME, "h1").text


def test_the_request_form_previews_as_the_amount_changes_and_counts_characters(
    browser, live_server, personas
):
    """The script (no inline code: the Content-Security-Policy would refuse it) follows the amount typed."""
    from selenium.webdriver.support.ui import Select, WebDriverWait

    product = LoanProductFactory()
    sign_in(browser, live_server, "entrepreneur")
    browser.get(live_server.url + "/loans/new/")
    Select(browser.find_element(By.NAME, "product")).select_by_value(str(product.pk))
    browser.find_element(By.NAME, "term").send_keys("12")
    browser.find_element(By.NAME, "amount").send_keys("1 500")

    def preview_rows(driver):
        rows = driver.find_elements(By.CSS_SELECTOR, "[data-testid=request-preview] table tbody tr")
        return len(rows) == 12

    WebDriverWait(browser, 10).until(preview_rows)
    assert "la garantissent" in _text(browser, "[data-testid=preview-regime]")
    amount = browser.find_element(By.NAME, "amount")
    amount.clear()
    amount.send_keys("2 500")
    WebDriverWait(browser, 10).until(
        lambda driver: "responsabilité individuelle" in _text(driver, "[data-testid=preview-regime]")
    )
    browser.find_element(By.NAME, "purpose").send_keys("Four à pain")
    assert _text(browser, "[data-testid=counter-purpose]") == "11 sur 250 caractères"
    assert not [
        entry for entry in browser.get_log("browser") if "Content Security Policy" in entry["message"]
    ]
