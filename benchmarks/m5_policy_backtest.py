"""Benchmark: the policy backtest on real demand — the Walmart M5 subset.

Data: ``m5_tiny`` (280 Walmart item × store series, daily unit sales 2011-01-29 … 2016-04-24,
weekly prices; see ``benchmarks.m5_landing`` for the source). Each series is one SKU sold at one
location, its store; every store is replenished from one upstream distribution centre.

Stated assumptions (M5 records sales, not stock or costs):
- **Network** (``--network``): supplier → DC → store by truck, ``--transit-days`` (3) ±
  ``--transit-std`` (1) days, leaving the DC the day after the order
  (``replenishment.transfer_ship_days``). ``one-echelon`` (the default): the DC is not simulated,
  it never runs out, as a retailer's DC serving its stores is taken to. ``two-echelon``: the DC
  is the seller's stock (an upstream warehouse, counted in inventory and turns), bought from the
  supplier with 14 days production + 30 ± 5 days by sea (``TWO_ECHELON``), as a seller importing
  into Amazon AWD or their own warehouse. Lane cost $0.10 a unit, CO2e the mode's default. No
  case packs or MOQ (1 and 0).
- **Cost**: unit cost = 60 % of the series' median price (as ``m5_landing``).
- **Demand**: M5's daily unit sales at each store, served from the store's stock; what the
  simulated shelf cannot serve is lost. Both policies see the recorded sales of the days before
  each night.
- **Start**: the config's rule (``backtest``: 30 days of the last 30 days' mean sales on the
  shelf, and a shipment landing each day of the lane's lead time at that rate).
- Stockpilot: the production forecast (no Prophet) refitted weekly, and the production
  replenishment plan, every night. M5 has no stock feed, so the forecast censors no stockout
  unless ``--suspected-stockout-days`` turns on the suspected-stockout rule (docs/operations.md
  recommends 7 for sellers without snapshots whose forecast feeds purchasing). Baseline: the spreadsheet rule of
  ``backtest.baseline`` (lead time + 30 / lead time + 60 days). ``--baseline-grid`` also runs the
  rule with N / 2N for N from 7 to 45 (``GRID``), to show what service the spreadsheet gets from
  the same inventory; ``--frontier`` runs Stockpilot with the service levels and cover a seller
  would try (``FRONTIER``) on the same forecast fits. With both, the units Stockpilot's
  service-level frontier loses at each rule's average inventory (interpolated) against the
  rule's: the target is 37 % fewer. The perfect-foresight ceiling runs beside them.
- ``--fits-cache FILE`` keeps the weekly forecast fits (they do not depend on the replenishment
  settings) in FILE and reuses them while the forecasting code, its config, the data and the
  window are the same, so settings can be compared without refitting.

Usage: python -m benchmarks.m5_policy_backtest --data ../shared/data/m5_tiny [--days 365] [--network two-echelon]
       [--as-of 2016-04-24] [--transit-days 3] [--transit-std 1] [--workers N] [--baseline-grid]
       [--suspected-stockout-days 7] [--frontier] [--fits-cache FILE]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

import pipelines.forecasting
from benchmarks.m5_landing import CHANNEL, COST_SHARE, DEFAULT_DATA, M5Data, load_m5, promotions
from pipelines.config import BaselineRuleConfig, ForecastConfig, ReplenishmentConfig, load_config
from pipelines.simulation import BacktestInputs, run_backtest
from pipelines.simulation.backtest import prepare
from pipelines.simulation.baseline import BaselinePolicy
from pipelines.simulation.engine import simulate
from pipelines.simulation.history import Window
from pipelines.simulation.kpis import policy_kpis
from pipelines.simulation.lead_times import LeadTimes
from pipelines.simulation.network import purchase_cadence
from pipelines.simulation.stockpilot import ForecastSchedule

SUPPLIER, DC = "M5-SUPPLIER", "M5-DC"
#: The two-echelon network's purchase: production days, then sea days ± their spread, to the DC.
TWO_ECHELON = {"production_days": 14.0, "sea_days": 30.0, "sea_std": 5.0}
#: Baseline variants of --baseline-grid: (reorder cover days, order-up-to days), counted on top of
#: the lead time as the config's rule is (backtest.baseline.plus_lead_time): N and 2N for N 7 … 45.
GRID = ((7, 14), (14, 28), (21, 42), (30, 60), (45, 90))
#: Share of lost units Stockpilot must save against the rule at the same average inventory (issue 16).
TARGET_FEWER_LOST = 0.37
#: Stockpilot settings of --frontier: (label, replenishment config changes). The first is the default.
FRONTIER = (
    ("default config", {}),
    ("service 90 / 85 / 80 %", {"service_levels": {"A": 0.90, "B": 0.85, "C": 0.80}}),
    ("service 95 / 90 / 85 %", {"service_levels": {"A": 0.95, "B": 0.90, "C": 0.85}}),
    ("no demand sensing", {"sensing_days": 0}),
    ("band only (no measured error)", {"error_lookback_days": 0}),
    ("service 99 / 98 / 95 %", {"service_levels": {"A": 0.99, "B": 0.98, "C": 0.95}}),
    ("service 99.5 / 99 / 98 %", {"service_levels": {"A": 0.995, "B": 0.99, "C": 0.98}}),
    ("service 99.9 % every class", {"service_levels": {"A": 0.999, "B": 0.999, "C": 0.999}}),
    ("service 99.9 %, no demand sensing", {"service_levels": {"A": 0.999, "B": 0.999, "C": 0.999},
                                           "sensing_days": 0}),
    ("cover 7 days", {"transfer_cover_days": 7.0}),
    ("service 99.9 %, cover 28 days", {"service_levels": {"A": 0.999, "B": 0.999, "C": 0.999},
                                       "transfer_cover_days": 28.0}),
)
SHOWN = ("fill_rate", "units_missed", "stockout_rate", "cycle_service_level", "average_inventory_units",
         "average_inventory_value", "turns", "days_of_inventory", "orders_placed", "total_cost")


def m5_inputs(data: M5Data, as_of: date, transit_days: float, transit_std: float,
              network: str = "one-echelon") -> BacktestInputs:
    """The M5 series as a seller's history. ``network``: "one-echelon" (the DC never runs out) or
    "two-echelon" (the DC is the seller's stock, bought from the supplier with ``TWO_ECHELON``'s
    production and sea lead time)."""
    two = network == "two-echelon"
    series = data.series
    keep = data.dates <= pd.Timestamp(as_of)
    sales = data.sales[:, keep]
    dates = data.dates[keep]
    rows, cols = np.nonzero(sales > 0)
    price = np.nan_to_num(data.price[rows, cols])
    demand = pd.DataFrame({"date": dates[cols], "sku": series["sku"].to_numpy()[rows], "channel": CHANNEL,
                           "region": series["state_id"].to_numpy()[rows], "units": sales[rows, cols],
                           "revenue": sales[rows, cols] * price})
    location_demand = demand[["date", "sku", "region", "units"]].assign(
        location_id=series["store_id"].to_numpy()[rows])
    median_price = np.nanmedian(data.price, axis=1)
    skus = pd.DataFrame({
        "sku": series["sku"], "category": series["cat_id"], "unit_cost": np.round(COST_SHARE * median_price, 2),
        "unit_price": np.round(median_price, 2), "case_pack": 1, "moq": 0, "supplier_id": SUPPLIER,
        "production_lead_time_days": TWO_ECHELON["production_days"] if two else 0, "launch_date": None,
        "sku_status": "active"})
    stores = series[["store_id", "state_id"]].drop_duplicates().sort_values("store_id")
    locations = pd.DataFrame({
        "location_id": [SUPPLIER, DC, *stores["store_id"]],
        "location_type": ["supplier", "upstream", *["store"] * len(stores)],
        "region": ["US", "US", *stores["state_id"]],
        "capacity_units": pd.array([None] * (len(stores) + 2), dtype="Int64")})
    lanes = pd.DataFrame({
        "origin_id": [SUPPLIER, *[DC] * len(stores)], "destination_id": [DC, *stores["store_id"]],
        "mode": ["sea" if two else "truck", *["truck"] * len(stores)],
        "transit_days": [TWO_ECHELON["sea_days"] if two else 7.0, *[transit_days] * len(stores)],
        "transit_days_std": [TWO_ECHELON["sea_std"] if two else 1.0, *[transit_std] * len(stores)],
        "cost_per_unit": 0.1, "lane_status": "active", "order_cost": 0.0, "co2e_kg_per_unit": 0.0})
    return BacktestInputs(as_of=as_of, demand=demand, location_demand=location_demand, skus=skus,
                          locations=locations, lanes=lanes, promotions=promotions(data, pd.Timestamp(as_of)),
                          unlimited_locations=() if two else (DC,))


def baseline_grid(inputs: BacktestInputs, days: int) -> pd.DataFrame:
    """The spreadsheet rule with other (reorder, order-up-to) days on the same simulation."""
    cfg = load_config()
    prep = prepare(inputs, days, cfg.backtest, cfg.replenishment)
    rows = []
    for reorder, up_to in GRID:
        rule = BaselineRuleConfig(reorder_cover_days=reorder, order_up_to_days=up_to,
                                  sales_days=cfg.backtest.baseline.sales_days,
                                  plus_lead_time=cfg.backtest.baseline.plus_lead_time)
        policy = BaselinePolicy(prep.network, prep.cube, prep.offset, rule,
                                purchase_cadence(cfg.replenishment.purchase_review_days),
                                cfg.replenishment.transfer_ship_days)
        result = simulate(prep.network, policy, prep.demand, prep.start_stock, prep.window.dates,
                          LeadTimes(prep.network, cfg.backtest.seed), lost_sales=cfg.backtest.lost_sales,
                          transfer_ship_days=cfg.replenishment.transfer_ship_days, in_flight=prep.in_flight)
        kpis = policy_kpis(result, cfg.backtest)
        lead = "lead time + " if rule.plus_lead_time else ""
        rows.append({"rule": f"{lead}{reorder} / {lead}{up_to} days", **{k: kpis[k] for k in SHOWN}})
    return pd.DataFrame(rows)


def fits_key(inputs: BacktestInputs, days: int, forecast: ForecastConfig, refit_every_days: int) -> str:
    """What the fits depend on: the forecasting code, its config, the demand and the window."""
    digest = hashlib.sha256()
    for path in sorted(Path(pipelines.forecasting.__file__).parent.rglob("*.py")):
        digest.update(path.read_bytes())
    digest.update(forecast.model_dump_json().encode())
    digest.update(f"{inputs.as_of} {days} {refit_every_days}".encode())
    digest.update(pd.util.hash_pandas_object(inputs.demand, index=False).to_numpy().tobytes())
    return digest.hexdigest()


def forecast_schedule(inputs: BacktestInputs, days: int, forecast: ForecastConfig, refit_every_days: int,
                      workers: int, cache: Path | None, progress) -> ForecastSchedule:
    """The window's weekly fits, read from ``cache`` when it holds these, else fitted (and saved)."""
    schedule = ForecastSchedule(inputs, Window(end=inputs.as_of, days=days), forecast, refit_every_days)
    key = fits_key(inputs, days, forecast, refit_every_days)
    if cache is not None and cache.exists():
        saved = pickle.loads(cache.read_bytes())
        if saved.get("key") == key:
            schedule.fits = saved["fits"]
            print(f"  forecast fits: {len(schedule.fits)} read from {cache}")
            return schedule
    schedule.fit_all(workers, lambda done, total: progress("forecast fits", done, total))
    if cache is not None:
        cache.write_bytes(pickle.dumps({"key": key, "fits": schedule.fits}))
    return schedule


