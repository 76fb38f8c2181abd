"""Tonight's transfer orders (marts.transfer_orders) on the hand-built world of
replenishment_world: FC-E ← UP-E (truck 2 d, $0.30); FC-C ← UP-W (truck 3 d, $0.30) or UP-E
(truck 4 d, $0.40); review 1 day; transfers leave the day after the as-of date."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd

from tests.unit.replenishment_world import AS_OF, config, in_transit, lanes, plan, row


def test_a_location_below_its_reorder_point_is_topped_up_in_whole_case_packs():
    # ROP 16 (4/day × (1 ship day + 2 days transit + 1 day review)); up to ROP + 14 days × 4 = 72;
    # position 3 → 69 units → 6 cases of 12 = 72
    p = plan({"A": {"east": 4}}, {("A", "FC-E"): 3, ("A", "UP-E"): 500}, [{"sku": "A", "case_pack": 12}],
             cfg=config(transfer_cover_days=14))
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["to_location"], t["mode"], t["quantity"]) == ("UP-E", "FC-E", "truck", 72)
    assert t["ship_by"] == AS_OF + timedelta(days=1)
    assert t["expected_arrival"] == AS_OF + timedelta(days=3)
    assert not t["is_fallback"]
    assert t["reason"].startswith("position 3 < reorder point 16: 69 units to reach 72, 72 in cases of 12")


def test_a_location_at_or_above_its_reorder_point_gets_nothing():
    p = plan({"A": {"east": 4}}, {("A", "FC-E"): 16, ("A", "UP-E"): 500}, [{"sku": "A"}])
    assert p.transfer_orders.empty


def test_cheapest_lane_that_arrives_before_the_stockout_wins():
    # FC-C: 4/day, 15 units → out on day 4; ROP = 4 × (3 + 1) = 16. UP-W arrives day 4 for $0.30,
    # UP-E day 5 for $0.40: UP-W
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 15, ("A", "UP-W"): 100, ("A", "UP-E"): 100}, [{"sku": "A"}])
    t = row(p.transfer_orders, sku="A")
    assert t["from_location"] == "UP-W"
    assert t["arrives_before_stockout"]


def test_a_cheaper_lane_that_lands_after_the_stockout_loses_to_one_in_time():
    # UP-W now takes 6 days: ROP = 4 × 7 = 28; 24 units → out on day 6. UP-W lands day 7 ($0.30),
    # UP-E day 5 ($0.40): UP-E, and that is no fallback (nothing is delayed)
    table = lanes({("UP-W", "FC-C", "truck"): {"transit_days": 6.0}})
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 24, ("A", "UP-W"): 100, ("A", "UP-E"): 100}, [{"sku": "A"}],
             lane_table=table)
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["expected_arrival"]) == ("UP-E", AS_OF + timedelta(days=5))
    assert not t["is_fallback"]


def test_a_disrupted_lane_switches_to_the_alternative_source_and_says_so():
    table = lanes({("UP-W", "FC-C", "truck"): {"lane_status": "disrupted"}})
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 0, ("A", "UP-W"): 100, ("A", "UP-E"): 100}, [{"sku": "A"}],
             lane_table=table)
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["is_fallback"], t["replaced_source"]) == ("UP-E", True, "UP-W")
    assert "usual lane UP-W → FC-C by truck is delayed (lane disrupted): UP-E → FC-C by truck instead" in t["reason"]


def test_shipments_late_beyond_the_tolerance_make_a_lane_delayed():
    late = in_transit({"sku": "OTHER", "quantity": 10, "origin_id": "UP-W", "destination_id": "FC-C",
                       "mode": "truck", "days_late": 9})
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 0, ("A", "UP-W"): 100, ("A", "UP-E"): 100}, [{"sku": "A"}],
             transit=late, cfg=config(lane_delay_tolerance_days=5))
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["is_fallback"], t["replaced_source"]) == ("UP-E", True, "UP-W")
    assert "shipments up to 9 days late" in t["reason"]


def test_shipments_late_within_the_tolerance_change_nothing():
    late = in_transit({"sku": "OTHER", "quantity": 10, "origin_id": "UP-W", "destination_id": "FC-C",
                       "mode": "truck", "days_late": 4})
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 0, ("A", "UP-W"): 100, ("A", "UP-E"): 100}, [{"sku": "A"}],
             transit=late, cfg=config(lane_delay_tolerance_days=5))
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["is_fallback"]) == ("UP-W", False)


def test_a_delayed_lane_is_still_used_when_no_other_source_has_stock():
    table = lanes({("UP-W", "FC-C", "truck"): {"lane_status": "disrupted"}})
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 0, ("A", "UP-W"): 100}, [{"sku": "A"}], lane_table=table)
    t = row(p.transfer_orders, sku="A")
    assert (t["from_location"], t["is_fallback"]) == ("UP-W", False)
    assert "although delayed (lane disrupted): no other source has stock" in t["reason"]


def test_scarce_stock_goes_to_the_earliest_stockout_first_in_whole_cases():
    # UP-E has 20. FC-E (2 units → out on day 1) and FC-C (10 units → out on day 3) each want one
    # case of 12: FC-E first; the 8 left are less than a case, so FC-C gets none.
    stock = {("A", "FC-E"): 2, ("A", "FC-C"): 10, ("A", "UP-E"): 20}
    p = plan({"A": {"east": 4, "central": 4}}, stock, [{"sku": "A", "case_pack": 12}])
    tr = p.transfer_orders
    assert tr[["to_location", "quantity"]].values.tolist() == [["FC-E", 12]]
    assert row(tr, to_location="FC-E")["priority"] == 1
    # the other way round when FC-C runs out first
    stock = {("A", "FC-E"): 10, ("A", "FC-C"): 2, ("A", "UP-E"): 20}
    tr = plan({"A": {"east": 4, "central": 4}}, stock, [{"sku": "A", "case_pack": 12}]).transfer_orders
    assert tr[["to_location", "quantity"]].values.tolist() == [["FC-C", 12]]


def test_what_one_source_cannot_give_comes_from_the_next():
    # FC-C wants 28 (4/day, ROP 4 × (1 ship + 3 transit + 1 review) = 20 + 2 cover days × 4 = 28,
    # position 0); UP-W and UP-E have 14 each
    p = plan({"A": {"central": 4}}, {("A", "FC-C"): 0, ("A", "UP-W"): 14, ("A", "UP-E"): 14}, [{"sku": "A"}],
             cfg=config(transfer_cover_days=2))
    tr = p.transfer_orders.set_index("from_location")
    assert tr["quantity"].to_dict() == {"UP-E": 14, "UP-W": 14}
    assert "can give 14 of 28" in tr.loc["UP-W", "reason"]
    assert "rest from UP-E → FC-C" in tr.loc["UP-E", "reason"]


def test_sources_are_never_over_allocated():
    rng = np.random.default_rng(11)
    n = 60
    demand = {f"S{i}": {"east": float(rng.uniform(0.5, 8)), "central": float(rng.uniform(0.5, 8)),
                        "west": float(rng.uniform(0.5, 8))} for i in range(n)}
    stock = {}
    for sku in demand:
        for loc in ("FC-E", "FC-C", "FC-W"):
            stock[(sku, loc)] = int(rng.integers(0, 10))
        for loc in ("UP-E", "UP-W"):
            stock[(sku, loc)] = int(rng.integers(0, 40))
    skus = [{"sku": s, "case_pack": int(rng.choice([1, 6, 12]))} for s in demand]
    tr = plan(demand, stock, skus, cfg=config(transfer_cover_days=7)).transfer_orders
    assert len(tr) > 20
    given = tr.groupby(["sku", "from_location"])["quantity"].sum()
    have = pd.Series({k: v for k, v in stock.items() if k[1].startswith("UP")})
    assert (given <= have.reindex(given.index)).all()
    assert (tr["quantity"] > 0).all()
    cases = tr["sku"].map({s["sku"]: s["case_pack"] for s in skus})
    assert (tr["quantity"] % cases == 0).all()


def test_a_destination_takes_no_more_than_its_free_capacity():
    # FC-E holds 40 units and has room for 50: 10 free → one case of 6 fits (two would not)
    stock = {("A", "FC-E"): 2, ("B", "FC-E"): 38, ("A", "UP-E"): 500}
    p = plan({"A": {"east": 4}, "B": {"east": 0.1}}, stock, [{"sku": "A", "case_pack": 6}, {"sku": "B"}],
             capacity={"FC-E": 50}, cfg=config(transfer_cover_days=14))
    t = row(p.transfer_orders, sku="A")
    assert t["quantity"] == 6
    assert "FC-E has room for 10 more units" in t["reason"]


def test_a_source_that_sells_itself_keeps_its_own_reorder_point():
    # FC-W (4/day, ROP 4 × (1 + 2 + 1) = 16) may feed FC-C for $0.10 but keeps 16 of its 24: it gives 8
    table = lanes(extra=[("FC-W", "FC-C", "truck", 1.0, 0.0, 0.10, "active", 0.0, 0.05)])
    stock = {("A", "FC-C"): 0, ("A", "FC-W"): 24}
    tr = plan({"A": {"central": 4, "west": 4}}, stock, [{"sku": "A"}], lane_table=table).transfer_orders
    assert row(tr, to_location="FC-C")[["from_location", "quantity"]].tolist() == ["FC-W", 8]


def test_planned_outbound_shipments_are_not_available_twice():
    planned = in_transit({"sku": "A", "quantity": 20, "origin_id": "UP-E", "destination_id": "FC-C",
                          "mode": "truck", "status": "planned"})
    stock = {("A", "FC-E"): 0, ("A", "UP-E"): 30}
    tr = plan({"A": {"east": 4}}, stock, [{"sku": "A"}], transit=planned).transfer_orders
    assert row(tr, to_location="FC-E")["quantity"] == 10


def test_dead_items_get_no_transfer():
    stock = {("OLD", "FC-E"): 0, ("OLD", "UP-E"): 100, ("IDLE", "FC-E"): 0, ("IDLE", "UP-E"): 100}
    p = plan({"OLD": {"east": 4}, "IDLE": {"east": 0}}, stock,
             [{"sku": "OLD", "sku_status": "discontinued"}, {"sku": "IDLE"}])
    assert p.transfer_orders.empty


def test_cost_shares_the_truck_and_co2e_falls_back_to_the_mode_factor():
    # two SKUs on the same truck UP-E → FC-E ($0.30/unit, $30 a truck, no CO2e figure → truck 0.10 kg)
    table = lanes({("UP-E", "FC-E", "truck"): {"order_cost": 30.0, "co2e_kg_per_unit": 0.0}})
    stock = {("A", "FC-E"): 0, ("B", "FC-E"): 0, ("A", "UP-E"): 100, ("B", "UP-E"): 100}
    tr = plan({"A": {"east": 3}, "B": {"east": 1}}, stock, [{"sku": "A"}, {"sku": "B"}],
              lane_table=table).transfer_orders.set_index("sku")
    # A: 12 units, B: 4 units (4 days: 1 ship + 2 transit + 1 review) → the $30 split 12:4
    assert tr.loc["A", "cost"] == round(12 * 0.30 + 30 * 12 / 16, 2)
    assert tr.loc["B", "cost"] == round(4 * 0.30 + 30 * 4 / 16, 2)
    assert tr.loc["A", "co2e_kg"] == round(12 * 0.10, 3)
    assert tr["shipment_id"].nunique() == 1 and tr["transfer_id"].nunique() == 2
