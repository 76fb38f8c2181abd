"""great-expectations 1.x suites for the raw tables, derived from the landing contract.

Ingestion already quarantines rows that break the contract; these suites are the independent
guard that what reached ``raw.*`` really holds (keys present, quantities in range, allowed
values, plausible dates, references that exist), so a bug or a changed reference table stops
the plans downstream instead of flowing into them. They run as blocking Dagster asset checks.

Event feeds are append-only, so a night validates only the rows loaded since the last passing
validation (``validate_new_rows``): the ledger ``raw._validated_loads`` remembers which loads
(``_loaded_at`` and row count) passed under which suite, and ``raw._validated_references`` the
reference values they were checked against. Rows that passed stay valid while the suite is the
same and no reference value they could have used has been removed; when either changes, or for
a reference table (replaced whole, and checked for unique keys), the whole table is validated
again. The date bounds only widen as time passes, so they never invalidate old rows.

great-expectations is called directly (ephemeral context, a pandas batch) because the
``dagster-ge`` integration only supports the 0.x API. Rows are streamed from DuckDB in chunks
of ``CHUNK_ROWS`` so that validating a table of tens of millions of rows holds one chunk in
memory, not the table.
"""

from __future__ import annotations

import hashlib
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import numpy as np
import pandas as pd

from pipelines import contract

#: Failing rows shown per expectation (the check's metadata stays readable).
FAILING_ROWS_SHOWN = 20
#: Rows validated per great-expectations batch (about 1 GB of pandas frame for the widest feed).
CHUNK_ROWS = 1_000_000
#: Raise when ``build_suite`` changes what it expects: every table is then validated again.
SUITE_VERSION = 1
LOADS_TABLE = "_validated_loads"
REFERENCES_TABLE = "_validated_references"

@dataclass
class SuiteOutcome:
    """Result of one suite: overall success, one row per expectation, a sample of failing rows."""

    feed: str
    success: bool
    rows_checked: int
    expectations: pd.DataFrame  # expectation, column, success, unexpected_count, examples
    failing_rows: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Rows in raw.<feed> when it was validated (rows_checked of them were read).
    rows_in_table: int = 0
    #: Which rows were validated and why (new loads only, or the whole table and the reason).
    scope: str = "whole table"

    @property
    def failed(self) -> pd.DataFrame:
        return self.expectations[~self.expectations["success"]]


def _reference_values(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> list:
    cols = " || '\x1f' || ".join(f'CAST("{c}" AS VARCHAR)' for c in columns)
    try:
        rows = con.execute(f'SELECT DISTINCT {cols} FROM raw."{table}"').fetchall()
    except duckdb.CatalogException:
        return []
    return [r[0] for r in rows]


def reference_values(con: duckdb.DuckDBPyConnection, feed: contract.Feed) -> dict[str, list]:
    """The current values of every reference the feed's suite checks, keyed ``table.column``
    (composite keys: ``table.col1+col2``, values joined by \\x1f)."""
    values: dict[str, list] = {}
    for col in feed.columns:
        if col.references and col.references not in values:
            table, ref_col = col.references.split(".")
            values[col.references] = _reference_values(con, table, (ref_col,))
    for _, table, ref_columns in feed.composite_references:
        values[_composite_reference(table, ref_columns)] = _reference_values(con, table, ref_columns)
    return values


def _composite_reference(table: str, columns: tuple[str, ...]) -> str:
    return f"{table}.{'+'.join(columns)}"


def _composite(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    out = df[columns[0]].astype("string")
    for c in columns[1:]:
        out = out + "\x1f" + df[c].astype("string")
    return out


def build_suite(feed: contract.Feed, now: datetime, references: dict[str, list]):
    """The expectations for one raw table, following the contract, against ``references``
    (``reference_values``). Frames it validates come from ``suite_frame``."""
    import great_expectations as gx

    gxe = gx.expectations
    suite = gx.ExpectationSuite(name=f"raw_{feed.name}")
    earliest = pd.Timestamp(contract.EARLIEST_PLAUSIBLE_DATE)
    for col in feed.columns:
        if col.required:
            suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column=col.name))
        if col.allowed:
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=list(col.allowed)))
        if col.minimum is not None:
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(column=col.name, min_value=col.minimum))
        if col.type in ("date", "timestamp"):
            ahead = (contract.EVENT_FUTURE_SLACK_DAYS if col.time_kind == "event"
                     else contract.PLANNED_FUTURE_DAYS)
            latest = pd.Timestamp(now.replace(tzinfo=None)) + timedelta(days=ahead)
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=earliest, max_value=latest))
        if col.references:
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
                column=col.name, value_set=references[col.references]))
    for columns, table, ref_columns in feed.composite_references:
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(
            column="+".join(columns), value_set=references[_composite_reference(table, ref_columns)]))
    if feed.reference and len(feed.key) == 1:
        suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=feed.key[0]))
    elif feed.reference:
        suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(feed.key)))
    return suite


