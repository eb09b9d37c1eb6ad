"""The production plumbing, tested in the suite: static files collect with the production settings, the
proxy's headers are believed from the proxy only, /healthz, private caching, streamed upload cap, and the
lock-out by login and by address. tests/stack walks the same things through a real nginx."""

import ipaddress
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client, override_settings
from django.urls import reverse

from loans.models import Loan
from microcredit.core.middleware import client_address
from microcredit.core.uploads import OversizedUpload
from tests.loans.factories import LoanProductFactory

ROOT = Path(__file__).resolve().parents[2]
PROXIES = (ipaddress.ip_network("127.0.0.1/32"), ipaddress.ip_network("172.30.0.0/24"))


def test_collectstatic_and_compilemessages_work_with_the_production_settings(tmp_path):
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))},
        "DJANGO_SETTINGS_MODULE": "microcredit.settings.production",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(60),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
        "DJANGO_STATIC_ROOT": str(tmp_path / "static"),
    }
    for command in (
        ["collectstatic", "--no-input", "-v", "0"],
        ["compilemessages", "-v", "0", "--ignore", ".venv"],
    ):
        result = subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr[-3000:]
    manifest = (tmp_path / "static" / "staticfiles.json").read_text()
    assert "vendor/bootstrap/css/bootstrap.min.css" in manifest


def test_vendored_files_point_to_nothing_missing():
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in (".css", ".js"):
            assert "sourceMappingURL" not in path.read_text(encoding="utf-8"), path


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("203.0.113.9", "", "203.0.113.9"),  # no proxy
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),  # a client cannot claim another address
        ("127.0.0.1", "198.51.100.7", "198.51.100.7"),  # through the proxy
        ("127.0.0.1", "10.0.0.1, 198.51.100.7", "198.51.100.7"),  # the client's own entry is ignored
        ("127.0.0.1", "198.51.100.7, 172.30.0.5", "198.51.100.7"),  # two trusted hops
        ("127.0.0.1", "garbage, 198.51.100.7", "198.51.100.7"),
        ("127.0.0.1", "198.51.100.7, garbage", "127.0.0.1"),  # a chain we cannot read: the proxy itself
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "2001:db8::1", "2001:db8::1"),
    ],
)
def test_the_client_address_is_read_from_the_right_of_the_chain(remote, forwarded, expected):
    assert client_address(remote, forwarded, PROXIES) == expected


@override_settings(TRUSTED_PROXIES=["127.0.0.1"])
def test_forwarded_headers_are_dropped_unless_they_come_from_the_proxy(rf, settings):
    from microcredit.core.middleware import TrustedProxyMiddleware

    seen = {}

    def view(request):
        seen.update(addr=request.META["REMOTE_ADDR"], secure=request.is_secure())
        return None

    middleware = TrustedProxyMiddleware(view)
    middleware(
        rf.get("/", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="1.2.3.4")
    )
    assert seen == {"addr": "203.0.113.9", "secure": False}
    middleware(
        rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_PROTO="https", HTTP_X_FORWARDED_FOR="1.2.3.4")
    )
    assert seen == {"addr": "1.2.3.4", "secure": True}


def test_healthz_checks_the_database_without_sign_in_or_host(db):
    answer = Client(HTTP_HOST="10.1.2.3").get("/healthz")  # a host not in ALLOWED_HOSTS: the probe's
    assert answer.status_code == 200
    assert answer.json()["database"] == "ok"
    assert answer["Cache-Control"] == "no-store"


def test_healthz_says_503_when_the_database_is_down(db, monkeypatch):
    class Down:
        def cursor(self):
            raise OSError("database down")

    monkeypatch.setattr("microcredit.core.middleware.connection", Down())
    answer = Client().get("/healthz")
    assert answer.status_code == 503
    assert answer.json()["database"] == "error"
    assert "down" not in answer.content.decode()  # no detail to the outside


def test_signed_in_pages_exports_and_downloads_are_never_cached(personas, client_for):
    client = client_for(personas.advisor)
    for url in (
        reverse("home"),
        reverse("accounts:entrepreneur_export", args=[personas.entrepreneur.pk]),
    ):
        cache = client.get(url)["Cache-Control"]
        assert "no-store" in cache and "private" in cache, (url, cache)


def test_an_upload_over_10_mb_stops_being_stored_and_the_form_says_so(personas, client_for, settings):
    product = LoanProductFactory()
    big = SimpleUploadedFile("plan.pdf", b"%PDF-1.7\n" + b"0" * settings.UPLOAD_MAX_BYTES)
    response = client_for(personas.entrepreneur).post(
        reverse("loans:loan_create"),
        {
            "product": product.pk,
            "amount": "1200.00",
            "term": "12",
            "purpose": "Un four à pain",
            "document": big,
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["document"] == ["Le document dépasse 10 Mo."]  # French first
    assert "Un four à pain" in response.content.decode()  # what was typed is kept
    upload = response.wsgi_request.FILES["document"]
    assert isinstance(upload, OversizedUpload) and upload.size > settings.UPLOAD_MAX_BYTES  # nothing kept
    assert not Loan.objects.exists()


def _fail(client, username, times=1):
    for _ in range(times):
        client.post(reverse("login"), {"username": username, "password": "wrong-password"})


def test_failing_a_password_from_elsewhere_does_not_lock_its_owner_out(personas):
    personas.coordinator.set_password("the-right-password-1")
    personas.coordinator.save()
    _fail(Client(REMOTE_ADDR="198.51.100.1"), "coordinator", times=5)
    locked = Client(REMOTE_ADDR="198.51.100.1").post(
        reverse("login"), {"username": "coordinator", "password": "the-right-password-1"}
    )
    assert locked.status_code == 429
    owner = Client(REMOTE_ADDR="198.51.100.2").post(
        reverse("login"), {"username": "coordinator", "password": "the-right-password-1"}
    )
    assert owner.status_code == 302


def test_one_address_failing_on_many_logins_is_stopped(personas, settings):
    personas.advisor.set_password("the-right-password-1")
    personas.advisor.save()
    sprayer = Client(REMOTE_ADDR="198.51.100.3")
    for n in range(settings.LOGIN_ADDRESS_FAILURE_LIMIT - 1):
        _fail(sprayer, f"someone{n}")
    assert (
        sprayer.post(
            reverse("login"), {"username": "advisor", "password": "the-right-password-1"}
        ).status_code
        == 302
    )
    sprayer.logout()
    _fail(sprayer, "someone-else")
    refused = sprayer.post(reverse("login"), {"username": "advisor", "password": "the-right-password-1"})
    assert refused.status_code == 429
    # A success does not wipe the address's failures on other logins:
    assert (
        AccessAttempt.objects.filter(ip_address="198.51.100.3").count()
        >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
    )
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert (
        other.post(reverse("login"), {"username": "advisor", "password": "the-right-password-1"}).status_code
        == 302
    )
