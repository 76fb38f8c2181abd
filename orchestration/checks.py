"""Blocking great-expectations checks on every raw table: bad data stops the plans downstream."""


import dagster as dg

from orchestration.ingest import raw_key
from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines import contract
from pipelines.ingest.expectations import validate_raw_table


def _contract_check(feed: contract.Feed) -> dg.AssetChecksDefinition:
    @dg.asset_check(
        asset=raw_key(feed),
        name="contract_expectations",
        description="great-expectations suite from the landing contract: required values present, "
                    "allowed values, minimums, plausible dates, references that exist.",
        blocking=True,
        pool=DUCKDB_POOL,
    )
    def _check(stockpilot: StockpilotResource) -> dg.AssetCheckResult:
        with stockpilot.connect(read_only=True) as con:
            outcome = validate_raw_table(con, feed)
        failed = outcome.failed
        return dg.AssetCheckResult(
            passed=outcome.success,
            severity=dg.AssetCheckSeverity.ERROR,
            description=(f"{len(outcome.expectations)} expectations passed on {outcome.rows_checked} rows"
                         if outcome.success else
                         f"{len(failed)} of {len(outcome.expectations)} expectations failed: "
                         + "; ".join(f"{r.column} {r.expectation} ({r.unexpected_count} rows)"
                                     for r in failed.itertuples())),
            metadata={
                "rows_checked": outcome.rows_checked,
                "expectations": markdown_table(outcome.expectations, max_rows=100),
                "failing_rows": markdown_table(outcome.failing_rows, max_rows=50),
            },
        )

    return _check


raw_checks = [_contract_check(feed) for feed in contract.ALL_FEEDS + contract.REPORT_FEEDS]
