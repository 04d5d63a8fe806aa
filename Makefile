# Two commands for a new user (README): `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test install install-dev lint bench clean backup restore worker

$(VENV)/.runtime: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Run the main job on the embedded default (SQLite in var/, Celery eager, mail to var/mail/).
demo: install
	$(PY) manage.py demo

## Run the suite on SQLite, then again on PostgreSQL with a real Celery worker on Redis if reachable.
test: install-dev
	$(PY) tests/run_suites.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $$(cat .ci/typed)
	$(PY) manage.py makemigrations --check --dry-run

## Back up the database DATABASE_URL names (SQLite: the online backup API; PostgreSQL: pg_dump -Fc).
## FILE=… chooses the file (default var/backups/caunoi-<UTC time>.sqlite3|.pgdump).
backup:
	$(PY) scripts/db_backup.py backup $(FILE)

## Load FILE=… into the database DATABASE_URL names; refuses one that has tables unless FORCE=1.
restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/… [FORCE=1]" >&2; exit 2; }
	$(PY) scripts/db_backup.py restore "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

## The clock of the embedded default (no broker): hold expiry, reminders, digests and the outbox relay.
worker: install
	$(PY) manage.py worker

clean:
	rm -rf var/ .pytest_cache
