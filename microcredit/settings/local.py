"""Development and demo: works with nothing configured (SQLite, tasks run eagerly, console email).

Set DATABASE_URL and REDIS_URL to use PostgreSQL and a real Celery worker instead.
"""

from .base import *  # noqa: F403
from .base import BASE_DIR, database_from_url
from .env import env_bool, env_str

DEBUG = env_bool("DJANGO_DEBUG", True)
SECRET_KEY = env_str("DJANGO_SECRET_KEY", "local-development-only-not-a-secret-3f9a7c1e5b2d8a4f6e0c9b7d")
DATABASES = {"default": database_from_url(env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"))}
