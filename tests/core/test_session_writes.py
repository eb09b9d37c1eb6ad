"""A page read writes the session only when it changed or when its idle clock needs renewing.

The session used to be saved on every request (``SESSION_SAVE_EVERY_REQUEST``): a BEGIN/UPDATE/COMMIT on
``django_session`` for each plain GET. Now a page renews it at most once per ``SESSION_RENEW_SECONDS``,
and the idle expiry (``SESSION_IDLE_MINUTES`` without activity) still ends it."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

START = datetime.datetime(2026, 11, 22, 9, 0, tzinfo=datetime.UTC)


def _session_writes(queries) -> list[str]:
    return [
        query["sql"]
        for query in queries.captured_queries
        if "django_session" in query["sql"] and query["sql"].lstrip().upper().startswith(("UPDATE", "INSERT"))
    ]


def _sign_in(client):
    response = client.post(
        reverse("login"), {"username": "advisor", "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    assert response.status_code == 302


def test_a_second_page_shortly_after_writes_no_session(personas, client):
    with time_machine.travel(START, tick=False):
        _sign_in(client)
    with time_machine.travel(START + datetime.timedelta(seconds=5), tick=False):
        assert client.get(reverse("home")).status_code == 200
    soon = START + datetime.timedelta(seconds=10)
    with time_machine.travel(soon, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert _session_writes(queries) == []


def test_a_page_after_the_window_renews_the_session_once(personas, client, settings):
    with time_machine.travel(START, tick=False):
        _sign_in(client)
    later = START + datetime.timedelta(seconds=settings.SESSION_RENEW_SECONDS + 1)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as queries:
        assert client.get(reverse("home")).status_code == 200
    assert len(_session_writes(queries)) == 1


def test_the_renewal_window_is_small_beside_the_idle_timeout(settings):
    assert 0 < settings.SESSION_RENEW_SECONDS <= settings.SESSION_COOKIE_AGE / 10


def test_signing_out_inside_the_window_still_ends_the_session(personas, client):
    with time_machine.travel(START, tick=False):
        _sign_in(client)
        cookie = client.cookies["sessionid"].value
    with time_machine.travel(START + datetime.timedelta(seconds=5), tick=False):
        assert client.post(reverse("logout")).status_code == 302
        client.cookies["sessionid"] = cookie  # the old cookie, sent again, opens nothing
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_an_ended_session_sent_again_is_not_written_back(personas, client, settings):
    with time_machine.travel(START, tick=False):
        _sign_in(client)
    ended = START + datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE + 1)
    with time_machine.travel(ended, tick=False), CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("login"))
    assert response.status_code == 200
    assert _session_writes(queries) == []


@pytest.mark.parametrize("idle_minutes", [2, 30])
def test_pages_inside_the_window_keep_the_idle_timeout(personas, client, settings, idle_minutes):
    """Pages read more often than the window keep the session alive; it ends one idle period after the
    last renewal, so never later than one idle period after the last page, nor sooner than that less the
    window."""
    settings.SESSION_COOKIE_AGE = idle_minutes * 60
    settings.SESSION_RENEW_SECONDS = min(60, settings.SESSION_COOKIE_AGE // 10)
    idle = datetime.timedelta(seconds=settings.SESSION_COOKIE_AGE)
    window = datetime.timedelta(seconds=settings.SESSION_RENEW_SECONDS)
    step = window / 3
    with time_machine.travel(START, tick=False):
        _sign_in(client)
    moment = START
    while moment < START + 1.5 * idle:
        moment += step
        with time_machine.travel(moment, tick=False):
            assert client.get(reverse("home")).status_code == 200
    with time_machine.travel(moment + idle - window - datetime.timedelta(seconds=1), tick=False):
        assert client.get(reverse("home")).status_code == 200
    last = moment + idle - window - datetime.timedelta(seconds=1)
    with time_machine.travel(last + idle, tick=False):
        response = client.get(reverse("home"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))
