"""The one resource every Stockpilot step shares: where the landing folder and warehouse are."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg

from pipelines import config, warehouse

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

    def connect(self, read_only: bool = False):
        return warehouse.connect(self.warehouse, read_only=read_only)

    def export_env(self) -> None:
        """Expose the warehouse path to dbt, whose profile reads STOCKPILOT_WAREHOUSE."""
        os.environ["STOCKPILOT_WAREHOUSE"] = self.warehouse
