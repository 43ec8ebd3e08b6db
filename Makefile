# Alliance: `make run` for the app with demo data, `make test` for the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP_ENV := PIP_BUILD_CONSTRAINT=$(CURDIR)/requirements/build-constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alliance
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check messages i18n-check venv dev-venv lock lock-upgrade clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install --quiet --upgrade pip

# Installs come only from the locks in requirements/, every file checked against its hash.
PIP_INSTALL := $(PIP_ENV) $(PY) -m pip install --quiet --require-hashes --no-deps

$(VENV)/.installed: requirements/local.txt requirements/build-constraints.txt | $(PY)
	$(PIP_INSTALL) -r requirements/local.txt
	touch $@

$(VENV)/.installed-dev: requirements/dev.txt requirements/build-constraints.txt | $(PY)
	$(PIP_INSTALL) -r requirements/dev.txt
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

# pyproject.toml names the top-level dependencies; `make lock` pins them and everything they
# need, with hashes, from PyPI, for the Python that runs it (3.11, as CI): requirements/main.txt
# (production), local.txt (+ `make run`'s PostgreSQL), dev.txt (+ tests and tools). It keeps
# existing pins; `make lock-upgrade` moves everything to the newest allowed versions.
LOCK_ENV := PIP_FIND_LINKS= PIP_EXTRA_INDEX_URL= PIP_CONSTRAINT= PIP_BUILD_CONSTRAINT=$(CURDIR)/requirements/build-constraints.txt
PIP_COMPILE = $(LOCK_ENV) $(VENV)/bin/pip-compile --quiet --generate-hashes --allow-unsafe \
  --strip-extras --no-emit-index-url --no-emit-find-links $(LOCK_ARGS) pyproject.toml

lock: | $(PY)
	$(PIP_ENV) $(PY) -m pip install --quiet "pip-tools>=7.4"
	$(PIP_COMPILE) -o requirements/main.txt
	$(PIP_COMPILE) --extra local -c requirements/main.txt -o requirements/local.txt
	$(PIP_COMPILE) --extra local --extra dev -c requirements/local.txt -o requirements/dev.txt

lock-upgrade:
	$(MAKE) lock LOCK_ARGS=--upgrade

# PostgreSQL (a private server in var/postgres/ unless DATABASE_URL is set), migrations, the demo
# practice, then the web server, a Celery worker and beat until Ctrl-C (config/devserver.py).
run: venv
	@$(PY) -m config.devserver run --host $(HOST) --port $(PORT)

test: dev-venv
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m config.services_check
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) \
	  $(PY) -m pytest --create-db $(PYTEST_ARGS)

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

check: dev-venv
	$(PY) manage.py makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) SECRET_KEY=$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))') \
	  FIELD_ENCRYPTION_KEYS=$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())') \
	  ALLOWED_HOSTS=alliance.example.org $(PY) manage.py check --deploy --fail-level WARNING
	$(MAKE) i18n-check

# The Spanish catalogue (docs/architecture.md, "Languages"; needs GNU gettext: apt-get install
# gettext). `messages` gathers every marked string into locale/es/LC_MESSAGES/django.po and
# compiles the .mo beside it (both are committed, so the app needs no gettext to run);
# `i18n-check` fails while a client-facing string has no Spanish or a fuzzy one.
MAKEMESSAGES_IGNORE := $(foreach d,.venv var staticfiles tests bench node_modules,--ignore=$(d) --ignore=$(d)/*)

messages: dev-venv
	$(PY) manage.py makemessages -l es --add-location=file --no-obsolete $(MAKEMESSAGES_IGNORE)
	msgfmt --check -o locale/es/LC_MESSAGES/django.mo locale/es/LC_MESSAGES/django.po

i18n-check: dev-venv
	$(PY) -m config.i18n_check

clean:
	rm -rf $(VENV) var staticfiles
