"""Channel allocation, the health score and the backtest simulator on extreme but valid inputs
(hypothesis): none of them fails on data that passes the contract.

Inputs come from the same edges as test_planning_properties: velocities and forecasts of
1e-12 and 1e6 units/day, stock of 0 and 1e9 units (all of it at one location), lead times of
0 to 365 days, one day of history, SKUs listed but never sold, discontinued SKUs.

- allocation: never raises; no channel publishes more than the sellable units of the locations
  it may be served from, dedicated channels together no more than the SKU's sellable units;
- health: never raises; the score is 100 minus the deductions, within 0..100;
- simulation (baseline policy): never raises; no negative on hand; at every seller's location
  start + received = served + end on hand + shipped out by transfers (the result arrays are
  float32: equal to float32 precision).
"""

from __future__ import annotations

from datetime import date, timedelta

import hypothesis.strategies as st
import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from pipelines.allocation import build_allocation_plan
from pipelines.config import BacktestConfig, HealthConfig, ReplenishmentConfig
from pipelines.health import HealthInputs, health_scores
from pipelines.simulation import BacktestInputs, BaselinePolicy, simulate
from pipelines.simulation.backtest import prepare
from pipelines.simulation.foresight import PerfectForesightPolicy
from pipelines.simulation.kpis import daily_rows, kpi_rows
from pipelines.simulation.lead_times import LeadTimes
from pipelines.simulation.losses import first_lead_time, loss_causes
from pipelines.simulation.network import purchase_cadence
from tests.unit.allocation_scenarios import AS_OF as ALLOCATION_AS_OF
from tests.unit.allocation_scenarios import (
    CHANNEL_TERMS,
    LOCATIONS,
    VELOCITY_ONLY,
    make_inputs,
    open_line,
    velocity_forecast,
)

RATES = [0.0, 1e-12, 0.4, 1e6]
STOCKS = [0, 1, 1_000_000_000]
SETTINGS = settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                            HealthCheck.data_too_large])


# --- channel allocation -----------------------------------------------------------------------

CHANNELS = list(CHANNEL_TERMS)
STOCK_LOCATIONS = ["FBA-EAST", "FBA-WEST", "WFS", "WH", "AWD"]
SKUS = ["A", "B"]


@st.composite
def allocation_worlds(draw):
    eligible = {loc: draw(st.sets(st.sampled_from(CHANNELS), max_size=4)) for loc in STOCK_LOCATIONS}
    locations = LOCATIONS.assign(channels=LOCATIONS["location_id"].map(
        lambda loc: "|".join(sorted(eligible.get(loc, set())))))
    table = pd.DataFrame([{
        "channel": c, "buffer_pct": draw(st.sampled_from([0.0, 12.5, 100.0])),
        "buffer_units": draw(st.sampled_from([0, 4, 1_000_000_000])),
        "fulfillment_cost_per_unit": draw(st.sampled_from([0.0, 4.0, 1e6])),
        "commission_pct": draw(st.sampled_from([0.0, 15.0, 100.0])),
        "allocation_mode": draw(st.sampled_from(["shared", "dedicated"])), "priority": draw(st.integers(0, 5)),
    } for c in CHANNELS])
    stock = {}
    for sku in SKUS:  # every unit at one location, or spread
        for loc in draw(st.sets(st.sampled_from(STOCK_LOCATIONS), min_size=1, max_size=3)):
            on_hand = draw(st.sampled_from(STOCKS))
            stock[(sku, loc)] = (on_hand, min(on_hand, draw(st.sampled_from([0, 2]))), 0)
    listed = [(c, s, s, 1) for s in SKUS for c in CHANNELS if draw(st.booleans())]
    listed += [("amazon", "A-2PK", "A", 2)] if draw(st.booleans()) else []
    listing_table = pd.DataFrame(listed, columns=["channel", "listing_sku", "sku", "units_per_listing"])
    # a SKU may have no forecast and no sales at all (listed, never sold)
    velocity = {(s, c): draw(st.sampled_from(RATES)) for s in SKUS if draw(st.booleans()) for c in CHANNELS}
    demand = pd.DataFrame([{"date": ALLOCATION_AS_OF, "sku": s, "channel": c, "units": 1e6}
                           for s in SKUS for c in CHANNELS if draw(st.booleans())],
                          columns=["date", "sku", "channel", "units"])
    arriving = [(s, draw(st.sampled_from(STOCK_LOCATIONS)), draw(st.sampled_from([1, 1_000_000_000])), "in_transit",
                 ALLOCATION_AS_OF + timedelta(days=draw(st.sampled_from([0, 3, 730])))) for s in SKUS
                if draw(st.booleans())]
    lines = [open_line(f"O{i}", draw(st.sampled_from(CHANNELS)), sku, draw(st.sampled_from([1, 1_000_000_000])),
                       "2026-11-10 09:00", fulfilled_from=draw(st.sampled_from([None, *STOCK_LOCATIONS])),
                       ship_region=draw(st.sampled_from([None, "east", "west"])))
             for i, sku in enumerate(draw(st.lists(st.sampled_from(SKUS), max_size=3)))]
    inputs = make_inputs(stock, skus=SKUS, channel_table=table, listing_table=listing_table, locations=locations,
                         forecast=velocity_forecast(velocity) if velocity else None, demand=demand,
                         in_transit=arriving, lines=lines)
    return inputs, VELOCITY_ONLY


