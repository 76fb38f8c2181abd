"""Deliberately bad rows mixed into the event files, to show quarantine at work.

Each is an extra row (never a replacement of a real event) that is valid except for one column,
with keys no real record uses, so the good rows stay coherent whatever ingestion does with it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines import contract
from pipelines.demo import network as net
from pipelines.demo.catalogue import Catalogue
from pipelines.demo.clock import DAY, HOUR, Clock


@dataclass(frozen=True)
class BadRowSpec:
    feed: str
    month: int
    """Month index of the file it goes into."""
    position: float
    """Where in the file, as a fraction of its good rows (0 = first row)."""
    row: dict[str, str]
    column: str
    problem: str


def bad_row_specs(catalogue: Catalogue, clock: Clock) -> list[BadRowSpec]:
    """About sixteen bad rows over the five event feeds, in the month 45 days before the end."""
    cat = catalogue
    day = max(0, clock.days - 45)
    month = int(clock.month_index(np.array([day * DAY]))[0])
    stamp = str(clock.timestamps(np.array([day * DAY + 14 * HOUR + 300]))[0])
    later = str(clock.timestamps(np.array([(day + 3) * DAY + 14 * HOUR]))[0])
    on_date = str(clock.dates(np.array([day]))[0])
    year = on_date[:4]

    amazon = np.flatnonzero((cat.offer_channel == net.AMAZON) & (cat.offer_units[:, 1] == 0))[0]
    listing = str(cat.offer_listing_sku[amazon])
    sku = str(cat.sku_ids[cat.offer_components[amazon, 0]])
    in_store = set(cat.offer_components[cat.offer_channel == net.STORE_CHANNEL].ravel())
    never_in_store = str(cat.sku_ids[[s for s in range(len(cat.sku_ids)) if s not in in_store][0]])

    order = {"order_id": "", "ordered_at": stamp, "channel": net.CHANNELS[net.AMAZON],
             "listing_sku": listing, "quantity": "1", "status": contract.OPEN_ORDER_STATUSES[-1],
             "line_id": "1", "updated_at": stamp, "unit_price": f"{cat.offer_price[amazon]:.2f}",
             "currency": "USD", "ship_region": net.REGIONS[0], "fulfilled_from": "FBA-EAST"}
    snapshot = {"snapshot_date": on_date, "location_id": "FBA-EAST", "sku": sku, "on_hand": "5",
                "reserved": "0", "unsellable": "0"}
    shipment = {"shipment_id": "", "sku": sku, "quantity": "24", "origin_id": "AWD-EAST",
                "destination_id": "FBA-EAST", "mode": net.TRUCK, "shipped_at": stamp, "eta": later,
                "status": contract.IN_TRANSIT_SHIPMENT_STATUSES[0], "updated_at": stamp, "received_at": ""}
    ret = {"return_id": "", "order_id": "999-0000000-0000001", "channel": net.CHANNELS[net.AMAZON],
           "listing_sku": listing, "quantity": "1", "status": contract.RETURN_STATUSES[0],
           "updated_at": stamp, "location_id": "FBA-EAST"}
    count = {"counted_at": f"{on_date}T06:40:00", "location_id": "WH-MAIN", "sku": sku,
             "counted_quantity": "7", "reason": "cycle count", "counted_by": "WH-A. Diaz"}

    specs = []

    def add(feed: contract.Feed, template: dict, key: dict, column: str, value: str, problem: str) -> None:
        row = {**template, **key, column: value}
        specs.append(BadRowSpec(feed.name, month, (len(specs) % 7 + 1) / 8, row, column, problem))

    orders = contract.ORDERS
    add(orders, order, {"order_id": "999-0000000-0000001"}, "quantity", "0", "zero quantity")
    add(orders, order, {"order_id": "999-0000000-0000002"}, "quantity", "-2", "negative quantity")
    add(orders, order, {"order_id": "999-0000000-0000003"}, "ordered_at", f"{year}-13-02T10:15:00",
        "unparseable timestamp (month 13)")
    add(orders, order, {"order_id": "999-0000000-0000004"}, "status", "shipping", "status not allowed")
    add(orders, order, {"order_id": "999-0000000-0000005"}, "listing_sku", "AMZ-NO-SUCH-SKU",
        "listing_sku in no listing of the channel")
    add(orders, order, {}, "order_id", "", "missing required order_id")
    snaps = contract.STOCK_SNAPSHOTS
    add(snaps, snapshot, {}, "location_id", "FBA-NORTH", "unknown location_id")
    add(snaps, snapshot, {"location_id": "STORE-NYC", "sku": never_in_store, "reserved": ""}, "on_hand", "-4",
        "negative on_hand")
    ships = contract.SHIPMENTS
    add(ships, shipment, {"shipment_id": "TO-999001"}, "quantity", "0", "zero quantity")
    add(ships, shipment, {"shipment_id": "TO-999002"}, "status", "lost", "status not allowed")
    add(ships, shipment, {"shipment_id": "TO-999003"}, "eta", "TBD", "unparseable timestamp")
    rets = contract.RETURNS
    add(rets, ret, {"return_id": "RMA-99000001"}, "quantity", "-1", "negative quantity")
    add(rets, ret, {"return_id": "RMA-99000002"}, "status", "refunded", "status not allowed")
    adjs = contract.ADJUSTMENTS
    add(adjs, count, {}, "sku", "", "missing required sku")
    add(adjs, count, {"counted_at": f"{on_date}T06:41:17"}, "counted_quantity", "-3", "negative count")
    add(adjs, count, {}, "counted_at", f"{year}-02-30T06:30:00", "unparseable timestamp (30 February)")
    return specs
