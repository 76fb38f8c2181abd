"""Stockpilot's own nightly decisions in the simulation (``StockpilotPolicy``).

Each night it runs the production planning functions on the history up to that night and the
simulated stock:

- **Forecast**: ``run_forecast`` on the demand recorded up to the night (real stockout days and
  planned promotions as the warehouse holds them; no planner overrides: the backtest judges the
  rules, not a planner's hand; no Prophet: ``per_series_models=[]``, the fast methods only).
  It is refitted every ``refit_every_days`` nights; in between the last fit is reused from the
  day after the night on (so it is shifted by the days elapsed). The fits do not depend on the
  simulated stock, so ``ForecastSchedule`` computes them ahead, in parallel processes.
- **Plan**: ``plan_replenishment`` with the simulated positions (on hand, backorders as
  reserved, inbound), every order line still travelling as a shipment in transit, revenue and
  fulfilment over the look-backs ending that night with the recorded days each location had no
  stock (``marts.fct_location_stockouts``: they go with the recorded sales the plan splits the
  forecast by — simulated stockouts would divide real sales by days the real location did have
  stock), and the recorded demand (and stockout
  days) of ``replenishment.error_lookback_days`` up to the night, on which the plan measures the
  forecast error over lead time + review for its safety stock and senses recent sales that
  outran a forecast (``replenishment.sensing``; the planned promotions' days left out).
- **Orders placed**: every transfer order (they are tonight's), and on purchase nights — every
  ``replenishment.purchase_review_days`` nights, the review period the plan's purchase reorder
  point covers — every purchase suggestion due (``order_by`` on or before the night), split
  across entry points as ``regional_placement`` splits it, each part on the cheapest lane from
  the SKU's supplier.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ForecastConfig, ReplenishmentConfig
from pipelines.forecasting import ForecastInputs, run_forecast
from pipelines.replenishment import ReplenishmentInputs, plan_replenishment
from pipelines.replenishment import lanes as lane_rules
from pipelines.simulation.history import BacktestInputs, Window
from pipelines.simulation.network import (
    ORDER_COLUMNS,
    Network,
    SimulationState,
    is_purchase_night,
    purchase_cadence,
)

OVERRIDE_COLUMNS = ["sku", "start_date", "end_date", "units_per_day", "multiplier", "note"]
#: Forecast levels the plan reads.
PLAN_LEVELS = ("total", "region")
#: Most processes ``workers: 0`` starts.
MAX_AUTO_WORKERS = 4
#: Below this many SKUs ``workers: 0`` fits in-process: a fit takes under a second, less than
#: starting a process that imports the forecasting libraries.
AUTO_WORKERS_MIN_SKUS = 200


def forecast_inputs(inputs: BacktestInputs, night: date) -> ForecastInputs:
    """What the forecast would have read at the end of ``night``: history up to it only."""
    end = pd.Timestamp(night)
    demand = inputs.demand[pd.to_datetime(inputs.demand["date"]) <= end]
    stockouts = inputs.stockouts[pd.to_datetime(inputs.stockouts["date"]) <= end]
    reported = None
    if inputs.stock_reported is not None:
        spans = inputs.stock_reported[pd.to_datetime(inputs.stock_reported["first_date"]) <= end].copy()
        spans["last_date"] = pd.to_datetime(spans["last_date"]).clip(upper=end)
        reported = spans
    return ForecastInputs(as_of=night, demand=demand[["date", "sku", "channel", "region", "units"]],
                          stockouts=stockouts, skus=inputs.skus, promotions=inputs.promotions,
                          overrides=pd.DataFrame(columns=OVERRIDE_COLUMNS), country=inputs.country,
                          stock_reported=reported)


def fit_forecast(inputs: BacktestInputs, night: date, config: ForecastConfig) -> pd.DataFrame:
    """The plan's forecast rows (levels total and region) fitted at the end of ``night``."""
    result = run_forecast(forecast_inputs(inputs, night), config, per_series_models=[])
    fc = result.forecast
    return fc.loc[fc["level"].isin(PLAN_LEVELS), ["sku", "level", "level_value", "date", "p10", "p50", "p90"]
                  ].reset_index(drop=True)


_WORKER: dict = {}


def _init_worker(inputs: BacktestInputs, config: ForecastConfig) -> None:
    _WORKER["inputs"], _WORKER["config"] = inputs, config


def _fit_in_worker(night: date) -> pd.DataFrame:
    return fit_forecast(_WORKER["inputs"], night, _WORKER["config"])


def worker_count(requested: int, jobs: int, skus: int) -> int:
    """Processes for ``jobs`` fits of ``skus`` SKUs: ``requested``, or with 0 one per core (at
    most 4; one for small catalogues)."""
    if requested > 0:
        wanted = requested
    elif skus < AUTO_WORKERS_MIN_SKUS:
        wanted = 1
    else:
        wanted = min(os.cpu_count() or 1, MAX_AUTO_WORKERS)
    return max(1, min(wanted, jobs))


