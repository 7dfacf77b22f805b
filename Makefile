# The two commands of the README: `make run` and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint test-embedded test-services system-deps clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || python3.11 -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

## Run the product on its embedded default (SQLite, no Redis, the emulator as identity provider).
run: $(STAMP)
	bin/run-dev.sh

## Lint (ruff, mypy), then the whole suite twice: embedded default, then PostgreSQL + Redis.
test: $(STAMP) system-deps lint test-embedded test-services

system-deps:
	bin/install-system-deps.sh
	bin/install-test-deps.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	env -u DATABASE_URL -u REDIS_URL -u REDIS_HOSTS -u REDIS_MODE \
	  DJANGO_SECRET_KEY=test-secret-key-not-for-production $(VENV)/bin/mypy

test-embedded: $(STAMP)
	env -u DATABASE_URL -u REDIS_URL -u REDIS_HOSTS -u REDIS_MODE \
	  DJANGO_SECRET_KEY=test-secret-key-not-for-production \
	  $(PY) -m pytest -m "not postgres and not redis" $(PYTEST_ARGS)

test-services: $(STAMP)
	DATABASE_URL=$${TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} \
	  REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/0} \
	  DJANGO_SECRET_KEY=test-secret-key-not-for-production \
	  $(PY) -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) var staticfiles
