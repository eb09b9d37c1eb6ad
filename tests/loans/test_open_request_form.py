"""An entrepreneur who already has an open request is not offered the request form (the walk-through saw
"Vous avez déjà une demande ouverte" above a form to fill): the page links to her open request instead, and
a request sent anyway is refused by the service, in her language, saving nothing."""

import pytest
from django.urls import reverse

from loans.models import Loan
from microcredit.core.models import OrganizationSettings
from tests.loans.factories import LoanProductFactory, request_in_circle

pytestmark = pytest.mark.django_db


def _data(product):
    return {"product": product.pk, "amount": "1000,00", "term": "12", "purpose": "Un autre projet"}


def test_with_an_open_request_the_form_is_not_offered_but_a_link_to_it(personas, client_for):
    first = request_in_circle(borrower=personas.entrepreneur)
    client = client_for(personas.entrepreneur)
    response = client.get(reverse("loans:loan_create"), HTTP_ACCEPT_LANGUAGE="fr")
    page = response.content.decode()
    assert "Vous avez déjà une demande ouverte" in page
    assert "<form" not in page.split('data-testid="open-requests"', 1)[1].split("</main>", 1)[0]
    assert 'name="amount"' not in page and "Enregistrer et voir le calendrier" not in page
    assert 'data-testid="open-request-link"' in page and "Voir ma demande ouverte" in page
    assert reverse("loans:loan_detail", args=[first.pk]) in page


def test_a_second_request_sent_anyway_is_refused_in_french_and_nothing_is_saved(personas, client_for):
    first = request_in_circle(borrower=personas.entrepreneur)
    client = client_for(personas.entrepreneur)
    response = client.post(reverse("loans:loan_create"), _data(first.product), HTTP_ACCEPT_LANGUAGE="fr")
    assert response.status_code == 200
    page = response.content.decode()
    assert f"Vous avez déjà 1 demande ouverte (nº\u00a0{first.pk})" in page
    assert 'name="amount"' not in page
    assert Loan.objects.filter(borrower=personas.entrepreneur).count() == 1


def test_under_the_cap_the_form_is_offered(personas, client_for):
    request_in_circle(borrower=personas.entrepreneur)
    settings = OrganizationSettings.load()
    settings.loan_open_requests_max = 2
    settings.save()
    LoanProductFactory()
    page = client_for(personas.entrepreneur).get(reverse("loans:loan_create"), HTTP_ACCEPT_LANGUAGE="fr")
    page = page.content.decode()
    assert 'data-testid="open-requests"' not in page and 'name="amount"' in page


def test_her_home_links_to_the_open_request_instead_of_offering_a_new_one(personas, client_for):
    """The walk-through's entrepreneur at the cap still saw "Nouvelle demande de prêt" on her home, which led
    to the "déjà une demande ouverte" page: her home now says where her request is; under the cap, or once it
    is withdrawn, the button is back."""
    client = client_for(personas.entrepreneur)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nouvelle demande de prêt" in page and 'data-testid="home-open-request"' not in page
    first = request_in_circle(borrower=personas.entrepreneur)
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nouvelle demande de prêt" not in page
    link = page.split('data-testid="home-open-request"', 1)[0].rsplit("<a ", 1)[1]
    assert reverse("loans:loan_detail", args=[first.pk]) in link
    assert "Voir ma demande ouverte" in page
    settings = OrganizationSettings.load()
    settings.loan_open_requests_max = 2
    settings.save()
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Nouvelle demande de prêt" in page and 'data-testid="home-open-request"' not in page


def test_her_own_request_above_the_threshold_speaks_to_her_staff_read_the_borrower(personas, client_for):
    """The walk-through read "la responsabilité individuelle de la personne emprunteuse" on her own draft,
    where her form says "votre": she now reads "votre responsabilité individuelle", her advisor the
    borrower's."""
    loan = request_in_circle(borrower=personas.entrepreneur, amount="2500.00", advisor=personas.advisor)
    url = reverse("loans:loan_detail", args=[loan.pk])
    hers = client_for(personas.entrepreneur).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "ce prêt relèvera de votre responsabilité individuelle" in hers
    notice = hers.split('data-testid="guarantee"', 1)[1].split("</div>", 1)[0]
    assert "de la personne emprunteuse" not in notice
    staff = client_for(personas.advisor).get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "ce prêt sera la responsabilité individuelle de la personne emprunteuse" in staff
    personas.entrepreneur.user.language = "en"
    personas.entrepreneur.user.save(update_fields=["language"])
    english = client_for(personas.entrepreneur).get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "this loan will be your individual responsibility" in english
