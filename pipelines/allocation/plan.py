"""The allocation plan of one as-of date: order routing, then the channels' quantities, per
listing, and the alerts — ``marts.order_routing``, ``marts.channel_allocation``,
``marts.listing_allocation`` and ``marts.stock_alerts``.

Routing goes first because the stock it assigns to open lines is not sellable again
(:mod:`pool`). Then each location's sellable units are split between the channels it may serve
(:mod:`split`), buffered (:mod:`buffers`), shown per listing (:mod:`listings`), explained
(:mod:`reasons`) and checked for alerts (:mod:`alerts`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import pandas as pd

from pipelines.allocation.alerts import stock_alerts
from pipelines.allocation.eligibility import channel_eligibility
from pipelines.allocation.listings import listing_allocation
from pipelines.allocation.pool import location_sellable, ships_later_units
from pipelines.allocation.reasons import allocation_reasons
from pipelines.allocation.routing import route_open_lines
from pipelines.allocation.scoring import channel_scores, channel_velocity
from pipelines.allocation.split import SplitContext, participants, split_channels
from pipelines.config import AllocationConfig

CHANNEL_ALLOCATION_COLUMNS = [
    "as_of", "sku", "channel", "mode", "sellable_pool", "allocated", "buffer", "buffer_basis", "reserved",
    "publishable_quantity", "ships_later_quantity", "ships_later", "velocity", "velocity_source",
    "unit_margin", "score", "pool_locations", "reason",
]


@dataclass
class AllocationInputs:
    """What the plan reads (each frame's columns as the warehouse query names them).

    position: sku, location_id, on_hand, reserved, unsellable, available (marts.inventory_position)
    in_transit: sku, destination_id, quantity, status, expected_arrival (marts.in_transit)
    locations: location_id, location_type, region, channels (marts.dim_location)
    channels: channel, buffer_pct, buffer_units, fulfillment_cost_per_unit, commission_pct,
      allocation_mode, priority (staging.stg_raw__channels)
    listings: channel, listing_sku, sku, units_per_listing
    skus: sku, unit_cost, unit_price (marts.dim_sku)
    routing_rules: channel, routing_rank, location_id
    open_lines: order_id, line_id, ordered_at, channel, listing_sku, quantity, sku, units,
      fulfilled_from, ship_region — one row per open line and component
      (intermediate.int_order_line_components where is_open)
    forecast: sku, channel, date, p50 — channel level of marts.demand_forecast (may be empty)
    demand: date, sku, channel, units (marts.fct_daily_demand, recent days)
    """

    as_of: date
    position: pd.DataFrame
    in_transit: pd.DataFrame
    locations: pd.DataFrame
    channels: pd.DataFrame
    listings: pd.DataFrame
    skus: pd.DataFrame
    routing_rules: pd.DataFrame
    open_lines: pd.DataFrame
    forecast: pd.DataFrame
    demand: pd.DataFrame


@dataclass
class AllocationPlan:
    channel_allocation: pd.DataFrame
    listing_allocation: pd.DataFrame
    stock_alerts: pd.DataFrame
    order_routing: pd.DataFrame
    #: sellable units per (sku, location_id) after routing (pool.location_sellable)
    sellable: pd.DataFrame
    #: routing's starting stock per (sku, location_id): on_hand − unsellable, ≥ 0 (``units``)
    capacity: pd.DataFrame
    context: SplitContext


def listed_pairs(listings: pd.DataFrame) -> pd.DataFrame:
    """(sku, channel) pairs where the channel lists the SKU, alone or in a bundle."""
    return listings[["sku", "channel"]].drop_duplicates().sort_values(["sku", "channel"]).reset_index(drop=True)


def split_context(inputs: AllocationInputs, cfg: AllocationConfig) -> tuple[SplitContext, pd.DataFrame]:
    """The static part of a split (eligibility, channel terms, scores) and the score table."""
    velocity = channel_velocity(listed_pairs(inputs.listings), inputs.forecast, inputs.demand,
                                inputs.as_of, cfg.velocity_days, cfg.velocity_lookback_days)
    scores = channel_scores(velocity, inputs.channels, inputs.skus, cfg.score_weights)
    context = SplitContext(channels=inputs.channels, eligibility=channel_eligibility(inputs.locations),
                           scores=scores[["sku", "channel", "score"]])
    return context, scores


def build_allocation_plan(inputs: AllocationInputs, cfg: AllocationConfig) -> AllocationPlan:
    context, scores = split_context(inputs, cfg)
    capacity = inputs.position.assign(
        units=(inputs.position["on_hand"] - inputs.position["unsellable"]).clip(lower=0))
    routing, routed = route_open_lines(inputs.open_lines, capacity, inputs.routing_rules, context.eligibility,
                                       inputs.locations, cfg.region_proximity, inputs.as_of)
    sellable = location_sellable(inputs.position, routed)
    stock = sellable[["sku", "location_id"]].assign(units=sellable["sellable"])
    later = ships_later_units(sellable, inputs.in_transit, inputs.as_of, cfg.ships_later_days)
    split = split_channels(stock, context, later[["sku", "location_id", "units"]])

    table = split.by_channel.merge(
        scores[["sku", "channel", "velocity", "velocity_source", "unit_margin", "fee_per_unit", "priority",
                "score"]], on=["sku", "channel"], how="left")
    reserved = (inputs.open_lines.groupby(["sku", "channel"], as_index=False)["units"].sum()
                .rename(columns={"units": "reserved"}))
    table = table.merge(reserved, on=["sku", "channel"], how="left")
    table["reserved"] = pd.to_numeric(table["reserved"]).fillna(0).astype("int64")
    table["ships_later"] = table["ships_later_quantity"] > 0
    table["as_of"] = inputs.as_of
    parts = participants(stock[stock["units"] > 0], context)
    later_parts = participants(later[["sku", "location_id", "units"]], context)
    table["reason"], table["pool_locations"] = allocation_reasons(table, parts, split.slices, inputs.channels,
                                                                  later_parts)
    for column, digits in (("velocity", 4), ("unit_margin", 2), ("score", 4)):
        table[column] = table[column].astype(float).round(digits)
    channel_allocation = table[CHANNEL_ALLOCATION_COLUMNS]
    return AllocationPlan(
        channel_allocation=channel_allocation,
        listing_allocation=listing_allocation(channel_allocation, inputs.listings, inputs.open_lines, inputs.as_of),
        stock_alerts=stock_alerts(table, inputs.as_of),
        order_routing=routing,
        sellable=sellable,
        capacity=capacity[["sku", "location_id", "units"]],
        context=context,
    )