class ForecastSchedule:
    """The forecast of every refit night of a window, fitted ahead (in ``workers`` processes)."""

    def __init__(self, inputs: BacktestInputs, window: Window, config: ForecastConfig, refit_every_days: int):
        self.inputs = inputs
        self.window = window
        self.config = config.model_copy(update={"prophet_max_series": 0})
        self.every = refit_every_days
        # nights −1, −1 + every, …; the last night orders nothing, so it needs no fit
        self.nights = list(range(-1, window.days - 1, refit_every_days))
        self.fits: dict[int, pd.DataFrame] = {}

    def refit_night(self, night: int) -> int:
        return -1 + ((night + 1) // self.every) * self.every

    def fit_all(self, workers: int = 1, progress: Callable[[int, int], None] | None = None) -> None:
        todo = [n for n in self.nights if n not in self.fits]
        dates = [self.window.night_date(n) for n in todo]
        n_workers = worker_count(workers, len(todo), self.inputs.skus["sku"].nunique())
        if n_workers <= 1:
            for i, (n, d) in enumerate(zip(todo, dates, strict=True)):
                self.fits[n] = fit_forecast(self.inputs, d, self.config)
                if progress:
                    progress(i + 1, len(todo))
            return
        # spawn, not fork: the caller may hold threads (Dagster) or an open DuckDB connection
        context = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(n_workers, mp_context=context, initializer=_init_worker,
                                 initargs=(self.inputs, self.config)) as pool:
            for i, (n, fc) in enumerate(zip(todo, pool.map(_fit_in_worker, dates), strict=True)):
                self.fits[n] = fc
                if progress:
                    progress(i + 1, len(todo))

    def at(self, night: int) -> pd.DataFrame:
        """The forecast the plan uses on ``night``: the last fit's days after the night."""
        refit = self.refit_night(night)
        if refit not in self.fits:
            self.fits[refit] = fit_forecast(self.inputs, self.window.night_date(refit), self.config)
        fc = self.fits[refit]
        after = pd.to_datetime(fc["date"]) > pd.Timestamp(self.window.night_date(night))
        return fc[after]


class _Lookback:
    """Sums of a dated frame over the days (night − days, night], fast for every night."""

    def __init__(self, frame: pd.DataFrame, keys: list[str], value: str):
        frame = frame[pd.notna(frame["date"])]
        frame = frame.assign(_day=pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]"))
        self.frame = frame.sort_values("_day", kind="stable").reset_index(drop=True)
        self.days = self.frame["_day"].to_numpy()
        self.keys, self.value = keys, value

    def over(self, night: date, days: int) -> pd.DataFrame:
        end = np.datetime64(night, "D")
        lo = np.searchsorted(self.days, end - np.timedelta64(days, "D"), side="right")
        hi = np.searchsorted(self.days, end, side="right")
        part = self.frame.iloc[lo:hi]
        return part.groupby(self.keys, as_index=False)[self.value].sum()


class _Span:
    """The rows of a dated frame over the days (night − days, night], fast for every night."""

    def __init__(self, frame: pd.DataFrame):
        frame = frame[pd.notna(frame["date"])]
        day = pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]")
        order = np.argsort(day, kind="stable")
        self.frame, self.days = frame.iloc[order].reset_index(drop=True), day[order]

    def over(self, night: date, days: int) -> pd.DataFrame:
        end = np.datetime64(night, "D")
        lo = np.searchsorted(self.days, end - np.timedelta64(max(days, 0), "D"), side="right")
        hi = np.searchsorted(self.days, end, side="right")
        return self.frame.iloc[lo:hi]


