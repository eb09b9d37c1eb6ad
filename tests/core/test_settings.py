"""Settings fail loudly: a malformed value stops the start-up instead of being read as something else."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from microcredit.settings.env import env_bool, env_int, env_list, env_secret, env_str

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("1", True), ("On", True), ("no", False), ("0", False)]
)
def test_booleans(monkeypatch, raw, expected):
    monkeypatch.setenv("FLAG", raw)
    assert env_bool("FLAG", not expected) is expected


@pytest.mark.parametrize("raw", ["ture", "yes please", "2"])
def test_a_malformed_boolean_is_refused(monkeypatch, raw):
    monkeypatch.setenv("FLAG", raw)
    with pytest.raises(ImproperlyConfigured, match="FLAG"):
        env_bool("FLAG", False)


def test_integers(monkeypatch):
    monkeypatch.setenv("COUNT", "12")
    assert env_int("COUNT", 1) == 12
    monkeypatch.setenv("COUNT", "douze")
    with pytest.raises(ImproperlyConfigured, match="whole number"):
        env_int("COUNT", 1)
    monkeypatch.setenv("COUNT", "0")
    with pytest.raises(ImproperlyConfigured, match="at least 1"):
        env_int("COUNT", 5, minimum=1)


def test_lists_and_defaults(monkeypatch):
    monkeypatch.delenv("HOSTS", raising=False)
    assert env_list("HOSTS", ["a"]) == ["a"]
    monkeypatch.setenv("HOSTS", "a.example.org, b.example.org,")
    assert env_list("HOSTS", []) == ["a.example.org", "b.example.org"]


def test_secrets_may_come_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s" * 10 + "0123456789abcdefghijklmnopqrstuvwxyz-_ABCDEFGH\n")
    monkeypatch.setenv("APP_SECRET_FILE", str(secret))
    assert env_secret("APP_SECRET").startswith("ssss")


def test_a_required_value_without_default_is_refused(monkeypatch):
    monkeypatch.delenv("NOT_SET", raising=False)
    with pytest.raises(ImproperlyConfigured, match="NOT_SET"):
        env_str("NOT_SET")


@pytest.mark.parametrize(
    "weak",
    [
        "changeme",
        "abcde" * 10,  # 50 characters, 5 distinct: long enough, not random
        "ab" * 40,
        "0123456789" * 5 + "0",  # 10 distinct, 51 characters: about 166 bits
        "django-insecure-" + "k" * 10 + "0123456789abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_a_weak_secret_is_refused(monkeypatch, weak):
    monkeypatch.setenv("APP_SECRET", weak)
    with pytest.raises(ImproperlyConfigured, match="at least 50 random characters"):
        env_secret("APP_SECRET")


@pytest.mark.parametrize("maker", [lambda: secrets.token_urlsafe(60), lambda: secrets.token_hex(32)])
def test_generated_secrets_are_accepted(monkeypatch, maker):
    value = maker()
    monkeypatch.setenv("APP_SECRET", value)
    assert env_secret("APP_SECRET") == value


def _start(settings_module: str, **env) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env={**clean, "DJANGO_SETTINGS_MODULE": settings_module, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_has_no_default_secret():
    result = _start("microcredit.settings.production", DATABASE_URL="postgres://x@127.0.0.1/x")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY environment variable is required" in result.stderr


def test_a_typo_stops_the_start_up():
    result = _start("microcredit.settings.local", DJANGO_DEBUG="ture")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='ture' is not a boolean" in result.stderr


def test_the_demo_starts_with_nothing_configured():
    result = _start("microcredit.settings.local", REDIS_URL="")
    assert result.returncode == 0, result.stderr


def test_the_test_settings_open_no_socket_when_imported():
    """The servers are probed by tests/plugins/services.py before the settings are read, not by them."""
    import subprocess
    import sys

    code = (
        "import socket\n"
        "def refuse(*args, **kwargs):\n"
        "    raise SystemExit('a socket was opened')\n"
        "socket.create_connection = refuse\n"
        "socket.socket.connect = refuse\n"
        "import django, os\n"
        "os.environ['DJANGO_SETTINGS_MODULE'] = 'microcredit.settings.test'\n"
        "django.setup()\n"
        "print('ok')\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "ok", result.stderr
