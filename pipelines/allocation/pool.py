"""Sellable units per SKU and location, and the in-transit units a run-out location may publish.

Nothing here re-derives stock: ``on_hand``, ``reserved``, ``unsellable`` and ``available`` come
from ``marts.inventory_position``, whose dbt models apply every rule once (reservation on
pending/paid, release on cancel, shipped lines deducted without double count, returns locked
until restocked, stock counts replacing the system figure; data-contract.md). This module only
combines that figure with the routing plan and the in-transit lines:

    sellable = max(0, min(available, on_hand − unsellable − routed))

``routed`` is what :mod:`routing` assigns to the location from the open order lines. Where the
plan keeps a line at the location holding its reservation the two terms are equal; where it
moves a line away, the line is held at both until it ships, so the pool errs towards showing a
unit less, never a unit more. Returns on their way or awaiting inspection are not in on_hand,
so they are never sellable until restocked; damaged or disposed ones never come back.

Ships later: a location whose sellable units are 0 may publish units in transit to it (status
in_transit, at_port or customs — not planned) whose ``expected_arrival`` falls within
``ships_later_days`` after the as-of date, less any units it is already short (a negative
figure is covered first by what arrives).
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines import contract

KEYS = ["sku", "location_id"]
SELLABLE_COLUMNS = [*KEYS, "on_hand", "reserved", "unsellable", "available", "routed", "sellable"]


def location_sellable(position: pd.DataFrame, routed: pd.DataFrame) -> pd.DataFrame:
    """Sellable units per (sku, location_id).

    ``position``: sku, location_id, on_hand, reserved, unsellable, available (inventory_position).
    ``routed``: sku, location_id, units — component units the routing plan ships from there.
    """
    out = position[[*KEYS, "on_hand", "reserved", "unsellable", "available"]].merge(
        routed.groupby(KEYS, as_index=False)["units"].sum().rename(columns={"units": "routed"}),
        on=KEYS, how="left")
    out["routed"] = pd.to_numeric(out["routed"]).fillna(0).astype("int64")
    after_plan = out["on_hand"] - out["unsellable"] - out["routed"]
    out["net"] = np.minimum(out["available"], after_plan)
    out["sellable"] = out["net"].clip(lower=0).astype("int64")
    return out[[*SELLABLE_COLUMNS, "net"]].reset_index(drop=True)


def ships_later_units(sellable: pd.DataFrame, in_transit: pd.DataFrame, as_of: date,
                      days: int) -> pd.DataFrame:
    """In-transit units a run-out location may publish: sku, location_id, arriving, units.

    ``sellable``: :func:`location_sellable` output. ``in_transit``: sku, destination_id,
    quantity, status, expected_arrival (marts.in_transit).
    """
    columns = [*KEYS, "arriving", "units"]
    if days <= 0 or in_transit.empty:
        return pd.DataFrame(columns=columns)
    horizon = pd.Timestamp(as_of + timedelta(days=days))
    moving = in_transit[in_transit["status"].isin(contract.IN_TRANSIT_SHIPMENT_STATUSES)
                        & (pd.to_datetime(in_transit["expected_arrival"]) <= horizon)]
    arriving = (moving.rename(columns={"destination_id": "location_id"})
                .groupby(KEYS, as_index=False)["quantity"].sum().rename(columns={"quantity": "arriving"}))
    out = arriving.merge(sellable[[*KEYS, "sellable", "net"]], on=KEYS, how="left")
    run_out = out["sellable"].fillna(0) <= 0
    out["units"] = np.where(run_out, (out["arriving"] + out["net"].fillna(0).clip(upper=0)).clip(lower=0), 0)
    out["units"] = out["units"].astype("int64")
    return out.loc[out["units"] > 0, columns].reset_index(drop=True)