#: The span of datetime64[ns], a day inside each end (pandas' Timestamp.min/max, whole days).
_NS_SPAN = (np.datetime64(pd.Timestamp.min.ceil("D") + pd.Timedelta(days=1)),
            np.datetime64(pd.Timestamp.max.floor("D") - pd.Timedelta(days=1)))


def as_nanosecond_timestamps(values: pd.Series) -> pd.Series:
    """Timestamps in nanoseconds, the unit great-expectations compares with vectorised pandas.

    Why: DuckDB hands TIMESTAMP and DATE columns to pandas in microseconds, and
    great-expectations 1.x checks a range on any datetime column but ``datetime64[ns]`` (or a
    time-zone aware one) value by value in Python: half of a million-row batch's validation
    time went there. Values outside what nanoseconds hold (before 1677 or after 2262) become
    the nearest end of that span, so the range check still fails them (its bounds lie far
    inside); missing values stay missing."""
    ts = pd.to_datetime(values)
    if isinstance(ts.dtype, pd.DatetimeTZDtype) or ts.dtype == "datetime64[ns]":
        return ts
    raw = ts.to_numpy()
    lo, hi = (bound.astype(raw.dtype) for bound in _NS_SPAN)
    raw = np.where(raw < lo, lo, np.where(raw > hi, hi, raw))  # NaT compares False: kept
    return pd.Series(raw.astype("datetime64[ns]"), index=ts.index, name=ts.name)


def suite_frame(feed: contract.Feed, df: pd.DataFrame) -> pd.DataFrame:
    """``df`` as the suite reads it: dates as timestamps, plus one helper column per composite
    reference, named after its columns (``channel+listing_sku``). Changes ``df`` in place."""
    for col in feed.columns:
        if col.type in ("date", "timestamp"):
            # Compare as timestamps: DATE columns arrive as datetime64 after the DuckDB fetch.
            df[col.name] = as_nanosecond_timestamps(df[col.name])
    for columns, _, _ in feed.composite_references:
        df["+".join(columns)] = _composite(df, columns)
    return df


def suite_signature(feed: contract.Feed) -> str:
    """What the suite expects apart from the reference values and the moving date bound: rows
    that passed under one signature are validated again under another."""
    import great_expectations as gx

    text = "|".join(map(str, (SUITE_VERSION, gx.__version__, contract.EARLIEST_PLAUSIBLE_DATE,
                              contract.EVENT_FUTURE_SLACK_DAYS, contract.PLANNED_FUTURE_DAYS, feed)))
    return hashlib.sha256(text.encode()).hexdigest()


