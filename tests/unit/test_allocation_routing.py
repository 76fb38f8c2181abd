"""Order routing (pipelines.allocation.routing): rules, fallbacks, time order, stock limits."""

from __future__ import annotations

from pipelines.allocation import build_allocation_plan
from tests.unit.allocation_scenarios import VELOCITY_ONLY, listings, make_inputs, open_line, row


def routing(stock, lines, **kwargs):
    return build_allocation_plan(make_inputs(stock, lines=lines, **kwargs), VELOCITY_ONLY).order_routing


def test_first_choice_of_the_routing_rules_ships_when_it_has_stock():
    lines = [open_line("O1", "walmart", "A", 2, "2026-11-10 09:00")]
    line = row(routing({("A", "WFS"): (5, 2, 0), ("A", "WH"): 50}, lines), order_id="O1")
    assert (line["ship_from"], line["route_type"], line["routing_rank"], line["is_rerouted"]) == (
        "WFS", "first_choice", 1, False)
    assert line["reason"] == "walmart's first choice WFS has stock for 2 units"


def test_falls_back_to_the_next_location_with_stock_when_the_first_is_empty():
    # walmart -> WFS first: it is empty, so the warehouse (rank 2) ships
    lines = [open_line("O1", "walmart", "A", 2, "2026-11-10 09:00")]
    line = row(routing({("A", "WFS"): (0, 2, 0), ("A", "WH"): 50}, lines), order_id="O1")
    assert (line["ship_from"], line["route_type"], line["routing_rank"], line["is_rerouted"]) == (
        "WH", "next_with_stock", 2, True)
    assert line["reserved_location"] == "WFS"
    assert line["reason"] == "WFS 0 of 2 left; WH (rank 2) is the next with stock"


def test_then_the_location_in_the_nearest_region_serving_the_channel():
    # amazon's only rule is FBA-EAST (empty); FBA-WEST (west) and WH (east) also serve amazon
    rules = {"amazon": ["FBA-EAST"]}
    stock = {("A", "FBA-EAST"): 0, ("A", "FBA-WEST"): 5, ("A", "WH"): 5}
    lines = [open_line("O1", "amazon", "A", 1, "2026-11-10 09:00", ship_region="west"),
             open_line("O2", "amazon", "A", 1, "2026-11-10 10:00", ship_region="east"),
             open_line("O3", "amazon", "A", 1, "2026-11-10 11:00", ship_region="central")]
    plan = routing(stock, lines, routing=rules)
    assert row(plan, order_id="O1")["ship_from"] == "FBA-WEST"
    assert row(plan, order_id="O2")["ship_from"] == "WH"
    # central has no proximity list in this config: the other regions come by name, east first
    assert row(plan, order_id="O3")["ship_from"] == "WH"
    assert set(plan["route_type"]) == {"nearest_region"}
    assert "FBA-WEST in west, the customer's region" in row(plan, order_id="O1")["reason"]


def test_assigned_location_is_kept_while_it_has_stock():
    lines = [open_line("O1", "amazon", "A", 1, "2026-11-10 09:00", fulfilled_from="FBA-WEST")]
    line = row(routing({("A", "FBA-EAST"): 9, ("A", "FBA-WEST"): 3}, lines), order_id="O1")
    assert (line["ship_from"], line["route_type"], line["is_rerouted"]) == ("FBA-WEST", "assigned", False)


def test_lines_are_served_in_time_order_and_never_beyond_what_a_location_has():
    # WH has 5: the earlier line (placed first, listed second) takes 4, the later one cannot
    # get 3 there and WFS is empty -> unroutable
    lines = [open_line("O-LATE", "walmart", "A", 3, "2026-11-10 12:00"),
             open_line("O-EARLY", "walmart", "A", 4, "2026-11-10 08:00")]
    plan = routing({("A", "WH"): 5, ("A", "WFS"): 0}, lines)
    early, late = row(plan, order_id="O-EARLY"), row(plan, order_id="O-LATE")
    assert (early["sequence"], early["ship_from"]) == (1, "WH")
    assert (late["sequence"], late["ship_from"], late["route_type"]) == (2, None, "unroutable")
    assert late["reason"] == "no location that serves walmart has 3 units left: WFS 0, WH 1"


def test_channel_without_rules_or_locations_is_unroutable_with_the_reason():
    lines = [open_line("O1", "b2b", "A", 1, "2026-11-10 09:00")]
    line = row(routing({("A", "WH"): 5}, lines), order_id="O1")
    assert line["route_type"] == "unroutable"
    assert line["reason"] == "b2b has no routing rule and no location serving it"


def test_bundle_line_ships_whole_from_one_location():
    # 2 bundles need 4 A + 2 B: FBA-EAST has the A but not the B, the warehouse has both
    extra = [("amazon", "BNDL", "A", 2), ("amazon", "BNDL", "B", 1)]
    lines = [open_line("O1", "amazon", "A", 4, "2026-11-10 09:00", listing_sku="BNDL", quantity=2),
             open_line("O1", "amazon", "B", 2, "2026-11-10 09:00", listing_sku="BNDL", quantity=2)]
    plan = build_allocation_plan(
        make_inputs({("A", "FBA-EAST"): 10, ("B", "FBA-EAST"): 1, ("A", "WH"): 4, ("B", "WH"): 2}, lines=lines,
                    listing_table=listings(["A", "B"], extra=extra)), VELOCITY_ONLY)
    line = row(plan.order_routing, order_id="O1")
    assert (line["ship_from"], line["route_type"]) == ("WH", "next_with_stock")
    assert "FBA-EAST 1, FBA-WEST 0 of 2 left" in line["reason"]
    # the routed units leave the pool of the location that ships them
    sellable = plan.sellable.set_index(["sku", "location_id"])["sellable"]
    assert (sellable[("A", "WH")], sellable[("B", "WH")], sellable[("A", "FBA-EAST")]) == (0, 0, 10)
