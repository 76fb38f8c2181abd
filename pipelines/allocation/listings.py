"""Per-listing quantities: what each channel listing shows, in listing units.

A listing unit consumes ``units_per_listing`` of each component SKU (data-contract.md,
`listings`). For each channel figure (sellable_pool, allocated, publishable_quantity,
ships_later_quantity) the listing shows ``floor(sku figure / units_per_listing)``, and a bundle
the smallest of its components. ``buffer`` is allocated − publishable in listing units, and
``reserved`` the listing units of the channel's open lines of that listing.

Listings of one channel that share a SKU (a single, its 2-pack, a bundle) each show what the
SKU allows on its own; the channel decrements them together only when it counts stock per SKU
(as the replay assumes). Where a marketplace keeps an independent count per listing, selling
both in one refresh interval can take the SKU's units twice; the alerts and the next refresh
catch it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

LISTING_COLUMNS = [
    "as_of", "channel", "listing_sku", "kind", "composition", "mode", "sellable_pool", "allocated",
    "buffer", "reserved", "publishable_quantity", "ships_later_quantity", "ships_later",
    "limiting_sku", "reason",
]
FIGURES = ["sellable_pool", "allocated", "publishable_quantity", "ships_later_quantity"]


def listing_allocation(channel_allocation: pd.DataFrame, listings: pd.DataFrame,
                       open_lines: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """One row per (channel, listing_sku).

    ``channel_allocation``: sku, channel, mode and the FIGURES (per SKU, in units).
    ``listings``: channel, listing_sku, sku, units_per_listing.
    ``open_lines``: channel, listing_sku, order_id, line_id, quantity (one row per component).
    """
    if listings.empty:
        return pd.DataFrame(columns=LISTING_COLUMNS)
    parts = listings.merge(channel_allocation[["sku", "channel", "mode", *FIGURES]],
                           on=["channel", "sku"], how="left")
    per = parts["units_per_listing"].astype("int64").clip(lower=1)
    parts["sku_publishable"] = parts["publishable_quantity"].fillna(0).astype("int64")
    for figure in FIGURES:
        parts[figure] = parts[figure].fillna(0).astype("int64") // per
    parts = parts.sort_values(["channel", "listing_sku", "publishable_quantity", "sku"])
    keys = ["channel", "listing_sku"]
    grouped = parts.groupby(keys, sort=True)
    out = grouped[FIGURES].min().reset_index()
    out["limiting_sku"] = grouped["sku"].first().to_numpy()
    out["mode"] = grouped["mode"].first().fillna("shared").to_numpy()
    out["components"] = grouped["sku"].count().to_numpy()
    out["units_per_listing"] = grouped["units_per_listing"].max().to_numpy()
    out["composition"] = grouped.apply(
        lambda g: " + ".join(f"{s}×{int(n)}" for s, n in sorted(zip(g["sku"], g["units_per_listing"],
                                                                   strict=True))),
        include_groups=False).to_numpy()
    steps = (parts.assign(step=lambda f: f["sku"] + " " + f["sku_publishable"].astype(str) + " // "
             + f["units_per_listing"].astype(str) + " = " + f["publishable_quantity"].astype(str))
             .groupby(keys, sort=True)["step"].apply(lambda s: ", ".join(sorted(s))).to_numpy())
    out["kind"] = np.where(out["components"] > 1, "bundle",
                           np.where(out["units_per_listing"] > 1, "multipack", "single"))
    out["buffer"] = (out["allocated"] - out["publishable_quantity"]).clip(lower=0)
    lines = open_lines.drop_duplicates(["order_id", "line_id"])
    reserved = lines.groupby(keys, as_index=False)["quantity"].sum().rename(columns={"quantity": "reserved"})
    out = out.merge(reserved, on=keys, how="left")
    out["reserved"] = pd.to_numeric(out["reserved"]).fillna(0).astype("int64")
    out["ships_later"] = out["ships_later_quantity"] > 0
    out["as_of"] = as_of
    reason = np.where(
        out["kind"] == "single",
        out["limiting_sku"] + " publishes " + out["publishable_quantity"].astype(str) + " on " + out["channel"],
        np.where(out["kind"] == "multipack", steps + " listing units",
                 "min(" + steps + ") = " + out["publishable_quantity"].astype(str) + ", limited by "
                 + out["limiting_sku"]))
    later = np.where(out["ships_later"], "; " + out["ships_later_quantity"].astype(str) + " more ship later", "")
    out["reason"] = pd.Series(reason, index=out.index) + later
    return out[LISTING_COLUMNS].reset_index(drop=True)