def _run_suite(con: duckdb.DuckDBPyConnection, feed: contract.Feed, where: str, params: list,
               now: datetime, references: dict[str, list]) -> tuple[bool, int, pd.DataFrame, pd.DataFrame]:
    """Validate the rows of raw.<feed> matching ``where``, a chunk at a time.

    Returns (success, rows checked, one row per expectation, a sample of failing rows).
    """
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # great-expectations logs progress bars and info lines per metric; keep the run log readable.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    # The context must exist before a suite is built: suites bind to the active context.
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    suite = build_suite(feed, now, references)
    batches = (context.data_sources.add_pandas(f"raw_{feed.name}")
               .add_dataframe_asset(feed.name).add_batch_definition_whole_dataframe("rows"))
    result_format = {"result_format": "SUMMARY", "partial_unexpected_count": FAILING_ROWS_SHOWN}
    cursor = con.execute(f'SELECT * FROM raw."{feed.name}" WHERE {where}', params)
    vectors = max(1, CHUNK_ROWS // duckdb.__standard_vector_size__)
    summary: list[dict] = []
    failing: list[pd.DataFrame] = []
    success, rows = True, 0
    while True:
        # The unique-key expectations of reference tables need every row in one batch; those
        # tables are small (one row per SKU or listing).
        chunk = cursor.df() if feed.reference else cursor.fetch_df_chunk(vectors)
        if chunk.empty and rows:
            break
        frame = suite_frame(feed, chunk)
        result = batches.get_batch(batch_parameters={"dataframe": frame}).validate(
            suite, result_format=result_format)
        success = success and bool(result.success)
        for i, r in enumerate(result.results):
            kwargs = r.expectation_config.kwargs
            column = kwargs.get("column") or ",".join(kwargs.get("column_list", []))
            if i == len(summary):
                summary.append({"expectation": r.expectation_config.type, "column": column,
                                "success": True, "unexpected_count": 0, "examples": [], "shown": 0})
            entry = summary[i]
            entry["success"] = entry["success"] and bool(r.success)
            entry["unexpected_count"] += int(r.result.get("unexpected_count", 0) or 0)
            entry["examples"] += (r.result.get("partial_unexpected_list") or [])[:5 - len(entry["examples"])]
            index = (r.result.get("partial_unexpected_index_list") or [])[:FAILING_ROWS_SHOWN - entry["shown"]]
            if not r.success and index:
                sample = frame.loc[[row for row in index if row in frame.index]]
                entry["shown"] += len(sample)
                first_column = column.split(",")[0]
                failing.append(pd.DataFrame({
                    "source_file": sample["_source_file"],
                    "row_number": sample["_row_number"],
                    "expectation": r.expectation_config.type,
                    "column": column,
                    "value": (sample[first_column].astype("string").str.replace("\x1f", " / ")
                              if first_column in sample else None),
                }))
        rows += len(chunk)
        if chunk.empty or feed.reference:
            break
    for entry in summary:
        entry["examples"] = ", ".join(str(e).replace("\x1f", " / ") for e in entry["examples"])
    expectations = pd.DataFrame(summary, columns=["expectation", "column", "success",
                                                  "unexpected_count", "examples"])
    failing_rows = pd.concat(failing, ignore_index=True) if failing else pd.DataFrame()
    return success, rows, expectations, failing_rows


def validate_raw_table(con: duckdb.DuckDBPyConnection, feed: contract.Feed,
                       now: datetime | None = None) -> SuiteOutcome:
    """Run the feed's suite over the whole of ``raw.<feed>`` and describe what failed."""
    now = now or datetime.now()
    success, rows, expectations, failing_rows = _run_suite(
        con, feed, "TRUE", [], now, reference_values(con, feed))
    return SuiteOutcome(feed=feed.name, success=success, rows_checked=rows, expectations=expectations,
                        failing_rows=failing_rows, rows_in_table=rows)


# --- validating only what is new -------------------------------------------------------------


def ensure_ledger(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f'CREATE TABLE IF NOT EXISTS raw."{LOADS_TABLE}" (feed VARCHAR, loaded_at TIMESTAMP, '
                "rows BIGINT, suite VARCHAR, validated_at TIMESTAMP)")
    con.execute(f'CREATE TABLE IF NOT EXISTS raw."{REFERENCES_TABLE}" (feed VARCHAR, reference VARCHAR, '
                "value VARCHAR)")


def _loads(con: duckdb.DuckDBPyConnection, feed: contract.Feed) -> list[tuple[datetime | None, int]]:
    """(``_loaded_at``, rows) of every load in raw.<feed>: one ingest run stamps one moment."""
    return con.execute(f'SELECT _loaded_at, count(*) FROM raw."{feed.name}" GROUP BY 1').fetchall()


def _removed_references(con: duckdb.DuckDBPyConnection, feed: contract.Feed,
                        references: dict[str, list]) -> dict[str, int]:
    """Per reference, how many values the last passing validation knew that are gone now."""
    removed: dict[str, int] = {}
    for name, values in references.items():
        known = {r[0] for r in con.execute(
            f'SELECT value FROM raw."{REFERENCES_TABLE}" WHERE feed = ? AND reference = ?',
            [feed.name, name]).fetchall()}
        gone = len(known - set(values))
        if gone:
            removed[name] = gone
    return removed


def _scope(con: duckdb.DuckDBPyConnection, feed: contract.Feed, signature: str,
           references: dict[str, list], loads: list[tuple[datetime | None, int]]
           ) -> tuple[list[datetime | None] | None, str]:
    """Which loads to validate (None = the whole table) and why."""
    passed = con.execute(f'SELECT loaded_at, rows, suite FROM raw."{LOADS_TABLE}" WHERE feed = ?',
                         [feed.name]).fetchall()
    if not passed:
        return None, "whole table: never validated before"
    if any(suite != signature for _, _, suite in passed):
        return None, "whole table: the contract's expectations changed since the last validation"
    removed = _removed_references(con, feed, references)
    if removed:
        return None, ("whole table: values removed from "
                      + ", ".join(f"{name} ({n})" for name, n in sorted(removed.items())))
    known = {(loaded_at, rows) for loaded_at, rows, _ in passed}
    # A load whose row count changed (rows added under the same moment) is validated again whole.
    new = [loaded_at for loaded_at, rows in loads if (loaded_at, rows) not in known]
    if feed.reference:
        return (None, "whole table: reloaded since the last validation") if new else ([], "nothing new")
    if not new:
        return [], "nothing new"
    return new, f"rows of {len(new)} load(s) since the last passing validation"


def _where_loaded(loads: list[datetime | None]) -> tuple[str, list]:
    moments = [m for m in loads if m is not None]
    parts = [f"_loaded_at IN ({', '.join('?' for _ in moments)})"] if moments else []
    if len(moments) < len(loads):
        parts.append("_loaded_at IS NULL")
    return " OR ".join(parts) or "FALSE", moments


def _record(con: duckdb.DuckDBPyConnection, feed: contract.Feed, signature: str,
            loads: list[tuple[datetime | None, int]], references: dict[str, list], now: datetime) -> None:
    """Remember every load of the table and the reference values as validated, in one transaction."""
    validated = pd.DataFrame({"feed": feed.name, "loaded_at": [m for m, _ in loads],
                              "rows": [n for _, n in loads], "suite": signature,
                              "validated_at": now.replace(tzinfo=None)})
    values = pd.DataFrame([(feed.name, name, value) for name, vs in references.items() for value in vs],
                          columns=["feed", "reference", "value"], dtype="object")
    con.execute("BEGIN TRANSACTION")
    try:
        for table, frame in ((LOADS_TABLE, validated), (REFERENCES_TABLE, values)):
            con.execute(f'DELETE FROM raw."{table}" WHERE feed = ?', [feed.name])
            if len(frame):
                con.register("_validated", frame)
                try:
                    con.execute(f'INSERT INTO raw."{table}" BY NAME SELECT * FROM _validated')
                finally:
                    con.unregister("_validated")
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def validate_new_rows(con: duckdb.DuckDBPyConnection, feed: contract.Feed,
                      now: datetime | None = None) -> SuiteOutcome:
    """Run the feed's suite over the rows of ``raw.<feed>`` not yet validated (see the module
    docstring for when that is the whole table) and, when it passes, remember them as validated.

    Needs a writable connection (the ledger lives in the warehouse).
    """
    now = now or datetime.now()
    ensure_ledger(con)
    signature = suite_signature(feed)
    references = reference_values(con, feed)
    loads = _loads(con, feed)
    in_table = sum(n for _, n in loads)
    scope, reason = _scope(con, feed, signature, references, loads)
    if scope == []:
        return SuiteOutcome(feed=feed.name, success=True, rows_checked=0,
                            expectations=pd.DataFrame(columns=["expectation", "column", "success",
                                                               "unexpected_count", "examples"]),
                            rows_in_table=in_table, scope=reason)
    where, params = ("TRUE", []) if scope is None else _where_loaded(scope)
    success, rows, expectations, failing_rows = _run_suite(con, feed, where, params, now, references)
    if success:
        _record(con, feed, signature, loads, references, now)
    return SuiteOutcome(feed=feed.name, success=success, rows_checked=rows, expectations=expectations,
                        failing_rows=failing_rows, rows_in_table=in_table, scope=reason)
