"""In CI the suite runs on the real PostgreSQL and Redis: this test fails if it silently fell back."""

import os

import pytest
import redis
from django.conf import settings
from django.db import connection


@pytest.mark.django_db
def test_ci_uses_postgresql_and_redis():
    if os.environ.get("CI") != "true":
        pytest.skip("outside CI the suite may fall back to SQLite")
    assert connection.vendor == "postgresql"
    assert settings.CELERY_BROKER_URL.startswith("redis://")
    assert redis.Redis.from_url(settings.REDIS_URL).ping() is True
