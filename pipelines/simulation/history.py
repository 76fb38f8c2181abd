"""What a backtest replays: the real history (``BacktestInputs``), the window, each location's
daily demand as an array, and the starting stock.

- **Window**: the ``days`` days ending at the as-of date. Every night of it sees the history up
  to that night only.
- **Demand at a location**: the units each stock location shipped to customers per day
  (``intermediate.int_demand_components``: the fulfilling location of each order line). That is
  the real demand each location faces in the simulation. Both policies see the recorded demand
  of the days before each night — also on days the simulation could not serve it: the backtest
  compares decision rules on the same information, not how each would have distorted its own
  sales record.
- **Starting stock**: every stock location holds ``start_cover_days`` × the mean daily demand it
  serves — its own and that of the locations it supplies as their usual source, followed
  upstream — over the ``start_lookback_days`` before the window, rounded to whole units; at
  upstream warehouses (which ship whole cases) up to whole case packs.
- **Starting pipeline** (``start_in_transit``): the network starts in flow, as a going business
  does: each location's inbound lane — its usual transfer lane, else the cheapest lane from the
  SKU's supplier — carries shipments landing on each of the next L days at the rate of the
  demand the location serves (L = the lane's mean transit, plus ``transfer_ship_days`` for a
  transfer or the production lead time for a purchase), in whole units (whole case packs
  upstream). Without it nothing is in transit, and a network whose purchases take longer than
  the starting stock lasts runs dry before the first order can land, whatever the policy.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.forecasting.pipeline import sku_hash
from pipelines.replenishment.rounding import round_up_to_multiple
from pipelines.simulation.network import UNLIMITED_UNITS, Network


def _empty(*columns: str) -> pd.DataFrame:
    return pd.DataFrame(columns=list(columns))


@dataclass
class BacktestInputs:
    """The history a backtest replays, as the warehouse holds it (orchestration.backtest reads it)."""

    as_of: date  # the last day of history: the window ends here
    demand: pd.DataFrame  # marts.fct_daily_demand: date, sku, channel, region, units, revenue
    location_demand: pd.DataFrame  # date, sku, region, location_id, units (who shipped each day's demand)
    skus: pd.DataFrame  # marts.dim_sku: sku, category, unit_cost, unit_price, case_pack, moq, supplier_id,
    #                     production_lead_time_days, launch_date, sku_status
    locations: pd.DataFrame  # marts.dim_location: location_id, location_type, region, capacity_units
    lanes: pd.DataFrame  # staging lanes with marts.lane_lead_times' transit (as the plan reads them):
    #                      origin_id, destination_id, mode, transit_days, transit_days_std,
    #                      cost_per_unit, lane_status, order_cost, co2e_kg_per_unit
    stockouts: pd.DataFrame = field(default_factory=lambda: _empty("date", "sku"))  # days without stock anywhere
    # marts.fct_location_stockouts: date, sku, location_id (the days a location started without sellable stock)
    location_stockouts: pd.DataFrame = field(default_factory=lambda: _empty("date", "sku", "location_id"))
    promotions: pd.DataFrame = field(default_factory=lambda: _empty(
        "channel", "sku", "start_date", "end_date", "discount_pct"))
    stock_reported: pd.DataFrame | None = None  # sku, first_date, last_date (forecast: suspected stockouts)
    country: str = "US"
    #: Stock locations that never run out and are not the seller's inventory (M5's distribution centre).
    unlimited_locations: tuple[str, ...] = ()


#: The frames of ``BacktestInputs`` keyed by SKU, which a sample keeps to its SKUs.
SKU_FRAMES = ("demand", "location_demand", "skus", "stockouts", "location_stockouts", "promotions",
              "stock_reported")


def sample_skus(inputs: BacktestInputs, max_skus: int) -> tuple[BacktestInputs, int]:
    """The inputs of at most ``max_skus`` SKUs (0: all), and how many SKUs there were.

    Why: the nightly asset replays its window every night, and its cost grows with the catalogue
    (a forecast fit per week of window and a plan per night): at 10,000 SKUs it would take longer
    than the rest of the night. SKUs are independent in the simulation (each has its own stock,
    lanes never run short of capacity), so the KPIs of a sample estimate the catalogue's. The
    sample is the SKUs with the smallest SHA-1 of their code: not related to sales, category or
    age, and the same SKUs night after night, so the nightly figures stay comparable.
    """
    codes = pd.Index(inputs.skus["sku"].astype(str).unique())
    if max_skus <= 0 or len(codes) <= max_skus:
        return inputs, len(codes)
    keep = set(pd.Series(sku_hash(pd.Series(codes)).to_numpy(), index=codes).nsmallest(max_skus).index)
    frames = {name: getattr(inputs, name) for name in SKU_FRAMES if getattr(inputs, name) is not None}
    kept = {name: frame[frame["sku"].astype(str).isin(keep)].reset_index(drop=True) for name, frame in frames.items()}
    return replace(inputs, **kept), len(codes)


@dataclass(frozen=True)
class Window:
    """The replayed days: ``start`` … ``end`` (= the as-of date), ``days`` of them."""

    end: date
    days: int

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.start, self.end, freq="D")

    def night_date(self, night: int) -> date:
        """The date whose end night ``night`` is (−1: the day before the window)."""
        return self.start + timedelta(days=night)


def location_demand_cube(rows: pd.DataFrame, network: Network, first: date, last: date) -> tuple[np.ndarray, int]:
    """Daily units per (day, sku, stock location) from ``first`` to ``last`` (inclusive).

    Returns the array and the number of units left out because their location is not a stock
    location of the network or their SKU is unknown (counted, never silently lost)."""
    days = (last - first).days + 1
    cube = np.zeros((days, *network.shape))
    if rows.empty:
        return cube, 0
    when = (pd.to_datetime(rows["date"]) - pd.Timestamp(first)).dt.days.to_numpy()
    s = network.skus.get_indexer(rows["sku"].astype(str))
    loc = network.locations.get_indexer(rows["location_id"].astype(object).where(rows["location_id"].notna(), ""))
    units = pd.to_numeric(rows["units"], errors="coerce").fillna(0).to_numpy(dtype=float)
    in_window = (when >= 0) & (when < days)
    ok = in_window & (s >= 0) & (loc >= 0)
    np.add.at(cube, (when[ok], s[ok], loc[ok]), units[ok])
    return cube, int(units[in_window & ~ok].sum())


def starting_stock(network: Network, before: np.ndarray, cover_days: float) -> np.ndarray:
    """(sku, location) units: ``cover_days`` × the mean daily demand each location serves over
    ``before`` (day, sku, location: the days before the window); whole case packs upstream."""
    rate = before.mean(axis=0) if len(before) else np.zeros(network.shape)
    served = rate @ network.served_by().T  # [s, a] = Σ_b rate[s, b] · serves[a, b]
    stock = np.rint(cover_days * served)
    upstream = ~network.facing
    stock[:, upstream] = round_up_to_multiple(stock[:, upstream], network.case_pack[:, None])
    stock[:, network.unlimited] = UNLIMITED_UNITS
    return stock


def starting_pipeline(network: Network, before: np.ndarray, transfer_ship_days: int) -> pd.DataFrame:
    """Shipments in flight at the start (rule in the module docstring): sku_idx, lane,
    origin_idx, dest_idx, quantity, arrival (day index, 0 = the window's first day)."""
    rate = (before.mean(axis=0) if len(before) else np.zeros(network.shape)) @ network.served_by().T
    lanes = network.lanes
    mean = lanes["transit_days"].to_numpy(dtype=float)
    parts = []
    for a, loc in enumerate(network.locations):
        if network.unlimited[a]:
            continue
        if loc in network.usual_source.index:
            lane = np.full(len(network.skus), int(network.usual_source.loc[loc, "lane"]))
            lead = transfer_ship_days + np.rint(mean[lane])
        else:
            lane = np.array([network.supplier_lane.get((sup, loc), -1) for sup in network.supplier], dtype=np.int64)
            lead = np.where(lane >= 0, np.rint(network.production_days) + np.rint(mean[np.maximum(lane, 0)]), 0)
        unit = np.ones(len(network.skus)) if network.facing[a] else network.case_pack
        for s in np.flatnonzero((lane >= 0) & (rate[:, a] > 0) & (lead > 0)):
            days = np.arange(int(lead[s]) + 1)
            landed = np.floor(rate[s, a] * days / unit[s] + 1e-9) * unit[s]  # cumulative whole units by each day
            qty = np.diff(landed)
            keep = qty > 0
            if keep.any():
                parts.append(pd.DataFrame({"sku_idx": s, "lane": lane[s], "quantity": qty[keep],
                                           "arrival": days[1:][keep] - 1}))
    if not parts:
        return pd.DataFrame(columns=["sku_idx", "lane", "origin_idx", "dest_idx", "quantity", "arrival"])
    out = pd.concat(parts, ignore_index=True)
    out["origin_idx"] = lanes["origin_idx"].to_numpy()[out["lane"]]
    out["dest_idx"] = lanes["dest_idx"].to_numpy()[out["lane"]]
    out["quantity"] = out["quantity"].astype(np.int64)
    return out[["sku_idx", "lane", "origin_idx", "dest_idx", "quantity", "arrival"]]
