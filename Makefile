# Errata: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# Reinstall only when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha1sum | cut -c1-12)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test fuzz lint format install migrate demo worker beat clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
	  echo "Errata needs Python 3.11 ('$(PYTHON)' is not); run: make run PYTHON=/path/to/python3.11"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# Zero setup: SQLite, tasks run in-process, mail to the console.
run: export DEBUG ?= true
run: $(STAMP)
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo
	@echo "Errata is running at http://$(HOST):$(PORT)/  (studio: /studio/, admin: /admin/, health: /healthz)"
	@echo
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# The whole suite. Uses DATABASE_URL when set (CI: PostgreSQL), else SQLite; the worker tests
# run when CELERY_BROKER_URL points at a broker with a worker listening (.ci/run starts one).
test: export SECRET_KEY ?= test-only-secret-key-not-for-production
test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Hostile input through every importer, parser, form and API write (tests/fuzz/), at
# FUZZ_EXAMPLES generated inputs per target (default 300); prints the inputs tried per target.
fuzz: export SECRET_KEY ?= test-only-secret-key-not-for-production
fuzz: export ERRATA_FUZZ = 1
fuzz: $(STAMP)
	$(BIN)/python -m pytest tests/fuzz -p no:cacheprovider $(PYTEST_ARGS)

lint: export SECRET_KEY ?= lint-only-secret-key
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

worker: $(STAMP)
	$(BIN)/celery -A reviewapp worker --loglevel=info

beat: $(STAMP)
	$(BIN)/celery -A reviewapp beat --loglevel=info

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
