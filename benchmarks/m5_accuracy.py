"""Benchmark: 28-day forecast accuracy on the M5 subset — baselines against Stockpilot.

Data: ``m5_tiny`` (280 Walmart item x store series, daily, 2011-01-29 … 2016-04-24; see
``benchmarks.m5_landing`` for the source). The last 28 days (2016-03-28 … 2016-04-24) are held
out, the horizon M5 itself used; every method sees the history up to 2016-03-27 only.

Methods:
- baselines fitted directly on the history (no pipeline): seasonal naive (the last week
  repeated), moving averages of the last 7, 28, 56 and 91 days, the same 28 days last year (52
  weeks back, so weekdays align), statsforecast AutoETS (season 7, full model search), and
  default Prophet (``Prophet()``, no holidays or regressors; ``uncertainty_samples=0``, which
  changes no point forecast, only skips the interval simulation). Models that fit parameters
  (AutoETS, Prophet) see the history from each series' first sale on: the leading zeros are
  days before the item was stocked, as in M5's own scaling.
- ``ProphetModel`` (``pipelines.forecasting.prophet_model``) run directly, with US holidays and
  the price-derived promotion and price regressors the landing carries.
- ours: the p50 of ``marts.demand_forecast`` (level ``total``) for the 28 days after the as-of
  date, from a warehouse given by ``--ours-from``, or else from a pipeline run this script
  makes on the M5 landing (``benchmarks.m5_landing``) with as-of 2016-03-27.

Metrics (``pipelines.forecasting.metrics``), per series over the 28 days, then the mean over
series: RMSSE with M5 scaling (history from the first sale on), daily WAPE (series without sales
in the 28 days are left out of its mean), and the 28-day total error |ΣF − ΣA| / ΣA — the error
of the quantity a planner buys for the period — as mean over series and aggregate
Σ|ΣF − ΣA| / ΣΣA, and per item (each item's totals summed over its 10 stores, then aggregated
the same way over the 28 items).

Hindsight ceiling: for each item, the method (of all rows above, ours included) whose forecast
of that item's 28-day total came closest to the actual, chosen AFTER seeing the holdout — no
forecaster can do this; it bounds what choosing among these methods per item could reach. Its
row reports only the item error (the other columns would mix methods per item) and how often
each method was the pick.

``--origins N`` repeats the comparison for the item error at N earlier origins, 28 days apart
(2016-02-28, 2016-01-31, …), each scored on the 28 days after it: the fast baselines, the
forecast step itself (``run_forecast`` on the same history the landing carries — orders up to
the origin, promotions known ahead — without Prophet, whose budget covers 11 of the 280 series
here) with its mean RMSSE, the forecast step without the yearly layer
(``forecast.seasonal_years`` 0, to show what the layer changes), the best single method chosen
in hindsight for all items, and the hindsight ceiling over those methods; the last row is the
mean over the origins. One holdout of 28 items is a small sample; this shows how much of a
method's figure is the month it was scored on. Published reference (full M5, WRMSSE, a weighted mean over all aggregation
levels, so not directly comparable): sNaive 0.847, ES_bu 0.671, winner 0.520.

Usage: python -m benchmarks.m5_accuracy --data ../shared/data/m5_tiny
       [--ours-from warehouse.duckdb] [--skip-pipeline] [--workdir DIR] [--origins N]
"""

from __future__ import annotations

import argparse
import dataclasses
import logging
import tempfile
import time
import warnings
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.m5_landing import DEFAULT_DATA, M5Data, load_m5, promotions, write_landing
from pipelines.forecasting.metrics import rmsse, wape
from pipelines.forecasting.prophet_model import ProphetModel
from pipelines.forecasting.series import SeriesHistory

HORIZON = 28
SEASON = 7
AS_OF = "2016-03-27"


def total_error(actual: np.ndarray, forecast: np.ndarray) -> float:
    """|Σ forecast − Σ actual| / Σ actual over the horizon; NaN when nothing sold."""
    total = float(np.sum(actual))
    return abs(float(np.sum(forecast)) - total) / total if total > 0 else float("nan")


