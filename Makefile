# Two commands: `make run` and `make test`. Everything they need is set up on the way.
SHELL := /bin/bash
.DEFAULT_GOAL := run

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages: WeasyPrint (pango, HarfBuzz subsetting for fast CJK PDFs), CJK fonts,
# pdftotext for PDF tests, chromium for browser tests, venv for the virtualenv.
DEB_PACKAGES := python3 python3-venv python3-dev build-essential libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 fonts-noto-cjk poppler-utils chromium libzbar0 postgresql-client
TEST_DATABASE_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/ipaid_test
# The suite runs on one worker per core (pytest-xdist; a module's tests stay on one worker), then
# the browser journeys likewise (each worker serving the demo from a live server and a database of
# its own). TEST_WORKERS=0 runs it all in this process.
TEST_WORKERS ?= auto
PYTEST_PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadgroup)
# The browser journeys and the tests that commit for real (marked e2e) run apart, after the rest: only the
# files that hold them are collected (collecting the others costs each process about 20 s, to deselect them).
# tests/conftest.py checks that every test marked e2e is in a file this finds.
E2E_FILES = $(shell grep -rlE 'pytest\.mark\.e2e' tests --include='test_*.py' | sort)
# Bytecode, and pytest's rewritten test modules and plugins, are cached under the virtualenv whatever the
# shell says (PYTHONDONTWRITEBYTECODE): without the cache every test process compiles them again, about
# 20 s each. Nothing is written in the source tree.
unexport PYTHONDONTWRITEBYTECODE
export PYTHONPYCACHEPREFIX := $(CURDIR)/$(VENV)/pycache
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test setup system-deps venv translations db-upgrade seed lint test-sqlite test-postgres serve clean static-gz

run: setup seed ## Set up, then serve on http://127.0.0.1:5000
	@$(BIN)/flask --app wsgi demo-accounts
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl-C to stop)"
	@$(BIN)/flask --app wsgi run --host $(HOST) --port $(PORT)

test: setup ## Set up, then lint and the whole suite on SQLite and on PostgreSQL
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory test-sqlite
	@$(MAKE) --no-print-directory test-postgres

setup: system-deps $(STAMP) translations static-gz db-upgrade

system-deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed$$' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "Installing Debian packages: $$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	  else \
	    echo "Missing Debian packages: $$missing"; \
	    echo "Install them with: sudo apt-get install $$missing"; exit 1; \
	  fi; \
	fi

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

venv: $(STAMP)

translations: $(STAMP)
	@$(BIN)/pybabel compile -d app/translations -D messages -f --statistics 2>&1 | grep -v '^$$' | sed 's/^/  /' || true
	@test -f app/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

static-gz: $(STAMP) ## <file>.gz beside each static CSS, JS and SVG file (sent to browsers that take gzip)
	@$(BIN)/python -m app.core.static_gzip

db-upgrade: $(STAMP)
	@$(BIN)/alembic upgrade head

seed: db-upgrade
	@$(BIN)/flask --app wsgi seed-demo --if-empty

test-sqlite: setup
	@echo "== Test suite on SQLite =="
	@TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e"
	@TEST_DATABASE_URL= $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m e2e $(E2E_FILES)

test-postgres: setup
	@if $(BIN)/python -c "import psycopg,sys; psycopg.connect('host=127.0.0.1 port=5432 user=postgres dbname=postgres', connect_timeout=3).close()" 2>/dev/null; then \
	  echo "== Test suite on PostgreSQL ($(TEST_DATABASE_URL)) =="; \
	  TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m "not e2e" && \
	  TEST_DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/python -m pytest $(PYTEST_PARALLEL) -m e2e $(E2E_FILES); \
	else \
	  echo "== PostgreSQL leg SKIPPED: no server answers on 127.0.0.1:5432 =="; \
	  if [ -n "$$REQUIRE_POSTGRES" ]; then echo "REQUIRE_POSTGRES is set: failing"; exit 1; fi; \
	fi

serve: setup ## Production-style: gunicorn (set APP_ENV=production, SECRET_KEY and DATABASE_URL)
	$(BIN)/gunicorn --workers 4 --bind $(HOST):$(PORT) wsgi:app

lint: $(STAMP)
	@$(BIN)/ruff check app tests bench config.py wsgi.py migrations

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

i18n-update: $(STAMP) ## Re-extract messages and update the Chinese catalog (then translate the new entries)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k lazy_pgettext:1c,2 -o app/translations/messages.pot --add-location=file --sort-output --project ipaid .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations -l zh_Hans_CN --no-fuzzy-matching