def frontier(inputs: BacktestInputs, days: int, schedule: ForecastSchedule, replenishment: ReplenishmentConfig,
             backtest, forecast: ForecastConfig, settings=FRONTIER[1:]) -> pd.DataFrame:
    """Stockpilot with each of ``settings`` (label, replenishment changes; default FRONTIER's) on the
    same fits, demand, lanes and draws."""
    rows = []
    for label, changes in settings:
        cfg = ReplenishmentConfig.model_validate(replenishment.model_dump() | changes)
        started = time.perf_counter()
        result = run_backtest(inputs, backtest, forecast, cfg, days=days, policies=("stockpilot",),
                              schedule=schedule)
        kpis = policy_kpis(result.results["stockpilot"], backtest)
        rows.append({"stockpilot": label, **{k: kpis[k] for k in SHOWN},
                     "seconds": round(time.perf_counter() - started)})
        print(f"  frontier: {label} done", flush=True)
    return pd.DataFrame(rows)


def frontier_lost(frontier_rows: pd.DataFrame, inventory: float) -> float:
    """Units Stockpilot's service-level frontier loses at ``inventory`` (average inventory value):
    linear between its efficient points (no point holds less and loses less); NaN outside them."""
    rows = frontier_rows[frontier_rows["stockpilot"].str.startswith(("service", "default"))]
    points = rows.sort_values("average_inventory_value")[["average_inventory_value", "units_missed"]].to_numpy()
    efficient = [p for i, p in enumerate(points) if all(q[1] > p[1] for q in points[:i])]
    if not efficient:
        return float("nan")
    x, y = np.array(efficient).T
    if inventory < x[0] or inventory > x[-1]:
        return float("nan")
    return float(np.interp(inventory, x, y))


