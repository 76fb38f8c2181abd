"""Regional placement (``marts.regional_placement``): where new stock should go.

Each customer-facing location belongs to one entry point (``lanes.entry_points``): the
upstream warehouse (or the location itself) where purchased stock lands to reach it. Its
forecast demand over the horizon comes from its region's forecast (``demand``), so:

- **entry share**: the part of a SKU's network demand that an entry point serves — purchase
  suggestions are split across entry points by it (if 60 % of demand is served from the west
  warehouse, 60 % of the purchase lands there);
- **share**: the part of an entry point's demand at each location it serves — stock arriving
  at the entry point (in transit, planned, and the suggested purchase) is placed across those
  locations by it, in whole units.

A SKU with stock arriving at an entry point none of whose locations has forecast demand gets
one row without a location: the stock stays where it lands.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.replenishment.demand import DemandCube
from pipelines.replenishment.rounding import split_whole
from pipelines.replenishment.schema import PLACEMENT, conform
from pipelines.replenishment.words import num, pct


def demand_by_entry(cube: DemandCube, entries: pd.Series, locations: pd.DataFrame) -> pd.DataFrame:
    """(sku, entry_id, location_id, region, forecast_units, share, entry_share, region_share)
    for every location with forecast demand and an entry point."""
    units = cube.location_p50.sum(axis=2)
    s_idx, l_idx = np.nonzero(units > 0)
    rows = pd.DataFrame({"sku": cube.skus[s_idx], "location_id": cube.locations[l_idx],
                         "forecast_units": units[s_idx, l_idx]})
    rows["region"] = rows["location_id"].map(locations.set_index("location_id")["region"])
    rows["entry_id"] = rows["location_id"].map(entries)
    total = rows.groupby("sku")["forecast_units"].transform("sum")
    rows["region_share"] = rows.groupby(["sku", "region"])["forecast_units"].transform("sum") / total
    rows = rows[rows["entry_id"].notna()].copy()
    served = rows.groupby(["sku", "entry_id"])["forecast_units"].transform("sum")
    rows["share"] = rows["forecast_units"] / served
    rows["entry_share"] = served / rows.groupby("sku")["forecast_units"].transform("sum")
    return rows.reset_index(drop=True)


def entry_level(rows: pd.DataFrame) -> pd.DataFrame:
    """One row per (sku, entry_id) with its entry_share."""
    return rows.groupby(["sku", "entry_id"], as_index=False)["entry_share"].first()


def arriving(in_transit: pd.DataFrame) -> pd.DataFrame:
    """Units on their way to each (sku, destination): in_transit_units (moving) and
    planned_units (planned)."""
    moving = in_transit["status"].isin(contract.IN_TRANSIT_SHIPMENT_STATUSES)
    planned = in_transit["status"].eq("planned")
    frame = in_transit.assign(in_transit_units=np.where(moving, in_transit["quantity"], 0),
                              planned_units=np.where(planned, in_transit["quantity"], 0))
    return (frame.groupby(["sku", "destination_id"], as_index=False)[["in_transit_units", "planned_units"]].sum()
            .rename(columns={"destination_id": "entry_id"}))


def build_placement(rows: pd.DataFrame, in_transit: pd.DataFrame, suggested: pd.DataFrame,
                    entries: pd.Series, as_of: date) -> pd.DataFrame:
    """``marts.regional_placement`` (columns schema.PLACEMENT).

    ``rows``: demand_by_entry; ``suggested``: sku, entry_id, suggested_units (the purchase
    suggestions' split); ``entries``: location → entry point.
    """
    incoming = arriving(in_transit[in_transit["destination_id"].isin(set(entries.dropna()))])
    incoming = incoming.merge(suggested[["sku", "entry_id", "suggested_units"]], on=["sku", "entry_id"], how="outer")
    for col in ("in_transit_units", "planned_units", "suggested_units"):
        incoming[col] = pd.to_numeric(incoming[col], errors="coerce").fillna(0).astype(np.int64)
    incoming["incoming_units"] = incoming[["in_transit_units", "planned_units", "suggested_units"]].sum(axis=1)
    incoming = incoming[incoming["incoming_units"] > 0]

    out = rows.merge(incoming, on=["sku", "entry_id"], how="outer")
    for col in ("in_transit_units", "planned_units", "suggested_units", "incoming_units"):
        out[col] = out[col].fillna(0).astype(np.int64)
    for col in ("forecast_units", "share", "entry_share", "region_share"):
        out[col] = out[col].fillna(0.0)
    has_location = out["location_id"].notna()
    out["placed_units"] = 0
    if has_location.any():
        served = out[has_location]
        out.loc[has_location, "placed_units"] = split_whole(
            served["incoming_units"].to_numpy(), served["share"].to_numpy(),
            (served["sku"] + "\x1f" + served["entry_id"]).to_numpy())
    out["placed_units"] = out["placed_units"].astype(np.int64)
    out["reason"] = _reasons(out, has_location)
    out["as_of"] = as_of
    for col in ("forecast_units", "share", "entry_share", "region_share"):
        out[col] = out[col].round(4)
    out = out.sort_values(["sku", "entry_id", "location_id"], na_position="last", kind="stable")
    return conform(out, PLACEMENT)


def _reasons(out: pd.DataFrame, has_location: pd.Series) -> np.ndarray:
    entry = out["entry_id"].fillna("")
    loc = out["location_id"].fillna("")
    parts = ("in transit " + num(out["in_transit_units"]) + ", planned " + num(out["planned_units"])
             + ", suggested " + num(out["suggested_units"]))
    placed = (loc + " has " + pct(out["share"]) + " of the demand " + entry + " serves ("
              + out["region"].fillna("") + " region: " + pct(out["region_share"]) + " of the SKU's demand): "
              + num(out["placed_units"]) + " of " + num(out["incoming_units"]) + " incoming units (" + parts + ")")
    waiting = (entry + " serves " + pct(out["entry_share"]) + " of the SKU's demand; "
               + loc + " has " + pct(out["share"]) + " of it; nothing arriving at " + entry)
    stays = ("no forecast demand among the locations " + entry + " serves: the "
             + num(out["incoming_units"]) + " incoming units (" + parts + ") stay at " + entry)
    return np.select([~has_location.to_numpy(), out["incoming_units"].to_numpy() > 0], [stays, placed], waiting)
