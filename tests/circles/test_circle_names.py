"""A circle's name after the word "circle": one helper, so no page writes "le cercle Cercle Longueuil"."""

import pytest
from django.urls import reverse

from circles.models import name_after_word_circle
from tests.factories import CoordinatorFactory
from tests.loans.factories import disbursed_loan


def test_a_name_that_starts_with_the_word_loses_it():
    assert name_after_word_circle("Cercle Longueuil") == "Longueuil"
    assert name_after_word_circle("circle of Hope") == "of Hope"
    assert name_after_word_circle("Les Bâtisseuses") == "Les Bâtisseuses"
    assert name_after_word_circle("Cercle") == "Cercle"
    assert name_after_word_circle("Cerclette Nord") == "Cerclette Nord"


@pytest.mark.django_db
def test_the_loan_page_writes_the_guarantee_without_the_word_twice(client_for):
    loan = disbursed_loan(amount="1200.00", term=6)
    loan.circle.name = "Cercle Longueuil"
    loan.circle.save()
    page = client_for(CoordinatorFactory()).get(reverse("loans:loan_detail", args=[loan.pk])).content.decode()
    assert "Cautionné par le cercle Longueuil" in page
    assert "cercle Cercle" not in page
