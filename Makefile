# Two commands do all the set-up on a fresh Debian/Ubuntu machine:
#   make run    venv, dependencies, system packages, migrate, demo data, serve on 127.0.0.1:8000
#   make test   the same set-up, then ruff, mypy, makemigrations --check and the whole test suite
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
BOOTSTRAP_VERSION := 5.3.8
BOOTSTRAP_CSS := $(VENV)/vendor/node_modules/bootstrap/dist/css/bootstrap.min.css
# Debian packages the app needs at run time and in tests:
#   libharfbuzz-subset0: WeasyPrint subsets fonts with it (without it a Japanese PDF takes 11 s)
#   fonts-*: the Japanese fonts the PDF names explicitly; poppler-utils: pdftoppm/pdffonts
#   chromium: browser tests (Playwright drives Debian's Chromium; `playwright install` cannot work here)
#   nginx: serves the public tree (deploy/nginx.conf; tests start their own on a free port)
#   wrk: bench/bench_static.py's load generator
#   postgresql-client: pg_dump/pg_restore/psql for manage.py backup and restore
#   opus-tools: opusenc encodes the spoken pages (読み上げ) as Ogg Opus
SYSTEM_PACKAGES := libharfbuzz-subset0 fonts-morisawa-bizud-mincho fonts-morisawa-bizud-gothic \
	fonts-ipaexfont poppler-utils chromium libpango-1.0-0 libpangoft2-1.0-0 nginx wrk \
	opus-tools \
	postgresql-client

RUN_ENV := DEBUG=$${DEBUG:-1}
# pytest's options in `make test`. In parallel (pytest-xdist: one worker per core, each
# test module whole on one worker, so a module's shared demo is loaded once):
#   make test PYTEST_ARGS="-n auto --dist loadfile"
# Serial by default until the parallel suite has had two green whole runs per database
# (issue 13); then this default becomes `-n auto --dist loadfile` (serial: -n0).
PYTEST_ARGS ?=
# apt-get waits up to 10 minutes for another apt/dpkg run to release its lock
# (instead of failing with "Could not get lock /var/lib/dpkg/lock-frontend").
APT_GET := apt-get -o DPkg::Lock::Timeout=600 -y -q

.PHONY: help run test lint setup system-packages venv vendor migrate demo

help:
	@echo "make run   - set up everything, load the demo and serve on http://127.0.0.1:8000/"
	@echo "make test  - set up everything and run ruff, makemigrations --check and pytest"
	@echo "make lint  - ruff check and ruff format --check"

system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "install ok installed" || echo $$p; done); \
	if [ -z "$$missing" ]; then exit 0; fi; \
	missing=$$(echo $$missing); \
	echo "Installing system packages: $$missing"; \
	if [ "$$(id -u)" = 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else \
		echo "Cannot install $$missing (not root, no sudo): install them with apt-get." >&2; exit 1; fi; \
	export DEBIAN_FRONTEND=noninteractive; \
	$$SUDO $(APT_GET) install --no-install-recommends $$missing >/dev/null 2>&1 || \
	{ $$SUDO $(APT_GET) update >/dev/null 2>&1 && \
	  $$SUDO $(APT_GET) install --no-install-recommends $$missing >/dev/null 2>&1; } || \
	{ echo "apt-get could not install: $$missing" >&2; exit 1; }

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements.txt
	touch $@

venv: $(VENV)/.installed

# Bootstrap comes from the npm registry into .venv/vendor and is served by WhiteNoise:
# never a CDN, so the app works on a closed network once set up.
$(BOOTSTRAP_CSS):
	mkdir -p $(VENV)/vendor
	command -v npm >/dev/null || { [ "$$(id -u)" = 0 ] && SUDO="" || SUDO=sudo; \
		echo "Installing system package: npm"; \
		DEBIAN_FRONTEND=noninteractive $$SUDO $(APT_GET) install npm >/dev/null 2>&1; }
	npm install --prefix $(VENV)/vendor --no-audit --no-fund --no-save bootstrap@$(BOOTSTRAP_VERSION) >/dev/null

vendor: $(BOOTSTRAP_CSS)

setup: system-packages venv vendor

migrate: setup
	$(RUN_ENV) $(PY) manage.py migrate --noinput -v0

demo: migrate
	$(RUN_ENV) $(PY) manage.py load_demo
	$(RUN_ENV) $(PY) manage.py build_site

run: demo
	@echo "Serving on http://127.0.0.1:8000/ (staff: http://127.0.0.1:8000/staff/)"
	$(RUN_ENV) $(PY) manage.py runserver 127.0.0.1:8000

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

test: setup lint
	DEBUG=1 $(VENV)/bin/mypy
	DEBUG=1 $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest -q $(PYTEST_ARGS)
