# gridgov — `make demo` starts the demo district, `make test` runs every check. `make help` lists the rest.
#
# Install steps are stamped: the Python dependencies are reinstalled only when the pins in
# pyproject.toml change (stamp in .venv/), the front-end libraries only when package.json or
# package-lock.json changes (stamp in node_modules/).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PORT ?= 8000
VENV ?= .venv
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3 2>/dev/null)
PYTEST_ARGS ?=
VAR_DIR := $(or $(GRIDGOV_VAR_DIR),var)

PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
PY_STAMP := $(VENV)/.gridgov-installed
NPM_STAMP := node_modules/.gridgov-installed

# The pins live in pyproject.toml only; this turns [project] dependencies + the dev extra into a
# requirements list (the project itself is not a package, so it is not installed).
define REQUIREMENTS
import tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
print("\n".join(project["dependencies"] + project["optional-dependencies"]["dev"]))
endef
export REQUIREMENTS

# One line saying which database the tests use.
define DB_BANNER
from django.conf import settings
db = settings.DATABASES["default"]
if db["ENGINE"].endswith("postgresql"):
    where = f"{db.get('HOST') or 'local socket'}:{db.get('PORT') or 5432}"
    print(f"==> database: PostgreSQL '{db['NAME']}' on {where}; PostgreSQL-only tests run too")
else:
    print("==> database: SQLite (DATABASE_URL unset); PostgreSQL-only tests (marked postgres) are SKIPPED;"
          " run them with DATABASE_URL=postgresql://postgres@127.0.0.1:5432/gridgov make test")
endef
export DB_BANNER

.PHONY: help install demo run test test-slow bench messages translations clean distclean

help:
	@echo "make demo        install, build the demo district and serve it on http://127.0.0.1:$(PORT)/"
	@echo "make test        install, then ruff, migration check, translations and pytest (without tests marked slow)"
	@echo "make test-slow   the tests marked slow (they build the demo district); CI runs them after make test"
	@echo "make run         runserver and the Celery worker only (after make demo)"
	@echo "make bench       benchmarks under tests/bench"
	@echo "make messages    update locale/*/LC_MESSAGES/django.po from the sources (needs GNU gettext)"
	@echo "make clean       remove caches and build output (keeps .venv, node_modules and var/)"
	@echo "make distclean   clean, and remove .venv, node_modules and var/ (the demo database)"

# --- installation -------------------------------------------------------------------------

$(PY):
	@if [ -z "$(PYTHON)" ]; then echo "error: python3.11 (or python3) is not on PATH" >&2; exit 1; fi
	$(PYTHON) -m venv $(VENV)
	@$(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' \
		|| echo "warning: $(VENV) uses $$($(PY) -V); gridgov is pinned for Python 3.11" >&2

# pip runs only when the pinned lists differ from the last installed ones (or on a new .venv).
$(PY_STAMP): pyproject.toml | $(PY)
	@$(PY) -c "$$REQUIREMENTS" > $(VENV)/requirements.new
	@if [ -f $@ ] && cmp -s $(VENV)/requirements.new $(VENV)/requirements.txt; then \
		echo "Python dependencies unchanged"; \
	else \
		echo "$(PY) -m pip install -r $(VENV)/requirements.txt"; \
		$(PY) -m pip install --quiet --disable-pip-version-check -r $(VENV)/requirements.new; \
	fi
	@mv $(VENV)/requirements.new $(VENV)/requirements.txt
	@touch $@

$(NPM_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "error: npm is not on PATH (install Node.js)" >&2; exit 1; }
	npm ci --no-audit --no-fund
	@touch $@

install: $(PY_STAMP) $(NPM_STAMP)
	@mkdir -p "$(VAR_DIR)"

translations: install
	$(MANAGE) compile_translations

# --- the two commands of the README -------------------------------------------------------

demo run: export DJANGO_SETTINGS_MODULE := config.settings.local

# runserver, and beside it one Celery worker that embeds beat, so the periodic jobs (the case
# deadline sweep every minute) and queued tasks run without Redis or more services. Both run in
# the background of one shell that waits for either: Ctrl-C, SIGTERM to make (which make passes
# on to this shell) or either process ending stops the other too.
define SERVE
echo "==> serving on http://127.0.0.1:$(PORT)/ with a Celery worker and beat (deadline sweep every minute); Ctrl-C stops both"; \
$(VENV)/bin/celery -A config.celery_app worker --beat --pool=solo --loglevel=WARNING \
	--schedule "$(VAR_DIR)/celerybeat-schedule" & worker=$$!; \
$(MANAGE) runserver 127.0.0.1:$(PORT) & server=$$!; \
stop() { kill -TERM $$server $$worker 2>/dev/null || true; wait $$server $$worker 2>/dev/null || true; }; \
trap stop EXIT; trap 'exit 130' INT; trap 'exit 143' TERM; \
wait -n $$server $$worker
endef

demo: translations
	$(MANAGE) migrate --noinput
	$(MANAGE) createcachetable
	$(MANAGE) load_demo
	@$(SERVE)

run:
	@$(SERVE)

test test-slow bench: export DJANGO_SETTINGS_MODULE := config.settings.test

test: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) compile_translations
	@$(PY) -c "$$DB_BANNER"
	$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

test-slow: install
	$(MANAGE) compile_translations
	@$(PY) -c "$$DB_BANNER"
	$(PY) -m pytest -m slow $(PYTEST_ARGS)

bench: install
	@if [ ! -d tests/bench ]; then echo "make bench: tests/bench does not exist yet; nothing to run"; exit 0; fi; \
	$(PY) -c "$$DB_BANNER"; \
	rc=0; $(PY) -m pytest tests/bench -p no:cacheprovider -s -m bench $(PYTEST_ARGS) || rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "make bench: no benchmarks collected under tests/bench"; rc=0; fi; \
	exit $$rc

# --- translations and housekeeping --------------------------------------------------------

messages: install
	@command -v xgettext >/dev/null || { echo "error: makemessages needs GNU gettext (xgettext)" >&2; exit 1; }
	$(MANAGE) makemessages -l zh_Hans -l en --no-location \
		--ignore=.venv --ignore=node_modules --ignore=build --ignore=var --ignore=staticfiles --ignore=tests
	$(MANAGE) compile_translations

clean:
	rm -rf build staticfiles .pytest_cache .ruff_cache
	[ ! -d locale ] || find locale -name '*.mo' -delete
	find . \( -path ./.venv -o -path ./node_modules \) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +

distclean: clean
	rm -rf $(VENV) node_modules "$(VAR_DIR)"
