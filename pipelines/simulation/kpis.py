"""Scoring a simulation: ``policy_kpis`` (``marts.policy_backtest``) and ``daily_rows``
(``marts.policy_backtest_daily``).

Definitions, over the window's N days (inventory over the seller's stock locations: unlimited
ones are left out; demand wherever it was served):

- fill_rate = 1 − units missed / units demanded: the share of demand served on the day it came.
- units_missed_start_up: the units missed in each SKU × location's first lead time (before
  anything a policy buys can reach it: ``losses.first_lead_time``), which only the starting
  stock decides; fill_rate_after_start_up = the fill rate of the demand after it (NaN when the
  window is shorter than every first lead time).
- stockout_days: SKU × location days on which some demand went unserved; stockout_rate = those
  days / SKU × location days with demand.
- cycle_service_level: a SKU × location's replenishment cycles run from one receipt to the next
  (the first from the window's start); the share of cycles with demand in which none was missed.
- average_inventory_units / _value: mean over days of the units on hand at the end of the day,
  and of their value at unit cost.
- turns = cost of goods served × 365 / N / average inventory value (per year); days_of_inventory
  = 365 / turns.
- holding_cost = average inventory value × ``holding_cost_rate`` × N / 365; ordering_cost =
  order lines × ``order_cost``; transport_cost = Σ units × the lane's cost per unit + the lane's
  cost per shipment (one per lane and night, shared by its lines); co2e_kg = Σ units × the lane's
  kg per unit (else the mode's default).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.config import BacktestConfig
from pipelines.simulation.engine import SimulationResult

#: kpi → unit, in the order of the table.
KPI_UNITS = {
    "fill_rate": "share",
    "fill_rate_after_start_up": "share",
    "cycle_service_level": "share",
    "stockout_days": "SKU-location days",
    "stockout_rate": "share",
    "average_inventory_units": "units",
    "average_inventory_value": "currency",
    "turns": "turns/year",
    "days_of_inventory": "days",
    "holding_cost": "currency",
    "ordering_cost": "currency",
    "transport_cost": "currency",
    "total_cost": "currency",
    "co2e_kg": "kg",
    "units_demanded": "units",
    "units_served": "units",
    "units_missed": "units",
    "units_missed_start_up": "units",
    "orders_placed": "order lines",
    "units_ordered": "units",
    "average_in_transit_units": "units",
}
KPI_COLUMNS = ["policy", "kpi", "value", "unit", "window_start", "window_end"]
DAILY_COLUMNS = ["policy", "date", "location_id", "on_hand_units", "on_hand_value", "in_transit_units",
                 "units_received", "units_demanded", "units_served", "units_missed", "backlog_units", "stockouts",
                 "orders_placed", "units_ordered"]


def cycle_service_level(received: np.ndarray, demanded: np.ndarray, missed: np.ndarray) -> float:
    """Share of replenishment cycles (receipt to receipt, per SKU × location) with demand that
    missed none of it; NaN without demand."""
    cycle = np.cumsum(received > 0, axis=0)
    t, s, loc = np.nonzero(demanded > 0)
    if not len(t):
        return float("nan")
    frame = pd.DataFrame({"s": s, "loc": loc, "cycle": cycle[t, s, loc], "short": missed[t, s, loc] > 1e-9})
    per_cycle = frame.groupby(["s", "loc", "cycle"])["short"].any()
    return float(1.0 - per_cycle.mean())


def _ratio(a: float, b: float) -> float:
    return float(a / b) if b > 0 else float("nan")


def policy_kpis(result: SimulationResult, cfg: BacktestConfig, first_lead: np.ndarray | None = None
                ) -> dict[str, float]:
    """The KPIs of one simulation (definitions in the module docstring), by name. ``first_lead``:
    (sku, location) days of each first lead time (``losses.first_lead_time``; None: no start-up
    split, the start-up KPIs are NaN)."""
    net = result.network
    days = len(result.dates)
    own = ~net.unlimited
    on_hand = result.on_hand[:, :, own].astype(float)
    cost = net.unit_cost[None, :, None]
    inventory_units = on_hand.sum(axis=(1, 2))
    inventory_value = (on_hand * cost).sum(axis=(1, 2))
    demanded = float(result.demanded.sum())
    missed = float(result.missed.sum())
    served = float(result.served.sum())
    cogs = float((result.served.astype(float) * cost).sum())
    avg_value = float(inventory_value.mean()) if days else 0.0
    turns = _ratio(cogs * 365.0 / max(days, 1), avg_value)
    orders = result.orders
    holding = avg_value * cfg.holding_cost_rate * days / 365.0
    ordering = len(orders) * cfg.order_cost
    transport = float(orders["transport_cost"].sum()) if len(orders) else 0.0
    stockout_days = int((result.missed > 1e-9).sum())
    demand_days = int((result.demanded > 0).sum())
    start_missed = after_fill = float("nan")
    if first_lead is not None:
        early = np.arange(days)[:, None, None] < np.asarray(first_lead)[None, :, :]
        start_missed = float(result.missed[early].sum())
        after = float(result.demanded[~early].sum())
        after_fill = 1.0 - (missed - start_missed) / after if after > 0 else float("nan")
    return {
        "fill_rate": 1.0 - missed / demanded if demanded > 0 else float("nan"),
        "fill_rate_after_start_up": after_fill,
        "cycle_service_level": cycle_service_level(result.received, result.demanded, result.missed),
        "stockout_days": float(stockout_days),
        "stockout_rate": _ratio(stockout_days, demand_days),
        "average_inventory_units": float(inventory_units.mean()) if days else 0.0,
        "average_inventory_value": avg_value,
        "turns": turns,
        "days_of_inventory": _ratio(365.0, turns) if np.isfinite(turns) else float("nan"),
        "holding_cost": holding,
        "ordering_cost": ordering,
        "transport_cost": transport,
        "total_cost": holding + ordering + transport,
        "co2e_kg": float(orders["co2e_kg"].sum()) if len(orders) else 0.0,
        "units_demanded": demanded,
        "units_served": served,
        "units_missed": missed,
        "units_missed_start_up": start_missed,
        "orders_placed": float(len(orders)),
        "units_ordered": float(orders["quantity"].sum()) if len(orders) else 0.0,
        "average_in_transit_units": float(result.in_transit[:, :, own].sum(axis=(1, 2)).mean()) if days else 0.0,
    }


def kpi_rows(results: list[SimulationResult], cfg: BacktestConfig, first_lead: np.ndarray | None = None
             ) -> pd.DataFrame:
    """``marts.policy_backtest``: one row per policy and KPI (``first_lead``: as ``policy_kpis``)."""
    rows = []
    for result in results:
        values = policy_kpis(result, cfg, first_lead)
        rows += [{"policy": result.policy, "kpi": kpi, "value": round(values[kpi], 6), "unit": unit}
                 for kpi, unit in KPI_UNITS.items()]
    frame = pd.DataFrame(rows, columns=KPI_COLUMNS[:4])
    first = results[0].dates
    frame["window_start"] = first[0].date() if len(first) else None
    frame["window_end"] = first[-1].date() if len(first) else None
    return frame[KPI_COLUMNS]


def daily_rows(result: SimulationResult) -> pd.DataFrame:
    """``marts.policy_backtest_daily`` rows of one simulation: per day and seller's stock location."""
    net = result.network
    own = np.flatnonzero(~net.unlimited)
    n_days, n_loc = len(result.dates), len(own)
    cost = net.unit_cost[None, :, None]

    def per_location(values: np.ndarray, weight=None) -> np.ndarray:
        v = values[:, :, own].astype(float)
        return (v * weight if weight is not None else v).sum(axis=1).ravel()

    orders = result.orders
    placed = np.zeros((n_days, len(net.locations)))
    if len(orders):
        inside = orders[(orders["placed"] >= 0) & (orders["placed"] < n_days)]
        np.add.at(placed, (inside["placed"].to_numpy(), inside["dest_idx"].to_numpy()), 1)
    frame = pd.DataFrame({
        "policy": result.policy,
        "date": np.repeat(result.dates.date, n_loc),
        "location_id": np.tile(net.locations[own].to_numpy(), n_days),
        "on_hand_units": per_location(result.on_hand),
        "on_hand_value": per_location(result.on_hand, cost).round(2),
        "in_transit_units": per_location(result.in_transit),
        "units_received": per_location(result.received),
        "units_demanded": per_location(result.demanded),
        "units_served": per_location(result.served),
        "units_missed": per_location(result.missed),
        "backlog_units": per_location(result.backlog),
        "stockouts": (result.missed[:, :, own] > 1e-9).sum(axis=1).ravel(),
        "orders_placed": placed[:, own].ravel(),
        "units_ordered": per_location(result.ordered),
    })
    for col in DAILY_COLUMNS[3:]:
        if col != "on_hand_value":
            frame[col] = frame[col].round().astype(np.int64)
    return frame[DAILY_COLUMNS]


def kpi_comparison(kpis: pd.DataFrame) -> pd.DataFrame:
    """``marts.policy_backtest`` side by side: kpi, one column per policy (stockpilot first), unit."""
    wide = kpis.pivot(index="kpi", columns="policy", values="value")
    order = list(dict.fromkeys(kpis["kpi"]))
    policies = sorted(wide.columns, key=lambda p: (p != "stockpilot", p != "baseline", p))
    wide = wide.reindex(order)[policies]
    wide.columns.name = None
    units = kpis.drop_duplicates("kpi").set_index("kpi")["unit"]
    return wide.assign(unit=units.reindex(order).to_numpy()).reset_index()
