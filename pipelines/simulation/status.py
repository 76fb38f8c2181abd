"""``marts.policy_backtest_status``: one row saying whether the last policy backtest succeeded,
and when it failed, where and why.

The backtest only measures the plan, so its failure must not stop what comes after it (the
report, the publishing): it writes this row instead of its figures, and the report shows the
failure where the figures would be. ``marts.policy_backtest`` and ``policy_backtest_daily`` keep
the last successful backtest's rows; the row here says whether they are tonight's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pandas as pd
import pyarrow as pa

from pipelines.simulation.backtest import BacktestResult

SUCCEEDED, FAILED = "succeeded", "failed"
_DATE = pd.ArrowDtype(pa.date32())
COLUMNS = ["as_of", "status", "window_start", "window_end", "error", "failed_step", "written_by", "written_at"]


def error_line(exc: BaseException) -> str:
    """``OverflowError: value too large``: the exception's class and the first line of its message."""
    lines = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {lines[0]}" if lines else type(exc).__name__


def succeeded(result: BacktestResult, written_by: str, written_at: datetime | None = None) -> pd.DataFrame:
    """The row of a backtest whose tables were written; ``written_by``: the Dagster run id, or
    the command that ran it."""
    return _row(result.window.end, SUCCEEDED, result.window.start, result.window.end, None, None,
                written_by, written_at)


def failed(as_of: date | None, error: str, failed_step: str, written_by: str,
           written_at: datetime | None = None) -> pd.DataFrame:
    """The row of a backtest that raised in ``failed_step`` (``as_of`` None when it failed before
    reading the warehouse's as-of date)."""
    return _row(as_of, FAILED, None, None, error, failed_step, written_by, written_at)


def _row(as_of, status, start, end, error, step, written_by, written_at) -> pd.DataFrame:
    row = {"as_of": as_of, "status": status, "window_start": start, "window_end": end, "error": error,
           "failed_step": step, "written_by": written_by,
           "written_at": (written_at or datetime.now(UTC)).replace(tzinfo=None)}  # UTC, naive like _loaded_at
    # typed even when empty, so the table keeps DATE and VARCHAR columns after a failure
    types = {"as_of": _DATE, "window_start": _DATE, "window_end": _DATE, "written_at": "datetime64[us]"}
    return pd.DataFrame([row], columns=COLUMNS).astype({c: types.get(c, "string") for c in COLUMNS})

