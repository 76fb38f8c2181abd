"""Turning DataFrames and reports into Dagster metadata a person can read in the UI."""

from __future__ import annotations

import base64

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 10


def markdown_table(df: pd.DataFrame, max_rows: int = PREVIEW_ROWS) -> dg.MetadataValue:
    """A DataFrame (first rows) as a markdown table; empty frames say so instead."""
    if df is None or df.empty:
        return dg.MetadataValue.md("_no rows_")
    shown = df.head(max_rows).astype("string").fillna("")
    header = "| " + " | ".join(map(str, shown.columns)) + " |"
    rule = "|" + "---|" * len(shown.columns)
    body = ["| " + " | ".join(v.replace("|", "\\|") for v in row) + " |"
            for row in shown.itertuples(index=False)]
    more = [f"\n_{len(df) - max_rows} more rows_"] if len(df) > max_rows else []
    return dg.MetadataValue.md("\n".join([header, rule, *body, *more]))


def png_markdown(png: bytes, alt: str) -> str:
    """PNG bytes as an inline markdown image (the Dagster UI renders it in the metadata)."""
    return f"![{alt}](data:image/png;base64,{base64.b64encode(png).decode()})"