def _from_first_sale(y: np.ndarray) -> np.ndarray:
    nonzero = np.flatnonzero(y > 0)
    return y[nonzero[0]:] if len(nonzero) else y[-SEASON:]


# --- baselines: each maps the history matrix (series x days) to forecasts (series x HORIZON) ---

def seasonal_naive(history: np.ndarray) -> np.ndarray:
    return np.tile(history[:, -SEASON:], HORIZON // SEASON)


def moving_average(history: np.ndarray, days: int) -> np.ndarray:
    return np.repeat(history[:, -days:].mean(axis=1, keepdims=True), HORIZON, axis=1)


def same_period_last_year(history: np.ndarray) -> np.ndarray:
    """The 28 days that began 52 weeks before the horizon does (weekdays align)."""
    start = history.shape[1] - 364
    return history[:, start:start + HORIZON]


def auto_ets(history: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    from statsforecast import StatsForecast
    from statsforecast.models import AutoETS

    frames = []
    for i, y in enumerate(history):
        y = _from_first_sale(y)
        frames.append(pd.DataFrame({"unique_id": i, "ds": dates[-len(y):], "y": y}))
    panel = pd.concat(frames, ignore_index=True)
    forecast = StatsForecast(models=[AutoETS(season_length=SEASON)], freq="D", n_jobs=1).forecast(
        df=panel, h=HORIZON)
    forecast = forecast.sort_values(["unique_id", "ds"])
    return np.clip(forecast["AutoETS"].to_numpy().reshape(len(history), HORIZON), 0, None)


def default_prophet(history: np.ndarray, dates: pd.DatetimeIndex) -> np.ndarray:
    from prophet import Prophet  # logging already quietened by pipelines.forecasting.prophet_model

    out = np.empty((len(history), HORIZON))
    future = pd.DataFrame({"ds": pd.date_range(dates[-1] + pd.Timedelta(days=1), periods=HORIZON)})
    for i, y in enumerate(history):
        y = _from_first_sale(y)
        model = Prophet(uncertainty_samples=0)
        model.fit(pd.DataFrame({"ds": dates[-len(y):], "y": y}))
        out[i] = model.predict(future)["yhat"].to_numpy()
    return np.clip(out, 0, None)


def stockpilot_prophet(data: M5Data, history_days: int) -> np.ndarray:
    """``ProphetModel`` with holidays, promotion and price, from each series' first sale on."""
    model = ProphetModel()
    span = history_days + HORIZON
    out = np.empty((len(data.series), HORIZON))
    for i, sku in enumerate(data.series["sku"]):
        y = data.sales[i, :history_days]
        first = int(np.argmax(y > 0)) if (y > 0).any() else history_days - SEASON
        series = SeriesHistory(
            sku=sku, dates=data.dates[first:history_days], y=y[first:],
            observed=np.ones(history_days - first, dtype=bool),
            promo=data.discount[i, first:span], price=data.price[i, first:span], country="US")
        out[i] = model.forecast(series)
    return out


# --- ours, from the warehouse -------------------------------------------------------------------

def read_ours(warehouse: Path, skus: pd.Series, first_day: pd.Timestamp) -> np.ndarray | None:
    """p50 per sku and day of ``marts.demand_forecast`` (level total) over the horizon, shaped
    like ``skus`` x HORIZON; None (with the reason printed) when the table is not there."""
    import duckdb

    days = pd.date_range(first_day, periods=HORIZON)
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        columns = [r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns "
            "WHERE table_schema = 'marts' AND table_name = 'demand_forecast'").fetchall()]
        if not columns:
            print(f"\n> No marts.demand_forecast in {warehouse}: the forecast assets have not "
                  "run there, so 'ours' is left out.\n")
            return None
        date_col = next((c for c in ("date", "forecast_date", "day", "ds") if c in columns), None)
        if date_col is None or "p50" not in columns or "sku" not in columns:
            print(f"\n> marts.demand_forecast has columns {columns}; expected sku, date, p50.\n")
            return None
        where = ["level = 'total'"] if "level" in columns else []
        if "as_of" in columns:
            where.append(f"CAST(as_of AS DATE) = DATE '{AS_OF}'")
        query = (f'SELECT sku, CAST("{date_col}" AS DATE) AS date, SUM(p50) AS p50 '
                 f"FROM marts.demand_forecast {'WHERE ' + ' AND '.join(where) if where else ''} "
                 "GROUP BY 1, 2")
        frame = con.execute(query).df()
    finally:
        con.close()
    frame["date"] = pd.to_datetime(frame["date"])
    grid = frame.pivot_table(index="sku", columns="date", values="p50", aggfunc="sum")
    grid = grid.reindex(index=skus.to_numpy(), columns=days)
    missing = grid.isna().all(axis=1).sum()
    if missing:
        print(f"\n> {missing} of {len(skus)} SKUs have no forecast in marts.demand_forecast for "
              f"{days[0]:%Y-%m-%d} .. {days[-1]:%Y-%m-%d}; counted as zero.\n")
    return grid.fillna(0.0).to_numpy()


def run_pipeline_on_m5(data_dir: Path, workdir: Path) -> tuple[Path, float]:
    """Write the M5 landing into ``workdir`` and run the nightly job on it as of 2016-03-27."""
    import dagster as dg

    from orchestration.resources import StockpilotResource
    from orchestration.runner import run_pipeline

    write_landing(data_dir, workdir / "landing", HORIZON)
    warehouse = workdir / "warehouse.duckdb"
    started = time.monotonic()
    summary = run_pipeline(
        StockpilotResource(landing=str(workdir / "landing"), warehouse=str(warehouse), as_of=AS_OF),
        instance=dg.DagsterInstance.ephemeral(), log_level="ERROR")
    seconds = time.monotonic() - started
    if not summary.success:
        print(f"\n> The pipeline run on the M5 landing did not fully succeed ({workdir}).\n")
    return warehouse, seconds


def forecast_step(data: M5Data, origin: int, yearly: bool = True) -> np.ndarray:
    """Our p50 (units/day, series x HORIZON) for the HORIZON days after day index ``origin``
    from ``run_forecast`` alone (no Prophet): the inputs the pipeline's marts would hold.
    ``yearly=False`` switches the yearly layer off (``forecast.seasonal_years`` 0)."""
    from benchmarks.m5_policy_backtest import m5_inputs
    from pipelines.config import load_config
    from pipelines.forecasting import run_forecast
    from pipelines.simulation.stockpilot import forecast_inputs

    as_of = data.dates[origin - 1]
    inputs = forecast_inputs(m5_inputs(data, as_of.date(), 3.0, 1.0), as_of.date())
    inputs = dataclasses.replace(inputs, promotions=promotions(data, data.dates[-1]))
    config = load_config().forecast
    if not yearly:
        config = config.model_copy(update={"seasonal_years": 0})
    total = run_forecast(inputs, config, per_series_models=[]).forecast
    total = total[total["level"] == "total"]
    grid = total.pivot(index="sku", columns="date", values="p50")
    return grid.reindex(index=data.series["sku"].to_numpy()).fillna(0.0).to_numpy()[:, :HORIZON]


def origins_table(data: M5Data, origins: int) -> str:
    """Item 28-day total error at ``origins`` earlier origins (module docstring, --origins), the
    forecast step's mean RMSSE beside it, the same without the yearly layer
    (``pipelines.forecasting.seasonal``), and the mean of every column over the origins."""
    items = data.series["item_id"].to_numpy()
    last = len(data.dates) - HORIZON
    lines = ["| origin (as of) | forecast step (no Prophet) | its mean RMSSE "
             "| same without the yearly layer | its mean RMSSE | seasonal naive | MA 7 "
             "| MA 28 | MA 56 | MA 91 | same 28 days last year | best single method in hindsight "
             "| hindsight ceiling (per item) |", "|---|" + "---:|" * 12]
    table = []
    for k in range(1, origins + 1):
        origin = last - HORIZON * k
        history, actual = data.sales[:, :origin], data.sales[:, origin:origin + HORIZON]
        ours = forecast_step(data, origin)
        forecasts = {"forecast step": ours,
                     "seasonal naive": seasonal_naive(history),
                     **{f"MA {d}": moving_average(history, d) for d in (7, 28, 56, 91)},
                     "same 28 days last year": same_period_last_year(history)}
        errors = {name: item_total_error(actual, f, items) for name, f in forecasts.items()}
        best = min(errors, key=errors.get)
        ceiling, _ = hindsight_ceiling(actual, forecasts, items)
        flat = forecast_step(data, origin, yearly=False)
        values = [errors["forecast step"], score(history, actual, ours, items)["mean RMSSE"],
                  item_total_error(actual, flat, items), score(history, actual, flat, items)["mean RMSSE"],
                  *list(errors.values())[1:]]
        table.append([*values, errors[best], ceiling])
        lines.append(f"| {data.dates[origin - 1]:%Y-%m-%d} | "
                     + " | ".join(f"{v:.3f}" for v in values)
                     + f" | {errors[best]:.3f} ({best}) | {ceiling:.3f} |")
    mean = np.mean(np.array(table), axis=0)
    lines.append(f"| **mean of {origins}** | " + " | ".join(f"**{v:.3f}**" for v in mean) + " |")
    return "\n".join(lines)


# --- scoring ------------------------------------------------------------------------------------

def score(history: np.ndarray, actual: np.ndarray, forecast: np.ndarray,
          items: np.ndarray) -> dict[str, float]:
    per_series = [(rmsse(h, a, f), wape(a, f), total_error(a, f))
                  for h, a, f in zip(history, actual, forecast, strict=True)]
    r, w, t = (np.array(col, dtype=float) for col in zip(*per_series, strict=True))
    return {
        "mean RMSSE": float(np.nanmean(r)),
        "mean daily WAPE": float(np.nanmean(w)),
        "mean 28-day total error": float(np.nanmean(t)),
        "aggregate 28-day total error": float(
            np.abs(forecast.sum(axis=1) - actual.sum(axis=1)).sum() / actual.sum()),
        "item 28-day total error": item_total_error(actual, forecast, items),
    }


def item_total_error(actual: np.ndarray, forecast: np.ndarray, items: np.ndarray) -> float:
    """Σ over items |ΣF − ΣA| / ΣA, each item's 28-day totals summed over its stores: the
    error of what a seller buys for the period, per product."""
    frame = pd.DataFrame({"item": items, "f": forecast.sum(axis=1), "a": actual.sum(axis=1)})
    totals = frame.groupby("item")[["f", "a"]].sum()
    return float((totals["f"] - totals["a"]).abs().sum() / totals["a"].sum())


def hindsight_ceiling(actual: np.ndarray, forecasts: dict[str, np.ndarray],
                      items: np.ndarray) -> tuple[float, pd.Series]:
    """Item 28-day total error when each item takes, in hindsight, the method whose total for it
    (summed over its stores) was closest to the actual; and how many items each method won."""
    totals = pd.DataFrame({name: f.sum(axis=1) for name, f in forecasts.items()})
    totals["item"], totals["actual"] = items, actual.sum(axis=1)
    by_item = totals.groupby("item").sum()
    errors = by_item[list(forecasts)].sub(by_item["actual"], axis=0).abs()
    picks = errors.idxmin(axis=1).value_counts().reindex(list(forecasts), fill_value=0)
    return float(errors.min(axis=1).sum() / by_item["actual"].sum()), picks


def render(rows: list[tuple[str, dict[str, float], float]], n_series: int, no_sales: int,
           ceiling: tuple[float, pd.Series] | None = None) -> str:
    lines = [
        f"## M5 subset: {n_series} Walmart item x store series, 28 days held out "
        f"(2016-03-28 .. 2016-04-24)\n",
        "| method | mean RMSSE | mean daily WAPE | mean 28-day total error "
        "| aggregate 28-day total error | item 28-day total error | seconds |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for name, metrics, seconds in rows:
        lines.append(f"| {name} | " + " | ".join(f"{v:.3f}" for v in metrics.values())
                     + f" | {seconds:.1f} |")
    if ceiling is not None:
        lines.append("| hindsight ceiling: best method per item, chosen after seeing the holdout "
                     f"| | | | | {ceiling[0]:.3f} | |")
    lines.append(f"\n{no_sales} series sold nothing in the 28 days and are left out of the WAPE "
                 "and total-error means (both undefined there); RMSSE and the aggregate count them.")
    if ceiling is not None:
        won = ", ".join(f"{name} {count}" for name, count in ceiling[1].items() if count)
        lines.append(f"\nItems won in hindsight (of {int(ceiling[1].sum())}): {won}.")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the m5_tiny folder")
    parser.add_argument("--ours-from", type=Path, default=None,
                        help="a warehouse .duckdb holding marts.demand_forecast as of 2016-03-27")
    parser.add_argument("--skip-pipeline", action="store_true",
                        help="without --ours-from, do not run the pipeline (baselines only)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="where the pipeline run writes landing and warehouse (default: tmp)")
    parser.add_argument("--origins", type=int, default=0,
                        help="also score the item error at N earlier origins, 28 days apart")
    args = parser.parse_args()
    logging.getLogger("statsforecast").setLevel(logging.WARNING)
    warnings.filterwarnings("ignore", category=FutureWarning)

    data = load_m5(args.data)
    history_days = len(data.dates) - HORIZON
    history, actual = data.sales[:, :history_days], data.sales[:, history_days:]
    dates = data.dates[:history_days]
    items = data.series["item_id"].to_numpy()

    methods: list[tuple[str, Callable[[], np.ndarray]]] = [
        ("seasonal naive (7)", lambda: seasonal_naive(history)),
        ("moving average 7", lambda: moving_average(history, 7)),
        ("moving average 28", lambda: moving_average(history, 28)),
        ("moving average 56", lambda: moving_average(history, 56)),
        ("moving average 91", lambda: moving_average(history, 91)),
        ("same 28 days last year", lambda: same_period_last_year(history)),
        ("AutoETS (statsforecast, season 7)", lambda: auto_ets(history, dates)),
        ("Prophet, default", lambda: default_prophet(history, dates)),
        ("ProphetModel (holidays, promo, price)", lambda: stockpilot_prophet(data, history_days)),
    ]
    rows, forecasts = [], {}
    for name, method in methods:
        started = time.monotonic()
        forecasts[name] = forecast = method()
        rows.append((name, score(history, actual, forecast, items), time.monotonic() - started))

    warehouse, ours_seconds = args.ours_from, float("nan")
    if warehouse is None and not args.skip_pipeline:
        workdir = args.workdir or Path(tempfile.mkdtemp(prefix="stockpilot-m5-"))
        try:
            warehouse, ours_seconds = run_pipeline_on_m5(args.data, workdir)
        except Exception as error:  # a broken pipeline must not hide the baselines
            print(f"\n> The pipeline run on the M5 landing failed: {error!r}\n")
    if warehouse is not None:
        ours = read_ours(warehouse, data.series["sku"], data.dates[history_days])
        if ours is not None:
            forecasts["Stockpilot pipeline (p50)"] = ours
            rows.append(("Stockpilot pipeline (p50)", score(history, actual, ours, items), ours_seconds))
    print(render(rows, len(data.series), int((actual.sum(axis=1) == 0).sum()),
                 hindsight_ceiling(actual, forecasts, items)))
    if args.origins:
        print(f"\n## Item 28-day total error at {args.origins} earlier origins\n")
        print(origins_table(data, args.origins))


if __name__ == "__main__":
    main()
