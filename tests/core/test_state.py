import pytest
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import translation

from microcredit.core.state import StateMachine


class Light(models.TextChoices):
    RED = "red", "Red"
    GREEN = "green", "Green"
    AMBER = "amber", "Amber"


LIGHTS = StateMachine(
    Light,
    {Light.RED: {Light.GREEN}, Light.GREEN: {Light.AMBER}, Light.AMBER: {Light.RED}},
    refusal="A light cannot go from %(from)s to %(to)s.",
)


def test_allowed_moves_and_their_order():
    assert LIGHTS.allows("red", "green") and not LIGHTS.allows("red", "amber")
    assert LIGHTS.next_statuses("green") == ["amber"]
    LIGHTS.check("red", "green")


def test_a_refused_move_names_both_statuses_at_the_field():
    with pytest.raises(ValidationError) as refused:
        LIGHTS.check("red", "amber")
    assert refused.value.message_dict == {"to_status": ["A light cannot go from Red to Amber."]}


def test_unknown_statuses_are_a_programming_error():
    with pytest.raises(ValueError, match="blue"):
        StateMachine(Light, {Light.RED: {"blue"}}, refusal="")


@pytest.mark.django_db
def test_the_loan_machine_refuses_in_french():
    from loans.services.base import LOAN_STATES

    with translation.override("fr-ca"), pytest.raises(ValidationError) as refused:
        LOAN_STATES.check("repaid", "draft")
    assert refused.value.messages == [
        "Un prêt à l'état «\xa0remboursé\xa0» ne peut pas passer à l'état «\xa0brouillon\xa0»."
    ]
