"""The policy backtest: ``run_backtest`` replays a window of real demand against Stockpilot's
nightly plan, against the spreadsheet rule and against the perfect-foresight ceiling
(``foresight``), and scores each.

All policies run on the same network, demand, starting stock and lead-time draws (see
``history``, ``lead_times``, ``engine``); only the decisions differ. Results are deterministic
for a seed.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

import numpy as np
import pandas as pd

from pipelines.config import BacktestConfig, ForecastConfig, ReplenishmentConfig
from pipelines.simulation.baseline import BaselinePolicy
from pipelines.simulation.engine import Policy, SimulationResult, simulate
from pipelines.simulation.foresight import PerfectForesightPolicy
from pipelines.simulation.history import (
    BacktestInputs,
    Window,
    location_demand_cube,
    starting_pipeline,
    starting_stock,
)
from pipelines.simulation.kpis import daily_rows, kpi_comparison, kpi_rows
from pipelines.simulation.lead_times import LeadTimes
from pipelines.simulation.losses import LOSS_COLUMNS, first_lead_time, loss_causes, loss_summary
from pipelines.simulation.network import Network, build_network, purchase_cadence
from pipelines.simulation.stockpilot import ForecastSchedule, StockpilotPolicy

POLICIES = ("stockpilot", "baseline", "perfect_foresight")


@dataclass
class BacktestResult:
    """``kpis``: marts.policy_backtest; ``daily``: marts.policy_backtest_daily; ``losses``:
    marts.policy_backtest_losses (why each unit was lost, ``losses``); ``results``: the
    simulations by policy; ``seconds``: wall time per phase; ``unplaced_units``: demand of the
    window at locations that are not stock locations (not simulated)."""

    window: Window
    kpis: pd.DataFrame
    daily: pd.DataFrame
    results: dict[str, SimulationResult]
    seconds: dict[str, float] = field(default_factory=dict)
    unplaced_units: int = 0
    start_stock_units: int = 0
    losses: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=LOSS_COLUMNS))

    def loss_summary(self) -> pd.DataFrame:
        """Lost units by policy and cause (``losses.loss_summary``)."""
        return loss_summary(self.losses)

    def comparison(self) -> pd.DataFrame:
        """KPIs side by side: kpi, one column per policy, unit."""
        return kpi_comparison(self.kpis)


@dataclass
class Prepared:
    """Everything both simulations share."""

    network: Network
    window: Window
    cube: np.ndarray  # (day, sku, location) demand from the look-back's first day to the as-of date
    offset: int  # index of the window's first day in ``cube``
    start_stock: np.ndarray  # (sku, location)
    in_flight: pd.DataFrame  # history.starting_pipeline
    unplaced_units: int  # demand of the window at locations that are not stock locations

    @property
    def demand(self) -> np.ndarray:
        return self.cube[self.offset:]


def prepare(inputs: BacktestInputs, days: int, backtest: BacktestConfig, replenishment: ReplenishmentConfig
            ) -> Prepared:
    """The network, window, demand, starting stock and pipeline of a backtest."""
    network = build_network(inputs.skus, inputs.locations, inputs.lanes, replenishment, inputs.unlimited_locations)
    window = Window(end=inputs.as_of, days=days)
    lookback = max(backtest.start_lookback_days, backtest.baseline.sales_days)
    first = window.start - timedelta(days=lookback)
    cube, unplaced = location_demand_cube(inputs.location_demand, network, first, window.end)
    before = cube[lookback - backtest.start_lookback_days:lookback]
    stock = starting_stock(network, before, backtest.start_cover_days)
    in_flight = (starting_pipeline(network, before, replenishment.transfer_ship_days)
                 if backtest.start_in_transit else None)
    return Prepared(network=network, window=window, cube=cube, offset=lookback, start_stock=stock,
                    in_flight=in_flight, unplaced_units=unplaced)


def run_backtest(inputs: BacktestInputs, backtest: BacktestConfig, forecast: ForecastConfig,
                 replenishment: ReplenishmentConfig, days: int | None = None,
                 progress: Callable[[str, int, int], None] | None = None,
                 policies: tuple[str, ...] = POLICIES, schedule: ForecastSchedule | None = None) -> BacktestResult:
    """Simulate ``policies`` over the ``days`` (default ``backtest.window_days``) ending at
    ``inputs.as_of``. ``progress(stage, done, total)`` reports forecast fits and simulated days.
    ``schedule``: forecasts already fitted for this window (they do not depend on the
    replenishment settings, so several settings can share one set of fits); missing fits are made."""
    seconds: dict[str, float] = {}
    started = time.perf_counter()
    prep = prepare(inputs, days or backtest.window_days, backtest, replenishment)
    network, window = prep.network, prep.window
    seconds["prepare"] = time.perf_counter() - started
    runs: list[tuple[str, Policy]] = []
    if "stockpilot" in policies:
        if schedule is None:
            schedule = ForecastSchedule(inputs, window, forecast, backtest.refit_every_days)
        started = time.perf_counter()
        schedule.fit_all(backtest.workers, (lambda done, total: progress("forecast fits", done, total))
                         if progress else None)
        seconds["stockpilot_forecasts"] = time.perf_counter() - started
        runs.append(("stockpilot", StockpilotPolicy(network, inputs, schedule, replenishment)))
    if "baseline" in policies:
        runs.append(("baseline", BaselinePolicy(network, prep.cube, prep.offset, backtest.baseline,
                                                purchase_cadence(replenishment.purchase_review_days),
                                                replenishment.transfer_ship_days)))
    if "perfect_foresight" in policies:
        runs.append(("perfect_foresight", PerfectForesightPolicy(
            network, prep.demand, backtest.seed, purchase_cadence(replenishment.purchase_review_days),
            replenishment.transfer_ship_days)))
    results = {}
    for name, policy in runs:
        started = time.perf_counter()
        results[name] = simulate(network, policy, prep.demand, prep.start_stock, window.dates,
                                 LeadTimes(network, backtest.seed), lost_sales=backtest.lost_sales,
                                 transfer_ship_days=replenishment.transfer_ship_days, in_flight=prep.in_flight,
                                 progress=(lambda _, done, total, n=name: progress(f"{n} days", done, total))
                                 if progress else None)
        seconds[f"{name}_simulation"] = time.perf_counter() - started
    ordered = [results[p] for p in policies if p in results]
    first = first_lead_time(ordered[0], replenishment.transfer_ship_days, replenishment.purchase_review_days) \
        if ordered else None
    kpis = kpi_rows(ordered, backtest, first)
    daily = pd.concat([daily_rows(r) for r in ordered], ignore_index=True)
    losses = pd.concat([loss_causes(r, replenishment.transfer_ship_days, replenishment.purchase_review_days)
                        for r in ordered], ignore_index=True)
    return BacktestResult(window=window, kpis=kpis, daily=daily, results=results, seconds=seconds, losses=losses,
                          unplaced_units=prep.unplaced_units,
                          start_stock_units=int(prep.start_stock[:, ~network.unlimited].sum()))
