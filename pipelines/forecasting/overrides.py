"""Planner overrides, applied to the total forecast after the model (and before the splits).

For each forecast day inside an override's [start_date, end_date] (inclusive) of the same SKU:

- ``units_per_day`` given: p50 becomes it and p10/p90 scale by the same ratio (new p50 / old
  p50); when the model said 0, the interval is set around it as a Poisson would be
  (p50 ∓ 1.28·√p50, p10 ≥ 0);
- else ``multiplier`` scales p10, p50 and p90.

Where overrides of a SKU overlap, the one starting later wins. ``is_overridden`` and
``override_note`` record it on every overridden row; the splits inherit them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def apply_overrides(total: pd.DataFrame, overrides: pd.DataFrame) -> pd.DataFrame:
    """``total`` (sku, date, p10, p50, p90 …) with overrides applied and the columns
    is_overridden (bool) and override_note (text or None) added."""
    out = total.copy()
    out["is_overridden"] = False
    out["override_note"] = None
    if overrides is None or not len(overrides):
        return out
    o = overrides.copy()
    o["sku"] = o["sku"].astype(str)
    o["start_date"] = pd.to_datetime(o["start_date"])
    o["end_date"] = pd.to_datetime(o["end_date"])
    for col in ("units_per_day", "multiplier"):
        o[col] = pd.to_numeric(o.get(col), errors="coerce")
    if "note" not in o:
        o["note"] = None
    o = o[o["units_per_day"].notna() | o["multiplier"].notna()].sort_values("start_date")
    o["_order"] = np.arange(len(o))
    keys = out[["sku", "date"]].reset_index().rename(columns={"index": "_row"})
    keys["sku"] = keys["sku"].astype(str)
    keys["date"] = pd.to_datetime(keys["date"])
    hit = keys.merge(o, on="sku")
    hit = hit[(hit["date"] >= hit["start_date"]) & (hit["date"] <= hit["end_date"])]
    if not len(hit):
        return out
    hit = hit.sort_values("_order").drop_duplicates("_row", keep="last")
    rows = hit["_row"].to_numpy()
    p10, p50, p90 = (out.loc[rows, c].to_numpy(dtype=float) for c in ("p10", "p50", "p90"))
    fixed = hit["units_per_day"].to_numpy(dtype=float)
    mult = hit["multiplier"].to_numpy(dtype=float)
    use_fixed = np.isfinite(fixed)
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = np.where(use_fixed, fixed / p50, mult)
    scalable = np.isfinite(ratio)
    new50 = np.where(use_fixed, fixed, p50 * mult)
    sd = 1.2816 * np.sqrt(new50)
    out.loc[rows, "p50"] = new50
    out.loc[rows, "p10"] = np.where(scalable, p10 * ratio, np.maximum(new50 - sd, 0.0))
    out.loc[rows, "p90"] = np.where(scalable, p90 * ratio, new50 + sd)
    out.loc[rows, "is_overridden"] = True
    out.loc[rows, "override_note"] = hit["note"].where(hit["note"].notna(), None).to_numpy(dtype=object)
    return out
