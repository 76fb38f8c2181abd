"""An incremental night (one new day of files after a full run) builds exactly what a full
rebuild from the same raw tables builds, and validates only the new rows."""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines import contract
from pipelines.config import load_config
from pipelines.demo import generate_demo
from pipelines.ingest import ingest_feed, ingest_reference
from pipelines.ingest.expectations import validate_new_rows
from tests.dbt.fixture_warehouse import run_dbt

pytestmark = pytest.mark.integration

LAST_DAY = date(2026, 10, 31)
FIRST_NIGHT = datetime(2026, 10, 31, 2, 0, tzinfo=UTC)
SECOND_NIGHT = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)


def _ingest(warehouse: Path, landing: Path, now: datetime) -> None:
    timezone = load_config().timezone
    with duckdb.connect(str(warehouse)) as con:
        for schema in ("raw", "quarantine"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        ingest_reference(con, landing, timezone=timezone, now=now)
        for feed in contract.EVENT_FEEDS + contract.REPORT_FEEDS:
            ingest_feed(con, landing, feed, timezone=timezone, now=now)


def _dbt_build(warehouse: Path, work: Path, *extra: str) -> None:
    result = run_dbt(["build", *extra], warehouse, work)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]


def _tables(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Every dbt table, with the select list that compares it: floating-point columns rounded to
    1e-9, since a sum's last bits depend on the order rows reach it."""
    columns: dict[str, list[str]] = {}
    for schema, table, column, data_type in con.execute(
            "SELECT c.table_schema, c.table_name, c.column_name, c.data_type "
            "FROM information_schema.columns c JOIN information_schema.tables t "
            "USING (table_catalog, table_schema, table_name) "
            "WHERE c.table_schema IN ('intermediate', 'marts') AND t.table_type = 'BASE TABLE' "
            "AND c.table_catalog = current_database() ORDER BY 1, 2, c.ordinal_position").fetchall():
        expression = f'round("{column}", 9)' if data_type in ("DOUBLE", "FLOAT") else f'"{column}"'
        columns.setdefault(f"{schema}.{table}", []).append(expression)
    return {table: ", ".join(select) for table, select in columns.items()}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    """The demo's history up to the day before LAST_DAY, built; then LAST_DAY's files, ingested
    and built incrementally; and a copy of those raw tables rebuilt with --full-refresh."""
    root = tmp_path_factory.mktemp("incremental")
    landing, held_back = root / "landing", root / "held-back"
    summary = generate_demo(landing, skus=12, days=75, seed=11, end=LAST_DAY, daily_files_from=LAST_DAY)
    new_day = [p for p in summary.files if p.stem.endswith(LAST_DAY.isoformat())]
    assert new_day, "the demo wrote no file for its last day"
    for path in new_day:
        (held_back / path.relative_to(landing)).parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, held_back / path.relative_to(landing))
    warehouse = root / "wh.duckdb"
    _ingest(warehouse, landing, FIRST_NIGHT)
    _dbt_build(warehouse, root / "dbt")
    with duckdb.connect(str(warehouse)) as con:
        first = {feed.name: validate_new_rows(con, feed, FIRST_NIGHT) for feed in contract.EVENT_FEEDS}
    for path in new_day:
        shutil.move(held_back / path.relative_to(landing), path)
    _ingest(warehouse, landing, SECOND_NIGHT)
    with duckdb.connect(str(warehouse)) as con:
        second = {feed.name: validate_new_rows(con, feed, SECOND_NIGHT) for feed in contract.EVENT_FEEDS}
    full = root / "full.duckdb"
    shutil.copy(warehouse, full)
    _dbt_build(warehouse, root / "dbt")
    _dbt_build(full, root / "dbt-full", "--full-refresh")
    return warehouse, full, first, second


def test_incremental_night_builds_every_table_as_a_full_rebuild_does(nights):
    incremental, full, _, _ = nights
    with duckdb.connect(str(incremental), read_only=True) as con:
        con.execute(f"ATTACH '{full}' AS rebuilt (READ_ONLY)")
        tables = _tables(con)
        assert "intermediate.int_snapshot_deliveries" in tables
        differences = {}
        for table, select in tables.items():
            rows = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
            only_here = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM {table} EXCEPT ALL "
                                    f"SELECT {select} FROM rebuilt.{table})").fetchone()[0]
            only_there = con.execute(f"SELECT count(*) FROM (SELECT {select} FROM rebuilt.{table} "
                                     f"EXCEPT ALL SELECT {select} FROM {table})").fetchone()[0]
            if only_here or only_there:
                differences[table] = (rows, only_here, only_there)
    assert differences == {}


def test_incremental_night_includes_the_new_day(nights):
    incremental, _, _, _ = nights
    with duckdb.connect(str(incremental), read_only=True) as con:
        as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
        latest_snapshot = con.execute("SELECT max(date) FROM marts.fct_daily_stock").fetchone()[0]
    assert as_of == latest_snapshot == LAST_DAY


def test_checks_on_the_incremental_night_read_only_the_new_day(nights):
    _, _, first, second = nights
    orders, snapshots = second["orders"], second["stock_snapshots"]
    assert first["orders"].rows_checked == first["orders"].rows_in_table
    assert 0 < orders.rows_checked < orders.rows_in_table / 20
    assert snapshots.rows_checked == snapshots.rows_in_table - first["stock_snapshots"].rows_in_table
    assert all(outcome.success for outcome in second.values())
