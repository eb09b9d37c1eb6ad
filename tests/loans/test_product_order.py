"""Product lists sort by the name the reader sees (issue: in English, the products without an English name,
shown by their French name, came last): the French name where the English one is empty, in English; the
French name in French."""

import re

import pytest
from django.urls import reverse

from loans.models import LoanProduct
from tests.loans.factories import LoanProductFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def products():
    LoanProductFactory(name="Microprêt de démarrage", name_fr="Microprêt de démarrage", name_en=None)
    LoanProductFactory(name="Prêt de croissance", name_fr="Prêt de croissance", name_en="Growth loan")
    LoanProductFactory(name="Avance de fonds", name_fr="Avance de fonds", name_en=None)
    assert LoanProduct.objects.filter(name_en__isnull=True).count() == 2


def _order(page: str, names: list[str]) -> list[str]:
    found = {name: page.find(name) for name in names}
    assert all(position >= 0 for position in found.values()), found
    return sorted(names, key=found.get)


def _options(page: str) -> list[str]:
    select = re.search(r'<select name="product".*?</select>', page, re.S).group(0)
    return [text.strip() for text in re.findall(r"<option value=\"\d+\"[^>]*>([^<]+)</option>", select)]


def _english(user):
    user.language = "en"
    user.save()
    return user


def test_the_english_lists_sort_by_the_name_shown(products, personas, client_for):
    english = ["Avance de fonds", "Growth loan", "Microprêt de démarrage"]
    coordinator = client_for(_english(personas.coordinator))
    page = coordinator.get(reverse("loans:product_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _order(page, english) == english
    borrower = client_for(_english(personas.entrepreneur.user))
    page = borrower.get(reverse("loans:loan_create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    aside = page.split('data-testid="products"', 1)[1]
    assert _order(aside, english) == english
    assert _options(page) == english


def test_the_french_lists_sort_by_the_french_name(products, personas, client_for):
    french = ["Avance de fonds", "Microprêt de démarrage", "Prêt de croissance"]
    page = client_for(personas.coordinator).get(reverse("loans:product_list"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _order(page.content.decode(), french) == french
    page = client_for(personas.entrepreneur).get(reverse("loans:loan_create"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _options(page.content.decode()) == french
