# Two commands for a new user (README): `make demo` and `make test`. Everything else is set-up.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
TOOLS  := .venv-tools

.PHONY: demo test install install-dev lint bench clean backup restore worker lock audit

# Installs exactly what the lock files pin, every file checked against its hash (`make lock` re-pins).
$(VENV)/.runtime: requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.lock
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $@

# pip-tools and pip-audit live in a venv of their own, out of the application's. Its pip is upgraded first:
# the one a venv starts with (23.x) refuses pip-audit's "CacheControl[filecache]" in hash-checking mode.
$(TOOLS)/.ready: requirements-tools.lock
	test -x $(TOOLS)/bin/python || $(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/python -m pip install --quiet --upgrade pip
	$(TOOLS)/bin/pip install --quiet --require-hashes -r requirements-tools.lock
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

## Run the main job on the embedded default (SQLite in var/, Celery eager, mail to var/mail/).
demo: install
	$(PY) manage.py demo

## Run the suite on SQLite and, side by side, on PostgreSQL with a real Celery worker on Redis if reachable
## (progress lines as they come; each suite's output in var/suites/<suite>/pytest.log, printed whole at the end).
test: install-dev
	$(PY) tests/run_suites.py

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy $$(cat .ci/typed)
	$(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/lint-imports

## Back up the database DATABASE_URL names (SQLite: the online backup API; PostgreSQL: pg_dump -Fc).
## FILE=… chooses the file (default $VAR_DIR/backups/caunoi-<UTC time>.sqlite3|.pgdump, VAR_DIR being var/ unless set).
backup:
	$(PY) scripts/db_backup.py backup $(FILE)

## Load FILE=… into the database DATABASE_URL names; refuses one that has tables unless FORCE=1.
restore:
	@test -n "$(FILE)" || { echo "usage: make restore FILE=var/backups/… [FORCE=1]" >&2; exit 2; }
	$(PY) scripts/db_backup.py restore "$(FILE)" $(if $(filter 1,$(FORCE)),--force)

## The clock of the embedded default (no broker): hold expiry, reminders, digests and the outbox relay.
worker: install
	$(PY) manage.py worker

COMPILE = $(TOOLS)/bin/pip-compile --quiet --generate-hashes --strip-extras --no-header \
          --no-emit-index-url --no-emit-find-links

## Re-pin the lock files, with hashes, after a change to requirements*.txt (pins already there are kept).
lock: $(TOOLS)/.ready
	$(COMPILE) -o requirements.lock requirements.txt
	$(COMPILE) -o requirements-dev.lock requirements-dev.txt
	$(COMPILE) --allow-unsafe -o requirements-tools.lock requirements-tools.txt

## Known vulnerabilities in the locked dependencies (pip-audit against PyPI's advisory data).
audit: $(TOOLS)/.ready
	$(TOOLS)/bin/python .ci/audit.py $(TOOLS)/bin/pip-audit requirements.lock requirements-dev.lock

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
