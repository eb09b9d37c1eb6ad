"""The loan product form through HTTP: the rate typed as text the Quebec way in any browser, amounts shown
back as typed in the reader's language, a message after saving; the descriptions shown where one chooses."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from loans.models import LoanProduct
from microcredit.core.models import OrganizationSettings
from tests.loans.factories import LoanProductFactory, disbursed_loan

pytestmark = pytest.mark.django_db
NBSP = "\u00a0"
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


def _speaks(user, language):
    user.language = language
    user.save(update_fields=["language"])


def _data(**extra) -> dict:
    return {
        "name_fr": "Prêt vert",
        "name_en": "Green loan",
        "description_fr": "Pour verdir son commerce.",
        "description_en": "To make one's shop greener.",
        "min_amount": "500,00",
        "max_amount": "2 000,00",
        "annual_rate": "4,5",
        "min_term": "6",
        "max_term": "24",
        "frequency": "monthly",
        "grace_periods": "0",
        "first_due_max_days": "90",
        "first_due_min_days": "14",
        "good_standing_max_days_late": "30",
        "is_active": "on",
        **extra,
    }


def _text(response) -> str:
    return re.sub(r"[ \n]+", " ", response.content.decode())


@pytest.mark.parametrize("language", ["en", "fr-ca"])
def test_a_rate_of_4_comma_5_is_4_5_percent_whatever_the_language(personas, client_for, language):
    _speaks(personas.coordinator, language)
    client = client_for(personas.coordinator)
    page = client.get(reverse("loans:product_create")).content.decode()
    rate = re.search(r'<input[^>]*name="annual_rate"[^>]*>', page).group(0)
    assert 'type="text"' in rate and 'inputmode="decimal"' in rate and "step" not in rate
    response = client.post(reverse("loans:product_create"), _data(), follow=True)
    assert response.redirect_chain, response.context["form"].errors
    assert LoanProduct.objects.get(name_fr="Prêt vert").annual_rate == Decimal("4.50")  # not 45
    expected = (
        "Le produit de prêt Prêt vert est créé."
        if language == "fr-ca"
        else "The loan product Green loan is created."
    )
    assert expected in _text(response)


def test_an_unclear_rate_is_refused_with_a_french_message_and_kept(personas, client_for):
    _speaks(personas.coordinator, "fr-ca")
    response = client_for(personas.coordinator).post(
        reverse("loans:product_create"), _data(annual_rate="4,500")
    )
    assert response.status_code == 200
    assert response.context["form"].errors["annual_rate"] == [
        f"Ce pourcentage est ambigu{NBSP}: écrivez-le avec au plus 2 décimales, par exemple 4,5."
    ]
    assert 'value="4,500"' in response.content.decode()
    assert not LoanProduct.objects.filter(name_fr="Prêt vert").exists()


def test_the_edit_form_shows_the_stored_figures_as_typed_and_says_it_saved(personas, client_for):
    product = LoanProductFactory(max_amount=Decimal("2000.00"), annual_rate=Decimal("4.50"))
    _speaks(personas.coordinator, "fr-ca")
    client = client_for(personas.coordinator)
    url = reverse("loans:product_update", args=[product.pk])
    page = client.get(url).content.decode()
    assert f'value="2{NBSP}000,00"' in page and 'value="500,00"' in page and 'value="4,5"' in page
    response = client.post(url, _data(name_fr=product.name, max_amount=f"2{NBSP}000,00"), follow=True)
    assert response.redirect_chain
    product.refresh_from_db()
    assert (product.max_amount, product.annual_rate) == (Decimal("2000.00"), Decimal("4.50"))
    assert f"Le produit de prêt {product.name} est enregistré." in _text(response)
    _speaks(personas.coordinator, "en")
    assert 'value="2,000.00"' in client.get(url).content.decode()


def test_the_settings_percentages_are_text_boxes_read_the_quebec_way(personas, client_for):
    client = client_for(personas.coordinator)
    url = reverse("core:organization_settings")
    response = client.get(url)
    quorum = re.search(
        r'<input[^>]*name="circle_vote_quorum_percent"[^>]*>', response.content.decode()
    ).group(0)
    assert 'type="text"' in quorum and 'inputmode="decimal"' in quorum
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    data = {name: value for name, value in data.items() if value is not False}
    saved = client.post(url, {**data, "circle_vote_quorum_percent": "60 %"})
    assert saved.status_code == 302, saved.context["form"].errors
    assert OrganizationSettings.load().circle_vote_quorum_percent == 60
    refused = client.post(url, {**data, "circle_vote_quorum_percent": "60,5"})
    assert "circle_vote_quorum_percent" in refused.context["form"].errors
    assert OrganizationSettings.load().circle_vote_quorum_percent == 60


def test_the_request_form_lists_each_products_description_in_the_readers_language(personas, client_for):
    product = LoanProductFactory()
    product.description_fr = "Pour démarrer une petite entreprise."
    product.description_en = "To start a small business."
    product.save()
    LoanProductFactory(name="Prêt sans anglais", description_fr="Seulement en français.", description_en="")
    user = personas.entrepreneur.user
    client = client_for(user)
    _speaks(user, "fr-ca")
    page = _text(client.get(reverse("loans:loan_create")))
    products = page[page.index('data-testid="products"') :]
    assert "Pour démarrer une petite entreprise." in products and "Seulement en français." in products
    _speaks(user, "en")
    page = _text(client.get(reverse("loans:loan_create")))
    products = page[page.index('data-testid="products"') :]
    assert "To start a small business." in products and "Pour démarrer" not in products
    assert "Seulement en français." in products  # no English: the French


def test_the_request_form_writes_its_limits_the_french_way(personas, client_for):
    _speaks(personas.entrepreneur.user, "fr-ca")
    page = _text(client_for(personas.entrepreneur.user).get(reverse("loans:loan_create")))
    assert f"(4{NBSP}000 au plus)" in page and "4000 au plus" not in page
    assert f'data-counter-max="4{NBSP}000"' in page


def test_the_loan_page_shows_the_products_description(personas, client_for):
    loan = disbursed_loan(advisor=personas.advisor)
    loan.product.description_fr = "Pour démarrer une petite entreprise."
    loan.product.save()
    page = _text(client_for(personas.coordinator).get(reverse("loans:loan_detail", args=[loan.pk])))
    assert 'data-testid="product-description">Pour démarrer une petite entreprise.</div>' in page


def test_a_plan_too_long_is_refused_with_the_limits_written_the_french_way(personas, client_for):
    product = LoanProductFactory()
    _speaks(personas.entrepreneur.user, "fr-ca")
    long = "x" * 4001
    response = client_for(personas.entrepreneur.user).post(
        reverse("loans:loan_create"),
        {
            "product": product.pk,
            "amount": "1 500,00",
            "term": "12",
            "purpose": "Machine à coudre",
            "plan_summary": long,
            "plan_market": "Quartier",
            "plan_use_of_funds": "Machine",
            "plan_projections": "",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["plan_summary"] == [
        f"Au plus 4{NBSP}000 caractères (4{NBSP}001 saisis)."
    ]
    assert long in response.content.decode()
