"""Planning steps keep their tables when their inputs did not change (``pipelines.fingerprints``).

Each planning asset reads its inputs, fingerprints them with its settings, and either keeps its
tables (``kept``: the same inputs would write the same rows) or replaces them and records the
new fingerprint (``write_planned``). Its metadata says which (``recomputed``).
"""

from __future__ import annotations

from collections.abc import Mapping

import dagster as dg
import duckdb
import pandas as pd

from orchestration.metadata import markdown_table
from orchestration.resources import StockpilotResource
from pipelines.fingerprints import Stored, forget_fingerprint, record_fingerprint, stored_fingerprint
from pipelines.warehouse import replace_tables, table_exists


def unchanged(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str, tables: list[str]) -> Stored | None:
    """What the step recorded when its tables were written from the same inputs, or None."""
    stored = stored_fingerprint(con, step)
    if stored is None or stored.fingerprint != fingerprint:
        return None
    return stored if all(table_exists(con, "marts", t) for t in tables) else None


def kept(con: duckdb.DuckDBPyConnection, tables: Mapping[str, dg.AssetKey], stored: Stored,
         extra: Mapping[str, dict] | None = None) -> list[dg.MaterializeResult]:
    """Materializations of tables kept as they were, with their row counts and a preview."""
    results = []
    for name, key in tables.items():
        rows = con.execute(f'SELECT count(*) FROM marts."{name}"').fetchone()[0]
        preview = con.execute(f'SELECT * FROM marts."{name}" LIMIT 10').df()
        results.append(dg.MaterializeResult(asset_key=key, metadata={
            "dagster/row_count": dg.MetadataValue.int(rows),
            "table": dg.MetadataValue.text(f"marts.{name}"),
            "recomputed": False,
            "kept_because": f"inputs and settings unchanged since {stored.written_at} UTC",
            **(extra or {}).get(name, {}),
            "preview": markdown_table(preview),
        }))
    return results


def write_planned(stockpilot: StockpilotResource, step: str, fingerprint: str, as_of,
                  frames: dict[str, pd.DataFrame], outcome: dict | None = None) -> dict[str, int]:
    """Replace the step's tables in one transaction; the fingerprint is forgotten before and
    recorded after, so a crash between them makes the next run recompute."""
    with stockpilot.connect() as con:
        forget_fingerprint(con, step)
        rows = replace_tables(con, "marts", frames)
        record_fingerprint(con, step, fingerprint, as_of, outcome)
    return rows
