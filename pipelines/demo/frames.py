"""Shaping demo tables to the landing contract: contract column order, unknown columns refused."""

from __future__ import annotations

import pandas as pd

from pipelines.contract import Feed


def conform(feed: Feed, frame: pd.DataFrame) -> pd.DataFrame:
    """Columns in contract order; raises if a column is unknown to the contract or a required one
    is missing, so the generator can never drift from the contract silently."""
    unknown = [c for c in frame.columns if c not in feed.column_names]
    missing = [c for c in feed.required_columns if c not in frame.columns]
    if unknown or missing:
        raise ValueError(f"{feed.name}: unknown columns {unknown}, missing required {missing}")
    for column in feed.columns:
        if column.allowed and column.name in frame.columns:
            values = frame[column.name].dropna()
            bad = sorted(set(values[~values.isin(column.allowed)]))
            if bad:
                raise ValueError(f"{feed.name}.{column.name}: values {bad} not in the contract")
    return frame[[c for c in feed.column_names if c in frame.columns]].reset_index(drop=True)


def reference_frame(feed: Feed, rows: list[dict]) -> pd.DataFrame:
    """A reference table from row dicts keyed by contract column names."""
    return conform(feed, pd.DataFrame(rows, columns=[c for c in feed.column_names if any(c in r for r in rows)]))
