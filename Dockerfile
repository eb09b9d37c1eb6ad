# Production image: every process of docker-compose.yml runs a role of scripts/serve.sh from it.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PYTHONPATH=/app \
    DJANGO_SETTINGS_MODULE=microcredit.settings.production
# WeasyPrint's libraries, gettext for the catalogue, the PostgreSQL client for scripts/backup.sh.
RUN apt-get update \
    && apt-get install -y --no-install-recommends gettext libpango-1.0-0 libpangoft2-1.0-0 \
       libharfbuzz-subset0 fonts-dejavu-core postgresql-client \
    && rm -rf /var/lib/apt/lists/*
RUN useradd --create-home --uid 1000 app
WORKDIR /app
# Exactly the versions CI tested, checked against their hashes (make lock refreshes the file).
COPY requirements/prod.txt requirements/prod.txt
RUN pip install --no-cache-dir --require-hashes -r requirements/prod.txt
COPY . .
# Static files and the compiled French catalogue are built into the image; a throw-away key suffices here.
RUN DJANGO_SECRET_KEY=$(python -c "import secrets; print(secrets.token_urlsafe(60))") \
    DATABASE_URL=sqlite:////tmp/build.sqlite3 \
    sh -c "python manage.py collectstatic --no-input -v 0 && python manage.py compilemessages -v 0" \
    && mkdir -p /app/media && chown -R app /app/media
USER app
EXPOSE 8000
CMD ["scripts/serve.sh", "web"]