class StockpilotPolicy:
    """Stockpilot's nightly plan as a simulation policy (rules in the module docstring)."""

    name = "stockpilot"

    def __init__(self, network: Network, inputs: BacktestInputs, schedule: ForecastSchedule,
                 cfg: ReplenishmentConfig):
        self.network = network
        self.inputs = inputs
        self.schedule = schedule
        self.cfg = cfg
        self.skus = network.sku_table
        self.revenue = _Lookback(inputs.demand.assign(revenue=pd.to_numeric(
            inputs.demand.get("revenue", 0.0), errors="coerce").fillna(0.0)), ["sku"], "revenue")
        located = inputs.location_demand[inputs.location_demand["location_id"].notna()]
        self.fulfilment = _Span(located[["sku", "region", "location_id", "date", "units"]])
        self.fulfilment_fallback = _Lookback(located, ["sku", "region", "location_id"], "units")
        # recorded, as the fulfilment is: the plan measures recorded sales on the days they could happen
        self.location_stockouts = _Span(inputs.location_stockouts[["date", "sku", "location_id"]])
        self.history = _Span(inputs.location_demand[["sku", "location_id", "date", "units"]])
        self.stockouts = _Span(inputs.stockouts[["date", "sku"]])
        _, supplier_lanes = lane_rules.split_lanes(network.lanes, network.location_table)
        cheapest = lane_rules.cheapest_supplier_lanes(supplier_lanes)
        self.purchase_every = purchase_cadence(cfg.purchase_review_days)
        self.purchase_mode = {(o, d): m for o, d, m in cheapest[["origin_id", "destination_id", "mode"]]
                              .itertuples(index=False)}

    def plan_inputs(self, state: SimulationState) -> ReplenishmentInputs:
        net = self.network
        night = state.date
        s, loc = np.nonzero((state.on_hand != 0) | (state.inbound != 0) | (state.backlog != 0))
        on_hand = state.on_hand[s, loc].round().astype(np.int64)
        reserved = state.backlog[s, loc].round().astype(np.int64)
        positions = pd.DataFrame({
            "sku": net.skus[s], "location_id": net.locations[loc], "on_hand": on_hand, "reserved": reserved,
            "unsellable": 0, "available": on_hand - reserved,
            "inbound": state.inbound[s, loc].round().astype(np.int64), "inbound_planned": 0})
        lines = state.open_orders
        lanes = net.lanes
        in_transit = pd.DataFrame({
            "shipment_id": "SIM-" + lines["order_id"].astype(str), "sku": net.skus[lines["sku_idx"].to_numpy()],
            "quantity": lines["quantity"].to_numpy(), "origin_id": lanes["origin_id"].to_numpy()[lines["lane"]],
            "destination_id": lanes["destination_id"].to_numpy()[lines["lane"]],
            "mode": lanes["mode"].to_numpy()[lines["lane"]], "status": "in_transit", "days_late": 0})
        return ReplenishmentInputs(
            as_of=night, forecast=self.schedule.at(state.night), positions=positions, in_transit=in_transit,
            locations=net.location_table[["location_id", "location_type", "region", "capacity_units"]],
            lanes=self.inputs.lanes, skus=self.skus,
            revenue=self.revenue.over(night, self.cfg.abc_lookback_days),
            fulfilment=self.fulfilment.over(night, self.cfg.fulfilment_lookback_days),
            fulfilment_fallback=self.fulfilment_fallback.over(night, self.cfg.fulfilment_fallback_days),
            location_stockouts=self.location_stockouts.over(night, self.cfg.location_stock_days),
            history=self.history.over(night, self.cfg.history_days),
            stockouts=self.stockouts.over(night, self.cfg.error_lookback_days),
            promotions=self.inputs.promotions[["sku", "start_date", "end_date"]])

    def decide(self, state: SimulationState) -> pd.DataFrame:
        plan = plan_replenishment(self.plan_inputs(state), self.cfg)
        transfers = plan.transfer_orders
        lines = [pd.DataFrame({"sku": transfers["sku"].astype(str), "origin_id": transfers["from_location"],
                               "destination_id": transfers["to_location"], "mode": transfers["mode"],
                               "quantity": transfers["quantity"].astype(float), "kind": "transfer"})]
        ps = plan.purchase_suggestions
        if len(ps) and is_purchase_night(state.night, self.purchase_every):
            due = ps[pd.to_datetime(ps["order_by"]) <= pd.Timestamp(state.date)]
            lines.append(self._purchases(due, plan.regional_placement))
        out = pd.concat([x for x in lines if len(x)], ignore_index=True) if any(len(x) for x in lines) else None
        return out[ORDER_COLUMNS] if out is not None else pd.DataFrame(columns=ORDER_COLUMNS)

    def _purchases(self, due: pd.DataFrame, placement: pd.DataFrame) -> pd.DataFrame:
        if due.empty:
            return pd.DataFrame(columns=ORDER_COLUMNS)
        split = placement[placement["sku"].isin(set(due["sku"])) & (placement["suggested_units"] > 0)]
        split = split.groupby(["sku", "entry_id"], as_index=False)["suggested_units"].first()
        supplier = due.set_index("sku")["supplier_id"]
        split["origin_id"] = split["sku"].map(supplier)
        split["mode"] = [self.purchase_mode.get((o, d)) for o, d in zip(split["origin_id"], split["entry_id"],
                                                                            strict=True)]
        split = split[split["mode"].notna()]
        return pd.DataFrame({"sku": split["sku"].astype(str), "origin_id": split["origin_id"],
                             "destination_id": split["entry_id"], "mode": split["mode"],
                             "quantity": split["suggested_units"].astype(float), "kind": "purchase"})
