# Two commands for a new user (README): `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python

.PHONY: demo test install install-dev lint bench clean

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
	$(VENV)/bin/lint-imports

clean:
	rm -rf var/ .pytest_cache