@given(allocation_worlds())
@SETTINGS
def test_allocation_never_publishes_more_than_is_sellable(world):
    inputs, cfg = world
    plan = build_allocation_plan(inputs, cfg)
    ca = plan.channel_allocation
    assert (ca["publishable_quantity"] >= 0).all()
    assert (ca["publishable_quantity"] <= ca["allocated"]).all()
    assert (ca["allocated"] <= ca["sellable_pool"]).all()
    sellable = plan.sellable.merge(plan.context.eligibility, on="location_id")
    may_sell = sellable.groupby(["sku", "channel"])["sellable"].sum()
    for (sku, channel), published in ca.set_index(["sku", "channel"])["publishable_quantity"].items():
        assert published <= may_sell.get((sku, channel), 0)
    dedicated = ca[ca["mode"].eq("dedicated")].groupby("sku")["publishable_quantity"].sum()
    total = plan.sellable.groupby("sku")["sellable"].sum()
    for sku, published in dedicated.items():
        assert published <= total.get(sku, 0)
    held = plan.capacity.set_index(["sku", "location_id"])["units"]
    assert (plan.sellable.set_index(["sku", "location_id"])["sellable"] <= held.reindex(
        plan.sellable.set_index(["sku", "location_id"]).index)).all()
    shown = plan.listing_allocation.set_index(["channel", "listing_sku"])["publishable_quantity"]
    by_sku = ca.set_index(["sku", "channel"])["publishable_quantity"]
    for channel, listing, sku, per in inputs.listings.itertuples(index=False):
        assert shown[(channel, listing)] * per <= by_sku[(sku, channel)]


# --- the health score -------------------------------------------------------------------------

HEALTH_AS_OF = date(2026, 10, 31)


