# Guichet — the two everyday commands are `make run` and `make test`.
# System packages come from `make deps` (run automatically when you are root).

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-$(shell cat requirements.txt requirements-dev.txt requirements-ldap.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# Links in the emails sent by `make run` must point at the server it starts.
SITE_URL ?= http://$(HOST):$(PORT)
# Debian/Ubuntu packages: Chromium for browser tests, fonts and Pango for PDFs, gettext for translations,
# poppler-utils (pdftoppm) and libzbar0 (pyzbar) to check the receipts' QR codes in tests, dovecot-imapd
# for the IMAP tests (each test run starts its own server on a free port); tesseract-ocr and its French model
# for the mail room's OCR (optional at run time: without them scans are kept, marked "OCR unavailable");
# nginx-light to check deploy/nginx/ (`nginx -t`, and served in front of gunicorn on free ports by the tests);
# libldap2-dev, libsasl2-dev, python3-dev and build-essential to build python-ldap (requirements-ldap.txt: agents' LDAP sign-in), slapd and ldap-utils for its tests
# (each test starts its own slapd on a free port; the package's own server is not used).
APT_PACKAGES := python3-venv chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 gettext poppler-utils libzbar0 dovecot-imapd tesseract-ocr tesseract-ocr-fra tesseract-ocr-osd nginx-light libldap2-dev libsasl2-dev python3-dev build-essential slapd ldap-utils

.PHONY: deps setup run worker test lint format messages clean

## deps: install the system packages (needs root or sudo)
deps:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -z "$$missing" ]; then echo "Paquets système : déjà installés."; exit 0; fi; \
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	echo "Installation de : $$missing"; \
	$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing

# As root (containers, CI), missing system packages are installed on the way; otherwise we say what to run.
.deps-checked:
	@missing=$$(for p in $(APT_PACKAGES); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q "ok installed" || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = 0 ]; then $(MAKE) --no-print-directory deps; \
		else echo "Paquets système manquants : $$missing — lancez d'abord : sudo make deps"; exit 1; fi; \
	fi

$(STAMP): requirements.txt requirements-dev.txt requirements-ldap.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -r requirements-dev.txt
	@rm -f $(VENV)/.installed-*
	@touch $@

## setup: virtualenv, Python packages, database schema, static files
setup: .deps-checked $(STAMP)
	@$(PY) manage.py migrate --noinput -v0
	@$(PY) manage.py createcachetable
	@$(PY) manage.py collectstatic --noinput -v0

## run: web server and task worker on http://$(HOST):$(PORT) (Ctrl-C stops both)
run: export SITE_URL := $(SITE_URL)
run: setup
	@$(PY) manage.py seed_demo --if-empty
	@echo ""; echo "Guichet : http://$(HOST):$(PORT)/  (Ctrl-C pour arrêter)"; echo ""
	@$(PY) manage.py guichet_worker --no-reload --no-startup-delay & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	$(PY) manage.py runserver $(HOST):$(PORT)

## worker: the task worker alone, with crash recovery (production runs it as a service, several if needed)
worker: setup
	$(PY) manage.py guichet_worker --no-reload

## test: the whole suite (set DATABASE_URL=postgres://… to run it on PostgreSQL)
test: .deps-checked $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

## lint: ruff checks and formatting, types (mypy with django-stubs, the whole package), migrations in sync
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PY) manage.py makemigrations --check --dry-run -v0

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

## messages: update and compile the translation catalogues
messages: $(STAMP)
	$(PY) manage.py makemessages -l en --no-obsolete -i ".venv/*" -i "var/*" -i "tests/*" -i "bench/*"
	$(PY) manage.py compilemessages -l en -l fr -i .venv

clean:
	rm -rf $(VENV) var/static var/test-results
