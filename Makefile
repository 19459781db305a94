# Two entry points for a fresh machine with Python 3.11+: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test lint serve install install-test screenshots guess-bench bench statistics-bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## Install, migrate, load the course and serve on http://127.0.0.1:5000 (safe to re-run).
run: install
	$(BIN)/python -m app.secretkey >/dev/null
	$(FLASK) db upgrade
	$(FLASK) course load
	$(MAKE) serve

serve:
	HOST=$(HOST) PORT=$(PORT) $(BIN)/gunicorn --config gunicorn.conf.py

## Install everything, check lint and format, run the whole suite (SQLite, PostgreSQL, browser).
test: install-test
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/pytest -n auto -p no:cacheprovider

## Lint the course's questions and run the blind-guess benchmark (no database, no secret key).
guess-bench: install
	$(FLASK) bank check --guess questions/lessons/*.gift | sed -n '/^[0-9]* questions, /,$$p'

## Benchmark the app against a bare Flask endpoint, SQLite and PostgreSQL (~5 min; not a test).
## Uses wrk if installed (Debian: apt-get install wrk), else a Python load client.
## Results: docs/benchmarks.md. Extra options: make bench BENCH_ARGS="--output report.md".
bench: install-test
	$(BIN)/python scripts/bench.py $(BENCH_ARGS)

## Seed 10,000 demo learners and time a lesson's statistics (SQLite, or an empty DATABASE_URL).
statistics-bench: install-test
	$(BIN)/python scripts/statistics_bench.py --learners 10000

lint: install-test
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests

## Regenerate docs/screenshots/ (desktop and phone, light and dark) with Debian's Chromium.
screenshots: install-test
	$(BIN)/python scripts/screenshots.py
