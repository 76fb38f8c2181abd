"""The one resource every Stockpilot step shares: where the landing folder and warehouse are."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines import config, warehouse
from pipelines.warehouse_lock import acquire, release

#: How long a step of a Dagster run waits for another run (``stockpilot run`` from cron, a
#: backtest) to release the warehouse before it fails saying who holds it, seconds.
STEP_LOCK_WAIT_SECONDS = 3600

#: Every step that opens the DuckDB file runs in this pool (limit 1 in dagster.yaml): DuckDB
#: allows one writer per file.
DUCKDB_POOL = "duckdb"


class StockpilotResource(dg.ConfigurableResource):
    """Paths and the as-of date of a run. ``as_of`` empty means the latest date in the data."""

    landing: str
    warehouse: str
    as_of: str = ""

    @classmethod
    def from_env(cls, landing: str | Path | None = None, warehouse_file: str | Path | None = None,
                 as_of: str | None = None) -> StockpilotResource:
        resolved_as_of = config.as_of_date(as_of)
        return cls(
            landing=str(config.landing_root(landing)),
            warehouse=str(config.warehouse_path(warehouse_file)),
            as_of=resolved_as_of.isoformat() if resolved_as_of else "",
        )

    @property
    def landing_path(self) -> Path:
        return Path(self.landing)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        # Each run, or each step process under the multiprocess executor, holds the warehouse lock
        # (pipelines.warehouse_lock): a second run waits instead of racing this one. Sensors load
        # the resource too, but only read the landing folder: they never wait for the lock.
        if context.dagster_run is None:
            return
        log = context.log.info if context.log else None
        acquire(self.warehouse, f"Dagster run {context.dagster_run.run_id[:8]} "
                f"({context.dagster_run.job_name})", STEP_LOCK_WAIT_SECONDS, on_wait=log)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if context.dagster_run is not None:
            release(self.warehouse)

    def connect(self, read_only: bool = False):
        return warehouse.connect(self.warehouse, read_only=read_only)

    def export_env(self) -> None:
        """Expose the warehouse path to dbt, whose profile reads STOCKPILOT_WAREHOUSE."""
        os.environ["STOCKPILOT_WAREHOUSE"] = self.warehouse
