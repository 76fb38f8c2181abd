"""Reorder thresholds per SKU and location (marts.replenishment_targets) on the hand-built world
of replenishment_world: FC-E is supplied from UP-E by truck in 2 days, leaving 1 day after the
plan (transfer_ship_days): a 3-day lead time; review 1 day."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.config import AbcCutoffs
from pipelines.replenishment.demand import abc_classes, location_shares
from tests.unit.replenishment_world import AS_OF, config, lanes, plan, row

Z95 = 1.6448536269514722
Z90 = 1.2815515655446004


def test_constant_demand_without_variance_gives_no_safety_stock():
    # 4 units/day over 1 ship day + 2 days of transit + 1 day of review = 16 units
    t = plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}]).targets
    fc = row(t, sku="A", location_id="FC-E")
    assert fc["safety_stock"] == 0
    assert fc["lead_time_demand"] == pytest.approx(16.0)
    assert fc["reorder_point"] == 16
    assert (fc["replenished_by"], fc["source_id"], fc["lead_time_days"]) == ("transfer", "UP-E", 3.0)


def test_lead_time_is_the_lanes_learned_transit_and_the_reason_says_from_how_many_receipts():
    # marts.lane_lead_times learned 3.5 days for UP-E → FC-E from 4 receipts; UP-W → FC-W kept
    # its stated 2 days (no receipt): 4 units/day over 1 ship day + 3.5 + 1 days = 22
    table = lanes({("UP-E", "FC-E", "truck"): {"transit_days": 3.5}}).assign(n_received=0)
    table.loc[(table["origin_id"] == "UP-E") & (table["destination_id"] == "FC-E"), "n_received"] = 4
    t = plan({"A": {"east": 4, "west": 4}}, {("A", "FC-E"): 5, ("A", "FC-W"): 5}, [{"sku": "A"}],
             lane_table=table).targets
    east, west = row(t, sku="A", location_id="FC-E"), row(t, sku="A", location_id="FC-W")
    assert (east["lead_time_days"], east["reorder_point"]) == (4.5, 22)
    assert "4.5-day lead time (transit learned from 4 receipts) + 1-day review" in east["reason"]
    assert "3-day lead time + 1-day review" in west["reason"]


def test_lead_time_spread_alone_raises_safety_stock_by_z_times_demand_times_its_spread():
    # σL = 1 day on the UP-E → FC-E lane: SS = 1.6449 · 4 · 1 = 6.58 → 7 units; ROP = 16 + 6.58 → 23
    table = lanes({("UP-E", "FC-E", "truck"): {"transit_days_std": 1.0}})
    fc = row(plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}], lane_table=table).targets,
             sku="A", location_id="FC-E")
    assert fc["safety_stock"] == np.ceil(Z95 * 4 * 1)
    assert fc["reorder_point"] == np.ceil(16 + Z95 * 4)


def test_demand_spread_comes_from_the_forecast_band():
    # p10..p90 = p50 ∓ 1.2816 → σ = 1 unit/day; over 4 days σ = 2; SS = 1.6449 · 2 = 3.29 → 4
    fc = row(plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}], band=Z90).targets,
             sku="A", location_id="FC-E")
    assert fc["demand_std_daily"] == pytest.approx(1.0, abs=1e-3)
    assert fc["safety_stock"] == np.ceil(Z95 * np.sqrt(4))


def test_a_seasonal_peak_raises_the_reorder_point_as_soon_as_it_enters_lead_time_plus_review():
    """Summer +30 % (5 → 6.5 units/day) on a 29-day lane, 1 ship day and a 1-day review (a 31-day
    window)."""
    table = lanes({("UP-E", "FC-E", "truck"): {"transit_days": 29.0}})
    demand = {"FLAT": {"east": 5}, "PEAK_IN_45_DAYS": {"east": [5] * 44 + [6.5]},
              "PEAK_IN_21_DAYS": {"east": [5] * 20 + [6.5]}}
    t = plan(demand, {(s, "FC-E"): 500 for s in demand}, [{"sku": s} for s in demand], lane_table=table).targets
    rop = t.set_index("sku")["reorder_point"]
    assert rop["FLAT"] == 155  # 5 · 31
    assert rop["PEAK_IN_45_DAYS"] == 155  # the peak is still beyond the window
    assert rop["PEAK_IN_21_DAYS"] == 172  # 20 · 5 + 11 · 6.5 = 171.5, three weeks before the peak


def test_position_is_available_plus_inbound_plus_planned():
    stock = {("A", "FC-E"): {"on_hand": 10, "reserved": 2, "unsellable": 1, "inbound": 5, "inbound_planned": 3}}
    fc = row(plan({"A": {"east": 4}}, stock, [{"sku": "A"}]).targets, sku="A", location_id="FC-E")
    assert fc["inventory_position"] == 10 - 2 - 1 + 5 + 3


def test_days_of_cover_and_projected_stockout_follow_the_daily_forecast():
    # 12 units: day 1 takes 4, day 2 the other 8 → 2 days of cover, the last unit goes on day 2
    fc = row(plan({"A": {"east": [4, 8]}}, {("A", "FC-E"): 12}, [{"sku": "A"}]).targets, sku="A",
             location_id="FC-E")
    assert fc["days_of_cover"] == pytest.approx(2.0)
    assert fc["projected_stockout_date"] == AS_OF + timedelta(days=2)


def test_the_reorder_date_is_the_first_night_the_position_is_below_the_reorder_point():
    # 4 units/day, reorder point 16: 34 units are 18 above it, used up during day 5; 32 are 16
    # above it, used up at the end of day 4, so the position is below it on day 5 too
    stock = {("A", "FC-E"): 34, ("B", "FC-E"): 32, ("AT", "FC-E"): 16, ("LOW", "FC-E"): 5}
    t = plan({name: {"east": 4} for name, _ in stock}, stock, [{"sku": name} for name, _ in stock]).targets
    on = {name: row(t, sku=name, location_id="FC-E")["reorder_date"] for name, _ in stock}
    assert row(t, sku="A", location_id="FC-E")["reorder_point"] == 16
    assert on["A"] == on["B"] == AS_OF + timedelta(days=5)
    assert on["AT"] == AS_OF + timedelta(days=1)  # at the reorder point: below it after one more sale
    assert on["LOW"] == AS_OF  # already below: the plan orders tonight


def test_an_order_placed_tonight_lands_after_the_ship_days_and_the_lead_time():
    # transfer_ship_days 1 + the 2-day UP-E → FC-E truck, as transfer_orders dates its arrivals
    fc = row(plan({"A": {"east": 4}}, {("A", "FC-E"): 30}, [{"sku": "A"}]).targets, sku="A", location_id="FC-E")
    assert fc["earliest_arrival"] == AS_OF + timedelta(days=3)


def test_a_purchase_lands_after_its_lead_time_rounded_up_and_no_lane_means_no_arrival():
    from pipelines.replenishment.thresholds import earliest_arrival

    # a transfer's lead time counts its ship day (1 + 2 days of transit)
    arrivals = earliest_arrival(pd.Series(["purchase", "none", "transfer"]), pd.Series([25.5, 0.0, 3.0]), AS_OF)
    assert arrivals[0] == np.datetime64(AS_OF + timedelta(days=26))
    assert np.isnat(arrivals[1])
    assert arrivals[2] == np.datetime64(AS_OF + timedelta(days=3))


def test_below_reorder_point_needs_replenishment_and_says_why():
    fc = row(plan({"A": {"east": 4}}, {("A", "FC-E"): 5}, [{"sku": "A"}]).targets, sku="A", location_id="FC-E")
    assert fc["needs_replenishment"]
    assert fc["reason"].startswith("position 5 < reorder point 16")
    assert "transfer from UP-E" in fc["reason"]


def test_discontinued_and_demandless_items_never_need_replenishment():
    t = plan({"OLD": {"east": 4}, "IDLE": {"east": 0}}, {("OLD", "FC-E"): 0, ("IDLE", "FC-E"): 0},
             [{"sku": "OLD", "sku_status": "discontinued"}, {"sku": "IDLE"}]).targets
    old, idle = row(t, sku="OLD", location_id="FC-E"), row(t, sku="IDLE", location_id="FC-E")
    assert not old["needs_replenishment"] and old["reason"] == "discontinued: not replenished"
    assert not idle["needs_replenishment"] and idle["reason"].startswith("no forecast demand")


def test_a_region_is_split_across_the_locations_that_fulfilled_it():
    # east orders shipped 3:1 from FC-E and FC-C → 4 units/day become 3 and 1
    fulfil = pd.DataFrame({"sku": ["A", "A"], "region": ["east", "east"], "location_id": ["FC-E", "FC-C"],
                           "units": [30, 10]})
    t = plan({"A": {"east": 4}}, {}, [{"sku": "A"}], fulfil=fulfil).targets.set_index("location_id")
    assert t.loc["FC-E", "forecast_daily_units"] == pytest.approx(3.0)
    assert t.loc["FC-C", "forecast_daily_units"] == pytest.approx(1.0)


def test_without_history_a_sku_follows_the_others_then_the_locations_of_its_region():
    locs = pd.DataFrame({"location_id": ["FC-C", "FC-E", "FC-W"], "region": ["central", "east", "west"]})
    fulfil = pd.DataFrame({"sku": ["OTHER"], "region": ["east"], "location_id": ["FC-C"], "units": [10]})
    shares = location_shares(fulfil, pd.Index(["NEW"]), pd.Index(["east", "west"]), locs)
    assert shares[0, 0].tolist() == [1.0, 0.0, 0.0]  # east: as every SKU did, all from FC-C
    assert shares[0, 1].tolist() == [0.0, 0.0, 1.0]  # west: nobody shipped it, the west location


def test_abc_classes_on_revenue():
    revenue = pd.DataFrame({"sku": ["A", "B", "C", "D"], "revenue": [80.0, 15.0, 5.0, 0.0]})
    classes = abc_classes(revenue, pd.Index(["A", "B", "C", "D"]), AbcCutoffs(A=0.8, B=0.95))
    # before A: 0 % → A; before B: 80 % → B; before C: 95 % → C; no revenue → C
    assert classes.tolist() == ["A", "B", "C", "C"]


def test_service_level_follows_the_abc_class():
    cfg = config(service_levels={"A": 0.98, "B": 0.95, "C": 0.90})
    revenue = pd.DataFrame({"sku": ["TOP", "TAIL"], "revenue": [96.0, 4.0]})  # 96 % before TAIL → C
    t = plan({"TOP": {"east": 4}, "TAIL": {"east": 4}}, {}, [{"sku": "TOP"}, {"sku": "TAIL"}],
             revenue=revenue, cfg=cfg, band=Z90).targets.set_index("sku")
    assert (t.loc["TOP", "abc_class"], t.loc["TOP", "service_level"]) == ("A", 0.98)
    assert (t.loc["TAIL", "abc_class"], t.loc["TAIL", "service_level"]) == ("C", 0.90)
    assert t.loc["TOP", "safety_stock"] > t.loc["TAIL", "safety_stock"]