@st.composite
def health_worlds(draw):
    names = [f"H{i}" for i in range(draw(st.integers(1, 4)))]
    rows = []
    for s in names:
        on_hand = draw(st.sampled_from(STOCKS))
        rate = draw(st.sampled_from(RATES))
        rows.append({
            "sku": s, "title": s, "category": "Test", "sku_status": draw(st.sampled_from(["active", "discontinued"])),
            "unit_cost": draw(st.sampled_from([0.0, 2.0, 1e6])),
            "launch_date": draw(st.sampled_from([None, date(2000, 1, 1), HEALTH_AS_OF,
                                                 HEALTH_AS_OF + timedelta(days=730)])),
            "last_order_date": draw(st.sampled_from([None, HEALTH_AS_OF - timedelta(days=400), HEALTH_AS_OF])),
            "on_hand": on_hand, "units_sold": 0, "daily_sales_rate": rate,
            "days_of_inventory": on_hand / rate if rate > 0 else None,
            "excess_units": max(on_hand - int(np.ceil(90 * rate)), 0),
            "sellable": draw(st.sampled_from([0, on_hand])), "recent": draw(st.sampled_from([0, 1, 1_000_000_000])),
            "reserved": draw(st.sampled_from([0, on_hand + 1])),
        })
    frame = pd.DataFrame(rows)
    positions = frame.assign(location_id="FC-1", unsellable=0,
                             available=frame["on_hand"] - frame["reserved"])[
        ["sku", "location_id", "on_hand", "reserved", "unsellable", "available"]]
    in_transit = pd.DataFrame([{"sku": s, "quantity": draw(st.sampled_from([1, 1_000_000_000])),
                                "expected_arrival": HEALTH_AS_OF + timedelta(days=draw(st.sampled_from([-3, 1, 730])))}
                               for s in names if draw(st.booleans())], columns=["sku", "quantity", "expected_arrival"])
    basis = draw(st.sampled_from(["targets", "forecast", "none"]))
    targets = forecast = None
    if basis == "targets":
        dates = [None, HEALTH_AS_OF, HEALTH_AS_OF + timedelta(days=3650)]
        targets = pd.DataFrame([{
            "sku": s, "location_id": loc, "sku_status": "active",
            "replenished_by": draw(st.sampled_from(["transfer", "purchase", "none"])),
            "source_id": draw(st.sampled_from([None, "WH-1"])),
            "forecast_daily_units": draw(st.sampled_from(RATES)),
            "reorder_point": draw(st.sampled_from([0, 1_000_000_000])),
            "order_up_to": draw(st.sampled_from([0, 1_000_000_000])),
            "inventory_position": draw(st.sampled_from([0, 1_000_000_000])),
            "projected_stockout_date": draw(st.sampled_from(dates)),
            "reorder_date": draw(st.sampled_from(dates)), "earliest_arrival": draw(st.sampled_from(dates)),
            "needs_replenishment": draw(st.booleans()),
            "days_of_cover": draw(st.sampled_from([np.nan, 0.0, 1e21])), "reason": "r",
        } for s in names for loc in ("FC-1", "WH-1") if draw(st.booleans())],
            columns=["sku", "location_id", "sku_status", "replenished_by", "source_id", "forecast_daily_units",
                     "reorder_point", "order_up_to", "inventory_position", "projected_stockout_date",
                     "reorder_date", "earliest_arrival", "needs_replenishment", "days_of_cover", "reason"])
    elif basis == "forecast":
        days = pd.date_range(HEALTH_AS_OF + timedelta(days=1), periods=draw(st.sampled_from([1, 20])))
        forecast = pd.DataFrame([{"sku": s, "date": d, "p50": draw(st.sampled_from(RATES))}
                                 for s in names for d in days])
    routing = None
    if draw(st.booleans()):
        routing = pd.DataFrame({"channel": ["amazon"], "listing_sku": [names[0]],
                                "quantity": [draw(st.sampled_from([1, 1_000_000_000]))],
                                "route_type": [draw(st.sampled_from(["unroutable", "first_choice"]))]})
    inputs = HealthInputs(
        as_of=HEALTH_AS_OF, skus=frame[["sku", "title", "category", "sku_status", "unit_cost", "launch_date",
                                        "last_order_date"]],
        supply=frame[["sku", "on_hand", "units_sold", "daily_sales_rate", "days_of_inventory", "excess_units"]],
        pool=frame[["sku", "sellable"]],
        recent_demand=frame.loc[frame["recent"] > 0, ["sku", "recent"]].rename(columns={"recent": "units"}),
        positions=positions,
        locations=pd.DataFrame({"location_id": ["FC-1", "WH-1"], "channels": ["amazon", "amazon|shopify"]}),
        in_transit=in_transit,
        listings=pd.DataFrame({"channel": ["amazon"], "listing_sku": [names[0]], "sku": [names[0]],
                               "units_per_listing": [1]}),
        forecast=forecast, targets=targets, routing=routing)
    cfg = HealthConfig(no_sales_points=draw(st.sampled_from([0, 30, 100])),
                       stockout_points=draw(st.sampled_from([25, 100])),
                       oversell_points=draw(st.sampled_from([25, 100])))
    return inputs, cfg


@given(health_worlds())
@SETTINGS
def test_the_health_score_never_fails_and_stays_within_0_and_100(world):
    inputs, cfg = world
    scores = health_scores(inputs, cfg)
    assert len(scores) == len(inputs.skus)
    assert scores["score"].between(0, 100).all()
    deductions = scores[["no_sales_deduction", "excess_deduction", "stockout_deduction", "oversell_deduction"]]
    assert (deductions >= 0).all().all()
    assert (scores["score"] == (100 - deductions.sum(axis=1)).clip(lower=0)).all()


# --- the simulator, baseline policy -----------------------------------------------------------

SIM_AS_OF = date(2026, 6, 30)
SIM_LOCATIONS = pd.DataFrame({"location_id": ["SUP", "DC", "ST-1", "ST-2"],
                              "location_type": ["supplier", "upstream", "store", "store"],
                              "region": ["cn", "east", "east", "west"],
                              "capacity_units": pd.array([None] * 4, dtype="Int64")})
SIM_LANES = [("SUP", "DC", "sea"), ("DC", "ST-1", "truck"), ("DC", "ST-2", "truck"), ("SUP", "ST-2", "air")]


