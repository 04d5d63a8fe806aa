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

## Every benchmark, each printing its figures beside a baseline measured in the same run (about an hour on
## 2 cores; keep the output: make bench 2>&1 | tee var/bench.log). The round and the API load need
## PostgreSQL and Redis; they create and drop their own databases on BENCH_PG.
BENCH_PG     ?= postgres://postgres@127.0.0.1:5432
BENCH_BROKER ?= redis://127.0.0.1:6379/13
BENCH_ROUND_STUDENTS ?= 10000
bench: install-dev
	$(PY) bench/import_data.py
	$(PY) bench/recommend.py
	$(PY) bench/text_pruning.py
	$(PY) bench/allocate.py
	$(PY) bench/email.py
	$(PY) bench/round.py --students $(BENCH_ROUND_STUDENTS) --workers 2 --broker-url $(BENCH_BROKER) \
	    --database-url $(BENCH_PG)/bench_round_a --single-database-url $(BENCH_PG)/bench_round_b
	$(PY) bench/api_load.py --database-url $(BENCH_PG)/bench_api

clean:
	rm -rf var/ .pytest_cache
