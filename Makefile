# Jiceng (基层). `make run` sets everything up and serves the demo; `make test` runs every check.
# With DATABASE_URL / REDIS_URL set, both use PostgreSQL and Redis instead of SQLite / eager Celery.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: install run serve setup test lint check pytest worker beat bench fuzz messages clean-db backup restore

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@



messages: $(VENV)/.installed
	./scripts/system-deps.sh
	$(MANAGE) compilemessages -v0 --ignore=.venv --ignore=node_modules

install: $(VENV)/.installed node_modules/.installed messages

setup: install
	mkdir -p var
	$(MANAGE) migrate --noinput -v0
	$(MANAGE) load_regions
	$(MANAGE) seed_demo
	$(MANAGE) collectstatic --noinput -v0

run: setup serve

# On the embedded default also a Celery worker with beat on the filesystem broker (scripts/serve.sh).
serve:
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) ./scripts/serve.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: install
	mkdir -p var
	$(MANAGE) check
	$(MANAGE) makemigrations --check --dry-run

pytest: install
	./scripts/system-deps.sh browser
	DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest $(PYTEST_ARGS)

test: lint check pytest

worker: setup
	$(VENV)/bin/celery -A config worker -l info

beat: setup
	$(VENV)/bin/celery -A config beat -l info

# Backups: var/backups/<UTC stamp>.pgdump (PostgreSQL) or .sqlite3 (SQLite); see README "Backup and restore".
backup: $(VENV)/.installed
	PY=$(PY) ./scripts/backup.sh

restore: $(VENV)/.installed
	PY=$(PY) FORCE=$(FORCE) ./scripts/restore.sh "$(FILE)"

# Seed-scale benchmark (not part of `make test`): PostgreSQL at DATABASE_URL (default: the local
# `bench` database, created if missing), BENCH_SCALE (1.0), BENCH_RESEED=1 to regenerate the data.
bench: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/bench} $(MANAGE) bench

# Long API fuzzing run (README "API fuzzing"): every operation as every role, 200 examples per
# operation and mode (`make test` runs 10). FUZZ_EXAMPLES overrides; DATABASE_URL as for `make test`.
FUZZ_EXAMPLES ?= 200
fuzz: install
	JICENG_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) DJANGO_ALLOW_ASYNC_UNSAFE=true $(VENV)/bin/pytest tests/fuzz -q $(PYTEST_ARGS)

clean-db:
	rm -f var/jiceng.sqlite3 var/jiceng.sqlite3-wal var/jiceng.sqlite3-shm
