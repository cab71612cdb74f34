# The two commands: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
export UV_PYTHON_DOWNLOADS := never
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install run test chromium lock lint migrate demo bench clean backup restore backup-check

$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	$(UV) pip install --quiet --python $(PY) -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed .secret_key  ## create .venv, install pinned dependencies

# A random key of this checkout only, so that every command works without exporting one
# (cadm.settings reads it when SECRET_KEY is unset). Never committed, never in an image.
.secret_key:
	umask 077 && $(PYTHON) -c 'import secrets; print(secrets.token_urlsafe(50))' > $@

migrate: install
	DEBUG=$${DEBUG:-True} $(PY) manage.py migrate --noinput

demo: migrate
	DEBUG=$${DEBUG:-True} $(PY) manage.py load_demo

run: demo  ## SQLite (unless DATABASE_URL is set), demo cohort and users, dev server
	DEBUG=$${DEBUG:-True} $(PY) manage.py runserver $(HOST):$(PORT)

chromium:  ## Debian's Chromium for the browser tests (never `playwright install`)
	@test -x /usr/bin/chromium || { \
	  echo "Installing Debian's chromium for the browser tests"; \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
	  || { echo "Could not install chromium; run as root or install it yourself."; exit 1; }; }

test: install chromium  ## the whole suite; PostgreSQL/Redis when DATABASE_URL/CELERY_BROKER_URL are set
	$(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .

lock: install  ## recompile the pins from pyproject.toml (no registry addresses are written)
	$(UV) pip compile pyproject.toml -o requirements.txt --no-header --quiet
	$(UV) pip compile pyproject.toml --extra dev -o requirements-dev.txt --no-header --quiet

backup: install  ## pg_dump (custom format) of DATABASE_URL to BACKUP_FILE (default backups/)
	scripts/db_backup

restore: install  ## make restore BACKUP=FILE: into an empty DATABASE_URL (RESTORE_OVER=yes to replace)
	scripts/db_restore

backup-check: install  ## round trip on scratch databases: row counts and flag checksum equal
	scripts/backup_roundtrip

clean:
	rm -rf $(VENV) staticfiles db.sqlite3

# Needs DATABASE_URL (PostgreSQL: a database of its own is created there and dropped) and
# CELERY_BROKER_URL (Redis); BENCH_SIZE patients. Method and results: docs/benchmarks.md.
BENCH_SIZE ?= 10000
bench: install  ## benchmarks: ratios measured in the same run, never absolute timings
	$(PY) bench/bench_engine.py
	BENCH_SIZE=$(BENCH_SIZE) $(PY) bench/run.py
