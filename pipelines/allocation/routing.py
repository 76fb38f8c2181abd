"""Order routing: which location ships each open order line.

Open lines (latest status pending or paid) are taken in the order they were placed (ordered_at,
then order and line id) against the stock each location has left: ``on_hand − unsellable`` of
``marts.inventory_position`` at the start, less what earlier lines took. A line ships whole from
one location (every component of a bundle from the same place). For each line the candidates,
in order, are:

1. the location already assigned to it (``fulfilled_from``), when the order says one;
2. the channel's routing rules, rank 1 first (``reference/routing_rules``);
3. any other location that may serve the channel (``locations.channels``), nearest region first:
   the customer's ``ship_region``, then ``allocation.region_proximity[ship_region]`` in order,
   then the remaining regions by name; equal distance by location id.

The first candidate with enough stock for the whole line ships it, and its stock goes down.
A line no candidate can ship is ``unroutable``, with the stock each candidate had left.
``route_type``: ``assigned`` (1 had stock), ``first_choice`` (the rank-1 rule, nothing assigned),
``next_with_stock`` (a later rule, or a rule after the assigned location ran out),
``nearest_region`` (3), ``unroutable``.

The loop is over open lines only (orders of the last day or two), with a handful of
candidates each: linear in lines × candidates × components.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import pandas as pd

ROUTING_COLUMNS = [
    "as_of", "sequence", "order_id", "line_id", "ordered_at", "channel", "listing_sku", "quantity",
    "ship_region", "reserved_location", "ship_from", "ship_from_region", "route_type", "routing_rank",
    "is_rerouted", "reason",
]
ROUTED_COLUMNS = ["sku", "location_id", "units"]


def _region_rank(proximity: dict[str, list[str]], regions: list[str]):
    """distance(customer region, location region): 0 same, then the proximity list, then names."""
    ordered = sorted(set(regions))

    def distance(customer: str | None, region: str | None) -> tuple[int, str]:
        if customer is None or region is None:
            return (len(ordered) + 1, region or "")
        if region == customer:
            return (0, region)
        near = proximity.get(customer, [])
        if region in near:
            return (1 + near.index(region), region)
        return (1 + len(near) + 1, region)

    return distance


def _fits(stock: dict, location: str, components: list[tuple[str, int, int]]) -> int:
    """Listing units of the line ``location`` could ship: min over components of stock // per unit."""
    return min(stock.get((sku, location), 0) // max(per_listing, 1) for sku, _, per_listing in components)


def _none_if_missing(value):
    return None if value is None or (isinstance(value, float) and value != value) or value is pd.NA else value


def route_open_lines(lines: pd.DataFrame, capacity: pd.DataFrame, routing_rules: pd.DataFrame,
                     eligibility: pd.DataFrame, locations: pd.DataFrame,
                     region_proximity: dict[str, list[str]], as_of: date
                     ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(order_routing, routed units per (sku, location_id)).

    ``lines``: one row per open order line and component sku — order_id, line_id, ordered_at,
    channel, listing_sku, quantity (listing units), sku, units (component units),
    fulfilled_from, ship_region. ``capacity``: sku, location_id, units (on_hand − unsellable,
    ≥ 0). ``routing_rules``: channel, routing_rank, location_id. ``eligibility``: location_id,
    channel. ``locations``: location_id, region.
    """
    if lines.empty:
        return pd.DataFrame(columns=ROUTING_COLUMNS), pd.DataFrame(columns=ROUTED_COLUMNS)
    stock: dict[tuple[str, str], int] = defaultdict(int)
    for sku, location, units in capacity[["sku", "location_id", "units"]].itertuples(index=False):
        stock[(sku, location)] += max(int(units), 0)
    region_of = dict(zip(locations["location_id"], locations["region"], strict=True))
    distance = _region_rank(region_proximity, [r for r in region_of.values() if r is not None])
    rules: dict[str, list[tuple[str, int]]] = defaultdict(list)
    for channel, rank, location in (routing_rules.sort_values(["channel", "routing_rank"])
                                    [["channel", "routing_rank", "location_id"]].itertuples(index=False)):
        rules[channel].append((location, int(rank)))
    serving: dict[str, list[str]] = defaultdict(list)
    for location, channel in eligibility[["location_id", "channel"]].itertuples(index=False):
        serving[channel].append(location)

    ordered = lines.sort_values(["ordered_at", "order_id", "line_id", "sku"], kind="stable")
    keys = ["order_id", "line_id"]
    rows, routed = [], defaultdict(int)
    for sequence, ((order_id, line_id), line) in enumerate(ordered.groupby(keys, sort=False), start=1):
        first = line.iloc[0]
        channel, quantity = first["channel"], int(first["quantity"])
        assigned = _none_if_missing(first["fulfilled_from"])
        customer = _none_if_missing(first["ship_region"])
        components = [(sku, int(units), int(units) // max(quantity, 1))
                      for sku, units in line[["sku", "units"]].itertuples(index=False)]
        rule_rank = {loc: rank for loc, rank in rules.get(channel, [])}
        candidates: list[tuple[str, str]] = [(assigned, "assigned")] if assigned else []
        candidates += [(loc, "rule") for loc, _ in rules.get(channel, []) if loc != assigned]
        seen = {loc for loc, _ in candidates}
        others = sorted((loc for loc in serving.get(channel, []) if loc not in seen),
                        key=lambda loc: distance(customer, region_of.get(loc)))
        candidates += [(loc, "nearest") for loc in others]
        reserved_location = assigned or (rules[channel][0][0] if rules.get(channel) else None)

        chosen, tried = None, []
        for position, (location, kind) in enumerate(candidates):
            can = _fits(stock, location, components)
            if can >= quantity:
                chosen = (position, location, kind)
                break
            tried.append(f"{location} {can}")
        base = {"as_of": as_of, "sequence": sequence, "order_id": order_id, "line_id": line_id,
                "ordered_at": first["ordered_at"], "channel": channel, "listing_sku": first["listing_sku"],
                "quantity": quantity, "ship_region": customer, "reserved_location": reserved_location}
        if chosen is None:
            why = (f"no location that serves {channel} has {quantity} units left: " + ", ".join(tried)
                   if candidates else f"{channel} has no routing rule and no location serving it")
            rows.append({**base, "ship_from": None, "ship_from_region": None, "route_type": "unroutable",
                         "routing_rank": None, "is_rerouted": False, "reason": why})
            continue
        position, location, kind = chosen
        for sku, units, _ in components:
            stock[(sku, location)] -= units
            routed[(sku, location)] += units
        if position == 0:
            route_type = "assigned" if kind == "assigned" else "first_choice"
        else:
            route_type = "next_with_stock" if kind == "rule" else "nearest_region"
        short = f"{', '.join(tried)} of {quantity} left; " if tried else ""
        units = f"{quantity} unit" + ("s" if quantity != 1 else "")
        if route_type == "assigned":
            reason = f"assigned to {location} by the order, which has stock for {units}"
        elif route_type == "first_choice":
            reason = f"{channel}'s first choice {location} has stock for {units}"
        elif route_type == "next_with_stock":
            reason = f"{short}{location} (rank {rule_rank[location]}) is the next with stock"
        else:
            where = (f"in {customer}, the customer's region" if region_of.get(location) == customer
                     else f"in {region_of.get(location)}, the nearest region with stock"
                     + (f" to {customer}" if customer else ""))
            reason = f"{short}{location} {where}"
        rows.append({**base, "ship_from": location, "ship_from_region": region_of.get(location),
                     "route_type": route_type, "routing_rank": rule_rank.get(location),
                     "is_rerouted": location != reserved_location, "reason": reason})
    routing = pd.DataFrame(rows, columns=ROUTING_COLUMNS)
    routing["routing_rank"] = routing["routing_rank"].astype("Int64")
    routed_frame = pd.DataFrame([(s, loc, u) for (s, loc), u in routed.items()], columns=ROUTED_COLUMNS)
    return routing, routed_frame
