"""Per-channel buffers: the units a channel does not show, so sales elsewhere between two
refreshes (and small count errors) do not oversell it.

A channel sets ``buffer_pct`` (percent of the units it may sell from) and ``buffer_units``; the
larger applies. The percentage is rounded up: a buffer holds back whole units, and 5 % of 30 is
2, not 1. Publishable = max(allocated − buffer, 0). Sellbrite's per-channel reserve is the same
idea (docs REFERENCES, "overselling between syncs").
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: A float product like 0.07 × 100 lands a hair above an integer; do not round that up.
_EPSILON = 1e-9


def channel_buffer(allocated: pd.Series, buffer_pct: pd.Series, buffer_units: pd.Series
                   ) -> tuple[pd.Series, pd.Series]:
    """(buffer in units, basis) per row. basis says which rule set it: ``percent``, ``units``
    (ties go to units, the rule a person reads first) or ``none`` when both are 0."""
    base = allocated.astype(float).clip(lower=0)
    by_percent = np.ceil(base * buffer_pct.astype(float).fillna(0.0) / 100 - _EPSILON).clip(lower=0)
    by_units = buffer_units.astype(float).fillna(0.0)
    buffer = np.maximum(by_percent, by_units).astype("int64")
    basis = np.where(buffer == 0, "none", np.where(by_percent > by_units, "percent", "units"))
    return pd.Series(buffer, index=allocated.index), pd.Series(basis, index=allocated.index)


def publishable(allocated: pd.Series, buffer: pd.Series) -> pd.Series:
    """Units a channel may show: what it may sell from, less its buffer, never below 0."""
    return (allocated.astype("int64") - buffer.astype("int64")).clip(lower=0)
