"""A one-store network for the backtest tests, every figure easy to follow by hand.

    SUP (supplier) ──sea 20 d──▶ DC (upstream) ──truck──▶ STORE (store, east)

One SKU ``A`` (unit cost 2, case pack 1, no MOQ, 10 days production) sells only at STORE. The
demand history is a list of daily units ending at the as-of date; a window of N days is its
last N entries. Transfers leave the DC the day after the night they are ordered
(``transfer_ship_days`` 1), so a transfer ordered on night t with a 3-day lane lands on day t + 4.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import BacktestConfig, ForecastConfig, ReplenishmentConfig
from pipelines.simulation import BacktestInputs, run_backtest

AS_OF = date(2026, 6, 30)


def inputs(history, *, transit: float = 3.0, std: float = 0.0, dc_unlimited: bool = True, case_pack: int = 1,
           moq: int = 0, production_days: int = 10) -> BacktestInputs:
    """``history``: daily units at STORE, the last one on AS_OF."""
    units = np.asarray(history, dtype=float)
    dates = pd.date_range(end=pd.Timestamp(AS_OF), periods=len(units), freq="D")
    sold = units > 0
    demand = pd.DataFrame({"date": dates[sold], "sku": "A", "channel": "shopify", "region": "east",
                           "units": units[sold], "revenue": units[sold] * 5.0})
    location_demand = demand[["date", "sku", "region", "units"]].assign(location_id="STORE")
    skus = pd.DataFrame([{"sku": "A", "category": "Toys", "unit_cost": 2.0, "unit_price": 5.0,
                          "case_pack": case_pack, "moq": moq, "supplier_id": "SUP",
                          "production_lead_time_days": production_days, "launch_date": None,
                          "sku_status": "active", "first_order_date": dates[0], "last_order_date": dates[-1]}])
    locations = pd.DataFrame({"location_id": ["SUP", "DC", "STORE"], "location_type": ["supplier", "upstream", "store"],
                              "region": ["cn", "east", "east"], "capacity_units": pd.array([None] * 3, dtype="Int64")})
    lanes = pd.DataFrame([
        ("SUP", "DC", "sea", 20.0, 0.0, 0.5, "active", 100.0, 0.04),
        ("DC", "STORE", "truck", transit, std, 0.3, "active", 20.0, 0.1),
    ], columns=["origin_id", "destination_id", "mode", "transit_days", "transit_days_std", "cost_per_unit",
                "lane_status", "order_cost", "co2e_kg_per_unit"])
    return BacktestInputs(as_of=AS_OF, demand=demand, location_demand=location_demand, skus=skus,
                          locations=locations, lanes=lanes,
                          unlimited_locations=("DC",) if dc_unlimited else ())


def backtest(history, days: int, *, policies=("baseline",), backtest_cfg: dict | None = None,
             replenishment_cfg: dict | None = None, **world):
    # the hand-worked cases use the fixed 30/60-day rule (no lead time added)
    cfg = BacktestConfig.model_validate({"workers": 1, "baseline": {"plus_lead_time": False}, **(backtest_cfg or {})})
    return run_backtest(inputs(history, **world), cfg, ForecastConfig(prophet_max_series=0),
                        ReplenishmentConfig.model_validate(replenishment_cfg or {}), days=days, policies=policies)


def kpi(result, name: str, policy: str = "baseline") -> float:
    rows = result.kpis[(result.kpis["policy"] == policy) & (result.kpis["kpi"] == name)]
    assert len(rows) == 1, (policy, name)
    return float(rows["value"].iloc[0])


def store_series(result, field: str, policy: str = "baseline") -> np.ndarray:
    """One array of the simulation at STORE, day by day."""
    sim = result.results[policy]
    return getattr(sim, field)[:, 0, sim.network.locations.get_loc("STORE")].astype(float)


def window_dates(days: int) -> list[date]:
    return [AS_OF - timedelta(days=days - 1 - i) for i in range(days)]
