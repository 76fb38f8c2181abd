"""Benchmark: the forecast on a refit night against the night after it (one more day of data).

Usage: python -m benchmarks.forecast_refit [--skus 2000] [--days 730] [--prophet]

The panel is synthetic (pipelines.forecasting.synthetic: half regular weekly-seasonal SKUs, half
intermittent), in one call as one shard runs it. Night 1 has no stored fit, so it selects a
model for every SKU (``run_forecast``); night 2 has one more day and takes the fast path
(``pipelines.forecasting.refit``). --new-skus adds that many SKUs on night 2, which it fits.
Without --prophet the per-series budget is 0 (Prophet's cost depends on the machine most).
"""

from __future__ import annotations

import argparse
import platform
import time
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import load_config
from pipelines.forecasting import ForecastInputs
from pipelines.forecasting.refit import forecast_night
from pipelines.forecasting.synthetic import synthetic_demand

AS_OF = date(2026, 6, 30)
EMPTY_PROMOTIONS = pd.DataFrame(columns=["channel", "sku", "start_date", "end_date", "discount_pct"])
EMPTY_OVERRIDES = pd.DataFrame(columns=["sku", "start_date", "end_date", "units_per_day", "multiplier", "note"])


def _inputs(demand: pd.DataFrame, skus: pd.DataFrame, as_of: date) -> ForecastInputs:
    return ForecastInputs(as_of, demand[pd.to_datetime(demand["date"]) <= pd.Timestamp(as_of)],
                          pd.DataFrame(columns=["date", "sku"]), skus, EMPTY_PROMOTIONS, EMPTY_OVERRIDES)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--skus", type=int, default=2000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--new-skus", type=int, default=0)
    parser.add_argument("--prophet", action="store_true")
    args = parser.parse_args()
    config = load_config().forecast
    if not args.prophet:
        config = config.model_copy(update={"prophet_max_series": 0})
    demand, skus = synthetic_demand(args.skus + args.new_skus, args.days, AS_OF, "mixed")
    new = set(skus["sku"].iloc[args.skus:])
    first_day = AS_OF - timedelta(days=1)
    old = demand[~demand["sku"].isin(new)]

    started = time.perf_counter()
    night1 = forecast_night(_inputs(old, skus[~skus["sku"].isin(new)], first_day), config, None, None)
    full = time.perf_counter() - started
    started = time.perf_counter()
    night2 = forecast_night(_inputs(demand, skus, AS_OF), config, night1.result.fit, night1.result.accuracy)
    fast = time.perf_counter() - started

    print(f"{platform.node()} ({platform.processor() or platform.machine()}), "
          f"{args.skus} SKUs x {args.days} days, Prophet {'on' if args.prophet else 'off'}")
    print(f"night 1 (refit night, {len(night1.refits)} SKUs selected): {full:.1f} s")
    print(f"night 2 ({night2.reused} SKUs reused, {len(night2.refits)} fitted): {fast:.1f} s "
          f"= {fast / full:.0%} of night 1")
    print(night2.refits["reason"].value_counts().to_string() if len(night2.refits) else "no refits")
    print("models:", night2.result.fit["model"].value_counts().to_dict())
    assert np.isfinite(night2.result.forecast["p50"]).all()


if __name__ == "__main__":
    main()
