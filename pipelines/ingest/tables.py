"""The warehouse tables ingest owns: raw.<feed>, quarantine.<feed> and the file registry."""

from __future__ import annotations

from datetime import datetime

import duckdb

from pipelines import contract
from pipelines.ingest.landing import LandingNotice
from pipelines.ingest.report import LoadReport
from pipelines.ingest.validation import RULE_REFUSED

#: Columns of every quarantine.<feed> table.
QUARANTINE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("_source_file", "VARCHAR", "Path of the landing file, relative to the landing root."),
    ("_row_number", "BIGINT", "1-based data row in that file; NULL when the whole file was rejected."),
    ("_quarantined_at", "TIMESTAMP", "When the row was quarantined (UTC)."),
    ("reason", "VARCHAR", "Every problem of the row, '; '-separated, naming column, rule and value."),
    ("failed_columns", "VARCHAR", "Comma-separated contract columns that failed."),
    ("retryable", "BOOLEAN", "True when only missing references failed: retried on every load."),
    ("record", "VARCHAR", "JSON object of the row's original values keyed by the file's header names."),
)

REGISTRY_TABLE = "_loaded_files"
#: Columns of raw._loaded_files: one row per file content read, so a content is read once.
REGISTRY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("path", "VARCHAR", "Path of the landing file, relative to the landing root."),
    ("feed", "VARCHAR", "Feed or reference table the file was loaded into."),
    ("sha256", "VARCHAR", "SHA-256 of the file's bytes; NULL for a path refused unread."),
    ("size_bytes", "BIGINT", "File size."),
    ("status", "VARCHAR", "loaded, or rejected (the whole file quarantined, or the path refused)."),
    ("rows_loaded", "BIGINT", "Rows written to raw.<feed>."),
    ("rows_quarantined", "BIGINT", "Data rows written to quarantine.<feed>."),
    ("loaded_at", "TIMESTAMP", "When the file was processed (UTC)."),
    ("read_as", "VARCHAR", "The format the file was read as (the landing contract, or which "
                           "marketplace report and version) and, for a report without a date "
                           "column, where its date came from."),
)


def _ddl(schema: str, table: str, columns: tuple[tuple[str, str, str], ...]) -> str:
    body = ",\n  ".join(f'"{name}" {sql_type}' for name, sql_type, _ in columns)
    return f'CREATE TABLE IF NOT EXISTS {schema}."{table}" (\n  {body}\n)'


def ensure_tables(con: duckdb.DuckDBPyConnection, feed: contract.Feed) -> None:
    """Create the feed's raw and quarantine tables and the registry, if missing (dbt needs them).

    A raw table made by an older contract gains the columns added since, filled in its old rows
    with the column's default as a new load would be, so a warehouse survives an additive
    contract change without a reload.
    """
    con.execute(contract.raw_table_ddl(feed))
    existing = {r[0] for r in con.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_schema = 'raw' AND table_name = ?",
        [feed.name]).fetchall()}
    for column in feed.columns:
        if column.name in existing:
            continue
        con.execute(f'ALTER TABLE raw."{feed.name}" ADD COLUMN "{column.name}" {column.duckdb_type}')
        if column.default_from:
            con.execute(f'UPDATE raw."{feed.name}" SET "{column.name}" = '
                        f'CAST("{column.default_from}" AS {column.duckdb_type})')
        elif column.default is not None:
            con.execute(f'UPDATE raw."{feed.name}" SET "{column.name}" = ?', [column.default])
    con.execute(_ddl("quarantine", feed.name, QUARANTINE_COLUMNS))
    ensure_registry(con)


def ensure_inbox_tables(con: duckdb.DuckDBPyConnection) -> None:
    """quarantine.inbox (files in the inbox Stockpilot cannot read) and the registry."""
    con.execute(_ddl("quarantine", contract.INBOX_FOLDER, QUARANTINE_COLUMNS))
    ensure_registry(con)


def ensure_registry(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(_ddl("raw", REGISTRY_TABLE, REGISTRY_COLUMNS))
    # Registries made before read_as existed gain it (NULL for the files they list).
    con.execute(f'ALTER TABLE raw."{REGISTRY_TABLE}" ADD COLUMN IF NOT EXISTS read_as VARCHAR')



#: ``read_as`` of a path refused unread (a symbolic link, or leading outside the landing root).
REFUSED_READ_AS = "refused, not read"


def record_refused(con: duckdb.DuckDBPyConnection, feed: str, relative: str, reason: str,
                   at: datetime) -> bool:
    """Record a refused path as a rejected file: one quarantine.<feed> row with the reason and a
    registry row without a hash (nothing was read). Once per path: False when already recorded.

    ``feed`` names the quarantine table (a feed, a reference table or the inbox); both tables
    must exist.
    """
    seen = con.execute(f'SELECT count(*) FROM raw."{REGISTRY_TABLE}" WHERE feed = ? AND path = ? '
                       "AND read_as = ?", [feed, relative, REFUSED_READ_AS]).fetchone()[0]
    if seen:
        return False
    con.execute("BEGIN TRANSACTION")
    try:
        con.execute(f'INSERT INTO quarantine."{feed}" VALUES (?, NULL, ?, ?, \'\', FALSE, NULL)',
                    [relative, at, reason])
        con.execute(
            f'INSERT INTO raw."{REGISTRY_TABLE}" (path, feed, sha256, size_bytes, status, rows_loaded, '
            "rows_quarantined, loaded_at, read_as) VALUES (?, ?, NULL, NULL, 'rejected', 0, 0, ?, ?)",
            [relative, feed, at, REFUSED_READ_AS])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
    return True


def refuse_paths(con: duckdb.DuckDBPyConnection, feed: str, refused: list[LandingNotice], report: LoadReport,
                 at: datetime, count_found: bool = True) -> None:
    """Report refused paths (links, paths leaving the landing root) and record each, once, as a
    rejected file of ``feed``: counted as rejected the first time, as skipped after."""
    for notice in refused:
        report.files_found += count_found
        report.errors.append(str(notice))
        if record_refused(con, feed, notice.relative, str(notice), at):
            report.files_rejected += 1
            report.count_reasons({RULE_REFUSED: 1})
        else:
            report.files_skipped += 1
