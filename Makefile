# Alliance: `make run` for the app with demo data, `make test` for the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP_ENV := PIP_BUILD_CONSTRAINT=$(CURDIR)/requirements/build-constraints.txt PIP_DISABLE_PIP_VERSION_CHECK=1
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/alliance
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check venv dev-venv clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP_ENV) $(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml requirements/build-constraints.txt | $(PY)
	$(PIP_ENV) $(PY) -m pip install --quiet ".[local]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml requirements/build-constraints.txt | $(PY)
	$(PIP_ENV) $(PY) -m pip install --quiet ".[dev]"
	touch $@ $(VENV)/.installed

venv: $(VENV)/.installed
dev-venv: $(VENV)/.installed-dev

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
	  ALLOWED_HOSTS=alliance.example.org $(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) var staticfiles
