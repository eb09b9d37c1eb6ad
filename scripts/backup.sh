#!/usr/bin/env bash
# Backup and restore: the database (pg_dump custom format) and the uploaded files (the media folder).
#   scripts/backup.sh backup DIR    writes DIR/database.dump and DIR/media.tar.gz
#   scripts/backup.sh restore DIR   loads them into DATABASE_URL (an empty database, or this one: its
#                                   tables are replaced) and DJANGO_MEDIA_ROOT
# With docker compose (README, "Deploying"):
#   docker compose run --rm -v "$PWD/backups:/backups" web scripts/backup.sh backup /backups/$(date +%F)
#   docker compose run --rm -v "$PWD/backups:/backups" web scripts/backup.sh restore /backups/2026-12-01
set -euo pipefail
action=${1:?usage: scripts/backup.sh backup|restore DIR}
dir=${2:?usage: scripts/backup.sh backup|restore DIR}
: "${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database}"
media=${DJANGO_MEDIA_ROOT:?DJANGO_MEDIA_ROOT must name the media folder}

case "$action" in
    backup)
        mkdir -p "$dir"
        pg_dump --format=custom --no-owner --no-privileges --file "$dir/database.dump" "$DATABASE_URL"
        mkdir -p "$media"
        tar -C "$media" -czf "$dir/media.tar.gz" .
        echo "backup written to $dir (database.dump, media.tar.gz)"
        ;;
    restore)
        [ -s "$dir/database.dump" ] || { echo "no $dir/database.dump" >&2; exit 1; }
        pg_restore --clean --if-exists --no-owner --no-privileges --single-transaction \
            --dbname "$DATABASE_URL" "$dir/database.dump"
        mkdir -p "$media"
        tar -C "$media" -xzf "$dir/media.tar.gz"
        echo "restored from $dir"
        ;;
    *)
        echo "usage: scripts/backup.sh backup|restore DIR" >&2
        exit 2
        ;;
esac
