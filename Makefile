# Two commands: `make run` serves a demo on http://127.0.0.1:8000, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
# Serving, chosen with `make bench-sweep` (README, "Deployment"): sync workers, two per
# core; each uses one pooled connection for requests and one for its background thread.
WORKERS ?= 4
DB_POOL_SIZE ?= 2
DB_MAX_OVERFLOW ?= 0
DEV := CALLCENTER_ENV=development
# `make test` runs the suite in this many processes (pytest-xdist; 0: one process). Each
# has its own PostgreSQL database and SQLite file (tests/conftest.py).
TEST_WORKERS ?= 2

.PHONY: run test lint translations extract faults soak bench bench-quick bench-sweep bench-profile bench-inprocess screening-report screening-model clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements-dev.txt $(VENV)/.runtime
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

# The compiled catalogs (.mo, not committed) from translations/*/LC_MESSAGES/messages.po.
translations: $(VENV)/.runtime
	$(BIN)/pybabel -q compile -d translations

# Re-extract translations/messages.pot after wrapping new strings, then merge it into
# both catalogs (translate the new entries; tests/test_i18n.py fails until they are).
extract: $(VENV)/.runtime
	$(BIN)/pybabel -q extract -F babel.cfg --no-location --sort-output --no-wrap \
		--project callcenter -k lazy_gettext -k _l -k N_ -o translations/messages.pot .
	$(BIN)/pybabel -q update --no-fuzzy-matching --ignore-obsolete --no-wrap \
		-i translations/messages.pot -d translations

run: $(VENV)/.runtime translations
	$(DEV) $(BIN)/flask --app wsgi db upgrade
	$(DEV) $(BIN)/flask --app wsgi demo --if-empty
	@echo "callcenter: http://127.0.0.1:$(PORT)/  (Ctrl-C stops it)"
	rm -rf instance/prometheus && mkdir -p instance/prometheus
	$(DEV) PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/instance/prometheus DB_POOL_SIZE=$(DB_POOL_SIZE) \
		DB_MAX_OVERFLOW=$(DB_MAX_OVERFLOW) $(BIN)/gunicorn --preload --worker-class sync \
		--workers $(WORKERS) --bind 127.0.0.1:$(PORT) wsgi:app

test: $(VENV)/.dev translations
	$(BIN)/pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

# PostgreSQL crashed and restarted, gunicorn workers killed, in the middle of streams of
# signed status callbacks, on a private PostgreSQL server the tests start themselves
# (never the shared one); prints what each fault did. Also part of `make test`.
faults: $(VENV)/.dev
	$(BIN)/pytest -q tests/faults $(PYTEST_ARGS)

# The app under gunicorn beside the raw database ceiling, on a fresh PostgreSQL database
# (BENCH_DATABASE_URL names the server; default postgres@127.0.0.1:5432): bench/results.json.
bench: $(VENV)/.dev
	$(BIN)/python -m benchmarks $(BENCH_ARGS)

bench-quick: $(VENV)/.dev
	$(BIN)/python -m benchmarks --quick $(BENCH_ARGS)

bench-sweep: $(VENV)/.dev
	$(BIN)/python -m benchmarks --sweep $(BENCH_ARGS)

bench-profile: $(VENV)/.dev
	$(BIN)/python -m benchmarks --profile $(BENCH_ARGS)

# Minutes of status callbacks at half the measured maximum (SOAK_SECONDS, default 300):
# zero errors, every worker's memory flat, `ledger verify` clean. Not part of `make test`.
soak: $(VENV)/.dev
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

# Statements and latency per webhook in-process (test client, SQLite unless --database-url).
bench-inprocess: $(VENV)/.dev
	$(BIN)/python -m benchmarks.inprocess $(BENCH_ARGS)

screening-report: $(VENV)/.runtime
	$(DEV) $(BIN)/flask --app wsgi screening report $(REPORT_ARGS)

# Retrain the screening classifier from tests/data/screening (corpus + held-out set) into
# callcenter/domain/data/classifier.json; the same scripts give the same file.
screening-model: $(VENV)/.runtime
	$(DEV) $(BIN)/flask --app wsgi screening build-model

lint: $(VENV)/.dev
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) instance .pytest_cache
