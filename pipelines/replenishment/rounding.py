"""Whole units: rounding quantities to case packs and splitting totals without fractions.

Suggestions are never fractional (a common complaint about planning tools): quantities are
rounded to multiples of the case pack, and shares of a total are split by largest remainder so
the parts add up to the total exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

#: Float noise below this is not a reason to order one more case.
_EPS = 1e-9


def round_up_to_multiple(units, multiple):
    """Smallest multiple of ``multiple`` (≥ 1) at or above ``units``; 0 stays 0. Integer array."""
    m = np.maximum(np.asarray(multiple, dtype=float), 1.0)
    u = np.clip(np.asarray(units, dtype=float), 0.0, None)
    return (np.ceil(u / m - _EPS) * m).astype(np.int64)


def round_down_to_multiple(units, multiple):
    """Largest multiple of ``multiple`` (≥ 1) at or below ``units`` (not below 0). Integer array."""
    m = np.maximum(np.asarray(multiple, dtype=float), 1.0)
    u = np.clip(np.asarray(units, dtype=float), 0.0, None)
    return (np.floor(u / m + _EPS) * m).astype(np.int64)


def purchase_quantity(units, moq, case_pack):
    """A purchase quantity: at least the supplier's MOQ, then up to whole cases (units)."""
    return round_up_to_multiple(np.maximum(np.asarray(units, dtype=float), np.asarray(moq, dtype=float)),
                                case_pack)


def split_whole(total, weights, groups, unit=1):
    """Split each group's ``total`` (repeated on its rows) across its rows in proportion to
    ``weights``, in whole multiples of ``unit`` (per row or scalar), by largest remainder.

    The parts of a group add up to its total rounded down to a multiple of ``unit``. A group
    whose weights are all 0 is split equally.
    """
    total = np.asarray(total, dtype=float)
    weights = np.clip(np.asarray(weights, dtype=float), 0.0, None)
    unit = np.broadcast_to(np.maximum(np.asarray(unit, dtype=float), 1.0), total.shape)
    keys = pd.Series(pd.factorize(pd.Series(groups).to_numpy())[0])
    weight_sum = pd.Series(weights).groupby(keys).transform("sum").to_numpy()
    rows = keys.groupby(keys).transform("size").to_numpy()
    share = np.where(weight_sum > 0, weights / np.where(weight_sum > 0, weight_sum, 1.0), 1.0 / rows)
    packs = np.floor(total / unit + _EPS)  # whole units of the group to hand out
    raw = packs * share
    base = np.floor(raw + _EPS)
    left = packs - pd.Series(base).groupby(keys).transform("sum").to_numpy()
    order = pd.DataFrame({"k": keys, "frac": -(raw - base), "i": np.arange(len(total))})
    rank = order.sort_values(["k", "frac", "i"]).groupby("k").cumcount()
    extra = (rank.sort_index().to_numpy() < left).astype(float)
    return ((base + extra) * unit).astype(np.int64)
