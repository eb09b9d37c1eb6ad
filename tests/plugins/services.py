"""Which real servers the suite can use, found once before Django's settings are read.

Loaded by pytest as ``-p tests.plugins.services`` (pyproject.toml), so this runs before pytest-django
imports ``microcredit.settings.test``: the settings module itself only reads the answer from the
environment and opens no socket. With CI=true both servers must answer; the run stops here otherwise
instead of falling back to SQLite or skipping the worker tests.
"""

import os
import socket
from urllib.parse import urlsplit

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/microcredit"
DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/15"


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or default_port), timeout=2):
            return True
    except OSError:
        return False


def probe() -> None:
    database_url = os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL)
    redis_url = os.environ.get("REDIS_URL", DEFAULT_REDIS_URL)
    postgres = database_url.startswith("postgres") and reachable(database_url, 5432)
    redis = reachable(redis_url, 6379)
    os.environ["MICROCREDIT_TEST_POSTGRES"] = "1" if postgres else "0"
    os.environ["MICROCREDIT_TEST_REDIS"] = "1" if redis else "0"


if "MICROCREDIT_TEST_POSTGRES" not in os.environ or "MICROCREDIT_TEST_REDIS" not in os.environ:
    probe()
