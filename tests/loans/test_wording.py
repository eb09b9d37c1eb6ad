"""The loans' wording on French pages: a loan's number always "Prêt nº 12" (never a bare "#12"), the loan
cycle as an ordinal ("1er prêt de Marie"), "— choisir —" as a select's empty choice, the payment method
wide enough to read, and the request preview saying when the dates will follow the circle's meetings."""

import datetime
import html
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from microcredit.core import formatting
from tests.circles.factories import MeetingFactory
from tests.loans.factories import LoanProductFactory, disbursed_loan

TODAY = timezone.localdate()
BARE_NUMBER = re.compile(r">#\d+")


def test_ordinals_in_each_language():
    with translation.override("fr-ca"):
        assert [formatting.format_ordinal(n) for n in (1, 2, 11)] == ["1er", "2e", "11e"]
    with translation.override("en"):
        assert [formatting.format_ordinal(n) for n in (1, 2, 3, 4, 11, 12, 13, 21, 22, 101)] == [
            "1st", "2nd", "3rd", "4th", "11th", "12th", "13th", "21st", "22nd", "101st"
        ]  # fmt: skip


@pytest.fixture
def her_loan(personas):
    return disbursed_loan(
        borrower=personas.entrepreneur,
        advisor=personas.advisor,
        amount="1500.00",
        disbursed_on=TODAY - datetime.timedelta(days=40),
    )


@pytest.mark.django_db
def test_her_home_and_the_meeting_pages_write_the_loan_number_in_words(personas, client_for, her_loan):
    home = client_for(personas.entrepreneur).get("/").content.decode()
    assert f"Prêt nº {her_loan.pk}" in html.unescape(home)
    assert BARE_NUMBER.search(home) is None
    meeting = MeetingFactory(circle=her_loan.circle, date=TODAY)
    record = client_for(personas.advisor).get(reverse("circles:meeting_record", args=[meeting.pk]))
    page = record.content.decode()
    assert f"Prêt nº {her_loan.pk}" in html.unescape(page)
    assert BARE_NUMBER.search(page) is None
    # The method's select keeps its width in the table ("Argent comptant" in full): static/css/app.css.
    assert 'class="form-select payment-method"' in page


@pytest.mark.django_db
def test_the_request_form_writes_her_loan_cycle_as_an_ordinal(personas, client_for, her_loan):
    LoanProductFactory()
    page = html.unescape(client_for(personas.entrepreneur).get(reverse("loans:loan_create")).content.decode())
    name = personas.entrepreneur.user.get_full_name()
    # Her own form speaks to her ("votre 1er prêt"), never of her by name.
    assert "\u00a0: votre 1er prêt (" in page
    assert f"prêt de {name}" not in page
    # Her advisor, preparing a request for her, reads her name.
    url = reverse("loans:loan_create") + f"?borrower={personas.entrepreneur.pk}"
    staff = html.unescape(client_for(personas.advisor).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode())
    assert f"\u00a0: 1er prêt de {name} (" in staff and "votre 1er prêt" not in staff
    personas.entrepreneur.user.language = "en"
    personas.entrepreneur.user.save()
    english = client_for(personas.entrepreneur).get(reverse("loans:loan_create"), HTTP_ACCEPT_LANGUAGE="en")
    assert ": your 1st loan (" in html.unescape(english.content.decode())
    assert "prêt nº 1 pour" not in page
    # The product select's empty choice, the project's usual wording.
    assert '<option value="" selected>— choisir —</option>' in page
    assert "---------" not in page


@pytest.mark.django_db
def test_the_preview_of_a_product_on_the_meetings_says_its_dates_are_the_usual_ones(personas, client_for):
    product = LoanProductFactory(name="Prêt de cercle", due_dates_follow_meetings=True)
    client = client_for(personas.advisor)
    url = reverse("loans:request_preview")
    page = html.unescape(
        client.get(url, {"product": product.pk, "amount": "1000", "term": 6}).content.decode()
    )
    assert (
        "Ce produit fixe les échéances aux rencontres du cercle une fois celles-ci planifiées\u00a0; elles "
        "sont montrées ici selon la fréquence habituelle du produit (mensuelle)."
    ) in page
    usual = LoanProductFactory(name="Microprêt")
    page = client.get(url, {"product": usual.pk, "amount": "1000", "term": 6}).content.decode()
    assert 'data-testid="preview-meetings"' not in page
