# Developer entry points. Everything runs through .venv/bin/... so no shell
# activation is needed, and one venv (runtime + [test] extras) serves all targets.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.DEFAULT_GOAL := help
.PHONY: help venv install run test lint messages bench clean

help:
	@echo "make run       install, migrate, load demo data, serve on http://$(HOST):$(PORT)/"
	@echo "make test      the whole suite (scripts/test-all.sh): lint, SQLite, PostgreSQL, browser"
	@echo "make lint      ruff check + ruff format --check"
	@echo "make messages  re-extract and compile translations (zh_Hans, en)"
	@echo "make bench     run the benchmarks (bench/)"
	@echo "make install   create/refresh .venv"
	@echo "make clean     delete var/ (local database, keys, media)"

venv install: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# The stamp makes a second `make run` skip pip entirely; editing pyproject.toml
# (new dependency) triggers a reinstall.
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# exec so Ctrl-C / SIGTERM reach the server directly instead of a wrapping shell.
run: install
	$(BIN)/fangkong migrate --noinput
	$(BIN)/fangkong demo
	exec $(BIN)/fangkong serve --host '$(HOST)' --port '$(PORT)'

test:
	bash scripts/test-all.sh

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# makemessages needs GNU gettext (xgettext, msgmerge); fetch it if absent.
messages: install
	@command -v xgettext >/dev/null 2>&1 || bash scripts/system-deps.sh gettext
	$(BIN)/fangkong makemessages -l zh_Hans -l en --no-location --ignore '.venv/*' --ignore 'var/*'
	$(BIN)/fangkong compilemessages --ignore .venv

bench: install
	@if [ -f bench/__main__.py ]; then \
		$(BIN)/python -m bench; \
	else \
		echo "bench/__main__.py not found: no benchmarks to run"; \
	fi

# A throwaway test cluster's state lives in var/; stop it first so it is not orphaned.
clean:
	@if [ -f var/pg-test.env ]; then bash scripts/pg-test.sh stop; fi
	rm -rf var/
