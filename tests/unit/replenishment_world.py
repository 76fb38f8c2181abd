"""A small hand-built network for the replenishment tests, every figure easy to follow by hand.

    SUP (supplier) ──sea 15 d──▶ UP-E (upstream, east) ──truck 2 d──▶ FC-E (fc, east)
         │                                    └────────truck 4 d, $0.40──▶ FC-C (fc, central)
         └──────sea 15 d──▶ UP-W (upstream, west) ──truck 2 d──▶ FC-W (fc, west)
                                              └────────truck 3 d, $0.30──▶ FC-C

Each region's demand is fulfilled by the fc of that region. No lane has a spread unless a test
gives it one; forecasts have no band unless a test gives one.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import ReplenishmentInputs, ReplenishmentPlan, plan_replenishment

AS_OF = date(2026, 6, 1)
HORIZON = 90
LOCATIONS = [
    # location_id, type, region, capacity
    ("SUP", "supplier", "cn", None),
    ("UP-E", "upstream", "east", None),
    ("UP-W", "upstream", "west", None),
    ("FC-E", "fc", "east", None),
    ("FC-W", "fc", "west", None),
    ("FC-C", "fc", "central", None),
]
LANES = [
    # origin, destination, mode, transit_days, transit_days_std, cost_per_unit, status, order_cost, co2e
    ("SUP", "UP-E", "sea", 15.0, 0.0, 0.50, "active", 0.0, 0.04),
    ("SUP", "UP-W", "sea", 15.0, 0.0, 0.50, "active", 0.0, 0.04),
    ("SUP", "UP-W", "air", 5.0, 0.0, 4.00, "active", 0.0, 1.9),
    ("UP-E", "FC-E", "truck", 2.0, 0.0, 0.30, "active", 0.0, 0.05),
    ("UP-E", "FC-C", "truck", 4.0, 0.0, 0.40, "active", 0.0, 0.05),
    ("UP-W", "FC-W", "truck", 2.0, 0.0, 0.30, "active", 0.0, 0.05),
    ("UP-W", "FC-C", "truck", 3.0, 0.0, 0.30, "active", 0.0, 0.05),
]
FC_OF_REGION = {"east": "FC-E", "west": "FC-W", "central": "FC-C"}


def config(**overrides) -> ReplenishmentConfig:
    """Service level 95 % for every class, review and cover as given (defaults: 1 and 0 days)."""
    base = {"service_levels": {"A": 0.95, "B": 0.95, "C": 0.95}, "transfer_review_days": 1.0,
            "purchase_review_days": 0.0, "transfer_cover_days": 0.0, "purchase_cover_days": 0.0}
    return ReplenishmentConfig.model_validate(base | overrides)


def locations(capacity: dict[str, int] | None = None) -> pd.DataFrame:
    rows = [{"location_id": loc, "location_type": kind, "region": region,
             "capacity_units": (capacity or {}).get(loc, cap)} for loc, kind, region, cap in LOCATIONS]
    frame = pd.DataFrame(rows)
    frame["capacity_units"] = frame["capacity_units"].astype("Int64")
    return frame


def lanes(changes: dict[tuple[str, str, str], dict] | None = None, extra: list[tuple] = ()) -> pd.DataFrame:
    """The lanes above; ``changes`` maps (origin, destination, mode) to column values."""
    cols = ["origin_id", "destination_id", "mode", "transit_days", "transit_days_std", "cost_per_unit",
            "lane_status", "order_cost", "co2e_kg_per_unit"]
    frame = pd.DataFrame([*LANES, *extra], columns=cols)
    for (o, d, m), values in (changes or {}).items():
        row = (frame["origin_id"] == o) & (frame["destination_id"] == d) & (frame["mode"] == m)
        assert row.any(), (o, d, m)
        for col, value in values.items():
            frame.loc[row, col] = value
    return frame


def skus(*rows: dict) -> pd.DataFrame:
    """SKU rows; defaults: case pack 1, MOQ 0, supplier SUP, 10 days production, active."""
    base = {"unit_cost": 2.0, "unit_price": 5.0, "case_pack": 1, "moq": 0, "supplier_id": "SUP",
            "production_lead_time_days": 10, "sku_status": "active"}
    return pd.DataFrame([base | row for row in rows])


def daily(value, horizon: int = HORIZON) -> np.ndarray:
    """A daily series: a number repeats, a list is padded with its last value."""
    values = np.atleast_1d(np.asarray(value, dtype=float))
    return np.concatenate([values, np.full(max(horizon - len(values), 0), values[-1])])[:horizon]


def forecast(demand: dict[str, dict[str, object]], band: float = 0.0, as_of: date = AS_OF) -> pd.DataFrame:
    """marts.demand_forecast rows: ``demand[sku][region]`` daily p50 (see ``daily``); p10/p90 =
    p50 ∓ band (not below 0). Total rows are the sum of the regions."""
    dates = pd.date_range(pd.Timestamp(as_of) + pd.Timedelta(days=1), periods=HORIZON).date
    rows = []
    for sku, regions in demand.items():
        total = np.zeros(HORIZON)
        for region, value in regions.items():
            p50 = daily(value)
            total += p50
            rows.append(pd.DataFrame({"sku": sku, "level": "region", "level_value": region, "date": dates,
                                      "p10": np.clip(p50 - band, 0, None), "p50": p50, "p90": p50 + band}))
        rows.append(pd.DataFrame({"sku": sku, "level": "total", "level_value": "all", "date": dates,
                                  "p10": np.clip(total - band, 0, None), "p50": total, "p90": total + band}))
    return pd.concat(rows, ignore_index=True)


def positions(stock: dict[tuple[str, str], int | dict]) -> pd.DataFrame:
    """marts.inventory_position rows: ``stock[(sku, location)]`` = on hand, or a dict of figures."""
    rows = []
    for (sku, loc), figures in stock.items():
        f = {"on_hand": figures} if not isinstance(figures, dict) else dict(figures)
        row = {"sku": sku, "location_id": loc, "on_hand": 0, "reserved": 0, "unsellable": 0, "inbound": 0,
               "inbound_planned": 0} | f
        row["available"] = row["on_hand"] - row["reserved"] - row["unsellable"]
        rows.append(row)
    cols = ["sku", "location_id", "on_hand", "reserved", "unsellable", "available", "inbound", "inbound_planned"]
    return pd.DataFrame(rows, columns=cols)


def in_transit(*rows: dict) -> pd.DataFrame:
    """marts.in_transit rows; defaults: in transit, on time."""
    cols = ["shipment_id", "sku", "quantity", "origin_id", "destination_id", "mode", "status", "days_late"]
    base = {"shipment_id": "S-1", "status": "in_transit", "days_late": 0}
    return pd.DataFrame([base | {"shipment_id": f"S-{i}"} | row for i, row in enumerate(rows, start=1)],
                        columns=cols)


def fulfilment(sku_names, regions=("east", "west", "central")) -> pd.DataFrame:
    """Each region's orders of each SKU shipped by the fc of that region."""
    return pd.DataFrame([{"sku": s, "region": r, "location_id": FC_OF_REGION[r], "units": 100}
                         for s in sku_names for r in regions])


