"""The allocation's invariants on random scenarios (hypothesis).

- dedicated: the publishable quantities of the dedicated channels never add up to more than
  the sellable stock, and no location gives away more than it holds;
- shared: a channel never shows more than it may sell from minus its buffer, and in a replay of
  random order streams it oversells, per refresh interval, at most what the other channels took
  from its locations beyond its buffer; dedicated channels never oversell;
- listings never show more than their components allow; routing never assigns more than a
  location has.
"""

from __future__ import annotations

import math

import hypothesis.strategies as st
import pandas as pd
from hypothesis import HealthCheck, given, settings

from pipelines.allocation import build_allocation_plan
from pipelines.allocation.invariants import beyond_buffer, dedicated_over_sellable, overdrawn_locations
from pipelines.allocation.replay import oversell_bound_holds, replay_orders
from pipelines.allocation.split import split_stock
from pipelines.config import ScoreWeights
from tests.unit.allocation_scenarios import (
    CHANNEL_TERMS,
    LOCATIONS,
    VELOCITY_ONLY,
    channels,
    make_inputs,
    open_line,
    velocity_forecast,
)

CHANNELS = list(CHANNEL_TERMS)
STOCK_LOCATIONS = ["FBA-EAST", "FBA-WEST", "WFS", "WH", "AWD"]
SKUS = ["A", "B", "C"]
#: Each example builds a whole plan (~0.1 s): enough examples to find the cases hand-made tests
#: miss, few enough to keep the unit suite fast.
SETTINGS = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def scenarios(draw, mode=None):
    """A random network: eligibility, channel terms and modes, stock, listings and velocity."""
    eligible = {loc: draw(st.sets(st.sampled_from(CHANNELS), max_size=4)) for loc in STOCK_LOCATIONS}
    locations = LOCATIONS.assign(channels=LOCATIONS["location_id"].map(
        lambda loc: "|".join(sorted(eligible.get(loc, set())))))
    table = pd.DataFrame([{
        "channel": c,
        "buffer_pct": draw(st.sampled_from([0.0, 5.0, 12.5, 30.0])),
        "buffer_units": draw(st.integers(0, 4)),
        "fulfillment_cost_per_unit": draw(st.sampled_from([0.0, 2.5, 4.0])),
        "commission_pct": draw(st.sampled_from([0.0, 8.0, 15.0])),
        "allocation_mode": mode or draw(st.sampled_from(["shared", "dedicated"])),
        "priority": draw(st.integers(0, 5)),
    } for c in CHANNELS])
    stock = {}
    for sku in SKUS:
        for loc in draw(st.sets(st.sampled_from(STOCK_LOCATIONS), min_size=1)):
            on_hand = draw(st.integers(0, 40))
            stock[(sku, loc)] = (on_hand, draw(st.integers(0, 8)), draw(st.integers(0, 3)))
    listed = [(c, s, s, 1) for s in SKUS for c in CHANNELS if draw(st.booleans())]
    listed += [("amazon", "A-2PK", "A", 2)] if draw(st.booleans()) else []
    listed += [("ebay", "AB", "A", 1), ("ebay", "AB", "B", 2)] if draw(st.booleans()) else []
    listing_table = pd.DataFrame(listed, columns=["channel", "listing_sku", "sku", "units_per_listing"])
    velocity = {(s, c): draw(st.sampled_from([0.0, 0.3, 1.0, 4.0])) for s in SKUS for c in CHANNELS}
    inputs = make_inputs(stock, skus=SKUS, channel_table=table, listing_table=listing_table,
                         locations=locations, forecast=velocity_forecast(velocity))
    weights = draw(st.sampled_from([VELOCITY_ONLY.score_weights,
                                    ScoreWeights(velocity=0.6, margin=0.25, priority=0.15)]))
    return inputs, VELOCITY_ONLY.model_copy(update={"score_weights": weights})


@given(scenarios())
@SETTINGS
def test_no_location_gives_away_more_than_it_holds(scenario):
    inputs, cfg = scenario
    plan = build_allocation_plan(inputs, cfg)
    sellable = plan.sellable.set_index(["sku", "location_id"])["sellable"]
    stock = plan.sellable[["sku", "location_id"]].assign(units=plan.sellable["sellable"])
    slices, shared = split_stock(stock, plan.context)
    given_away = slices.groupby(["sku", "location_id"])["units"].sum()
    for key, units in given_away.items():
        assert units <= sellable[key]
    assert (shared["units"] >= 0).all()


