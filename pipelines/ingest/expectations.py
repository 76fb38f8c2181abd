"""great-expectations 1.x suites for the raw tables, derived from the landing contract.

Ingestion already quarantines rows that break the contract; these suites are the independent
guard that what reached ``raw.*`` really holds (keys present, quantities in range, allowed
values, plausible dates, references that exist), so a bug or a changed reference table stops
the plans downstream instead of flowing into them. They run as blocking Dagster asset checks.

great-expectations is called directly (ephemeral context, a pandas batch) because the
``dagster-ge`` integration only supports the 0.x API.
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb
import pandas as pd

from pipelines import contract

#: Failing rows shown per expectation (the check's metadata stays readable).
FAILING_ROWS_SHOWN = 20


@dataclass
class SuiteOutcome:
    """Result of one suite: overall success, one row per expectation, a sample of failing rows."""

    feed: str
    success: bool
    rows_checked: int
    expectations: pd.DataFrame  # expectation, column, success, unexpected_count, examples
    failing_rows: pd.DataFrame = field(default_factory=pd.DataFrame)

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


def _composite(df: pd.DataFrame, columns: tuple[str, ...]) -> pd.Series:
    out = df[columns[0]].astype("string")
    for c in columns[1:]:
        out = out + "\x1f" + df[c].astype("string")
    return out


def build_suite(con: duckdb.DuckDBPyConnection, feed: contract.Feed, df: pd.DataFrame, now: datetime):
    """The expectations for one raw table, following the contract. Returns (suite, frame).

    The frame is ``df`` plus one helper column per composite reference, named after its columns
    (``channel+listing_sku``).
    """
    import great_expectations as gx

    gxe = gx.expectations
    suite = gx.ExpectationSuite(name=f"raw_{feed.name}")
    frame = df.copy()
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
            # Compare as timestamps: DATE columns arrive as datetime64 after the DuckDB fetch.
            frame[col.name] = pd.to_datetime(frame[col.name])
            suite.add_expectation(gxe.ExpectColumnValuesToBeBetween(
                column=col.name, min_value=earliest, max_value=latest))
        if col.references:
            table, ref_col = col.references.split(".")
            values = _reference_values(con, table, (ref_col,))
            suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=col.name, value_set=values))
    for columns, table, ref_columns in feed.composite_references:
        helper = "+".join(columns)
        frame[helper] = _composite(frame, columns)
        values = _reference_values(con, table, ref_columns)
        suite.add_expectation(gxe.ExpectColumnValuesToBeInSet(column=helper, value_set=values))
    if feed.reference and len(feed.key) == 1:
        suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column=feed.key[0]))
    elif feed.reference:
        suite.add_expectation(gxe.ExpectCompoundColumnsToBeUnique(column_list=list(feed.key)))
    return suite, frame


def validate_raw_table(con: duckdb.DuckDBPyConnection, feed: contract.Feed,
                       now: datetime | None = None) -> SuiteOutcome:
    """Run the feed's suite over ``raw.<feed>`` and describe what failed, with the failing rows."""
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    # great-expectations logs progress bars and info lines per metric; keep the run log readable.
    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    import great_expectations as gx

    now = now or datetime.now()
    df = con.execute(f'SELECT * FROM raw."{feed.name}"').df()
    # The context must exist before a suite is built: suites bind to the active context.
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = {"globally": False, "metric_calculations": False}
    suite, frame = build_suite(con, feed, df, now)
    batch = (
        context.data_sources.add_pandas(f"raw_{feed.name}")
        .add_dataframe_asset(feed.name)
        .add_batch_definition_whole_dataframe("all_rows")
        .get_batch(batch_parameters={"dataframe": frame})
    )
    result = batch.validate(suite, result_format="COMPLETE")
    rows, failing = [], []
    for r in result.results:
        kwargs = r.expectation_config.kwargs
        column = kwargs.get("column") or ",".join(kwargs.get("column_list", []))
        unexpected = r.result.get("unexpected_count", 0) or 0
        examples = r.result.get("partial_unexpected_list") or []
        rows.append({
            "expectation": r.expectation_config.type,
            "column": column,
            "success": bool(r.success),
            "unexpected_count": int(unexpected),
            "examples": ", ".join(str(e).replace("\x1f", " / ") for e in examples[:5]),
        })
        index = r.result.get("unexpected_index_list") or []
        if not r.success and index:
            sample = frame.loc[[i for i in index[:FAILING_ROWS_SHOWN] if i in frame.index]]
            first_column = column.split(",")[0]
            failing.append(pd.DataFrame({
                "source_file": sample["_source_file"],
                "row_number": sample["_row_number"],
                "expectation": r.expectation_config.type,
                "column": column,
                "value": (sample[first_column].astype("string").str.replace("\x1f", " / ")
                          if first_column in sample else None),
            }))
    failing_rows = pd.concat(failing, ignore_index=True) if failing else pd.DataFrame()
    return SuiteOutcome(
        feed=feed.name,
        success=bool(result.success),
        rows_checked=len(df),
        expectations=pd.DataFrame(rows, columns=["expectation", "column", "success",
                                                 "unexpected_count", "examples"]),
        failing_rows=failing_rows,
    )
