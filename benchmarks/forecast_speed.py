"""Benchmark: the forecasting step on N SKUs x D days, next to a plain Prophet loop.

Usage: python -m benchmarks.forecast_speed [--skus 10000] [--days 730] [--shards 2] [--prophet-sample 40]

The panel is synthetic (pipelines.forecasting.synthetic: half regular weekly-seasonal SKUs, half
intermittent). Our step runs as the Dagster graph runs it under the multiprocess executor: the inputs
are written to Parquet once (as prepare_forecast_inputs does), then one process per shard loads
its own SKUs' rows and calls run_forecast with its share of the Prophet budget. The plain
loop fits one default Prophet() per series and forecasts 90 days, on the first
--prophet-sample series of the same panel; its series/second is extrapolated to all SKUs.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import resource
import shutil
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from datetime import date
from pathlib import Path

import pandas as pd

from orchestration.forecast import INPUT_QUERIES, load_shard_inputs
from pipelines.config import load_config
from pipelines.forecasting import run_forecast, shard_config
from pipelines.forecasting.synthetic import synthetic_demand

AS_OF = date(2026, 6, 30)
EMPTY_PROMOTIONS = pd.DataFrame(columns=["channel", "sku", "start_date", "end_date", "discount_pct"])
EMPTY_OVERRIDES = pd.DataFrame(columns=["sku", "start_date", "end_date", "units_per_day", "multiplier", "note"])


def _write_inputs(work: Path, skus: int, days: int) -> None:
    """The Parquet files prepare_forecast_inputs writes, from a synthetic panel."""
    demand, catalogue = synthetic_demand(skus, days, AS_OF, "mixed")
    frames = {"demand": demand, "skus": catalogue, "promotions": EMPTY_PROMOTIONS,
              "overrides": EMPTY_OVERRIDES, "stockouts": pd.DataFrame(columns=["date", "sku"]),
              "stock_reported": pd.DataFrame(columns=["sku", "first_date", "last_date"])}
    for name in INPUT_QUERIES:
        frames[name].to_parquet(work / f"{name}.parquet", index=False)
    pd.DataFrame({"as_of": [AS_OF], "country": ["US"]}).to_parquet(work / "as_of.parquet")


def _forecast_shard(args: tuple[str, int, int]) -> tuple[int, int, float]:
    """One forecast_shard op's work: load this shard's rows, run_forecast with its budget."""
    work, shard, shards = args
    started = time.perf_counter()
    inputs = load_shard_inputs(Path(work), shard, shards)
    result = run_forecast(inputs, shard_config(load_config().forecast, shards))
    return len(inputs.skus), int((result.accuracy["model"] == "prophet").sum()), time.perf_counter() - started


def _plain_prophet(skus: int, days: int, sample: int) -> float:
    from prophet import Prophet

    logging.getLogger("cmdstanpy").setLevel(logging.WARNING)
    demand, _ = synthetic_demand(skus, days, AS_OF, "mixed")
    daily = demand.groupby(["sku", "date"], as_index=False)["units"].sum()
    full = pd.date_range(end=pd.Timestamp(AS_OF), periods=days, freq="D")
    started = time.perf_counter()
    for sku in [f"SKU-{k}" for k in range(sample)]:
        series = daily[daily["sku"] == sku].set_index(pd.to_datetime(daily.loc[daily["sku"] == sku, "date"]))
        frame = pd.DataFrame({"ds": full, "y": series["units"].reindex(full, fill_value=0.0).to_numpy()})
        model = Prophet().fit(frame)
        model.predict(model.make_future_dataframe(90))
    return (time.perf_counter() - started) / sample


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--shards", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--prophet-sample", type=int, default=40)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stockpilot-forecast-bench-"))
    _write_inputs(work, args.skus, args.days)
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=args.shards) as pool:
        parts = list(pool.map(_forecast_shard, [(str(work), s, args.shards) for s in range(args.shards)]))
    wall = time.perf_counter() - started
    shutil.rmtree(work, ignore_errors=True)
    peak_gb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024**2
    per_prophet = _plain_prophet(args.skus, args.days, args.prophet_sample)
    skus = sum(p[0] for p in parts)
    print(f"## Forecasting step: {skus:,} SKUs x {args.days} days, {args.shards} shards in parallel "
          f"— {platform.machine()}, {os.cpu_count()} cores\n")
    print("| | wall time | series/second | peak memory per shard process |\n|---|---:|---:|---:|")
    budget = load_config().forecast.prophet_max_series
    print(f"| Stockpilot forecasting step (backtests, selection, quantiles, splits; Prophet tried "
          f"on the top {budget}, chosen for {sum(p[1] for p in parts)}) | {wall:.0f} s | "
          f"{skus / wall:.1f} | {peak_gb:.2f} GB |")
    print(f"| plain loop: one default Prophet per series (measured on {args.prophet_sample}, "
          f"one process) | {per_prophet * skus:.0f} s (extrapolated) | {1 / per_prophet:.1f} | — |")
    print("\nShard times (s): " + ", ".join(f"{p[2]:.0f}" for p in parts))


if __name__ == "__main__":
    main()
