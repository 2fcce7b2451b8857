# One command for what CI checks: lint, types, tests.
PY ?= .venv/bin/python

.PHONY: check lint types test
check: lint types test

lint:
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

types:
	$(PY) -m mypy

test:
	$(PY) -m pytest
