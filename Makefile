# Two commands for a new user: `make demo` and `make test`. Everything else is a helper.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DATA ?= ../shared/data
DATA_DIR ?= data

.PHONY: demo test lint typecheck unit postgres bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip==25.3

# PyICU has no wheels: the shim (a package named pyicu) brings the prebuilt pyicu-wheels first,
# so installing the project compiles nothing
$(STAMP): pyproject.toml scripts/pyicu-shim/pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet ./scripts/pyicu-shim
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/liaison demo --data-dir $(DATA_DIR) --shared-data $(DATA)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

postgres:
	@scripts/ensure-postgres.sh

unit: $(STAMP) postgres
	$(BIN)/pytest -q -m "not slow" -n 2

test: lint typecheck unit

bench: $(STAMP)
	$(BIN)/python -m bench.run_all

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache
