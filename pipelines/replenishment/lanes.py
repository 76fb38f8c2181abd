"""Lanes as replenishment sees them: delayed or not, which source usually supplies a location,
and where supplier stock enters the network for it.

- A lane is **delayed** when its status is ``disrupted`` or one of its shipments in transit
  (in transit, at port, in customs) is more than ``lane_delay_tolerance_days`` late
  (``marts.in_transit.days_late``). Its expected transit time is then the mean plus the
  observed delay.
- A **transfer lane** starts at a location that holds stock (not a supplier); a **supplier
  lane** starts at a supplier.
- A customer-facing location's **preferred** lane is its cheapest transfer lane (cost per unit,
  then transit time); its **usual** lane is the cheapest that is not delayed, or the preferred
  one when all are delayed. The usual lane sets its lead time.
- A location's **entry point** is where purchased stock must land to reach it: itself when a
  supplier lane reaches it, else the entry point of its usual source, followed upstream. A
  location with no transfer lane is replenished by purchases only.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.config import Co2eFactors

DISRUPTED = contract.LANE_STATUSES[1]
#: Hops followed upstream to find an entry point; networks are shallow, this stops cycles.
MAX_HOPS = 5


def _fmt_days(days) -> pd.Series:
    return pd.Series(days).map(lambda d: f"{d:g}")


def lane_delays(lanes: pd.DataFrame, in_transit: pd.DataFrame, tolerance_days: int,
                co2e: Co2eFactors) -> pd.DataFrame:
    """Lanes with ``delay_days`` (largest lateness of a shipment in transit on it, days),
    ``is_delayed``, ``delay_reason`` (words, empty when not delayed), ``expected_transit_days``
    (mean + delay when delayed) and ``co2e_per_unit`` (the lane's, else the mode default, kg)."""
    moving = in_transit[in_transit["status"].isin(contract.IN_TRANSIT_SHIPMENT_STATUSES)]
    late = (moving.groupby(["origin_id", "destination_id", "mode"])["days_late"].max()
            .rename("delay_days").reset_index())
    out = lanes.merge(late, on=["origin_id", "destination_id", "mode"], how="left")
    out["delay_days"] = out["delay_days"].fillna(0).astype(float).clip(lower=0)
    disrupted = out["lane_status"].eq(DISRUPTED).to_numpy()
    late_beyond = (out["delay_days"] > tolerance_days).to_numpy()
    out["is_delayed"] = disrupted | late_beyond
    reason = np.where(disrupted, "lane disrupted", "")
    late_words = "shipments up to " + _fmt_days(out["delay_days"]).to_numpy().astype(object) + " days late"
    reason = np.where(late_beyond, np.where(disrupted, reason + ", " + late_words, late_words), reason)
    out["delay_reason"] = reason.astype(str)
    out["expected_transit_days"] = out["transit_days"] + np.where(out["is_delayed"], out["delay_days"], 0.0)
    default = out["mode"].map(co2e.model_dump()).fillna(0.0)
    out["co2e_per_unit"] = np.where(out["co2e_kg_per_unit"].fillna(0) > 0, out["co2e_kg_per_unit"], default)
    return out


def split_lanes(lanes: pd.DataFrame, locations: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(transfer lanes, supplier lanes) by the type of the origin."""
    types = locations.set_index("location_id")["location_type"]
    origin_type = lanes["origin_id"].map(types)
    supplier = origin_type.eq(contract.LOCATION_TYPES[0])
    holds_stock = origin_type.isin(contract.STOCK_LOCATION_TYPES)
    return lanes[holds_stock].reset_index(drop=True), lanes[supplier].reset_index(drop=True)


def usual_transfer_lanes(transfer_lanes: pd.DataFrame) -> pd.DataFrame:
    """Per destination: its usual lane (columns of the lane) plus ``preferred_origin``,
    ``preferred_mode`` and ``preferred_delay_reason`` (the cheapest lane, delayed or not)."""
    if transfer_lanes.empty:
        return transfer_lanes.assign(preferred_origin=pd.Series(dtype=str), preferred_mode=pd.Series(dtype=str),
                                     preferred_delay_reason=pd.Series(dtype=str))
    keys = ["destination_id", "cost_per_unit", "transit_days", "origin_id", "mode"]
    preferred = transfer_lanes.sort_values(keys).groupby("destination_id").head(1)
    usual = (transfer_lanes.sort_values(["destination_id", "is_delayed", *keys[1:]])
             .groupby("destination_id").head(1))
    return usual.merge(
        preferred[["destination_id", "origin_id", "mode", "delay_reason"]].rename(columns={
            "origin_id": "preferred_origin", "mode": "preferred_mode",
            "delay_reason": "preferred_delay_reason"}),
        on="destination_id").reset_index(drop=True)


def cheapest_supplier_lanes(supplier_lanes: pd.DataFrame) -> pd.DataFrame:
    """Per (supplier, destination): the lane a purchase would use — the cheapest per unit,
    then the fastest (delays lengthen its expected transit, they do not change the choice)."""
    return (supplier_lanes.sort_values(["origin_id", "destination_id", "cost_per_unit", "transit_days", "mode"])
            .groupby(["origin_id", "destination_id"]).head(1).reset_index(drop=True))


def entry_points(locations: pd.DataFrame, usual: pd.DataFrame, supplier_lanes: pd.DataFrame) -> pd.Series:
    """Entry point of every customer-facing location (index location_id; NaN when no supplier
    lane leads to it), following usual sources upstream."""
    source = usual.set_index("destination_id")["origin_id"]
    receives = set(supplier_lanes["destination_id"])
    facing = locations.loc[locations["location_type"].isin(("fc", "warehouse", "store")), "location_id"]
    entries = {}
    for loc in facing:  # a handful of locations: the SKU axis is never looped over
        node, seen = loc, {loc}
        for _ in range(MAX_HOPS):
            upstream = source.get(node)
            if node in receives or upstream is None or upstream in seen:
                break
            node = upstream
            seen.add(node)
        entries[loc] = node if node in receives else np.nan
    return pd.Series(entries, name="entry_id", dtype=object)


def downstream_days(served: pd.DataFrame, usual: pd.DataFrame, ship_days: float) -> pd.Series:
    """Per SKU: the days its purchased units still travel from the entry points to the selling
    locations, weighted by each location's forecast units (``served``: placement.demand_by_entry
    rows sku, entry_id, location_id, forecast_units). A location's days: ``ship_days`` + the
    usual lane's expected transit for each hop from its entry point (0 where it is the entry)."""
    if served.empty:
        return pd.Series(dtype=float, name="downstream_days")
    lanes = usual.set_index("destination_id")
    hops: dict[tuple[str, str], float] = {}
    for loc, entry in served[["location_id", "entry_id"]].drop_duplicates().itertuples(index=False):
        node, days, seen = loc, 0.0, {loc}
        for _ in range(MAX_HOPS):
            if node == entry or node not in lanes.index:
                break
            days += ship_days + float(lanes.loc[node, "expected_transit_days"])
            node = lanes.loc[node, "origin_id"]
            if node in seen:
                break
            seen.add(node)
        hops[(loc, entry)] = days if node == entry else 0.0
    days = [hops[k] for k in zip(served["location_id"], served["entry_id"], strict=True)]
    weights = served["forecast_units"].to_numpy(dtype=float)
    frame = pd.DataFrame({"sku": served["sku"], "w": weights, "wd": weights * np.asarray(days)})
    per = frame.groupby("sku")[["w", "wd"]].sum()
    return (per["wd"] / per["w"].where(per["w"] > 0)).fillna(0.0).rename("downstream_days")
