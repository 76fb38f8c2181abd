"""Stock alerts per SKU and channel, from the allocation plan.

- ``within_buffer`` (medium): the channel still has units to sell from, but no more than its
  buffer, so it shows 0 while stock remains — replenish or lower the buffer.
- ``out_of_stock`` (high): nothing the channel may sell from, on a SKU that sells there
  (velocity > 0). Units that may ship later are named in the message.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

ALERT_COLUMNS = [
    "as_of", "sku", "channel", "alert_type", "severity", "mode", "sellable_pool", "allocated", "buffer",
    "publishable_quantity", "ships_later_quantity", "velocity", "days_of_cover", "message",
]


def stock_alerts(channel_allocation: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Alert rows from channel_allocation (sku, channel, mode, sellable_pool, allocated, buffer,
    buffer_basis, publishable_quantity, ships_later_quantity, velocity)."""
    ca = channel_allocation
    within = (ca["allocated"] > 0) & (ca["allocated"] <= ca["buffer"])
    out_of_stock = (ca["allocated"] <= 0) & (ca["velocity"] > 0)
    alerts = ca[within | out_of_stock].copy()
    if alerts.empty:
        return pd.DataFrame(columns=ALERT_COLUMNS)
    is_within = (alerts["allocated"] > 0).to_numpy()
    alerts["alert_type"] = np.where(is_within, "within_buffer", "out_of_stock")
    alerts["severity"] = np.where(is_within, "medium", "high")
    velocity = alerts["velocity"].astype(float)
    alerts["days_of_cover"] = np.where(velocity > 0, alerts["allocated"] / velocity.where(velocity > 0, 1.0),
                                       np.nan).round(1)
    later = np.where(alerts["ships_later_quantity"] > 0,
                     "; " + alerts["ships_later_quantity"].astype(str) + " in transit may be published as ships later",
                     "")
    held = ("all " + alerts["allocated"].astype(str) + " units it may sell are within its buffer of "
            + alerts["buffer"].astype(str) + " (" + alerts["buffer_basis"] + "), so it shows 0")
    selling = ", selling " + velocity.round(2).astype(str) + " units/day"
    taken = alerts["sellable_pool"] > 0
    dedicated = alerts["mode"] == "dedicated"
    empty = np.select(
        [taken & dedicated, taken],
        ["its dedicated share of the " + alerts["sellable_pool"].astype(str) + " units rounds to 0" + selling,
         "the " + alerts["sellable_pool"].astype(str) + " units at its locations are dedicated to other channels"
         + selling],
        "nothing sellable at the locations that may serve it" + selling)
    alerts["message"] = (alerts["channel"] + ": " + np.where(is_within, held, empty) + later)
    alerts["as_of"] = as_of
    return (alerts.sort_values(["severity", "sku", "channel"])[ALERT_COLUMNS]
            .reset_index(drop=True))
