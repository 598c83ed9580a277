# Errata: the two commands are `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin
# Exactly the versions in the lock files, each checked against its hash (make lock updates them).
LOCK := requirements/dev.lock
# Reinstall only when the dependency list changes.
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml $(LOCK) | sha1sum | cut -c1-12)

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test fuzz lint format install migrate demo worker beat chaos lock lock-check compose-check clean messages

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] < (3, 11))' 2>/dev/null || { \
	  echo "Errata needs Python 3.11 or newer ('$(PYTHON)' is not); run: make run PYTHON=/path/to/python3"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python pyproject.toml $(LOCK)
	$(BIN)/python -m pip install --quiet --require-hashes -r $(LOCK)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

# A local .env for development, written once: DEBUG on and a secret key of its own, so that
# every management command works as the README writes it (the settings read .env; anything
# set in the environment wins). Never used in production: see .env.example.
.env: | $(BIN)/python
	@{ echo "# Written by make run for local development; production: see .env.example."; \
	   echo "DEBUG=true"; \
	   echo "SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))')"; } > .env
	@echo "Wrote .env (DEBUG on, a new SECRET_KEY) for local development."

# Zero setup: SQLite, tasks run in-process, mail to the console. Links (the demo's review page,
# emails) follow HOST and PORT.
run: export DEBUG ?= true
run: export SITE_URL ?= http://$(HOST):$(PORT)
run: $(STAMP) .env
	@command -v $${TESSERACT_BINARY:-tesseract} >/dev/null 2>&1 || echo "Tesseract is not \
	installed: frame checks (finding reported text on screen, checking fixes) are off. \
	Install it with: sudo apt-get install tesseract-ocr tesseract-ocr-eng"
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo
	@echo
	@echo "Errata is running at $(SITE_URL)/  (studio: /studio/, admin: /admin/, health: /healthz)"
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
	$(BIN)/python manage.py check_messages --fresh

# The translation catalogues (locale/<language>/LC_MESSAGES/django.po): every string marked in
# the source and templates, translations kept, then the .mo files compiled beside them. Both are
# committed, so `make run` needs no gettext; this target does (apt-get install gettext). Add a
# language: put it in LANGUAGES (reviewapp/settings.py), run `make messages LOCALE=xx`.
LOCALE ?=
messages: export SECRET_KEY ?= messages-only-secret-key
messages: $(STAMP)
	$(BIN)/python manage.py makemessages $(if $(LOCALE),--locale=$(LOCALE),--all) --no-obsolete \
	  --add-location=file --ignore="tests/*" --ignore="bench/*" --ignore="chaos/*" \
	  --ignore="docs/*" --ignore="deploy/*"
	$(BIN)/python manage.py compilemessages --ignore=".venv" --ignore="staticfiles"

format: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Every queue (production runs a worker per queue: docker-compose.yml, the README).
worker: $(STAMP)
	$(BIN)/celery -A reviewapp worker --queues=triage,bulk,outbound --loglevel=info

beat: $(STAMP)
	$(BIN)/celery -A reviewapp beat --loglevel=info

# Fault injection against real processes it starts on ports of its own (its own redis-server,
# gunicorn, nginx, Celery workers and beat) and a PostgreSQL database of its own (DATABASE_URL
# names the server): Redis down, workers killed, database connections dropped. Prints the
# counts before and after each fault. Bounded: CHAOS_BUDGET_S seconds in all.
chaos: export SECRET_KEY ?= chaos-only-secret-key
# The suite's own process runs no tasks through a broker (CI's is for the worker tests).
chaos: export CELERY_BROKER_URL =
chaos: export CACHE_URL =
chaos: $(STAMP)
	$(BIN)/python -m pytest chaos -p no:cacheprovider $(PYTEST_ARGS)

# Resolve pyproject.toml's dependencies into the lock files (every platform and Python from
# 3.11 on, with hashes). Pins already in the lock files are kept unless pyproject.toml moved.
lock: $(STAMP)
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	  --quiet --custom-compile-command "make lock" -o requirements/base.lock
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --quiet --custom-compile-command "make lock" -o requirements/dev.lock

# The lock files still say what pyproject.toml asks for (CI).
lock-check: $(STAMP)
	@tmp=$$(mktemp -d) && cp requirements/*.lock $$tmp/ && \
	$(BIN)/uv pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	  --quiet --custom-compile-command "make lock" -o $$tmp/base.lock && \
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes --quiet --custom-compile-command "make lock" -o $$tmp/dev.lock && \
	diff -u requirements/base.lock $$tmp/base.lock && diff -u requirements/dev.lock $$tmp/dev.lock && \
	echo "Lock files match pyproject.toml." || { echo "Run: make lock"; exit 1; }

# docker-compose.yml against the Compose specification's JSON schema (no Docker needed).
compose-check: $(STAMP)
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec docker-compose.yml

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache
