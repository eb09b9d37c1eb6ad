"""Amounts typed on the loan screens, over real HTTP, in French and in English: read the way people write
them, shown back in a confirmation step before a payment or a disbursement is recorded."""

import datetime
import html
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from loans.models import Loan, LoanStatus, Payment
from tests.loans.factories import (
    LoanProductFactory,
    accepted_loan,
    approved_loan,
    disbursed_loan,
    request_in_circle,
)
from tests.loans.helpers import post_and_confirm

pytestmark = pytest.mark.django_db
D = Decimal
FR = {"HTTP_ACCEPT_LANGUAGE": "fr-ca"}
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _speak(user, language):
    user.language = language
    user.save(update_fields=["language"])


@pytest.fixture
def loan(personas):
    return disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="1500.00")


def _payment_data(client, loan, personas, amount, **changes):
    form = client.get(reverse("loans:payment_create", args=[loan.pk])).context["form"]
    return {
        "submission_key": str(form["submission_key"].value()),
        "paid_on": timezone.localdate().isoformat(),
        "amount": amount,
        "method": "cash",
        "reference": "REÇU-7",
        "payer": personas.entrepreneur.pk,
        **changes,
    }


def _text(response) -> str:
    """The page's text with its tags, entities unescaped and every kind of space as one space."""
    return re.sub(r"\s+", " ", html.unescape(response.content.decode()).replace("\xa0", " "))


def test_a_french_payment_typed_21_comma_50_is_shown_back_then_recorded_as_21_50(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "21,50")

    review = client.post(url, data, **FR)
    assert review.status_code == 200
    shown = 'Vous enregistrez un paiement de <strong data-testid="confirm-amount">21,50 $</strong>'
    assert shown in _text(review)
    assert "Marie Tremblay" in _text(review)
    assert not Payment.objects.exists()  # nothing before Confirm

    done = client.post(url, {**data, "step": "confirm", "reviewed": review.context["reviewed"]}, **FR)
    assert done.status_code == 302
    payment = Payment.objects.get(loan=loan)
    assert payment.amount == D("21.50")
    page = _text(client.get(done.url, **FR))
    assert "Un paiement de 21,50 $ est enregistré." in page


def test_an_english_payment_of_1_500_50(personas, client_for):
    _speak(personas.advisor, "en")
    loan = disbursed_loan(borrower=personas.entrepreneur, advisor=personas.advisor, amount="3000.00")
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "1,500.50")
    review = client.post(url, data, **EN)
    shown = 'You are recording a payment of <strong data-testid="confirm-amount">$1,500.50</strong>'
    assert shown in _text(review)
    post_and_confirm(client, url, data, **EN)
    assert Payment.objects.get(loan=loan).amount == D("1500.50")


def test_change_goes_back_to_the_form_with_everything_typed(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "21,50")
    review = client.post(url, data, **FR)
    back = client.post(url, {**data, "step": "change", "reviewed": review.context["reviewed"]}, **FR)
    assert back.status_code == 200 and "reviewed" not in back.context
    form = back.context["form"]
    assert not form.errors
    page = back.content.decode()
    assert 'value="21,50"' in page and 'value="REÇU-7"' in page
    assert f'value="{data["submission_key"]}"' in page  # the same one-time key
    assert not Payment.objects.exists()
    # Changed, then confirmed: recorded once, with the changed amount.
    changed = {**data, "amount": "30,00"}
    post_and_confirm(client, url, changed, **FR)
    post_and_confirm(client, url, changed, **FR)  # sent twice
    assert list(Payment.objects.values_list("amount", flat=True)) == [D("30.00")]


def test_a_double_click_on_confirm_records_one_payment(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "1 000,00")
    review = client.post(url, data, **FR)
    confirm = {**data, "step": "confirm", "reviewed": review.context["reviewed"]}
    assert client.post(url, confirm, **FR).status_code == 302
    assert client.post(url, confirm, **FR).status_code == 302
    assert Payment.objects.filter(loan=loan).count() == 1


@pytest.mark.parametrize(
    "tampered",
    [
        {"step": "confirm"},  # no fingerprint
        {"step": "confirm", "reviewed": ""},
        {"step": "confirm", "reviewed": "0" * 64},
        {"step": "confirm", "reviewed": "x" * 5000},
        {"step": "something else", "reviewed": "abc"},
    ],
)
def test_a_tampered_or_missing_confirmation_shows_it_again(personas, client_for, loan, tampered):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "21,50")
    response = client.post(url, {**data, **tampered}, **FR)
    assert response.status_code == 200
    assert "reviewed" in response.context  # the confirmation page, not a recording
    assert not Payment.objects.exists()