@given(scenarios(mode="dedicated"))
@SETTINGS
def test_dedicated_publishable_never_exceeds_sellable_stock(scenario):
    inputs, cfg = scenario
    plan = build_allocation_plan(inputs, cfg)
    ca = plan.channel_allocation
    serving = set(plan.context.eligibility["location_id"])
    sellable = plan.sellable[plan.sellable["location_id"].isin(serving)].groupby("sku")["sellable"].sum()
    for sku, published in ca.groupby("sku")["publishable_quantity"].sum().items():
        assert published <= sellable.get(sku, 0)
    assert (ca["allocated"] <= ca["sellable_pool"]).all()


@given(scenarios())
@SETTINGS
def test_every_channel_shows_at_most_what_it_may_sell_from_minus_its_buffer(scenario):
    inputs, cfg = scenario
    ca = build_allocation_plan(inputs, cfg).channel_allocation.merge(
        inputs.channels[["channel", "buffer_pct", "buffer_units"]], on="channel")
    assert (ca["allocated"] <= ca["sellable_pool"]).all()
    assert (ca["publishable_quantity"] == (ca["allocated"] - ca["buffer"]).clip(lower=0)).all()
    assert (ca["buffer"] >= ca["buffer_units"]).all()
    assert all(b >= math.ceil(a * p / 100 - 1e-9) for a, b, p in zip(ca["allocated"], ca["buffer"],
                                                                      ca["buffer_pct"], strict=True))


@given(scenarios())
@SETTINGS
def test_listings_never_show_more_than_their_components_allow(scenario):
    inputs, cfg = scenario
    plan = build_allocation_plan(inputs, cfg)
    sku_shown = plan.channel_allocation.set_index(["sku", "channel"])["publishable_quantity"]
    shown = plan.listing_allocation.set_index(["channel", "listing_sku"])["publishable_quantity"]
    for channel, listing, sku, per in inputs.listings.itertuples(index=False):
        assert shown[(channel, listing)] * per <= sku_shown[(sku, channel)]


@st.composite
def streams(draw, listings=(("amazon", "A"), ("walmart", "A"), ("ebay", "A"), ("shopify", "B"), ("amazon", "B"),
                            ("ebay", "C"), ("walmart", "C"), ("amazon", "A-2PK"), ("ebay", "AB")),
            max_lines=40, days=3):
    """Random order lines: (ordered_at, channel, listing_sku, quantity)."""
    n = draw(st.integers(1, max_lines))
    minutes = sorted(draw(st.lists(st.integers(0, days * 24 * 60), min_size=n, max_size=n)))
    rows = [(pd.Timestamp("2026-11-11") + pd.Timedelta(minutes=m), *draw(st.sampled_from(listings)),
             draw(st.integers(1, 4))) for m in minutes]
    return pd.DataFrame(rows, columns=["ordered_at", "channel", "listing_sku", "quantity"])


@st.composite
def contested(draw):
    """Few units of one SKU that every channel may sell, buffers, and a busy stream: the case
    where shared channels oversell."""
    table = pd.DataFrame([{
        "channel": c, "buffer_pct": draw(st.sampled_from([0.0, 10.0, 25.0])), "buffer_units": draw(st.integers(0, 3)),
        "fulfillment_cost_per_unit": 3.0, "commission_pct": 15.0,
        "allocation_mode": draw(st.sampled_from(["shared", "dedicated"])), "priority": draw(st.integers(0, 5)),
    } for c in CHANNELS])
    stock = {("A", "WH"): draw(st.integers(0, 15)), ("A", "FBA-WEST"): draw(st.integers(0, 6)),
             ("A", "FBA-EAST"): draw(st.integers(0, 6))}
    inputs = make_inputs(stock, skus=["A"], channel_table=table,
                         forecast=velocity_forecast({("A", c): draw(st.sampled_from([0.0, 1.0, 3.0]))
                                                     for c in CHANNELS}))
    stream = draw(streams(listings=[(c, "A") for c in CHANNELS], max_lines=30, days=2))
    return inputs, VELOCITY_ONLY, stream


