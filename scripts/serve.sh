#!/usr/bin/env bash
# The production processes, one place for their commands: docker-compose.yml runs these, and so does CI
# (scripts/stack.sh), so that what CI serves is what compose would run.
#   scripts/serve.sh web                gunicorn on $GUNICORN_BIND (default 0.0.0.0:8000)
#   scripts/serve.sh worker             Celery: default and reminders queues
#   scripts/serve.sh worker-documents   Celery: PDF builds, one at a time
#   scripts/serve.sh beat               Celery beat (the daily schedule)
#   scripts/serve.sh release            migrate (run once before the others start)
# Settings come from the environment (DJANGO_SETTINGS_MODULE=microcredit.settings.production, ...).
set -euo pipefail
cd "$(dirname "$0")/.."
export PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
role=${1:?usage: scripts/serve.sh web|worker|worker-documents|beat|release}

case "$role" in
    web)
        exec gunicorn microcredit.wsgi:application \
            --bind "${GUNICORN_BIND:-0.0.0.0:8000}" \
            --workers "${GUNICORN_WORKERS:-3}" \
            --threads "${GUNICORN_THREADS:-1}" \
            --timeout "${GUNICORN_TIMEOUT:-60}" \
            --graceful-timeout 20 \
            --max-requests 2000 --max-requests-jitter 200 \
            --forwarded-allow-ips "${DJANGO_TRUSTED_PROXIES:-127.0.0.1}" \
            --access-logfile - ;;
    worker)
        exec celery -A microcredit worker --loglevel INFO --queues default,reminders \
            --concurrency "${CELERY_CONCURRENCY:-2}" --hostname "default@%h" ;;
    worker-documents)
        # One build at a time, one message reserved, acknowledged once built (documents/tasks.py),
        # the process renewed every 100 builds so that WeasyPrint's memory does not creep.
        exec celery -A microcredit worker --loglevel INFO --queues documents --concurrency 1 \
            --prefetch-multiplier 1 --max-tasks-per-child 100 --hostname "documents@%h" ;;
    beat)
        exec celery -A microcredit beat --loglevel INFO \
            --schedule "${CELERY_BEAT_SCHEDULE_FILE:-/tmp/celerybeat-schedule}" ;;
    release)
        exec python manage.py migrate --no-input ;;
    *)
        echo "unknown role: $role" >&2
        exit 2 ;;
esac