@st.composite
def simulations(draw):
    """(prepared backtest with drawn start stock, config, policy settings) of 1–2 SKUs."""
    names = [f"S{i}" for i in range(draw(st.integers(1, 2)))]
    skus = pd.DataFrame([{
        "sku": s, "category": "Toys", "unit_cost": 2.0, "unit_price": 5.0,
        "case_pack": draw(st.sampled_from([1, 12])), "moq": draw(st.sampled_from([0, 1000])), "supplier_id": "SUP",
        "production_lead_time_days": draw(st.sampled_from([0, 10, 365])), "launch_date": None,
        "sku_status": draw(st.sampled_from(["active", "active", "discontinued"])),
    } for s in names])
    lanes = pd.DataFrame([(o, d, m, draw(st.sampled_from([0.0, 1.0, 44.0, 365.0])), draw(st.sampled_from([0.0, 3.0])),
                           0.5, "active", 10.0, 0.04)
                          for o, d, m in SIM_LANES if (o, d) == ("SUP", "DC") or draw(st.booleans())],
                         columns=["origin_id", "destination_id", "mode", "transit_days", "transit_days_std",
                                  "cost_per_unit", "lane_status", "order_cost", "co2e_kg_per_unit"])
    window = draw(st.integers(7, 20))
    history_days = draw(st.sampled_from([1, 30 + window]))  # one day of history, or the look-back and window
    dates = pd.date_range(end=pd.Timestamp(SIM_AS_OF), periods=history_days)
    rows = []
    for s in names:
        for store in ("ST-1", "ST-2"):
            level = draw(st.sampled_from([0.0, 1.0, 1e6]))
            if level == 0.0:
                continue  # never sold here
            spike = draw(st.integers(0, history_days - 1))
            units = np.where(np.arange(history_days) == spike, level, draw(st.sampled_from([0.0, level])))
            rows += [{"date": d, "sku": s, "region": "east", "location_id": store, "units": u}
                     for d, u in zip(dates, units, strict=True) if u > 0]
    location_demand = pd.DataFrame(rows, columns=["date", "sku", "region", "location_id", "units"])
    inputs = BacktestInputs(as_of=SIM_AS_OF, demand=location_demand.assign(channel="shopify", revenue=0.0),
                            location_demand=location_demand, skus=skus, locations=SIM_LOCATIONS, lanes=lanes,
                            unlimited_locations=("DC",) if draw(st.booleans()) else ())
    backtest = BacktestConfig(lost_sales=draw(st.booleans()), start_in_transit=draw(st.booleans()))
    replenishment = ReplenishmentConfig(transfer_ship_days=draw(st.sampled_from([0, 1])),
                                        purchase_review_days=draw(st.sampled_from([1.0, 7.0])))
    prep = prepare(inputs, window, backtest, replenishment)
    start = np.array([[draw(st.sampled_from(STOCKS)) for _ in prep.network.locations] for _ in names], dtype=float)
    which = draw(st.sampled_from(["baseline", "perfect_foresight"]))
    return prep, start, backtest, replenishment, which


@given(simulations())
@SETTINGS
def test_the_simulation_conserves_units_and_never_holds_a_negative_stock(case):
    """The spreadsheet rule and the perfect-foresight ceiling; the loss causes of what they lose."""
    prep, start, backtest, replenishment, which = case
    network = prep.network
    cadence = purchase_cadence(replenishment.purchase_review_days)
    policy = (BaselinePolicy(network, prep.cube, prep.offset, backtest.baseline, cadence,
                             replenishment.transfer_ship_days) if which == "baseline"
              else PerfectForesightPolicy(network, prep.demand, backtest.seed, cadence,
                                          replenishment.transfer_ship_days))
    result = simulate(network, policy, prep.demand, start, prep.window.dates, LeadTimes(network, backtest.seed),
                      lost_sales=backtest.lost_sales, transfer_ship_days=replenishment.transfer_ship_days,
                      in_flight=prep.in_flight)
    first = first_lead_time(result, replenishment.transfer_ship_days, replenishment.purchase_review_days)
    kpi_rows([result], backtest, first)
    daily_rows(result)
    losses = loss_causes(result, replenishment.transfer_ship_days, replenishment.purchase_review_days)
    assert losses["lost_units"].sum() == pytest.approx(float(result.missed.sum()), rel=1e-6, abs=1e-3)
    assert losses["cause"].notna().all()

    assert (result.on_hand >= 0).all()
    own = ~network.unlimited
    orders = result.orders
    shipped = np.zeros(network.shape)
    transfers = orders[orders["kind"].eq("transfer")] if len(orders) else orders
    np.add.at(shipped, (transfers["sku_idx"].to_numpy(dtype=int), transfers["origin_idx"].to_numpy(dtype=int)),
              transfers["quantity"].to_numpy(dtype=float))
    came = start + result.received.astype(float).sum(axis=0)
    went = result.served.astype(float).sum(axis=0) + result.on_hand[-1].astype(float) + shipped
    scale = np.maximum(np.abs(came), np.abs(went)) + 1.0
    assert (np.abs(came - went)[:, own] <= 1e-6 * scale[:, own] * len(result.dates)).all()
