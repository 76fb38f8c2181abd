"""Figures as words for the ``reason`` columns, a whole column at a time."""

from __future__ import annotations

import numpy as np
import pandas as pd


def num(values, decimals: int = 0) -> pd.Series:
    """Numbers as short text: ``decimals`` at most, trailing zeros dropped, '?' when missing."""
    s = pd.Series(values, dtype=float).reset_index(drop=True) if not isinstance(values, pd.Series) \
        else values.astype(float).reset_index(drop=True)
    text = pd.Series(np.char.mod(f"%.{decimals}f", np.nan_to_num(s.to_numpy(), nan=0.0)), dtype=object)
    if decimals:
        text = text.str.replace(r"\.?0+$", "", regex=True)
    text = text.where(~s.isna(), "?")
    return text.where(text != "-0", "0")


def pct(values) -> pd.Series:
    """Shares (0.955) as percentages ('95.5%')."""
    return num(pd.Series(values, dtype=float) * 100, 1) + "%"


def dates(values) -> pd.Series:
    """Dates as ISO text, '?' when missing."""
    s = pd.to_datetime(pd.Series(values).reset_index(drop=True))
    return s.dt.strftime("%Y-%m-%d").fillna("?").astype(object)