def _replay(inputs, cfg, stream, refresh, mode=None):
    plan = build_allocation_plan(inputs, cfg)
    stock = plan.sellable[["sku", "location_id"]].assign(units=plan.sellable["sellable"])
    return replay_orders(stock, plan.context.with_mode(mode), inputs.listings, inputs.routing_rules, stream,
                         refresh)


@given(contested(), st.sampled_from([30, 240, 1440]))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_replay_dedicated_never_oversells_and_shared_stays_within_its_buffers(case, refresh):
    inputs, cfg, stream = case
    dedicated = _replay(inputs, cfg, stream, refresh, mode="dedicated")
    assert dedicated.summary["units_oversold"] == 0
    for mode in (None, "shared"):
        result = _replay(inputs, cfg, stream, refresh, mode=mode)
        assert oversell_bound_holds(result)
        assert result.summary["units_oversold"] <= result.summary["oversell_bound"]


@given(scenarios(), streams(), st.sampled_from([30, 240, 1440]))
@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_replay_invariants_hold_on_random_networks(scenario, stream, refresh):
    inputs, cfg = scenario
    assert _replay(inputs, cfg, stream, refresh, mode="dedicated").summary["units_oversold"] == 0
    assert oversell_bound_holds(_replay(inputs, cfg, stream, refresh))


@given(scenarios(), streams())
@SETTINGS
def test_routing_never_assigns_more_than_a_location_has(scenario, stream):
    inputs, cfg = scenario
    listing_units = {(c, lst): [(s, int(u)) for _, _, s, u in group.itertuples(index=False)]
                     for (c, lst), group in inputs.listings.groupby(["channel", "listing_sku"])}
    lines = [{"order_id": f"O{i}", "line_id": "1", "ordered_at": t, "channel": c, "listing_sku": lst,
              "quantity": q, "sku": s, "units": q * u, "fulfilled_from": None, "ship_region": "east"}
             for i, (t, c, lst, q) in enumerate(stream.itertuples(index=False))
             for s, u in listing_units.get((c, lst), [])]
    inputs.open_lines = pd.DataFrame(lines, columns=inputs.open_lines.columns)
    plan = build_allocation_plan(inputs, cfg)
    capacity = (inputs.position.assign(units=(inputs.position["on_hand"] - inputs.position["unsellable"]).clip(lower=0))
                .set_index(["sku", "location_id"])["units"])
    routed = plan.order_routing.dropna(subset=["ship_from"]).merge(
        inputs.open_lines, on=["order_id", "line_id"]).groupby(["sku", "ship_from"])["units"].sum()
    for (sku, location), units in routed.items():
        assert units <= capacity.get((sku, location), 0)
    assert (plan.sellable["sellable"] >= 0).all()


def test_asset_checks_flag_a_plan_that_breaks_its_promises():
    table = channels(amazon={"allocation_mode": "dedicated"}, walmart={"allocation_mode": "dedicated"})
    lines = [open_line("O1", "walmart", "A", 3, "2026-11-10 09:00")]
    inputs = make_inputs({("A", "WH"): 10, ("A", "WFS"): 3}, channel_table=table, lines=lines)
    plan = build_allocation_plan(inputs, VELOCITY_ONLY)
    serving = set(plan.context.eligibility["location_id"])
    assert dedicated_over_sellable(plan.channel_allocation, plan.sellable, serving).empty
    assert beyond_buffer(plan.channel_allocation).empty
    assert overdrawn_locations(plan.order_routing, inputs.open_lines, plan.capacity).empty
    broken = plan.channel_allocation.assign(publishable_quantity=plan.channel_allocation["publishable_quantity"] + 5)
    assert list(dedicated_over_sellable(broken, plan.sellable, serving)["sku"]) == ["A"]
    assert len(beyond_buffer(broken)) == len(broken)
    moved = plan.order_routing.assign(ship_from="WFS", reserved_location="WFS")
    shrunk = plan.capacity.assign(units=plan.capacity["units"].where(plan.capacity["location_id"] != "WFS", 2))
    assert overdrawn_locations(moved, inputs.open_lines, shrunk)[["location_id", "units"]].values.tolist() == [["WFS", 3]]
