"""Benchmark: does the promotion regressor lower Prophet's error on promoted weeks?

Data: Dominick's Finer Foods orange juice, 83 stores x 11 brands = 913 weekly series, weeks
40-160 (1989-1992), with ``deal`` (in-store promotion, 0/1), ``feat`` (share of the week the
brand was feature-advertised) and each brand's own shelf price. Source: R package ``bayesm``
(``orangeJuice``), from the Kilts Center's Dominick's database (University of Chicago).

For every store x brand, the last ``--holdout`` calendar weeks are held out and forecast in one
go from the weeks before, with the deal/feature/price calendar of the hold-out known in advance
(as a seller knows its own promotion plan). The model is ``prophet_forecast`` — the fitting
logic of ``ProphetModel`` — on weekly data: yearly seasonality, no weekly seasonality, no
holidays. Three regressor sets (none, deal + feat, deal + feat + own price), each fitted on units
and on log(1 + units) (``log1p=True``: multiplicative effects, as in the Dominick's literature,
which models log units).
Errors are pooled over all series: WAPE = sum|y - yhat| / sum y, MAE in units/week, split into
promoted (deal = 1 or feat > 0) and non-promoted hold-out weeks; bias = mean(yhat - y).

Usage: python -m benchmarks.dominicks_promo --data ../shared/data/dominicks_oj [--holdout 26]
       [--limit N] [--workers 2]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.forecasting.metrics import wape
from pipelines.forecasting.prophet_model import prophet_forecast

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "dominicks_oj"
FILE = "orangeJuice_yx_store_brand_week.csv"
#: Dominick's week 1 began on Thursday 1989-09-14 (Kilts Center week-decode table).
WEEK_ONE = pd.Timestamp("1989-09-14")

#: variant -> (regressors, fit on log(1 + units)).
VARIANTS: dict[str, tuple[tuple[str, ...], bool]] = {
    "no regressor": ((), False),
    "deal + feat": (("deal", "feat"), False),
    "deal + feat + own price": (("deal", "feat", "price"), False),
    "log units, no regressor": ((), True),
    "log units, deal + feat": (("deal", "feat"), True),
    "log units, deal + feat + own price": (("deal", "feat", "price"), True),
}


def load_series(data_dir: Path) -> pd.DataFrame:
    """Long frame: store, brand, week, ds, y (units/week), deal, feat, price (own, $/oz)."""
    raw = pd.read_csv(data_dir / FILE)
    own_price = raw[[f"price{b}" for b in range(1, 12)]].to_numpy()[
        np.arange(len(raw)), raw["brand"].to_numpy() - 1]
    return pd.DataFrame({
        "store": raw["store"], "brand": raw["brand"], "week": raw["week"],
        "ds": WEEK_ONE + pd.to_timedelta((raw["week"] - 1) * 7, unit="D"),
        "y": raw["units"].astype(float), "deal": raw["deal"].astype(float),
        "feat": raw["feat"].astype(float), "price": raw["price"] if "price" in raw else own_price,
    }).sort_values(["store", "brand", "week"]).reset_index(drop=True)


def _forecast_one(args: tuple[pd.DataFrame, int]) -> pd.DataFrame:
    frame, cutoff_week = args
    history = frame[frame["week"] <= cutoff_week]
    future = frame[frame["week"] > cutoff_week]
    out = future[["store", "brand", "week", "y"]].copy()
    out["promoted"] = (future["deal"] > 0) | (future["feat"] > 0)
    for variant, (regressors, log1p) in VARIANTS.items():
        out[variant] = prophet_forecast(history, future, regressors=regressors,
                                        weekly_seasonality=False, log1p=log1p)
    return out


def run(data_dir: Path, holdout: int = 26, limit: int | None = None,
        workers: int = 1) -> tuple[pd.DataFrame, int, float]:
    """Hold-out forecasts of every variant, one row per series and hold-out week."""
    data = load_series(data_dir)
    cutoff_week = int(data["week"].max()) - holdout
    groups = [g for _, g in data.groupby(["store", "brand"], sort=True)]
    # A series needs a year of history for its yearly curve and some weeks to score.
    groups = [g for g in groups
              if (g["week"] <= cutoff_week).sum() >= 52 and (g["week"] > cutoff_week).any()]
    if limit:
        groups = groups[:limit]
    started = time.monotonic()
    tasks = [(g, cutoff_week) for g in groups]
    if workers > 1:
        with ProcessPoolExecutor(workers) as pool:
            parts = list(pool.map(_forecast_one, tasks, chunksize=16))
    else:
        parts = [_forecast_one(t) for t in tasks]
    return pd.concat(parts, ignore_index=True), len(groups), time.monotonic() - started


def render(results: pd.DataFrame, n_series: int, seconds: float, holdout: int) -> str:
    lines = [
        f"## Dominick's OJ: Prophet with and without promotion regressors — {n_series} "
        f"store x brand series, last {holdout} weeks held out, {seconds:.0f} s\n",
        "| variant | WAPE promoted | MAE promoted | bias promoted | WAPE not promoted "
        "| MAE not promoted | bias not promoted | WAPE all | MAE all |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    promoted = results["promoted"].to_numpy()
    y = results["y"].to_numpy()
    for variant in VARIANTS:
        f = results[variant].to_numpy()
        cells = []
        for mask in (promoted, ~promoted, np.ones_like(promoted)):
            cells += [f"{wape(y[mask], f[mask]):.3f}", f"{np.mean(np.abs(y[mask] - f[mask])):,.0f}"]
            if not mask.all():
                cells.append(f"{np.mean(f[mask] - y[mask]):+,.0f}")
        lines.append(f"| {variant} | " + " | ".join(cells) + " |")
    lines.append(f"\nHold-out weeks: {promoted.sum():,} promoted, {(~promoted).sum():,} not "
                 f"promoted; mean units/week {y[promoted].mean():,.0f} vs {y[~promoted].mean():,.0f}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA,
                        help="folder holding orangeJuice_yx_store_brand_week.csv")
    parser.add_argument("--holdout", type=int, default=26, help="weeks held out (default 26)")
    parser.add_argument("--limit", type=int, default=None, help="first N series only")
    parser.add_argument("--workers", type=int, default=1, help="processes (default 1)")
    args = parser.parse_args()
    results, n_series, seconds = run(args.data, args.holdout, args.limit, args.workers)
    print(render(results, n_series, seconds, args.holdout))


if __name__ == "__main__":
    main()
