"""Every coaching screen as each persona, over real HTTP requests: outsiders get 404, never 403."""

import pytest
from django.urls import reverse

from tests.coaching.factories import (
    CoachingSessionFactory,
    FinancingApplicationFactory,
    PartnerFactory,
    ReferralFactory,
)

pytestmark = pytest.mark.django_db

PERSONAS = ("coordinator", "advisor", "other_advisor", "owner", "other_entrepreneur", "board")
STAFF = {"coordinator", "advisor", "other_advisor"}


def _persona(personas, name):
    return {
        "owner": personas.entrepreneur.user,
        "other_entrepreneur": personas.other_entrepreneur.user,
    }.get(name) or getattr(personas, name)


@pytest.fixture
def records(personas):
    profile = personas.entrepreneur
    partner = PartnerFactory()
    return {
        "profile": profile.pk,
        "session": CoachingSessionFactory(profile=profile).pk,
        "referral": ReferralFactory(profile=profile, partner=partner).pk,
        "financing": FinancingApplicationFactory(profile=profile).pk,
        "partner": partner.pk,
    }


# url name, argument (a key of ``records`` or None), who gets a 200.
PAGES = [
    ("coaching:caseload", None, STAFF),
    ("coaching:reassign", None, {"coordinator"}),
    ("coaching:session_create", "profile", STAFF),
    ("coaching:session_detail", "session", STAFF),
    ("coaching:session_update", "session", STAFF),
    ("coaching:milestone_create", "profile", STAFF),
    ("coaching:referral_create", "profile", STAFF),
    ("coaching:referral_list", None, STAFF),
    ("coaching:referral_detail", "referral", STAFF),
    ("coaching:financing_create", "profile", STAFF),
    ("coaching:financing_detail", "financing", STAFF),
    ("coaching:financing_update", "financing", STAFF),
    ("coaching:partner_list", None, STAFF),
    ("coaching:partner_detail", "partner", STAFF),
    ("coaching:partner_create", None, {"coordinator"}),
    ("coaching:partner_update", "partner", {"coordinator"}),
    ("coaching:my_coaching", None, {"owner", "other_entrepreneur"}),
    ("coaching:impact", None, {"board", "coordinator", "advisor", "other_advisor"}),
]


@pytest.mark.parametrize(("url_name", "argument", "allowed"), PAGES)
@pytest.mark.parametrize("persona", PERSONAS)
def test_each_screen_is_found_only_by_those_allowed(
    personas, records, client_for, url_name, argument, allowed, persona
):
    url = reverse(url_name, args=[records[argument]] if argument else [])
    response = client_for(_persona(personas, persona)).get(url)
    assert response.status_code == (200 if persona in allowed else 404), url


@pytest.mark.parametrize(
    ("url_name", "argument"),
    [
        ("coaching:session_create", "profile"),
        ("coaching:session_update", "session"),
        ("coaching:referral_create", "profile"),
        ("coaching:referral_detail", "referral"),
        ("coaching:financing_create", "profile"),
        ("coaching:financing_detail", "financing"),
        ("coaching:milestone_create", "profile"),
        ("coaching:partner_update", "partner"),
        ("coaching:reassign", None),
    ],
)
@pytest.mark.parametrize("persona", ["owner", "other_entrepreneur", "board"])
def test_nobody_outside_the_staff_can_write(personas, records, client_for, url_name, argument, persona):
    url = reverse(url_name, args=[records[argument]] if argument else [])
    response = client_for(_persona(personas, persona)).post(url, {"to_status": "sent", "reason": "x"})
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(personas, records, client):
    for url_name, argument, _allowed in PAGES:
        url = reverse(url_name, args=[records[argument]] if argument else [])
        response = client.get(url)
        assert response.status_code == 302, url
        assert response.url.startswith(reverse("login"))


def test_a_deactivated_advisor_finds_nothing(personas, records, client_for):
    personas.advisor.is_active = False
    personas.advisor.save()
    client = client_for(personas.advisor)
    assert client.get(reverse("coaching:session_detail", args=[records["session"]])).status_code in (302, 404)


def test_an_unknown_record_is_not_found(personas, client_for):
    client = client_for(personas.coordinator)
    for url_name in ("coaching:session_detail", "coaching:referral_detail", "coaching:financing_detail"):
        assert client.get(reverse(url_name, args=[999999])).status_code == 404
    assert client.get(reverse("coaching:session_create", args=[999999])).status_code == 404
    assert client.get(reverse("coaching:caseload"), {"advisor": "999999"}).status_code == 404
    assert client.get(reverse("coaching:reassign"), {"from": "abc"}).status_code == 404