def plan(demand: dict, stock: dict, sku_rows: list[dict], *, band: float = 0.0, lane_table=None,
         transit=None, capacity=None, revenue=None, fulfil=None, cfg=None, as_of: date = AS_OF,
         history=None, stockouts=None, location_stockouts=None, fulfil_before=None) -> ReplenishmentPlan:
    """Run ``plan_replenishment`` on the world with these changes."""
    sku_frame = skus(*sku_rows)
    inputs = ReplenishmentInputs(
        as_of=as_of, forecast=forecast(demand, band, as_of), positions=positions(stock),
        in_transit=transit if transit is not None else in_transit(),
        locations=locations(capacity), lanes=lane_table if lane_table is not None else lanes(),
        skus=sku_frame,
        revenue=revenue if revenue is not None else pd.DataFrame({"sku": sku_frame["sku"], "revenue": 1.0}),
        fulfilment=fulfil if fulfil is not None else fulfilment(sku_frame["sku"]))
    if history is not None:
        inputs.history = history
    if stockouts is not None:
        inputs.stockouts = stockouts
    if location_stockouts is not None:
        inputs.location_stockouts = location_stockouts
    if fulfil_before is not None:
        inputs.fulfilment_fallback = fulfil_before
    return plan_replenishment(inputs, cfg or config())


def history(series: dict[tuple[str, str], list[float]], as_of: date = AS_OF) -> pd.DataFrame:
    """Daily units shipped: ``series[(sku, location)]`` lists the days up to ``as_of``, oldest first."""
    rows = []
    for (sku, loc), units in series.items():
        dates = pd.date_range(end=pd.Timestamp(as_of), periods=len(units)).date
        rows.append(pd.DataFrame({"sku": sku, "location_id": loc, "date": dates, "units": np.asarray(units, float)}))
    return pd.concat(rows, ignore_index=True)


def row(frame: pd.DataFrame, **keys) -> pd.Series:
    """The one row matching ``keys``."""
    mask = np.ones(len(frame), dtype=bool)
    for col, value in keys.items():
        mask &= (frame[col] == value).to_numpy()
    assert mask.sum() == 1, f"{mask.sum()} rows match {keys}"
    return frame[mask].iloc[0]
