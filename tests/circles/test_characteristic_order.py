"""Circle characteristics sort by the name the reader sees (in English, those without an English name, shown
by their French name, came last), as the product lists do; and the admin lists of characteristics and
products too."""

import re

import pytest
from django.urls import reverse

from circles.models import CircleCharacteristic
from tests.circles.factories import CircleFactory
from tests.loans.factories import LoanProductFactory

pytestmark = pytest.mark.django_db

# Told apart from the French order (Artisanes, Women, Newcomers, ...) and from the English column's with the
# untranslated last (Newcomers, Women, Artisanes, ...).
ENGLISH = ["Artisanes", "Newcomers", "Travailleuses autonomes", "Women entrepreneurs"]


@pytest.fixture
def characteristics():
    return [
        CircleCharacteristic.objects.create(name_fr="Travailleuses autonomes", kind="affinity"),
        CircleCharacteristic.objects.create(
            name_fr="Nouveaux arrivants", name_en="Newcomers", kind="affinity"
        ),
        CircleCharacteristic.objects.create(name_fr="Artisanes", kind="affinity"),
        CircleCharacteristic.objects.create(name_fr="Femmes", name_en="Women entrepreneurs", kind="affinity"),
    ]


def _order(page: str, names: list[str]) -> list[str]:
    found = {name: page.find(name) for name in names}
    assert all(position >= 0 for position in found.values()), found
    return sorted(names, key=found.get)


def _english(user):
    user.language = "en"
    user.save(update_fields=["language"])
    return user


def test_the_english_circle_form_and_page_sort_characteristics_by_the_name_shown(
    characteristics, personas, client_for
):
    client = client_for(_english(personas.coordinator))
    page = client.get(reverse("circles:circle_create"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _order(page, ENGLISH) == ENGLISH
    circle = CircleFactory(advisor=personas.advisor)
    circle.characteristics.set(characteristics)
    page = client.get(reverse("circles:circle_detail", args=[circle.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert _order(page.content.decode(), ENGLISH) == ENGLISH
    page = client.get(reverse("circles:circle_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert _order(page, ENGLISH) == ENGLISH
    filtered = client.get(reverse("circles:circle_list"), {"characteristic": characteristics[1].pk})
    assert filtered.status_code == 200 and circle.name in filtered.content.decode()
    page = client.get(reverse("admin:circles_circlecharacteristic_changelist"), HTTP_ACCEPT_LANGUAGE="en")
    assert _order(page.content.decode(), ENGLISH) == ENGLISH


def test_the_french_lists_sort_by_the_french_name(characteristics, personas, client_for):
    french = ["Artisanes", "Femmes", "Nouveaux arrivants", "Travailleuses autonomes"]
    page = client_for(personas.coordinator).get(reverse("circles:circle_create"), HTTP_ACCEPT_LANGUAGE="fr")
    assert _order(page.content.decode(), french) == french


def test_the_english_admin_product_list_sorts_by_the_name_shown(personas, client_for):
    LoanProductFactory(name="Microprêt de démarrage", name_fr="Microprêt de démarrage", name_en=None)
    LoanProductFactory(name="Prêt de croissance", name_fr="Prêt de croissance", name_en="Growth loan")
    LoanProductFactory(name="Avance de fonds", name_fr="Avance de fonds", name_en=None)
    client = client_for(_english(personas.coordinator))
    page = client.get(
        reverse("admin:loans_loanproduct_changelist"), HTTP_ACCEPT_LANGUAGE="en"
    ).content.decode()
    table = re.search(r'<table id="result_list".*?</table>', page, re.S).group(0)
    english = ["Avance de fonds", "Growth loan", "Microprêt de démarrage"]
    assert _order(table, english) == english
