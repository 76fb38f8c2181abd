"""Which locations may serve which channel: read from ``locations.channels``, nothing else.

The reference data is the one place that says where stock may be sold from (data-contract.md,
`locations`): an Amazon FC lists ``amazon`` and, when multi-channel fulfilment is enabled for it,
the other channels it ships for; a WFS centre lists ``walmart``; the seller's own warehouse, and
an upstream warehouse with multi-channel distribution, list every channel they serve. An
upstream warehouse with an empty list only replenishes other locations and serves no channel.
Suppliers never hold the seller's stock.
"""

from __future__ import annotations

import pandas as pd

from pipelines import contract

ELIGIBILITY_COLUMNS = ["location_id", "channel"]


def channel_eligibility(locations: pd.DataFrame) -> pd.DataFrame:
    """One row per (location_id, channel) the location may serve.

    ``locations``: location_id, location_type, channels (``|``-separated, may be empty).
    """
    if locations.empty:
        return pd.DataFrame(columns=ELIGIBILITY_COLUMNS)
    stock = locations[locations["location_type"].isin(contract.STOCK_LOCATION_TYPES)]
    lists = stock["channels"].fillna("").astype(str).str.split(contract.LIST_SEPARATOR, regex=False)
    pairs = pd.DataFrame({"location_id": stock["location_id"].to_numpy(), "channel": lists.to_numpy()})
    pairs = pairs.explode("channel")
    pairs["channel"] = pairs["channel"].astype(str).str.strip()
    pairs = pairs[pairs["channel"] != ""]
    return (pairs.drop_duplicates().sort_values(ELIGIBILITY_COLUMNS)
            .reset_index(drop=True)[ELIGIBILITY_COLUMNS])
