"""The proxy's word, and only the proxy's: nginx terminates TLS and passes the real client address; the
lock-out counts real clients, so nobody can lock a coordinator out from elsewhere and one address cannot
spray a password over every login. Each 127.0.0.x is a different client to nginx."""

import os

import requests

from tests.stack.client import StackClient, parse

ENTREPRENEURS = [f"entrepreneur{n:02d}" for n in range(10, 40)]


def fail(client, username, times=1, headers=None):
    answers = []
    for _ in range(times):
        page = client.get("/accounts/login/")
        form = next(f for f in parse(page.text).forms if "password" in f.fields)
        data = {**form.fields, "username": username, "password": "not-the-password"}
        answers.append(client.post("/accounts/login/", data, headers=headers or {}).status_code)
    return answers


def test_failing_someone_elses_password_does_not_lock_them_out(stack):
    attacker = stack(source="127.0.0.20")
    answers = fail(attacker, "sophie", times=6)
    assert answers[:4] == [200] * 4  # the form again, with its error
    assert answers[-1] == 429  # this address is locked out of this login
    assert attacker.sign_in("sophie").status_code == 429  # even with the right password, from there
    coordinator = stack(source="127.0.0.21")
    assert coordinator.sign_in("sophie").status_code == 302  # the coordinator, from her own address


def test_one_address_cannot_try_a_password_on_every_login(stack):
    sprayer = stack(source="127.0.0.30")
    answers = [fail(sprayer, username)[0] for username in ENTREPRENEURS[:22]]
    assert answers[:19] == [200] * 19
    assert answers[-1] == 429, answers  # stopped after 20 failures from this address
    assert sprayer.sign_in("karim").status_code == 429  # the whole address, any login
    assert stack(source="127.0.0.31").sign_in("karim").status_code == 302  # others are not affected


def test_a_forged_forwarded_for_does_not_change_the_address_counted(stack):
    forger = stack(source="127.0.0.40")
    fail(forger, "julie", times=5, headers={"X-Forwarded-For": "127.0.0.99"})
    # Counted against the real address (nginx appends it; the app reads the chain from the right)...
    assert forger.sign_in("julie").status_code == 429
    # ...so another client claiming to be 127.0.0.40 is not locked, nor is the address it forged.
    assert stack(source="127.0.0.41").sign_in("julie").status_code == 302
    assert stack(source="127.0.0.99").sign_in("julie").status_code == 302


def test_the_app_believes_forwarded_headers_from_the_proxy_only(stack):
    direct = stack(source="127.0.0.50", base=os.environ["STACK_DIRECT_URL"])
    # Straight to gunicorn from an address that is not the proxy: "I came over HTTPS" is not believed.
    answer = direct.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")


def test_plain_http_is_redirected_and_health_is_public(stack):
    http = stack(base=os.environ["STACK_HTTP_URL"])
    answer = http.get("/accounts/login/")
    assert answer.status_code == 301 and answer.headers["Location"].startswith("https://")
    health = stack().get("/healthz")
    assert health.status_code == 200
    assert health.json() == {"status": "ok", "database": "ok", "redis": "ok"}
    assert health.headers["Cache-Control"] == "no-store"


def test_the_proxy_refuses_a_body_over_its_cap(stack):
    client: StackClient = stack()
    try:
        answer = client.post("/accounts/login/", {"username": "x", "password": "y" * (13 * 1024 * 1024)})
    except requests.ConnectionError:
        return  # nginx may close the connection while the body is still being sent: refused too
    assert answer.status_code == 413
    assert "10 Mo" in answer.text and "10 MB" in answer.text  # a page people can read, in both languages
