"""Opening the DuckDB warehouse and replacing tables so readers never see half a table.

DuckDB allows one writer per file: callers open a connection for the duration of one step and
close it (use ``connect`` as a context manager). Orchestration runs every such step in one
concurrency pool.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd

SCHEMAS = ("raw", "quarantine", "staging", "intermediate", "marts")


@contextmanager
def connect(path: str | Path, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open the warehouse file (creating its folder and schemas) and close it afterwards."""
    path = Path(path)
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        if not read_only:
            for schema in SCHEMAS:
                con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        yield con
    finally:
        con.close()


def replace_table(con: duckdb.DuckDBPyConnection, schema: str, table: str, df: pd.DataFrame) -> int:
    """Replace ``schema.table`` with ``df`` in one transaction; a crash keeps the old table.

    Returns the number of rows written.
    """
    return replace_tables(con, schema, {table: df})[table]


def replace_tables(con: duckdb.DuckDBPyConnection, schema: str,
                   tables: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Replace several tables of ``schema`` in ONE transaction: readers see all old or all new
    (a forecast and its accuracy table always belong to the same run). Returns rows per table."""
    con.execute("BEGIN TRANSACTION")
    try:
        for table, df in tables.items():
            con.register("_replacement", df)
            con.execute(f'CREATE OR REPLACE TABLE {schema}."{table}" AS SELECT * FROM _replacement')
            con.unregister("_replacement")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return {table: len(df) for table, df in tables.items()}


def table_exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(
        con.execute(
            "SELECT count(*) FROM information_schema.tables WHERE table_schema = ? AND table_name = ?",
            [schema, table],
        ).fetchone()[0]
    )


def row_counts(con: duckdb.DuckDBPyConnection, schema: str) -> dict[str, int]:
    """Row count of every table and view in ``schema``, by name."""
    names = [
        r[0]
        for r in con.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1",
            [schema],
        ).fetchall()
    ]
    return {n: con.execute(f'SELECT count(*) FROM {schema}."{n}"').fetchone()[0] for n in names}
