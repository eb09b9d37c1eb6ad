#!/usr/bin/env bash
# The production stack on this machine, as docker-compose.yml would run it, and a walk through it.
#   scripts/stack.sh check   up, walk (tests/stack over real HTTPS through nginx), backup/restore, down
#   scripts/stack.sh up      PostgreSQL-backed gunicorn on the production settings, the two Celery workers,
#                            beat, and nginx in front (https://127.0.0.1:18443), with the demo data
#   scripts/stack.sh down    stops everything `up` started
# The processes are started by scripts/serve.sh (the commands compose runs) and nginx renders
# deploy/nginx/microcredit.conf.template (the file compose mounts). Only loopback addresses are used.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD

STACK_DIR=${STACK_DIR:-/tmp/microcredit-stack}
STACK_DB=${STACK_DB:-microcredit_stack}
PG_URL=${STACK_PG_URL:-postgres://postgres@127.0.0.1:5432}
WEB_PORT=${STACK_WEB_PORT:-18000}
HTTP_PORT=${STACK_HTTP_PORT:-18080}
HTTPS_PORT=${STACK_HTTPS_PORT:-18443}

export DJANGO_SETTINGS_MODULE=microcredit.settings.production
export DATABASE_URL="$PG_URL/$STACK_DB"
export REDIS_URL=${STACK_REDIS_URL:-redis://127.0.0.1:6379/14}
export DJANGO_ALLOWED_HOSTS=127.0.0.1,localhost
export DJANGO_CSRF_TRUSTED_ORIGINS="https://127.0.0.1:$HTTPS_PORT"
export DJANGO_TRUSTED_PROXIES=127.0.0.1
export DJANGO_STATIC_ROOT="$STACK_DIR/static"
export DJANGO_MEDIA_ROOT="$STACK_DIR/media"
export SITE_URL="https://127.0.0.1:$HTTPS_PORT"
export EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend
export EMAIL_FILE_PATH="$STACK_DIR/mail"
export GUNICORN_BIND="127.0.0.1:$WEB_PORT"
export GUNICORN_WORKERS=${GUNICORN_WORKERS:-2}
export CELERY_BEAT_SCHEDULE_FILE="$STACK_DIR/celerybeat-schedule"
export PATH="$ROOT/.venv/bin:$PATH"

log() { echo "==> stack: $*"; }

install_system() {
    local missing=()
    for pkg in nginx openssl postgresql-client; do
        dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "apt-get install ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        # Debian's package would start nginx on port 80 where an init system runs; policy-rc.d says no.
        printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
        rm -f /usr/sbin/policy-rc.d
    fi
}

secret() {
    [ -s "$STACK_DIR/secret" ] || python3 -c 'import secrets; print(secrets.token_urlsafe(60))' >"$STACK_DIR/secret"
    DJANGO_SECRET_KEY=$(cat "$STACK_DIR/secret")
    export DJANGO_SECRET_KEY
}

certificate() {
    mkdir -p "$STACK_DIR/certs"
    [ -s "$STACK_DIR/certs/fullchain.pem" ] && return
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=127.0.0.1" \
        -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
        -keyout "$STACK_DIR/certs/privkey.pem" -out "$STACK_DIR/certs/fullchain.pem" 2>/dev/null
}

start() {  # start NAME COMMAND...: in the background, its pid and log in $STACK_DIR
    local name=$1
    shift
    "$@" >"$STACK_DIR/logs/$name.log" 2>&1 &
    echo $! >"$STACK_DIR/pids/$name"
}

wait_for() {  # wait_for WHAT SECONDS COMMAND...
    local what=$1 seconds=$2
    shift 2
    for _ in $(seq "$seconds"); do
        if "$@" >/dev/null 2>&1; then return 0; fi
        sleep 1
    done
    echo "stack: $what did not come up in ${seconds}s; logs:" >&2
    tail -n 40 "$STACK_DIR"/logs/*.log >&2 || true
    return 1
}

proxy() {
    mkdir -p "$STACK_DIR/nginx/conf.d" "$STACK_DIR/nginx/tmp"
    MICROCREDIT_UPSTREAM="127.0.0.1:$WEB_PORT" PROXY_HTTP_PORT="127.0.0.1:$HTTP_PORT" \
    PROXY_HTTPS_PORT="127.0.0.1:$HTTPS_PORT" PROXY_PUBLIC_HTTPS_PORT="$HTTPS_PORT" \
    PROXY_CERT_DIR="$STACK_DIR/certs" \
        envsubst '${MICROCREDIT_UPSTREAM} ${PROXY_HTTP_PORT} ${PROXY_HTTPS_PORT} ${PROXY_PUBLIC_HTTPS_PORT} ${PROXY_CERT_DIR}' \
        <deploy/nginx/microcredit.conf.template >"$STACK_DIR/nginx/conf.d/microcredit.conf"
    # The rest of what the nginx image's own nginx.conf provides, pointed at this folder.
    cat >"$STACK_DIR/nginx/nginx.conf" <<CONF
worker_processes 1;
pid $STACK_DIR/nginx/nginx.pid;
error_log $STACK_DIR/logs/nginx-error.log warn;
events { worker_connections 256; }
http {
    include /etc/nginx/mime.types;
    access_log $STACK_DIR/logs/nginx-access.log;
    client_body_temp_path $STACK_DIR/nginx/tmp/body;
    proxy_temp_path $STACK_DIR/nginx/tmp/proxy;
    fastcgi_temp_path $STACK_DIR/nginx/tmp/fastcgi;
    uwsgi_temp_path $STACK_DIR/nginx/tmp/uwsgi;
    scgi_temp_path $STACK_DIR/nginx/tmp/scgi;
    include $STACK_DIR/nginx/conf.d/*.conf;
}
CONF
    nginx -t -q -c "$STACK_DIR/nginx/nginx.conf" -e "$STACK_DIR/logs/nginx-error.log"
    start nginx nginx -c "$STACK_DIR/nginx/nginx.conf" -e "$STACK_DIR/logs/nginx-error.log" -g "daemon off;"
}

up() {
    install_system
    make -s setup
    down quiet
    rm -rf "$STACK_DIR/static" "$STACK_DIR/media" "$STACK_DIR/mail" "$STACK_DIR/logs" "$STACK_DIR/pids" \
        "$CELERY_BEAT_SCHEDULE_FILE"*
    mkdir -p "$STACK_DIR"/{logs,pids,media,mail}
    secret
    certificate
    log "database $STACK_DB (new), Redis $REDIS_URL (emptied)"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS $STACK_DB WITH (FORCE)" -c "CREATE DATABASE $STACK_DB"
    python -c "import os, redis; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
    log "collectstatic, compilemessages, migrate (production settings)"
    python manage.py collectstatic --no-input -v 0
    python manage.py compilemessages -v 0 --ignore .venv
    scripts/serve.sh release >"$STACK_DIR/logs/migrate.log"
    python manage.py seed_demo --force >"$STACK_DIR/logs/seed_demo.log"
    log "gunicorn, worker, worker-documents, beat, nginx"
    start web scripts/serve.sh web
    start worker scripts/serve.sh worker
    start worker-documents scripts/serve.sh worker-documents
    start beat scripts/serve.sh beat
    proxy
    wait_for "gunicorn" 60 curl -fsS "http://127.0.0.1:$WEB_PORT/healthz"
    wait_for "nginx" 30 curl -fsS --cacert "$STACK_DIR/certs/fullchain.pem" "https://127.0.0.1:$HTTPS_PORT/healthz"
    wait_for "the Celery workers" 90 celery -A microcredit inspect ping --timeout 3 \
        --destination "default@$(hostname),documents@$(hostname)"
    # Its schedule file appears once beat runs (shelve may add .db or .dat/.dir to the name).
    wait_for "beat" 30 compgen -G "$CELERY_BEAT_SCHEDULE_FILE*"
    log "serving https://127.0.0.1:$HTTPS_PORT/ (self-signed: $STACK_DIR/certs/fullchain.pem)"
}

down() {
    [ -d "$STACK_DIR/pids" ] || return 0
    for pidfile in "$STACK_DIR"/pids/*; do
        [ -f "$pidfile" ] || continue
        pid=$(cat "$pidfile")
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 30); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
        kill -9 "$pid" 2>/dev/null || true
        rm -f "$pidfile"
    done
    [ "${1:-}" = quiet ] || log "stopped"
}

walk() {
    log "walking the stack over HTTPS through nginx (tests/stack)"
    STACK_URL="https://127.0.0.1:$HTTPS_PORT" STACK_HTTP_URL="http://127.0.0.1:$HTTP_PORT" \
    STACK_DIRECT_URL="http://127.0.0.1:$WEB_PORT" STACK_CA="$STACK_DIR/certs/fullchain.pem" \
    STACK_MAIL_DIR="$EMAIL_FILE_PATH" \
    DJANGO_SETTINGS_MODULE=microcredit.settings.test DATABASE_URL="$PG_URL/microcredit" \
        python -m pytest tests/stack -p no:cacheprovider ${STACK_PYTEST_ARGS:-}
}

backup_restore() {
    log "backup, then restore into a second database and media folder, then compare"
    rm -rf "$STACK_DIR/backup" "$STACK_DIR/restored-media"
    scripts/backup.sh backup "$STACK_DIR/backup"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE IF EXISTS ${STACK_DB}_restored WITH (FORCE)" \
        -c "CREATE DATABASE ${STACK_DB}_restored"
    DATABASE_URL="$PG_URL/${STACK_DB}_restored" DJANGO_MEDIA_ROOT="$STACK_DIR/restored-media" \
        scripts/backup.sh restore "$STACK_DIR/backup"
    python scripts/compare_databases.py "$PG_URL/$STACK_DB" "$PG_URL/${STACK_DB}_restored"
    diff -r "$DJANGO_MEDIA_ROOT" "$STACK_DIR/restored-media"
    psql -q "$PG_URL/postgres" -c "DROP DATABASE ${STACK_DB}_restored WITH (FORCE)"
    log "backup and restore agree"
}

case "${1:-check}" in
    up) up ;;
    down) down ;;
    walk) secret; walk ;;
    check)
        trap down EXIT
        up
        walk
        backup_restore
        ;;
    *) echo "usage: scripts/stack.sh check|up|walk|down" >&2; exit 2 ;;
esac