def against_rule(grid: pd.DataFrame, frontier_rows: pd.DataFrame) -> pd.DataFrame:
    """Per rule of the grid: its lost units, Stockpilot's at the same average inventory, and how many
    fewer (the target: TARGET_FEWER_LOST)."""
    out = grid[["rule", "average_inventory_value", "units_missed", "fill_rate"]].copy()
    out["stockpilot_units_missed"] = [frontier_lost(frontier_rows, v) for v in out["average_inventory_value"]]
    out["fewer_lost"] = 1 - out["stockpilot_units_missed"] / out["units_missed"]
    out["target_met"] = out["fewer_lost"] >= TARGET_FEWER_LOST
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the m5_tiny folder")
    parser.add_argument("--days", type=int, default=365, help="days replayed (default 365)")
    parser.add_argument("--as-of", default=None, help="last day of the window (default the last day of M5)")
    parser.add_argument("--network", choices=("one-echelon", "two-echelon"), default="one-echelon",
                        help="one-echelon: the DC never runs out; two-echelon: the DC is the seller's stock, "
                             "bought from the supplier with 14 days production + 30 ± 5 days sea")
    parser.add_argument("--transit-days", type=float, default=3.0)
    parser.add_argument("--transit-std", type=float, default=1.0)
    parser.add_argument("--workers", type=int, default=None, help="forecast processes (default backtest.workers)")
    parser.add_argument("--baseline-grid", action="store_true", help="also run the rule with other numbers")
    parser.add_argument("--frontier", action="store_true",
                        help="also run Stockpilot with the settings of FRONTIER on the same forecast fits")
    parser.add_argument("--settings", default=None,
                        help='also run Stockpilot with these replenishment settings on the same fits, as JSON: '
                             '{"label": {"purchase_cover_days": 14}, …}')
    parser.add_argument("--fits-cache", type=Path, default=None,
                        help="file keeping the forecast fits between runs (reused while they are the same)")
    parser.add_argument("--suspected-stockout-days", type=int, default=None,
                        help="forecast.suspected_stockout_min_days for this run (M5 has no stock feed; "
                             "docs/operations.md recommends 7 when the forecast feeds purchasing)")
    args = parser.parse_args()

    data = load_m5(args.data)
    as_of = date.fromisoformat(args.as_of) if args.as_of else data.dates[-1].date()
    cfg = load_config()
    backtest = cfg.backtest if args.workers is None else cfg.backtest.model_copy(update={"workers": args.workers})
    forecast = cfg.forecast
    if args.suspected_stockout_days is not None:
        forecast = forecast.model_copy(update={"suspected_stockout_min_days": args.suspected_stockout_days})
    inputs = m5_inputs(data, as_of, args.transit_days, args.transit_std, args.network)
    supply = ("supplier → DC {production_days:g} days production + {sea_days:g} ± {sea_std:g} days sea, "
              .format(**TWO_ECHELON) if args.network == "two-echelon" else "DC never runs out, ")
    print(f"M5 {args.network}: {len(data.series)} series as SKUs at {inputs.locations['location_type'].eq('store').sum()} "
          f"stores, window of {args.days} days ending {as_of}, {supply}DC → store {args.transit_days:g} ± "
          f"{args.transit_std:g} days")
    started = time.perf_counter()
    last = {}

    def progress(stage: str, done: int, total: int) -> None:
        if done == total or time.perf_counter() - last.get(stage, 0) > 60:
            last[stage] = time.perf_counter()
            print(f"  {stage}: {done}/{total} ({time.perf_counter() - started:.0f} s)", flush=True)

    schedule = forecast_schedule(inputs, args.days, forecast, backtest.refit_every_days, backtest.workers,
                                 args.fits_cache, progress)
    fitted = time.perf_counter() - started
    result = run_backtest(inputs, backtest, forecast, cfg.replenishment, days=args.days, progress=progress,
                          schedule=schedule)
    result.seconds["stockpilot_forecasts"] = fitted
    took = time.perf_counter() - started
    wide = result.comparison()
    with pd.option_context("display.width", 160, "display.float_format", "{:,.4f}".format):
        print(wide.to_string(index=False))
        print("\nlost units by cause (marts.policy_backtest_losses):")
        print(result.loss_summary().drop(columns="meaning").to_string(index=False))
        print(f"\ntime: {took:.0f} s (" + ", ".join(f"{k} {v:.0f} s" for k, v in result.seconds.items()) + ")")
        grid = rows = None
        if args.baseline_grid:
            print("\nthe spreadsheet rule with other numbers (same demand, lanes, draws, start):")
            grid = baseline_grid(inputs, args.days)
            print(grid.to_string(index=False))
        if args.frontier:
            print("\nStockpilot with other settings (same fits, demand, lanes, draws, start):")
            rows = frontier(inputs, args.days, schedule, cfg.replenishment, backtest, forecast)
            stock = policy_kpis(result.results["stockpilot"], backtest)
            rows = pd.concat([pd.DataFrame([{"stockpilot": FRONTIER[0][0], **{k: stock[k] for k in SHOWN}}]), rows],
                             ignore_index=True)
            print(rows.to_string(index=False))
        if args.settings:
            print("\nStockpilot with --settings (same fits, demand, lanes, draws, start):")
            chosen = list(json.loads(args.settings).items())
            print(frontier(inputs, args.days, schedule, cfg.replenishment, backtest, forecast, chosen)
                  .to_string(index=False))
        if grid is not None and rows is not None:
            print(f"\nat the rule's average inventory, units Stockpilot's service-level frontier loses "
                  f"(target: {TARGET_FEWER_LOST:.0%} fewer):")
            print(against_rule(grid, rows).to_string(index=False))


if __name__ == "__main__":
    main()