def test_an_amount_changed_behind_the_confirmation_is_shown_again_not_recorded(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = _payment_data(client, loan, personas, "21,50")
    review = client.post(url, data, **FR)
    sneaky = {**data, "amount": "215", "step": "confirm", "reviewed": review.context["reviewed"]}
    response = client.post(url, sneaky, **FR)
    assert response.status_code == 200
    assert "215,00 $" in _text(response) and "n'est plus" in _text(response)
    assert not Payment.objects.exists()


@pytest.mark.parametrize(
    "broken",
    [
        {"amount": "21,5,0"},
        {"amount": ""},
        {"amount": "-21,50"},
        {"payer": "999999"},
        {"payer": "not a number"},
        {"paid_on": "hier"},
        {"submission_key": "not-a-uuid"},
        {"submission_key": ""},
        {"method": "bitcoin"},
    ],
)
@pytest.mark.parametrize("step", ["", "confirm", "change"])
def test_broken_payment_posts_answer_with_the_form_never_a_500(personas, client_for, loan, broken, step):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    data = {**_payment_data(client, loan, personas, "21,50"), **broken, "step": step, "reviewed": "abc"}
    response = client.post(url, data, **FR)
    assert response.status_code == 200
    assert "reviewed" not in response.context and response.context["form"].errors
    assert not Payment.objects.exists()


def test_an_empty_post_answers_with_the_form(personas, client_for, loan):
    response = client_for(personas.advisor).post(reverse("loans:payment_create", args=[loan.pk]), {}, **FR)
    assert response.status_code == 200 and response.context["form"].errors


def test_a_refused_amount_says_why_in_french_next_to_the_field_and_keeps_it(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    response = client.post(url, _payment_data(client, loan, personas, "21,5,0"), **FR)
    message = "Entrez un montant en dollars, par exemple 1\xa0500,50."
    assert response.context["form"].errors["amount"] == [message]
    assert 'value="21,5,0"' in response.content.decode()


def test_an_overpayment_is_refused_before_the_confirmation(personas, client_for, loan):
    client = client_for(personas.advisor)
    url = reverse("loans:payment_create", args=[loan.pk])
    response = client.post(url, _payment_data(client, loan, personas, "99 999,00"), **FR)
    assert response.status_code == 200 and "reviewed" not in response.context
    assert "99 999,00 $" in " ".join(response.context["form"].errors["amount"]).replace("\xa0", " ")


def test_a_french_loan_request_of_1_500_50(personas, client_for):
    circle_member = request_in_circle(borrower=personas.entrepreneur)
    Loan.objects.filter(pk=circle_member.pk).delete()
    product = LoanProductFactory()
    response = client_for(personas.entrepreneur).post(
        reverse("loans:loan_create"),
        {
            "product": product.pk,
            "amount": "1 500,50",
            "term": "12",
            "purpose": "Machine à coudre",
            "plan_summary": "Retouches",
            "plan_market": "Quartier",
            "plan_use_of_funds": "Machine",
            "plan_projections": "",
        },
        **FR,
    )
    assert response.status_code == 302
    assert Loan.objects.get(borrower=personas.entrepreneur).amount == D("1500.50")


def test_an_english_loan_request_of_1_500_50_and_its_edit_form(personas, client_for):
    _speak(personas.entrepreneur.user, "en")
    circle_member = request_in_circle(borrower=personas.entrepreneur)
    Loan.objects.filter(pk=circle_member.pk).delete()
    client = client_for(personas.entrepreneur)
    response = client.post(
        reverse("loans:loan_create"),
        {
            "product": LoanProductFactory().pk,
            "amount": "$1,500.50",
            "term": "12",
            "purpose": "Sewing machine",
            "plan_summary": "Alterations",
            "plan_market": "Neighbourhood",
            "plan_use_of_funds": "Machine",
        },
        **EN,
    )
    loan = Loan.objects.get(borrower=personas.entrepreneur)
    assert response.status_code == 302 and loan.amount == D("1500.50")
    edit = client.get(reverse("loans:loan_update", args=[loan.pk]), **EN).content.decode()
    assert 'value="1,500.50"' in edit and 'inputmode="decimal"' in edit
    _speak(personas.entrepreneur.user, "fr-ca")
    edit = client.get(reverse("loans:loan_update", args=[loan.pk]), **FR).content.decode()
    assert 'value="1\u00a0500,50"' in edit  # as typed in French, and read back the same


def test_the_approval_shows_the_requested_amount_the_readers_way_and_reads_a_french_one(personas, client_for):
    loan = accepted_loan(advisor=personas.advisor, amount="1500.00")
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_approve", args=[loan.pk])
    assert 'value="1\u00a0500,00"' in client.get(url, **FR).content.decode()
    client.post(url, {"decision": "approve", "amount": "1 400,50", "term": "12"}, **FR)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED and loan.approved_amount == D("1400.50")


def test_a_disbursement_is_shown_back_then_made_and_change_keeps_what_was_typed(personas, client_for):
    loan = approved_loan(borrower=None, advisor=personas.advisor, amount="1500.00")
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    data = {"disbursed_on": timezone.localdate().isoformat(), "method": "transfer", "reference": "VIR-42"}
    review = client.post(url, data, **FR)
    assert review.status_code == 200
    assert 'Vous débloquez <strong data-testid="confirm-amount">1 500,00 $</strong>' in _text(review)
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED  # nothing before Confirm
    back = client.post(url, {**data, "step": "change", "reviewed": review.context["reviewed"]}, **FR)
    assert 'value="VIR-42"' in back.content.decode() and "reviewed" not in back.context
    tampered = client.post(url, {**data, "step": "confirm", "reviewed": "nope"}, **FR)
    assert tampered.status_code == 200 and "reviewed" in tampered.context
    loan.refresh_from_db()
    assert loan.status == LoanStatus.APPROVED
    done = client.post(url, {**data, "step": "confirm", "reviewed": review.context["reviewed"]}, **FR)
    assert done.status_code == 302
    loan.refresh_from_db()
    assert loan.status == LoanStatus.ACTIVE and loan.disbursement_reference == "VIR-42"


def test_a_disbursement_refused_by_the_rules_is_shown_on_the_form_not_confirmed(personas, client_for):
    loan = approved_loan(advisor=personas.advisor)
    client = client_for(personas.coordinator)
    url = reverse("loans:loan_disburse", args=[loan.pk])
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    response = client.post(url, {"disbursed_on": tomorrow, "method": "transfer"}, **FR)
    assert response.status_code == 200 and "reviewed" not in response.context
    assert "disbursed_on" in response.context["form"].errors
