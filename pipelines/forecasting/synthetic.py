"""Synthetic demand panels with known truth, for tests and the speed benchmark.

``python -m pipelines.forecasting.synthetic --skus 2000 --days 730`` times ``run_forecast`` on
such a panel (Prophet off) and prints seconds and peak memory.
"""

from __future__ import annotations

import argparse
import resource
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

#: Weekly profile (Mon … Sun) of the "regular" synthetic SKUs, mean 1.
WEEKLY = np.array([0.8, 0.8, 0.9, 1.0, 1.1, 1.4, 1.0]) / np.mean([0.8, 0.8, 0.9, 1.0, 1.1, 1.4, 1.0])


def synthetic_demand(n_skus: int, days: int, as_of: date, kind: str = "mixed", seed: int = 0,
                     channels: tuple[str, ...] = ("amazon", "shopify"),
                     regions: tuple[str, ...] = ("east", "west")) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(demand, skus) frames shaped like marts.fct_daily_demand and marts.dim_sku.

    kind: 'regular' (Poisson, mean ~20/day with the WEEKLY profile), 'intermittent' (a sale on
    15 % of days, 1 + Poisson(1) units: mean 0.3/day) or 'mixed' (half each)."""
    rng = np.random.default_rng(seed)
    dates = pd.date_range(as_of - timedelta(days=days - 1), as_of, freq="D")
    regular = np.arange(n_skus) < (n_skus if kind == "regular" else 0 if kind == "intermittent" else n_skus // 2)
    level = rng.uniform(10, 30, n_skus)
    lam = level[:, None] * WEEKLY[dates.dayofweek.to_numpy()][None, :]
    units = np.where(regular[:, None], rng.poisson(lam),
                     (rng.random((n_skus, days)) < 0.15) * (1 + rng.poisson(1.0, (n_skus, days))))
    i, t = np.nonzero(units)
    ch = rng.integers(0, len(channels), len(i))
    demand = pd.DataFrame({
        "date": dates[t].date, "sku": np.char.add("SKU-", i.astype(str)),
        "channel": np.asarray(channels)[ch], "region": np.asarray(regions)[ch % len(regions)],
        "units": units[i, t].astype(float),
    })
    skus = pd.DataFrame({
        "sku": [f"SKU-{k}" for k in range(n_skus)],
        "category": np.where(regular, "regular", "intermittent"),
        "unit_price": 10.0, "launch_date": pd.NaT, "sku_status": "active",
    })
    return demand, skus


def _main() -> None:
    from pipelines.config import ForecastConfig
    from pipelines.forecasting.pipeline import ForecastInputs, run_forecast

    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=730)
    args = parser.parse_args()
    as_of = date(2026, 6, 30)
    demand, skus = synthetic_demand(args.skus, args.days, as_of, "mixed")
    empty = pd.DataFrame(columns=["date", "sku"])
    inputs = ForecastInputs(as_of, demand, empty, skus,
                            pd.DataFrame(columns=["channel", "sku", "start_date", "end_date", "discount_pct"]),
                            pd.DataFrame(columns=["sku", "start_date", "end_date", "units_per_day",
                                                  "multiplier", "note"]))
    started = time.perf_counter()
    result = run_forecast(inputs, ForecastConfig(), per_series_models=[])
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    acc = result.accuracy
    print(f"{args.skus} SKUs x {args.days} days: {seconds:.1f} s, peak RSS {peak_mb:.0f} MB, "
          f"{len(result.forecast)} forecast rows")
    print(acc.groupby(skus.set_index('sku').loc[acc['sku'], 'category'].to_numpy())
          [["wape", "rmsse", "coverage_80"]].mean().round(3))
    print(acc["model"].value_counts().to_string())


if __name__ == "__main__":
    _main()
