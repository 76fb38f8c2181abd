"""Blocking great-expectations checks on every raw table: bad data stops the plans downstream.

Each check validates the rows loaded since its last passing run (``validate_new_rows``), so an
incremental night checks one day of rows, not two years."""


import dagster as dg

from orchestration.ingest import raw_key
from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines import contract
from pipelines.ingest.expectations import SuiteOutcome, validate_new_rows


def _description(outcome: SuiteOutcome) -> str:
    if not outcome.success:
        failed = outcome.failed
        return (f"{len(failed)} of {len(outcome.expectations)} expectations failed ({outcome.scope}): "
                + "; ".join(f"{r.column} {r.expectation} ({r.unexpected_count} rows)"
                            for r in failed.itertuples()))
    if not outcome.rows_checked:
        return f"no rows loaded since the last passing check ({outcome.rows_in_table} rows validated before)"
    return (f"{len(outcome.expectations)} expectations passed on {outcome.rows_checked} rows "
            f"({outcome.scope})")


def _contract_check(feed: contract.Feed) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(feed),
        name="contract_expectations",
        description="great-expectations suite from the landing contract: required values present, "
                    "allowed values, minimums, plausible dates, references that exist; run over the "
                    "rows loaded since the last passing check (the whole table when a reference "
                    "value was removed or the contract changed).",
        blocking=True,
        pool=DUCKDB_POOL,
    )
    def _check(stockpilot: StockpilotResource) -> dg.AssetCheckResult:
        # Writable: a passing check records what it validated (raw._validated_loads).
        with stockpilot.connect() as con:
            outcome = validate_new_rows(con, feed)
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=_description(outcome),
            metadata={
                "rows_checked": outcome.rows_checked,
                "rows_in_table": outcome.rows_in_table,
                "scope": outcome.scope,
                "expectations": markdown_table(outcome.expectations, max_rows=100),
                "failing_rows": markdown_table(outcome.failing_rows, max_rows=50),
            },
        )

    return _check


raw_checks = [_contract_check(feed) for feed in contract.ALL_FEEDS + contract.REPORT_FEEDS]
