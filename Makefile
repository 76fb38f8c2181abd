# Stockpilot — the README's commands. `make run` and `make test` work on a fresh machine that
# has only Python 3.11: they create .venv and install everything on first use.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
LANDING ?= $(or $(STOCKPILOT_LANDING),data/landing)
# Runs started by `make run` are recorded where `make ui` looks for them.
export DAGSTER_HOME ?= $(CURDIR)/.dagster

.PHONY: install run test ui lint demo-data bench docs clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	@touch $(STAMP)

install: $(STAMP)

demo-data: install
	$(BIN)/stockpilot demo-data --out $(LANDING)

run: install
	@if [ -z "$$(find $(LANDING) -type f 2>/dev/null | head -1)" ]; then \
		echo "No landing files in $(LANDING): generating the demo seller's files first."; \
		$(BIN)/stockpilot demo-data --out $(LANDING); \
	fi
	$(BIN)/stockpilot run --landing $(LANDING)

test: install
	$(BIN)/ruff check .
	$(BIN)/pytest

ui: install
	$(BIN)/stockpilot ui

# Times the nightly run at each of SKUS (comma-separated) x DAYS: a full night into an empty
# warehouse, then an incremental night with one new day of files, per step with peak memory
# (about an hour at the default sizes; `make bench SKUS=300` takes minutes). Then the forecasting
# step alone on FORECAST_SKUS next to a plain Prophet loop, and the replenishment plan on
# REPLENISHMENT_SKUS.
SKUS ?= 1000,3000,10000
DAYS ?= 730
FORECAST_SKUS ?= 10000
REPLENISHMENT_SKUS ?= 10000
bench: install
	$(BIN)/python -m benchmarks.pipeline --skus $(SKUS) --days $(DAYS)
	$(BIN)/python -m benchmarks.forecast_speed --skus $(FORECAST_SKUS) --days $(DAYS)
	$(BIN)/python -m benchmarks.replenishment_speed --skus $(REPLENISHMENT_SKUS)

lint: install
	$(BIN)/ruff check .

# dbt docs for the models (lineage, every table and column) as one static page beside the
# warehouse; columns come from the warehouse when it has been built (`make run`).
WAREHOUSE ?= $(or $(STOCKPILOT_WAREHOUSE),data/warehouse.duckdb)
DOCS_DIR ?= $(dir $(abspath $(WAREHOUSE)))dbt-docs
docs: install
	STOCKPILOT_WAREHOUSE=$(abspath $(WAREHOUSE)) $(BIN)/dbt docs generate --static --quiet \
		--project-dir dbt_project --profiles-dir dbt_project --target-path $(DOCS_DIR) \
		--log-path $(DOCS_DIR)/logs
	@echo "dbt docs: $(DOCS_DIR)/static_index.html (one file, opens offline)"

clean:
	rm -rf data .dagster dbt_project/target dbt_project/logs .pytest_cache
