"""Who reaches what, with the fixed personas, over real HTTP requests. Outsiders get 404, never 403."""

import pytest
from django.urls import reverse

from microcredit.accounts.models import EntrepreneurProfile
from microcredit.core.permissions import Action, can, scope

pytestmark = pytest.mark.django_db

# The pages about one entrepreneur, each with the personas allowed to open it.
PROFILE_PAGES = {
    "accounts:entrepreneur_detail": {"coordinator", "advisor", "other_advisor", "owner"},
    "accounts:entrepreneur_export": {"coordinator", "advisor", "other_advisor", "owner"},
    "accounts:demographics": {"coordinator", "advisor", "other_advisor", "owner"},
    "accounts:entrepreneur_update": {"coordinator", "advisor", "other_advisor"},
}
PERSONAS = ("coordinator", "advisor", "other_advisor", "owner", "other_entrepreneur", "board")


def _persona(personas, name):
    return {
        "owner": personas.entrepreneur.user,
        "other_entrepreneur": personas.other_entrepreneur.user,
    }.get(name) or getattr(personas, name)


@pytest.mark.parametrize("url_name", PROFILE_PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_entrepreneur_pages_are_found_only_by_those_allowed(personas, client_for, url_name, persona):
    url = reverse(url_name, args=[personas.entrepreneur.pk])
    response = client_for(_persona(personas, persona)).get(url)
    expected = 200 if persona in PROFILE_PAGES[url_name] else 404
    assert response.status_code == expected


@pytest.mark.parametrize("persona", PERSONAS)
def test_setting_a_password_for_someone_without_email(personas, client_for, persona):
    url = reverse("accounts:entrepreneur_set_password", args=[personas.other_entrepreneur.pk])
    response = client_for(_persona(personas, persona)).get(url)
    assert response.status_code == (200 if persona in {"coordinator", "advisor", "other_advisor"} else 404)


@pytest.mark.parametrize("persona", PERSONAS)
def test_withdrawing_consent_of_someone_else_is_not_found(personas, client_for, persona):
    url = reverse("accounts:demographics_withdraw", args=[personas.entrepreneur.pk])
    response = client_for(_persona(personas, persona)).post(url)
    allowed = {"coordinator", "advisor", "other_advisor", "owner"}
    assert response.status_code == (302 if persona in allowed else 404)


@pytest.mark.parametrize(
    ("url_name", "allowed"),
    [
        ("accounts:entrepreneur_list", {"coordinator", "advisor", "other_advisor"}),
        ("accounts:entrepreneur_create", {"coordinator", "advisor", "other_advisor"}),
        ("core:organization_settings", {"coordinator"}),
        ("accounts:my_profile", {"owner", "other_entrepreneur"}),
        ("accounts:my_contact", {"owner", "other_entrepreneur"}),
    ],
)
@pytest.mark.parametrize("persona", PERSONAS)
def test_role_pages(personas, client_for, url_name, allowed, persona):
    response = client_for(_persona(personas, persona)).get(reverse(url_name))
    assert response.status_code in ((200, 302) if persona in allowed else (404,))


def test_my_profile_leads_each_entrepreneur_to_their_own_file(personas, client_for):
    response = client_for(personas.other_entrepreneur).get(reverse("accounts:my_profile"))
    assert response.url == reverse("accounts:entrepreneur_detail", args=[personas.other_entrepreneur.pk])


def test_anonymous_visitors_are_sent_to_sign_in(personas, client):
    for url in (reverse("home"), reverse("accounts:entrepreneur_detail", args=[personas.entrepreneur.pk])):
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_scope_is_the_single_answer(personas):
    everyone = EntrepreneurProfile.objects.all()
    assert set(scope(personas.coordinator, everyone)) == {personas.entrepreneur, personas.other_entrepreneur}
    assert set(scope(personas.other_advisor, everyone)) == {
        personas.entrepreneur,
        personas.other_entrepreneur,
    }
    assert list(scope(personas.entrepreneur.user, everyone)) == [personas.entrepreneur]
    assert list(scope(personas.board, everyone)) == []
    assert can(personas.entrepreneur.user, Action.CHANGE, personas.entrepreneur)
    assert not can(personas.entrepreneur.user, Action.VIEW, personas.other_entrepreneur)


def test_a_deactivated_advisor_sees_nothing(personas):
    personas.advisor.is_active = False
    personas.advisor.save()
    assert not scope(personas.advisor, EntrepreneurProfile.objects.all()).exists()


def test_board_pages_never_name_a_person(personas, client_for):
    response = client_for(personas.board).get(reverse("home"))
    # Without the account menu's name of the board member (random, maybe a Tremblay too).
    content = response.content.decode().replace(personas.board.get_full_name(), "")
    assert response.status_code == 200
    for profile in (personas.entrepreneur, personas.other_entrepreneur):
        assert profile.user.last_name not in content
        assert profile.business_name not in content
