"""Signing in: lock-out after repeated failures, idle sessions, password reset and change."""

import datetime

import pytest
import time_machine
from django.core import mail
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db


def _login(client, username, password):
    return client.post(reverse("login"), {"username": username, "password": password}, REMOTE_ADDR="10.0.0.7")


def test_a_good_password_signs_in(personas, client):
    response = _login(client, "advisor", PASSWORD)
    assert response.status_code == 302
    assert response.url == reverse("home")


def test_a_wrong_password_is_refused_with_a_message(personas, client):
    response = _login(client, "advisor", "wrong")
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()


def test_five_failures_lock_the_account_even_for_the_right_password(personas, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "advisor", "wrong")
    response = _login(client, "advisor", PASSWORD)
    assert response.status_code == 429
    assert "15" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(personas, client, settings):
    start = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
    with time_machine.travel(start, tick=False):
        for _attempt in range(settings.AXES_FAILURE_LIMIT):
            _login(client, "advisor", "wrong")
        assert _login(client, "advisor", PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + datetime.timedelta(seconds=1), tick=False):
        assert _login(client, "advisor", PASSWORD).status_code == 302


def test_another_persons_lock_does_not_lock_me_out(personas, client, settings):
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        _login(client, "other_advisor", "wrong")
    assert _login(client, "advisor", PASSWORD).status_code == 302


def test_an_idle_session_expires(personas, client, settings):
    start = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    with time_machine.travel(start, tick=False):
        _login(client, "advisor", PASSWORD)
    # Activity renews the session...
    with time_machine.travel(start + idle - datetime.timedelta(minutes=1), tick=False):
        assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(start + 2 * idle - datetime.timedelta(minutes=2), tick=False):
        assert client.get(reverse("home")).status_code == 200
    # ...and idleness ends it.
    with time_machine.travel(start + 3 * idle, tick=False):
        response = client.get(reverse("home"))
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_password_reset_by_email(personas, client):
    response = client.post(reverse("password_reset"), {"email": personas.advisor.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body


def test_the_password_reset_email_is_in_the_persons_language_not_the_browsers(personas, client):
    personas.advisor.language = "en"
    personas.advisor.save()
    client.post(reverse("password_reset"), {"email": personas.advisor.email}, HTTP_ACCEPT_LANGUAGE="fr")
    personas.coordinator.language = "fr-ca"
    personas.coordinator.save()
    client.post(reverse("password_reset"), {"email": personas.coordinator.email}, HTTP_ACCEPT_LANGUAGE="en")
    english, french = mail.outbox
    assert "Password reset" in english.subject and "password" in english.body.lower()
    assert "mot de passe" in french.subject.lower() and "mot de passe" in french.body.lower()


def test_password_reset_reveals_nothing_about_unknown_addresses(personas, client):
    response = client.post(reverse("password_reset"), {"email": "nobody@example.org"})
    assert response.status_code == 302
    assert mail.outbox == []


def test_password_change(personas, client_for):
    client = client_for(personas.advisor)
    response = client.post(
        reverse("password_change"),
        {
            "old_password": PASSWORD,
            "new_password1": "nouveau-mot-de-passe-2026",
            "new_password2": "nouveau-mot-de-passe-2026",
        },
    )
    assert response.status_code == 302
    personas.advisor.refresh_from_db()
    assert personas.advisor.check_password("nouveau-mot-de-passe-2026")


def test_a_weak_new_password_is_refused(personas, client_for):
    response = client_for(personas.advisor).post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": "1234", "new_password2": "1234"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["new_password2"]
