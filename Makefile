# kzdeals: `make run` serves the site with the dataset loaded, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM := /usr/bin/chromium

.PHONY: run test serve lint format migrations-check pytest chromium gettext messages catalogues bench dataset clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime-installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

# The catalogues' .po files (locale/, committed) compiled into the .mo files Django reads (git-ignored).
messages: $(VENV)/.runtime-installed gettext
	$(BIN)/python manage.py compilemessages --ignore=.venv --ignore=staticfiles --verbosity 0

# The catalogues brought up to date with the code (new strings added, untranslated; gone ones marked obsolete).
catalogues: $(VENV)/.runtime-installed gettext
	$(BIN)/python manage.py makemessages -l ru -l kk --no-location --ignore=.venv --ignore=staticfiles \
		--ignore=tests --ignore=bench

dataset: $(VENV)/.runtime-installed messages
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py load_register
	$(BIN)/python manage.py ensure_admin

run: dataset
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Production-style server: gunicorn, static files collected and served by whitenoise.
serve: dataset
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(BIN)/python manage.py collectstatic --no-input --verbosity 0
	DJANGO_DEBUG=$${DJANGO_DEBUG:-false} $(BIN)/gunicorn kzdeals.wsgi --bind $(HOST):$(PORT) \
		--workers $${WEB_CONCURRENCY:-2} --forwarded-allow-ips "127.0.0.1"

chromium:
	@test -x $(CHROMIUM) || { command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-dejavu-core); } \
		|| { echo "Browser tests need Debian's Chromium at $(CHROMIUM): apt-get install chromium"; exit 1; }

# msgfmt, which compilemessages runs: Debian's gettext, installed only when missing.
gettext:
	@command -v msgfmt >/dev/null || { command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext); } \
		|| { echo "The catalogues need gettext's msgfmt: apt-get install gettext"; exit 1; }

lint: $(VENV)/.dev-installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev-installed
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrations-check: $(VENV)/.dev-installed
	$(BIN)/python manage.py makemigrations --check --dry-run

pytest: $(VENV)/.dev-installed chromium messages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test: lint migrations-check pytest

# Datasette, the comparison, lives in its own environment so its pins never meet the project's.
bench/.venv/.installed: bench/requirements.txt
	$(PYTHON) -m venv bench/.venv
	bench/.venv/bin/pip install --quiet -r bench/requirements.txt
	touch $@

bench: $(VENV)/.dev-installed bench/.venv/.installed
	@command -v wrk >/dev/null || { command -v apt-get >/dev/null && \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk); } \
		|| echo "wrk not found: bench/run.py falls back to its Python load generator"
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
