#!/usr/bin/env bash
# The long form fuzz (issue #14, 8), by hand: every value of every list in every field of every form, as each
# persona. About ten minutes on a quiet machine; the suite runs a bounded version (tests/core/test_form_fuzz.py).
set -euo pipefail
cd "$(dirname "$0")/.."
FUZZ_ROUNDS="${FUZZ_ROUNDS:-8}" FUZZ_EVERY_PERSONA=1 \
FUZZ_PERSONAS="${FUZZ_PERSONAS:-coordinator,advisor,other_advisor,entrepreneur,other_entrepreneur,board}" \
  exec .venv/bin/python -m pytest -q -p no:randomly tests/core/test_form_fuzz.py "$@"
