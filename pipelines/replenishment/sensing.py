"""Recent sales above the forecast: the plan follows them until the forecast does (demand sensing).

Why: a forecast fitted on a long history follows a jump in a SKU's level at a location slowly —
an item back from an outage, one taking off, a competitor out of stock. A 28-day average needs
four weeks to get there, ETS and the intermittent methods (Croston, TSB) longer, and a forecast
reused between refits not at all. Until it does, the plan reorders to the old level and the
location runs out day after day; where the forecast is zero the location is not replenished at
all. On Walmart's M5 data (docs/benchmarks.md, "Policy backtest") such returns were the largest
single source of lost sales, while the spreadsheet rule saw them in its 30-day average the next
morning. A tracking rule on the last days' sales catches them the night they show.

Rule, per SKU × customer-facing location the history shows sales at:

- A = units the location shipped over the ``sensing_days`` (k) days up to the as-of night,
  leaving out days inside a promotion of the SKU (a promotion's spike is the forecast's job, and
  over when it ends); at least half of the k days must be left to judge on; its daily rate
  a = A / days used;
- F = the forecast's p50 over the next k days and S = its spread, sqrt(Σ σ²) of those days (the
  band's σ as in ``demand``);
- when a·k > F + z·S, z = Φ⁻¹(``sensing_quantile``) — the last days sold more than the forecast
  gives even at its upper quantile — and A is at least ``MIN_UNITS``, the forecast is stale: every
  day's p50 at that location is raised to at least a, and its σ to at least sqrt(a) (the Poisson
  spread of that rate);
- the SKU's total forecast rises by what its locations rose (p50 added, variances added), so the
  network purchase follows too.

It only raises: sales below the forecast may be a stockout (the history shows what shipped, not
what was asked for), which the forecast's stockout handling, not this rule, is for.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import norm

from pipelines.forecasting.history import interval_matrix
from pipelines.replenishment.demand import DemandCube
from pipelines.replenishment.safety_stock import daily_matrix

#: Fewest units over the window that can show a level: one or two sales are noise.
MIN_UNITS = 3
SENSED_COLUMNS = ["sku", "location_id", "recent_daily_units", "forecast_daily_units", "forecast_upper_units",
                  "days_used"]


def promotion_days(promotions: pd.DataFrame, skus: pd.Series, as_of: date, days: int) -> np.ndarray:
    """True (row, day) where the row's SKU was on promotion (any channel) on one of the ``days``
    days ending ``as_of`` (``promotions``: sku, start_date, end_date, inclusive)."""
    codes = skus.astype(str)
    if promotions is None or promotions.empty or not len(codes):
        return np.zeros((len(codes), days), dtype=bool)
    unique = pd.Index(codes.unique())
    first_day = pd.Timestamp(as_of) - pd.Timedelta(days=days - 1)
    on = interval_matrix(promotions.dropna(subset=["start_date", "end_date"]), unique, first_day, days) > 0
    return on[unique.get_indexer(codes)]


def sense_recent_demand(cube: DemandCube, history: pd.DataFrame, promotions: pd.DataFrame | None,
                        days: int, quantile: float) -> tuple[DemandCube, pd.DataFrame]:
    """The cube with stale forecasts raised to the recent sales rate, and the rows raised
    (``SENSED_COLUMNS``; rule in the module docstring). ``history``: sku, location_id, date,
    units (what each location shipped per day); ``days`` 0 senses nothing."""
    none = pd.DataFrame(columns=SENSED_COLUMNS)
    if days <= 0 or history.empty or not len(cube.skus) or not len(cube.locations):
        return cube, none
    located = history[history["location_id"].notna()]
    pairs = located[["sku", "location_id"]].astype(str).drop_duplicates().reset_index(drop=True)
    s = cube.skus.get_indexer(pairs["sku"])
    loc = cube.locations.get_indexer(pairs["location_id"])
    keep = (s >= 0) & (loc >= 0)
    pairs, s, loc = pairs[keep].reset_index(drop=True), s[keep], loc[keep]
    if pairs.empty:
        return cube, none

    recent = daily_matrix(located, pairs, cube.as_of, days)
    promoted = promotion_days(promotions, pairs["sku"], cube.as_of, days)
    used = (~promoted).sum(axis=1)
    units = np.where(promoted, 0.0, recent).sum(axis=1)
    rate = units / np.maximum(used, 1)  # no day left: no units either
    k = min(days, cube.horizon)
    p50, sigma = cube.location_p50[s, loc], cube.location_sigma[s, loc]
    expected = p50[:, :k].sum(axis=1) * days / k
    upper = expected + norm.ppf(quantile) * np.sqrt((sigma[:, :k] ** 2).sum(axis=1) * days / k)
    stale = (2 * used >= days) & (units >= MIN_UNITS) & (rate * days > upper)
    if not stale.any():
        return cube, none

    s_hit, l_hit, a = s[stale], loc[stale], rate[stale]
    new_p50 = np.maximum(p50[stale], a[:, None])
    new_sigma = np.maximum(sigma[stale], np.sqrt(a)[:, None])
    location_p50, location_sigma = cube.location_p50.copy(), cube.location_sigma.copy()
    total_p50, total_var = cube.total_p50.copy(), cube.total_sigma**2
    np.add.at(total_p50, s_hit, new_p50 - p50[stale])
    np.add.at(total_var, s_hit, new_sigma**2 - sigma[stale] ** 2)
    location_p50[s_hit, l_hit] = new_p50
    location_sigma[s_hit, l_hit] = new_sigma
    sensed = pd.DataFrame({
        "sku": pairs["sku"][stale].to_numpy(), "location_id": pairs["location_id"][stale].to_numpy(),
        "recent_daily_units": a, "forecast_daily_units": expected[stale] / days,
        "forecast_upper_units": upper[stale], "days_used": used[stale]})
    return replace(cube, total_p50=total_p50, total_sigma=np.sqrt(np.clip(total_var, 0.0, None)),
                   location_p50=location_p50, location_sigma=location_sigma), sensed
