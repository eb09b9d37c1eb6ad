# The two commands of the README:  make demo  and  make test.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup demo test check stack stack-up stack-down lock lint format migrations messages worker worker-documents beat bench

setup:
	bash scripts/bootstrap.sh

## Set everything up and serve the demo (SQLite and eager tasks unless DATABASE_URL / REDIS_URL are set).
demo: setup
	$(PY) manage.py migrate --no-input -v 0
	$(PY) manage.py seed_demo
	@echo "==> Serving the demo on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## The whole test suite, on PostgreSQL and Redis when reachable (always in CI), browser tests included.
test:
	bash scripts/bootstrap.sh browser
	$(PY) -m pytest $(PYTEST_ARGS)

## Static checks CI runs after the tests: lint, migrations in step with models, deploy check, compose file.
check: setup
	$(VENV)/bin/ruff check .
	DJANGO_SETTINGS_MODULE=microcredit.settings.local $(PY) manage.py makemigrations --check --dry-run
	bash scripts/deploy_check.sh

## The production stack behind nginx, walked over HTTPS as every role, then stopped (CI runs it; see README).
stack:
	bash scripts/stack.sh check

## The same stack left running on https://127.0.0.1:18443 (self-signed), for a look by hand; stack-down stops it.
stack-up:
	bash scripts/stack.sh up

stack-down:
	bash scripts/stack.sh down

## Regenerate the lock files (every dependency with its hashes) after changing pyproject.toml.
lock: setup
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links --extra dev -o requirements/dev.txt pyproject.toml
	$(VENV)/bin/pip-compile -q --generate-hashes --allow-unsafe --strip-extras --no-emit-index-url \
		--no-emit-find-links -c requirements/dev.txt -o requirements/prod.txt pyproject.toml

lint: setup
	$(VENV)/bin/ruff check .

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

migrations: setup
	$(PY) manage.py makemigrations

## Refresh the French catalogue after changing UI strings, then translate locale/fr/LC_MESSAGES/django.po.
messages: setup
	$(PY) manage.py makemessages -l fr --no-location --ignore "$(VENV)/*" --ignore "static/*"
	$(PY) manage.py compilemessages --ignore "$(VENV)"

## One worker for every queue (development); docker-compose.yml runs documents on a worker of its own.
worker:
	$(VENV)/bin/celery -A microcredit worker -l info --queues default,reminders,documents

worker-documents:
	$(VENV)/bin/celery -A microcredit worker -l info --queues documents --concurrency 1 --prefetch-multiplier 1

beat:
	$(VENV)/bin/celery -A microcredit beat -l info

## Reminder scan and board PDF on a large generated dataset, in a throw-away database (not a test).
##   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/microcredit_bench make bench
bench: setup
	$(PY) benchmarks/bench_background.py $(BENCH_ARGS)
