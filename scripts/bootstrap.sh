#!/usr/bin/env bash
# Installs everything a fresh machine lacks, then the virtualenv and the compiled French catalogue.
# Safe to run again: each step checks what is already there.
#   scripts/bootstrap.sh          system libraries for WeasyPrint, gettext, Python venv, locked pip packages
#   scripts/bootstrap.sh browser  the same plus Debian's chromium and chromedriver (browser tests)
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3.11}
want_browser=${1:-}

apt_packages=(gettext libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core)
if [ "$want_browser" = "browser" ]; then
    apt_packages+=(chromium chromium-driver)
fi

missing=()
for pkg in "${apt_packages[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done
if ! command -v "$PYTHON" >/dev/null 2>&1; then
    missing+=(python3 python3-venv)
    PYTHON=python3
fi
if [ ${#missing[@]} -gt 0 ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
        echo "==> apt-get install ${missing[*]}"
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    else
        echo "Missing system packages: ${missing[*]} (install them with apt-get as root)" >&2
        exit 1
    fi
fi

# Exactly the versions of requirements/dev.txt (every dependency, direct and indirect, with its hashes;
# `make lock` regenerates it from pyproject.toml). The project itself is put on the path, not built.
stamp="$VENV/.installed"
if [ ! -x "$VENV/bin/python" ]; then
    echo "==> creating $VENV with $PYTHON"
    "$PYTHON" -m venv "$VENV"
fi
if [ ! -f "$stamp" ] || [ requirements/dev.txt -nt "$stamp" ]; then
    echo "==> pip install --require-hashes -r requirements/dev.txt"
    "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r requirements/dev.txt
    site=$("$VENV/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')
    echo "$PWD" >"$site/microcredit-project.pth"
    touch "$stamp"
fi

echo "==> compilemessages"
DJANGO_SETTINGS_MODULE=microcredit.settings.local "$VENV/bin/python" manage.py compilemessages -v 0 --ignore "$VENV"
