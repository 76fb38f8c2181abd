"""The one resource every Stockpilot step shares: where the landing folder and warehouse are."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

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
    # the lock of a step of a Dagster run, taken on first use of the warehouse (setup_for_execution)
    _lock_purpose: str | None = PrivateAttr(default=None)
    _lock_log: Callable[[str], None] | None = PrivateAttr(default=None)
    _lock_taken: bool = PrivateAttr(default=False)

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
        # A step of a Dagster run takes the warehouse lock (pipelines.warehouse_lock) the first
        # time it opens the warehouse, not when it starts: under the multiprocess executor every
        # step is its own process, and the forecast shards, which never open the file, would
        # otherwise wait for each other instead of running in parallel. A second run's steps wait
        # instead of racing this one. Sensors load the resource too, but only read the landing
        # folder: they never wait for the lock.
        if context.dagster_run is None:
            return
        self._lock_purpose = (f"Dagster run {context.dagster_run.run_id[:8]} "
                              f"({context.dagster_run.job_name})")
        self._lock_log = context.log.info if context.log else None

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._lock_taken:
            release(self.warehouse)
            self._lock_taken = False

    def _hold_lock(self) -> None:
        if self._lock_purpose is not None and not self._lock_taken:
            acquire(self.warehouse, self._lock_purpose, STEP_LOCK_WAIT_SECONDS, on_wait=self._lock_log)
            self._lock_taken = True

    def connect(self, read_only: bool = False):
        self._hold_lock()
        return warehouse.connect(self.warehouse, read_only=read_only)

    def export_env(self) -> None:
        """Expose the warehouse path to dbt, whose profile reads STOCKPILOT_WAREHOUSE (dbt is about
        to open the warehouse, so the step holds the lock from here)."""
        self._hold_lock()
        os.environ["STOCKPILOT_WAREHOUSE"] = self.warehouse
