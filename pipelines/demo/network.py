"""The demo seller's network: channels, locations, lanes and routing rules (reference data).

One catalogue sold on five channels, stocked in two Amazon AWD upstream warehouses, three
Amazon FCs (one with multi-channel fulfilment), a Walmart WFS centre, the seller's own
warehouse and a store, bought from suppliers in China.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.demo.frames import reference_frame

SEP = contract.LIST_SEPARATOR
SUPPLIER, UPSTREAM, FC, WAREHOUSE, STORE = contract.LOCATION_TYPES
SEA, AIR, TRUCK, _RAIL = contract.SHIPMENT_MODES
ACTIVE_LANE, DISRUPTED_LANE = contract.LANE_STATUSES
SHARED, DEDICATED = contract.ALLOCATION_MODES

CHANNELS = ("amazon", "walmart", "ebay", "shopify", "store")
AMAZON, WALMART, EBAY, SHOPIFY, STORE_CHANNEL = range(len(CHANNELS))
REGIONS = ("east", "west", "central")
#: Share of online customers shipping to each region.
REGION_WEIGHTS = np.array([0.45, 0.30, 0.25])

#: (location_id, type, operator, region, channels, name, country, storage $/unit/month, capacity)
_LOCATIONS = (
    ("SUP-SHENZHEN", SUPPLIER, "Shenzhen Homeware Co.", "cn", (), "Shenzhen factory", "CN", 0.0, None),
    ("SUP-NINGBO", SUPPLIER, "Ningbo Outdoor Ltd.", "cn", (), "Ningbo factory", "CN", 0.0, None),
    ("SUP-XIAMEN", SUPPLIER, "Xiamen Textile Works", "cn", (), "Xiamen factory", "CN", 0.0, None),
    ("AWD-EAST", UPSTREAM, "amazon", "east", (), "Amazon AWD Pennsylvania", "US", 0.06, None),
    ("AWD-WEST", UPSTREAM, "amazon", "west", (), "Amazon AWD California", "US", 0.06, None),
    ("FBA-EAST", FC, "amazon", "east", ("amazon",), "FBA New Jersey", "US", 0.21, 60_000),
    ("FBA-WEST", FC, "amazon", "west", ("amazon", "ebay", "shopify"), "FBA Nevada (MCF)", "US", 0.21, 40_000),
    ("FBA-CENTRAL", FC, "amazon", "central", ("amazon",), "FBA Texas", "US", 0.21, 40_000),
    ("WFS-CENTRAL", FC, "walmart", "central", ("walmart",), "Walmart WFS Texas", "US", 0.18, 30_000),
    ("WH-MAIN", WAREHOUSE, "seller", "east", CHANNELS, "Own warehouse New Jersey", "US", 0.09, None),
    ("STORE-NYC", STORE, "seller", "east", ("store",), "Brooklyn store", "US", 0.35, 2_500),
)
ALL_LOCATIONS = tuple(row[0] for row in _LOCATIONS)
SUPPLIERS = tuple(row[0] for row in _LOCATIONS if row[1] == SUPPLIER)
#: Locations that hold stock, in the order of the simulation's location axis.
STOCK_LOCATIONS = tuple(row[0] for row in _LOCATIONS if row[1] in contract.STOCK_LOCATION_TYPES)
AWD_EAST, AWD_WEST, FBA_EAST, FBA_WEST, FBA_CENTRAL, WFS_CENTRAL, WH_MAIN, STORE_NYC = range(len(STOCK_LOCATIONS))
#: Where Amazon reports a reserved quantity in its inventory snapshots.
RESERVED_REPORTED = np.array([row[1] == FC and row[2] == "amazon" for row in _LOCATIONS
                              if row[1] in contract.STOCK_LOCATION_TYPES])

#: (origin, destination, mode, transit days, std days, $/unit, $/shipment, kg CO2e/unit, status)
_LANES = tuple(
    [(sup, dest, SEA, t, s, 0.55 + 0.1 * i, 2_400.0, 0.04, ACTIVE_LANE)
     for i, sup in enumerate(SUPPLIERS)
     for dest, t, s in (("AWD-EAST", 38.0, 6.0), ("AWD-WEST", 30.0, 4.5), ("WH-MAIN", 36.0, 5.5))]
    + [(sup, dest, AIR, t, s, 4.8 + 0.3 * i, 350.0, 1.9, ACTIVE_LANE)
       for i, sup in enumerate(SUPPLIERS)
       for dest, t, s in (("AWD-EAST", 9.0, 1.5), ("AWD-WEST", 8.0, 1.2), ("WH-MAIN", 9.0, 1.5))]
    + [
        ("AWD-EAST", "FBA-EAST", TRUCK, 3.0, 1.0, 0.35, 180.0, 0.08, ACTIVE_LANE),
        ("AWD-EAST", "FBA-CENTRAL", TRUCK, 5.0, 1.5, 0.45, 220.0, 0.12, ACTIVE_LANE),
        ("AWD-EAST", "WFS-CENTRAL", TRUCK, 4.0, 1.0, 0.45, 220.0, 0.12, ACTIVE_LANE),
        ("AWD-WEST", "FBA-WEST", TRUCK, 2.0, 0.7, 0.30, 160.0, 0.06, ACTIVE_LANE),
        # Texas is normally fed from the west AWD (cheaper per unit) but that lane is disrupted:
        # the simulation ships from the east instead, as planners do (a transfer fallback).
        ("AWD-WEST", "FBA-CENTRAL", TRUCK, 6.0, 2.0, 0.40, 240.0, 0.14, DISRUPTED_LANE),
        ("WH-MAIN", "STORE-NYC", TRUCK, 1.0, 0.3, 0.20, 60.0, 0.02, ACTIVE_LANE),
        ("WH-MAIN", "FBA-EAST", TRUCK, 2.0, 0.7, 0.30, 150.0, 0.05, ACTIVE_LANE),
    ]
)
#: The Red Sea/Suez detour hits Ningbo's east-coast sailings: extra days on top of the lane mean.
DISRUPTED_SEA_LANE = ("SUP-NINGBO", "AWD-EAST", SEA)
DISRUPTION_EXTRA_DAYS = (6, 16)

#: Routing rules: each channel's locations, first choice first.
ROUTING = {
    "amazon": ("FBA-EAST", "FBA-WEST", "FBA-CENTRAL", "WH-MAIN"),
    "walmart": ("WFS-CENTRAL", "WH-MAIN"),
    "ebay": ("WH-MAIN", "FBA-WEST"),
    "shopify": ("WH-MAIN", "FBA-WEST"),
    "store": ("STORE-NYC", "WH-MAIN"),
}

#: (buffer %, buffer units, fulfilment $/unit, commission %, allocation mode, priority). Walmart
#: suspends sellers who cancel oversold orders, so the demo seller dedicates stock to it; the
#: store's shelf and its share of the warehouse are the store's own.
_CHANNEL_TERMS = {
    "amazon": (5.0, 2, 3.45, 15.0, SHARED, 5),
    "walmart": (5.0, 2, 3.20, 15.0, DEDICATED, 4),
    "ebay": (10.0, 1, 2.60, 13.25, SHARED, 2),
    "shopify": (0.0, 0, 2.60, 2.9, SHARED, 3),
    "store": (0.0, 0, 0.0, 0.0, DEDICATED, 1),
}


@dataclass(frozen=True)
class Stream:
    """Demand of one channel (Amazon: one per customer region) and where it ships from.

    ``preference`` lists stock-location indices, first choice first; ``share`` is the part of the
    channel's demand in this stream.
    """

    channel: int
    region: int | None
    preference: tuple[int, ...]
    share: float


def streams() -> tuple[Stream, ...]:
    """Order streams. Amazon sends an order to the FC of the customer's region first and falls
    back along its routing rules; other channels follow their routing rules in order."""
    index = {loc: i for i, loc in enumerate(STOCK_LOCATIONS)}
    result = []
    amazon_fcs = [index[loc] for loc in ROUTING["amazon"]]
    for region, fc in zip(range(len(REGIONS)), (FBA_EAST, FBA_WEST, FBA_CENTRAL), strict=True):
        preference = (fc,) + tuple(loc for loc in amazon_fcs if loc != fc)
        result.append(Stream(AMAZON, region, preference, float(REGION_WEIGHTS[region])))
    for channel in CHANNELS[1:]:
        result.append(Stream(CHANNELS.index(channel), None,
                             tuple(index[loc] for loc in ROUTING[channel]), 1.0))
    return tuple(result)


#: Transfers (origin, destination, weekday of review Mon=0): AWD keeps the FCs and WFS stocked,
#: the own warehouse keeps the store stocked.
TRANSFER_ROUTES = (
    (AWD_EAST, FBA_EAST, 0), (AWD_EAST, FBA_CENTRAL, 0), (AWD_WEST, FBA_WEST, 0),
    (AWD_EAST, WFS_CENTRAL, 2), (WH_MAIN, STORE_NYC, 1),
)
#: Purchase orders (destination, locations it feeds including itself, weekday of review).
PURCHASE_ROUTES = (
    (AWD_EAST, (AWD_EAST, FBA_EAST, FBA_CENTRAL, WFS_CENTRAL), 3),
    (AWD_WEST, (AWD_WEST, FBA_WEST), 4),
    (WH_MAIN, (WH_MAIN, STORE_NYC), 1),
)


def lane(origin: str, destination: str, mode: str) -> tuple[float, float, bool]:
    """(mean transit days, std days, disrupted) of a lane."""
    for o, d, m, t, s, *_, status in _LANES:
        if (o, d, m) == (origin, destination, mode):
            return t, s, status == DISRUPTED_LANE
    raise KeyError((origin, destination, mode))


def locations_table() -> pd.DataFrame:
    rows = [
        {"location_id": loc, "type": kind, "operator": operator, "region": region,
         "channels": SEP.join(channels), "name": name, "country": country,
         "storage_cost_per_unit_month": storage, "capacity_units": capacity}
        for loc, kind, operator, region, channels, name, country, storage, capacity in _LOCATIONS
    ]
    frame = reference_frame(contract.LOCATIONS, rows)
    frame["capacity_units"] = frame["capacity_units"].astype("Int64")
    return frame


def lanes_table() -> pd.DataFrame:
    rows = [
        {"origin_id": o, "destination_id": d, "mode": m, "transit_days": t, "transit_days_std": s,
         "cost_per_unit": round(c, 2), "status": status, "order_cost": k, "co2e_kg_per_unit": co2}
        for o, d, m, t, s, c, k, co2, status in _LANES
    ]
    return reference_frame(contract.LANES, rows)


def channels_table() -> pd.DataFrame:
    rows = [
        {"channel": ch, "buffer_pct": b, "buffer_units": u, "fulfillment_cost_per_unit": f,
         "commission_pct": c, "allocation_mode": mode, "priority": p, "country": "US"}
        for ch, (b, u, f, c, mode, p) in _CHANNEL_TERMS.items()
    ]
    return reference_frame(contract.CHANNELS, rows)


def routing_rules_table() -> pd.DataFrame:
    rows = [{"channel": ch, "rank": rank, "location_id": loc}
            for ch, locs in ROUTING.items() for rank, loc in enumerate(locs, start=1)]
    return reference_frame(contract.ROUTING_RULES, rows)
