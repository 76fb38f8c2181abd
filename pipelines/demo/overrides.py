"""The demo planner's forecast overrides: what a planner knows that history does not."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from pipelines.demo.catalogue import NEVER, Catalogue
from pipelines.demo.clock import Clock


def forecast_overrides(catalogue: Catalogue, clock: Clock) -> pd.DataFrame:
    """Two overrides on the best sellers still selling: a TV feature doubling demand for two
    weeks from day 10 ahead, and a fixed rate for a SKU whose supplier rations it for a month."""
    selling = np.flatnonzero(catalogue.stop_day == NEVER)
    top = selling[np.argsort(-catalogue.base_rate[selling], kind="stable")][:2]
    start = clock.end + timedelta(days=10)
    rationed_rate = round(float(catalogue.base_rate[top[1]]) / 2, 1)
    return pd.DataFrame([
        {"sku": catalogue.sku_ids[top[0]], "start_date": start.isoformat(),
         "end_date": (start + timedelta(days=13)).isoformat(), "units_per_day": "",
         "multiplier": "2.0", "note": "TV feature: planner expects double demand"},
        {"sku": catalogue.sku_ids[top[1]], "start_date": (clock.end + timedelta(days=1)).isoformat(),
         "end_date": (clock.end + timedelta(days=30)).isoformat(), "units_per_day": str(rationed_rate),
         "multiplier": "", "note": "supplier rations this SKU for a month"},
    ])
