"""Purchase suggestions (marts.purchase_suggestions) and regional placement
(marts.regional_placement) on the hand-built world of replenishment_world: SUP ships by sea in
15 days to UP-E (serving FC-E) and UP-W (serving FC-W and FC-C); production takes 10 days. From
an upstream warehouse to FC-E or FC-W a unit takes 1 ship day + 2 days by truck more: the echelon
lead time the purchase covers is 28 days."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.replenishment.rounding import purchase_quantity, round_up_to_multiple, split_whole
from tests.unit.replenishment_world import AS_OF, config, in_transit, lanes, plan, row


def test_the_worked_example_five_a_day_seventy_five_on_hand_twenty_five_days_lead_time():
    """5 units/day, 75 on hand, 10 days production + 15 days sea to UP-E + 3 days on to FC-E: 15
    days of cover against a 28-day lead time — due now, stockout 15 days after the as-of date."""
    p = plan({"W": {"east": 5}}, {("W", "FC-E"): 75}, [{"sku": "W"}])
    s = row(p.purchase_suggestions, sku="W")
    assert (s["lead_time_days"], s["downstream_days"]) == (25.0, 3.0)
    assert s["days_of_cover"] == 15.0
    assert s["projected_stockout_date"] == AS_OF + timedelta(days=15)
    assert s["order_by"] <= AS_OF
    assert s["is_urgent"]
    assert s["order_by"] == AS_OF - timedelta(days=13)  # the reorder point (140) was crossed 13 days ago
    assert s["last_order_date"] == AS_OF - timedelta(days=13)
    assert s["expected_arrival"] == AS_OF + timedelta(days=25)  # at UP-E; FC-E 3 days later
    assert s["stockout_before_arrival"]
    assert (s["reorder_point"], s["quantity"]) == (140, 65)  # up to 5 × 28, no cover days, no MOQ
    assert "demand over 28-day lead time (10 production + 15 sea + 3 on to the selling locations)" in s["reason"]
    assert "15 days of cover against a 28-day lead time, stockout expected 2026-06-16" in s["reason"]


def test_suggestions_round_up_to_the_moq_then_to_case_packs():
    # W1 needs 140 − 75 = 65 → MOQ 100 → 5 cases of 24 = 120; W2 needs 280 − 120 = 160 → 7 cases = 168
    p = plan({"W1": {"east": 5}, "W2": {"east": 10}}, {("W1", "FC-E"): 75, ("W2", "FC-E"): 120},
             [{"sku": "W1", "moq": 100, "case_pack": 24}, {"sku": "W2", "moq": 100, "case_pack": 24}])
    q = p.purchase_suggestions.set_index("sku")["quantity"]
    assert q.to_dict() == {"W1": 120, "W2": 168}


def test_rounding_helpers():
    assert round_up_to_multiple([0, 1, 12, 13], 12).tolist() == [0, 12, 12, 24]
    assert purchase_quantity([50, 130, 0.5], [100, 100, 0], [24, 24, 6]).tolist() == [120, 144, 6]
    # 10 split 1:1:1 → 4, 3, 3 (largest remainder, first among equals); parts add up to the total
    assert split_whole([10, 10, 10], [1, 1, 1], ["g", "g", "g"]).tolist() == [4, 3, 3]
    # 96 units in cases of 12, 60:40 → 8 cases → 5 and 3 cases
    assert split_whole([96, 96], [0.6, 0.4], ["g", "g"], unit=12).tolist() == [60, 36]


def test_stock_on_order_postpones_the_suggestion_instead_of_ordering_twice():
    def suggestion(on_order: int):
        planned = in_transit({"sku": "W", "quantity": on_order, "origin_id": "SUP", "destination_id": "UP-E",
                              "mode": "sea", "status": "planned"}) if on_order else None
        p = plan({"W": {"east": 5}}, {("W", "FC-E"): 75}, [{"sku": "W"}], transit=planned,
                 cfg=config(purchase_cover_days=10))
        return p.purchase_suggestions

    now = row(suggestion(0), sku="W")
    assert (now["order_by"], now["quantity"]) == (AS_OF - timedelta(days=13), 190 - 75)  # up to 5 × (28 + 10)
    # 175 units last 35 days: the reorder point (140) is reached in 35 − 28 = 7 days, within the lead time
    later = row(suggestion(100), sku="W")
    assert (later["order_by"], later["is_urgent"], later["on_order_units"]) == (AS_OF + timedelta(days=7), False, 100)
    # on that day 140 are left, and 190 cover the 38 days after it: order 50
    assert (later["position_at_order"], later["quantity"]) == (140, 50)
    # 575 units last 115 days: nothing to order within the lead time
    assert suggestion(500).empty


def test_network_position_counts_every_location_and_transit_but_not_planned_transfers_twice():
    planned_transfer = in_transit(
        {"sku": "W", "quantity": 15, "origin_id": "UP-E", "destination_id": "FC-E", "mode": "truck",
         "status": "planned"},
        {"sku": "W", "quantity": 10, "origin_id": "UP-E", "destination_id": "FC-E", "mode": "truck"})
    stock = {("W", "FC-E"): {"on_hand": 20, "inbound": 10, "inbound_planned": 15}, ("W", "UP-E"): 30}
    s = row(plan({"W": {"east": 5}}, stock, [{"sku": "W"}], transit=planned_transfer).purchase_suggestions, sku="W")
    assert (s["available_units"], s["inbound_units"], s["on_order_units"], s["network_position"]) == (50, 10, 0, 60)


def test_dead_items_get_no_purchase():
    p = plan({"OLD": {"east": 5}, "IDLE": {"east": 0}}, {("OLD", "FC-E"): 0, ("IDLE", "FC-E"): 0},
             [{"sku": "OLD", "sku_status": "discontinued"}, {"sku": "IDLE"}])
    assert p.purchase_suggestions.empty


def test_a_delayed_supplier_lane_lengthens_the_lead_time():
    late = in_transit({"sku": "OTHER", "quantity": 10, "origin_id": "SUP", "destination_id": "UP-E",
                       "mode": "sea", "days_late": 8})
    s = row(plan({"W": {"east": 5}}, {("W", "FC-E"): 75}, [{"sku": "W"}], transit=late).purchase_suggestions,
            sku="W")
    assert s["lead_time_days"] == 33.0  # 10 + 15 + 8
    assert "SUP → UP-E by sea: shipments up to 8 days late" in s["reason"]


def test_a_purchase_lands_where_the_demand_is():
    """60 % of the demand is in the west: 60 % of the purchase goes to the west warehouse."""
    p = plan({"W": {"west": 3, "east": 2}}, {}, [{"sku": "W", "case_pack": 5}])
    s = row(p.purchase_suggestions, sku="W")
    assert s["quantity"] == 140  # 5/day × 28 days (25 to the warehouses + 3 on to FC-W and FC-E), 28 cases of 5
    pl = p.regional_placement
    west, east = row(pl, entry_id="UP-W", location_id="FC-W"), row(pl, entry_id="UP-E", location_id="FC-E")
    assert (west["entry_share"], east["entry_share"]) == (pytest.approx(0.6), pytest.approx(0.4))
    assert (west["suggested_units"], east["suggested_units"]) == (85, 55)  # 28 cases 60:40 → 17 and 11
    assert (west["placed_units"], east["placed_units"]) == (85, 55)
    assert s["destination_id"] == "UP-W"
    assert s["placement"] == "UP-W 85, UP-E 55"


def test_stock_arriving_upstream_is_placed_by_the_demand_of_the_locations_it_serves():
    # UP-W serves FC-W (3/day) and FC-C (1/day; its cheapest lane is from UP-W): 100 units → 75 / 25
    arriving = in_transit({"sku": "W", "quantity": 100, "origin_id": "SUP", "destination_id": "UP-W",
                           "mode": "sea"})
    p = plan({"W": {"west": 3, "central": 1}}, {("W", "FC-W"): 500, ("W", "FC-C"): 500}, [{"sku": "W"}],
             transit=arriving)
    pl = p.regional_placement.set_index("location_id")
    assert pl.loc["FC-W", "placed_units"] == 75 and pl.loc["FC-C", "placed_units"] == 25
    assert pl.loc["FC-W", "share"] == pytest.approx(0.75)
    assert pl.loc["FC-W", "in_transit_units"] == 100
    assert "FC-W has 75% of the demand UP-W serves" in pl.loc["FC-W", "reason"]


def test_stock_arriving_where_nothing_sells_stays_there():
    arriving = in_transit({"sku": "W", "quantity": 40, "origin_id": "SUP", "destination_id": "UP-E",
                           "mode": "sea"})
    p = plan({"W": {"west": 3}}, {("W", "FC-W"): 500}, [{"sku": "W"}], transit=arriving)
    stays = row(p.regional_placement, entry_id="UP-E")
    assert pd.isna(stays["location_id"]) and stays["placed_units"] == 0 and stays["incoming_units"] == 40
    assert "stay at UP-E" in stays["reason"]


def test_placed_units_never_exceed_what_arrives():
    rng = np.random.default_rng(5)
    demand = {f"S{i}": {r: float(rng.uniform(0, 5)) for r in ("east", "west", "central")} for i in range(30)}
    transit = in_transit(*[{"sku": s, "quantity": int(rng.integers(1, 200)), "origin_id": "SUP",
                            "destination_id": str(rng.choice(["UP-E", "UP-W"])), "mode": "sea"} for s in demand])
    pl = plan(demand, {}, [{"sku": s, "case_pack": 6} for s in demand], transit=transit,
              cfg=config(purchase_cover_days=30)).regional_placement
    per_entry = pl.groupby(["sku", "entry_id"]).agg(placed=("placed_units", "sum"), incoming=("incoming_units", "first"))
    assert (per_entry["placed"] == per_entry["incoming"]).all()


def test_a_near_zero_forecast_due_on_its_safety_stock_has_no_last_order_date():
    """1e-12 units/day with a wide band: 100 units cover 1e14 days, but the safety stock (over
    600 units) makes the purchase due. No stockout is in sight, so no last order date either
    (as_of + 1e14 days was an OverflowError)."""
    sea_44 = {("SUP", "UP-E", "sea"): {"transit_days": 44.0}, ("SUP", "UP-W", "sea"): {"transit_days": 44.0}}
    p = plan({"Z": {"east": 1e-12}}, {("Z", "FC-E"): 100}, [{"sku": "Z"}], band=50.0, lane_table=lanes(sea_44))
    s = row(p.purchase_suggestions, sku="Z")
    assert s["days_of_cover"] > 1e13
    assert pd.isna(s["projected_stockout_date"]) and pd.isna(s["last_order_date"])
    assert s["expected_arrival"] == AS_OF + timedelta(days=54)
