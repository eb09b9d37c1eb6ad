#!/usr/bin/env bash
# `manage.py check --deploy` with the production settings and a throw-away secret, as a deployment would run.
set -euo pipefail
cd "$(dirname "$0")/.."
secret=$(.venv/bin/python -c "import secrets; print(secrets.token_urlsafe(60))")
DJANGO_SETTINGS_MODULE=microcredit.settings.production \
DJANGO_SECRET_KEY="$secret" \
DATABASE_URL="${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}" \
DJANGO_ALLOWED_HOSTS=microcredit.example.org \
    .venv/bin/python manage.py check --deploy --fail-level WARNING
