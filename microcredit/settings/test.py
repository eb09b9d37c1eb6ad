"""Tests run on the real PostgreSQL and Redis when they are reachable.

With CI=true they must be: an unreachable server stops the run here instead of falling back to SQLite
or skipping the worker tests. On a laptop without them, the suite falls back to SQLite and skips only
the tests marked ``postgres`` or ``redis`` (tests/conftest.py).
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_url
from .env import env_bool, env_str

IN_CI = env_bool("CI", False)

_database_url = env_str("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/microcredit")
_redis_url = env_str("REDIS_URL", "redis://127.0.0.1:6379/15")
# Found by tests/plugins/services.py before these settings are read (this module opens no socket). Run
# outside pytest without the answer, the servers configured are taken as there.
POSTGRES_AVAILABLE = _database_url.startswith("postgres") and env_bool("MICROCREDIT_TEST_POSTGRES", True)
REDIS_AVAILABLE = env_bool("MICROCREDIT_TEST_REDIS", True)

if IN_CI and not (POSTGRES_AVAILABLE and REDIS_AVAILABLE):
    raise ImproperlyConfigured(
        f"CI=true but PostgreSQL ({_database_url}: {POSTGRES_AVAILABLE}) or Redis ({_redis_url}: "
        f"{REDIS_AVAILABLE}) is unreachable; the suite refuses to fall back."
    )

SECRET_KEY = "tests-only-secret-key-0a8f7e6d5c4b3a29180f7e6d5c4b3a2918"  # noqa: S105
DEBUG = False
if POSTGRES_AVAILABLE:
    DATABASES = {"default": database_from_url(_database_url)}
    # pytest-xdist workers each get their own test database from pytest-django.
    DATABASES["default"]["CONN_MAX_AGE"] = 0
else:
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": BASE_DIR / "test.sqlite3"}}

REDIS_URL = _redis_url if REDIS_AVAILABLE else ""
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
# Unit tests run tasks inline; the worker tests (tests/core/test_celery_worker.py) switch this off and
# run a real worker thread against Redis.
CELERY_TASK_ALWAYS_EAGER = True

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, tests only
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
MEDIA_ROOT = BASE_DIR / ".test-media" / str(os.getpid())
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
