# debtsignal: `make demo` to see it, `make test` to check it. See README.md.
SHELL := /bin/bash
PY := .venv/bin/python
MANAGE := $(PY) manage.py
DEMO_DATABASE_URL ?= sqlite:///$(CURDIR)/var/demo.sqlite3
DEMO_DEBTORS ?= 2000
PORT ?= 8000

.PHONY: setup demo demo-data serve test test-fast lint format bench worker beat messages

setup:
	@scripts/setup.sh

# Fresh demo on the embedded default (SQLite, tasks in-process): data, monthly batch, logins, server.
demo: setup
	@mkdir -p var && rm -f var/demo.sqlite3
	DATABASE_URL=$(DEMO_DATABASE_URL) CELERY_BROKER_URL= $(MANAGE) migrate --no-input -v0
	DATABASE_URL=$(DEMO_DATABASE_URL) CELERY_BROKER_URL= $(MANAGE) demo_data --municipalities 2 --debtors $(DEMO_DEBTORS) --months 12 --seed 2026
	@echo "Serving on http://127.0.0.1:$(PORT)/ (Ctrl+C stops)"
	@echo "Two-step login (TOTP) is switched off for the demo accounts: REQUIRE_TWO_FACTOR=false."
	DATABASE_URL=$(DEMO_DATABASE_URL) CELERY_BROKER_URL= REQUIRE_TWO_FACTOR=false DEBUG=true $(MANAGE) runserver 127.0.0.1:$(PORT) --noreload

# Tests run against DATABASE_URL (SQLite without it) and need Redis for the real-worker tests.
test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

# Benchmarks on PostgreSQL and Redis from DATABASE_URL / CELERY_BROKER_URL; each prints `bench:` lines.
bench: setup
	@for script in bench/[a-z]*.py; do echo "== $$script"; $(PY) $$script $(BENCH_ARGS) || exit 1; done

worker:
	.venv/bin/celery -A config worker --loglevel=INFO

beat:
	.venv/bin/celery -A config beat --loglevel=INFO --schedule var/celerybeat-schedule

messages:
	$(MANAGE) makemessages -l nl --no-location --ignore=.venv --ignore=node_modules --ignore=var
