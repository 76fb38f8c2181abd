"""Small hand-made networks for the allocation tests (pipelines.allocation).

Locations: FBA-EAST (amazon only), FBA-WEST (amazon with multi-channel fulfilment for ebay),
WFS (walmart), WH (the seller's warehouse, every channel), AWD (upstream, replenishes only).
"""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd

from pipelines.allocation import AllocationInputs
from pipelines.config import AllocationConfig, ScoreWeights

AS_OF = date(2026, 11, 10)

LOCATIONS = pd.DataFrame(
    [("FBA-EAST", "fc", "east", "amazon"), ("FBA-WEST", "fc", "west", "amazon|ebay"),
     ("WFS", "fc", "central", "walmart"), ("WH", "warehouse", "east", "amazon|walmart|ebay|shopify"),
     ("AWD", "upstream", "east", ""), ("SUP", "supplier", "cn", "")],
    columns=["location_id", "location_type", "region", "channels"])

#: channel -> (buffer_pct, buffer_units, fulfilment $/unit, commission %, mode, priority)
CHANNEL_TERMS = {
    "amazon": (0.0, 0, 3.0, 15.0, "shared", 5),
    "walmart": (0.0, 0, 3.0, 15.0, "shared", 4),
    "ebay": (0.0, 0, 3.0, 15.0, "shared", 2),
    "shopify": (0.0, 0, 3.0, 15.0, "shared", 3),
}

ROUTING = {"amazon": ["FBA-EAST", "FBA-WEST", "WH"], "walmart": ["WFS", "WH"], "ebay": ["WH", "FBA-WEST"],
           "shopify": ["WH"]}

#: velocity only, so a dedicated split follows the forecast exactly
VELOCITY_ONLY = AllocationConfig(score_weights=ScoreWeights(velocity=1, margin=0, priority=0),
                                 ships_later_days=7,
                                 region_proximity={"east": ["central", "west"], "west": ["central", "east"]})


def channels(**changes: dict) -> pd.DataFrame:
    """The channel table, with per-channel changes: channels(amazon={"allocation_mode": "dedicated"})."""
    rows = []
    for channel, (pct, units, fee, commission, mode, priority) in CHANNEL_TERMS.items():
        row = {"channel": channel, "buffer_pct": pct, "buffer_units": units, "fulfillment_cost_per_unit": fee,
               "commission_pct": commission, "allocation_mode": mode, "priority": priority}
        row.update(changes.get(channel, {}))
        rows.append(row)
    return pd.DataFrame(rows)


def position(rows: dict[tuple[str, str], int | tuple[int, int, int]]) -> pd.DataFrame:
    """{(sku, location): available} or {(sku, location): (on_hand, reserved, unsellable)}."""
    out = []
    for (sku, location), value in rows.items():
        on_hand, reserved, unsellable = value if isinstance(value, tuple) else (value, 0, 0)
        out.append({"sku": sku, "location_id": location, "on_hand": on_hand, "reserved": reserved,
                    "unsellable": unsellable, "available": on_hand - reserved - unsellable})
    return pd.DataFrame(out, columns=["sku", "location_id", "on_hand", "reserved", "unsellable", "available"])


def listings(skus: list[str], on: tuple[str, ...] = tuple(CHANNEL_TERMS), extra: list[tuple] = ()) -> pd.DataFrame:
    """Every sku listed 1:1 on every channel in ``on``, plus (channel, listing, sku, units) rows."""
    rows = [(c, s, s, 1) for s in skus for c in on] + list(extra)
    return pd.DataFrame(rows, columns=["channel", "listing_sku", "sku", "units_per_listing"])


def open_line(order_id: str, channel: str, sku: str, units: int, at: str, fulfilled_from: str | None = None,
              ship_region: str | None = None, listing_sku: str | None = None, quantity: int | None = None,
              line_id: str = "1") -> dict:
    return {"order_id": order_id, "line_id": line_id, "ordered_at": datetime.fromisoformat(at),
            "channel": channel, "listing_sku": listing_sku or sku, "quantity": quantity or units, "sku": sku,
            "units": units, "fulfilled_from": fulfilled_from, "ship_region": ship_region}


def velocity_forecast(per_day: dict[tuple[str, str], float], days: int = 28) -> pd.DataFrame:
    """A flat channel-level forecast: {(sku, channel): units/day} for ``days`` days after AS_OF."""
    dates = pd.date_range(pd.Timestamp(AS_OF) + pd.Timedelta(days=1), periods=days, freq="D")
    return pd.DataFrame([{"sku": s, "channel": c, "date": d.date(), "p50": v}
                         for (s, c), v in per_day.items() for d in dates],
                        columns=["sku", "channel", "date", "p50"])


def make_inputs(stock: dict, *, skus: list[str] | None = None, channel_table: pd.DataFrame | None = None,
                listing_table: pd.DataFrame | None = None, lines: list[dict] = (),
                in_transit: list[tuple] = (), forecast: pd.DataFrame | None = None,
                demand: pd.DataFrame | None = None, locations: pd.DataFrame | None = None,
                routing: dict[str, list[str]] | None = None) -> AllocationInputs:
    """AllocationInputs for ``stock`` ({(sku, location): available or (on_hand, reserved,
    unsellable)}); in_transit rows are (sku, destination, quantity, status, expected_arrival)."""
    skus = skus or sorted({sku for sku, _ in stock})
    return AllocationInputs(
        as_of=AS_OF,
        position=position(stock),
        in_transit=pd.DataFrame(list(in_transit),
                                columns=["sku", "destination_id", "quantity", "status", "expected_arrival"]),
        locations=locations if locations is not None else LOCATIONS,
        channels=channel_table if channel_table is not None else channels(),
        listings=listing_table if listing_table is not None else listings(skus),
        skus=pd.DataFrame({"sku": skus, "unit_cost": 10.0, "unit_price": 30.0}),
        routing_rules=pd.DataFrame([(c, r, loc) for c, locs in (routing or ROUTING).items()
                                    for r, loc in enumerate(locs, start=1)],
                                   columns=["channel", "routing_rank", "location_id"]),
        open_lines=pd.DataFrame(list(lines), columns=["order_id", "line_id", "ordered_at", "channel",
                                                      "listing_sku", "quantity", "sku", "units",
                                                      "fulfilled_from", "ship_region"]),
        forecast=forecast if forecast is not None else pd.DataFrame(columns=["sku", "channel", "date", "p50"]),
        demand=demand if demand is not None else pd.DataFrame(columns=["date", "sku", "channel", "units"]),
    )


def row(table: pd.DataFrame, **where) -> dict:
    """The one row of ``table`` matching ``where`` (fails when there is not exactly one)."""
    mask = pd.Series(True, index=table.index)
    for column, value in where.items():
        mask &= table[column] == value
    found = table[mask]
    assert len(found) == 1, f"expected one row for {where}, got {len(found)}"
    return found.iloc[0].to_dict()
