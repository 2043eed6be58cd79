# QMS: `make run` serves the app with demo data; `make test` runs every test. Both set up what they need.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
HOST ?= 127.0.0.1
PORT ?= 5000
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# fonts-noto-cjk: Chinese glyphs in PDFs; libharfbuzz-subset0: fast CJK font subsetting in WeasyPrint;
# poppler-utils: pdftotext/pdftoppm for PDF checks; Pango: WeasyPrint's text layout; chromium: the browser tests.
APT_PACKAGES := fonts-noto-cjk libharfbuzz-subset0 poppler-utils libpango-1.0-0 libpangoft2-1.0-0
APT_TEST_PACKAGES := chromium

.PHONY: run serve test bench setup setup-test system-packages system-packages-test translations migrate extract-messages clean

run: setup migrate
	@$(FLASK) qms seed-demo --if-empty
	@$(FLASK) qms search ensure
	@echo ""
	@echo "QMS is starting on http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo "Demo logins (role, username / password):"
	@$(FLASK) qms demo-logins
	@echo ""
	@# The web server and one job worker together; Ctrl-C (or either one ending) stops both.
	@trap 'kill $$web $$worker 2>/dev/null; wait' EXIT INT TERM; \
	$(FLASK) qms worker --workers 1 & worker=$$!; \
	$(FLASK) run --host $(HOST) --port $(PORT) & web=$$!; \
	wait -n $$web $$worker

# Production: no demo data; gunicorn (gunicorn.conf.py, QMS_BIND, QMS_WEB_WORKERS ...) and the job workers
# (QMS_JOB_WORKERS) together until Ctrl-C or TERM (scripts/serve.sh). README: "Serving in production".
serve: setup migrate
	@$(FLASK) qms search ensure
	@$(BIN)/python -c "import sys; from sqlalchemy import select; from wsgi import app; from qms.extensions import db; \
		from qms.auth.models import User; from qms.spine.access import Role; app.app_context().push(); \
		sys.exit(0 if db.session.scalar(select(User.id).where(User.role == Role.ADMIN, User.active).limit(1)) else 1)" \
		|| echo "No admin yet: create one with  $(FLASK) qms create-user USERNAME --role admin"
	@echo "QMS is serving on http://$${QMS_BIND:-127.0.0.1:8000}/  (Ctrl-C stops it)"
	@scripts/serve.sh

test: setup-test
	$(BIN)/ruff check qms tests benchmarks scripts wsgi.py gunicorn.conf.py
	$(BIN)/bandit -q -r qms -ll
	$(BIN)/python scripts/audit_dependencies.py
	$(BIN)/pytest
	@if [ -n "$$QMS_TEST_POSTGRES_URL" ]; then \
		echo "== again on PostgreSQL ($$QMS_TEST_POSTGRES_URL) =="; \
		QMS_TEST_DATABASE_URL="$$QMS_TEST_POSTGRES_URL" $(BIN)/pytest; \
	fi

# Page timings as ratios to a baseline page in the same process (see benchmarks/).
bench: setup
	$(BIN)/python benchmarks/bench_pages.py
	$(BIN)/python benchmarks/bench_checklist.py
	$(BIN)/python benchmarks/bench_initiatives.py
	$(BIN)/python benchmarks/bench_benchmarking.py
	$(BIN)/python benchmarks/bench_drills.py
	$(BIN)/python benchmarks/bench_surveys.py
	$(BIN)/python benchmarks/bench_search.py
	$(BIN)/python benchmarks/bench_dossier.py

setup: $(VENV)/.installed system-packages translations

setup-test: setup system-packages-test

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,serve]'
	@touch $@

define apt_install
	@missing=""; for package in $(1); do dpkg -s $$package >/dev/null 2>&1 || missing="$$missing $$package"; done; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
	fi
endef

system-packages:
	$(call apt_install,$(APT_PACKAGES))

system-packages-test:
	$(call apt_install,$(APT_TEST_PACKAGES))

translations: $(VENV)/.installed
	@$(BIN)/pybabel compile --statistics -d qms/translations

migrate: setup
	$(FLASK) db upgrade

# For developers: refresh the catalogues after changing user-visible strings.
extract-messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o qms/translations/messages.pot --no-location --sort-output --ignore-dirs=".* __pycache__" .
	$(BIN)/pybabel update -i qms/translations/messages.pot -d qms/translations --no-fuzzy-matching --width 120

clean:
	rm -rf $(VENV) build *.egg-info
