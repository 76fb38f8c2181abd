"""The plan's promises, checked on its own output (run as asset checks on every materialization).

- dedicated channels publish at most the sellable stock of the SKU, together;
- every channel publishes its allocation less its buffer, from no more than its pool;
- routing never assigns a location more component units than it had.
Each function returns the offending rows (empty = the promise holds).
"""

from __future__ import annotations

import pandas as pd


def dedicated_over_sellable(channel_allocation: pd.DataFrame, sellable: pd.DataFrame,
                            serving: set[str]) -> pd.DataFrame:
    """SKUs whose dedicated channels publish more than the SKU's sellable units at the locations
    that serve a channel (sku, publishable_quantity, sellable). ``sellable``: sku, location_id,
    sellable (pool.location_sellable); ``serving``: those locations."""
    dedicated = channel_allocation[channel_allocation["mode"] == "dedicated"]
    published = dedicated.groupby("sku", as_index=False)["publishable_quantity"].sum()
    stock = sellable[sellable["location_id"].isin(serving)].groupby("sku", as_index=False)["sellable"].sum()
    out = published.merge(stock, on="sku", how="left").fillna({"sellable": 0})
    return out[out["publishable_quantity"] > out["sellable"]].reset_index(drop=True)


def beyond_buffer(channel_allocation: pd.DataFrame) -> pd.DataFrame:
    """Rows that publish other than max(allocated − buffer, 0) or allocate beyond their pool."""
    ca = channel_allocation
    wrong = ((ca["publishable_quantity"] != (ca["allocated"] - ca["buffer"]).clip(lower=0))
             | (ca["allocated"] > ca["sellable_pool"]))
    return ca[wrong].reset_index(drop=True)


def overdrawn_locations(order_routing: pd.DataFrame, open_lines: pd.DataFrame,
                        capacity: pd.DataFrame) -> pd.DataFrame:
    """(sku, location_id) where the routed component units exceed the starting stock."""
    routed = (order_routing.dropna(subset=["ship_from"])[["order_id", "line_id", "ship_from"]]
              .merge(open_lines[["order_id", "line_id", "sku", "units"]], on=["order_id", "line_id"])
              .rename(columns={"ship_from": "location_id"})
              .groupby(["sku", "location_id"], as_index=False)["units"].sum())
    out = routed.merge(capacity[["sku", "location_id", "units"]].rename(columns={"units": "capacity"}),
                       on=["sku", "location_id"], how="left").fillna({"capacity": 0})
    return out[out["units"] > out["capacity"]].reset_index(drop=True)
