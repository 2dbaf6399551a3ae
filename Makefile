# Two commands on a fresh machine: `make run` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# pytest-xdist worker processes (one per CPU); `make pytest PYTEST_WORKERS=0` runs the suite in one process
PYTEST_WORKERS ?= auto

.PHONY: run test lint typecheck pytest install clean

run: $(VENV)/.installed
	$(BIN)/digit demo

test: lint typecheck pytest

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests bench migrations

typecheck: $(VENV)/.installed
	$(BIN)/mypy

pytest: $(VENV)/.installed
	$(BIN)/pytest -n $(PYTEST_WORKERS)

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

clean:
	rm -rf $(VENV) var .mypy_cache .pytest_cache .ruff_cache
