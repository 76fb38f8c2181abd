"""Which stock a channel may sell: eligibility, the sellable pool and "ships later" units.

Reservation, cancellation, shipping, returns and stock counts are rules of the dbt models
(marts.inventory_position; tests/dbt/test_inventory_position.py and, through the allocation,
tests/dbt/test_channel_allocation.py): here the position is given and only what the allocation
adds on top of it is tested.
"""

from __future__ import annotations

from datetime import date

from pipelines.allocation import build_allocation_plan
from pipelines.allocation.eligibility import channel_eligibility
from tests.unit.allocation_scenarios import LOCATIONS, VELOCITY_ONLY, make_inputs, open_line, row


def pool(plan, sku, channel):
    return row(plan.channel_allocation, sku=sku, channel=channel)


def test_eligibility_reads_the_channels_each_location_lists():
    pairs = set(map(tuple, channel_eligibility(LOCATIONS)[["location_id", "channel"]].to_numpy()))
    assert ("FBA-EAST", "amazon") in pairs
    assert ("FBA-EAST", "ebay") not in pairs
    assert {("FBA-WEST", "amazon"), ("FBA-WEST", "ebay")} <= pairs
    assert not any(location in ("AWD", "SUP") for location, _ in pairs)
    assert {c for loc, c in pairs if loc == "WH"} == {"amazon", "walmart", "ebay", "shopify"}


def test_fba_stock_is_never_published_on_ebay_without_multichannel_fulfilment():
    plan = build_allocation_plan(make_inputs({("A", "FBA-EAST"): 10}), VELOCITY_ONLY)
    assert pool(plan, "A", "amazon")["publishable_quantity"] == 10
    assert pool(plan, "A", "ebay")["sellable_pool"] == 0
    assert pool(plan, "A", "ebay")["publishable_quantity"] == 0


def test_fc_with_multichannel_fulfilment_serves_the_channels_it_lists_only():
    plan = build_allocation_plan(make_inputs({("A", "FBA-WEST"): 6}), VELOCITY_ONLY)
    assert pool(plan, "A", "ebay")["sellable_pool"] == 6
    assert pool(plan, "A", "walmart")["sellable_pool"] == 0


def test_upstream_stock_that_only_replenishes_is_not_sellable():
    plan = build_allocation_plan(make_inputs({("A", "AWD"): 100}), VELOCITY_ONLY)
    assert plan.channel_allocation["sellable_pool"].sum() == 0


def test_own_warehouse_serves_every_channel_and_pools_add_per_channel():
    plan = build_allocation_plan(make_inputs({("A", "WH"): 5, ("A", "FBA-EAST"): 7, ("A", "WFS"): 3}),
                                 VELOCITY_ONLY)
    assert pool(plan, "A", "amazon")["sellable_pool"] == 12
    assert pool(plan, "A", "walmart")["sellable_pool"] == 8
    assert pool(plan, "A", "ebay")["sellable_pool"] == 5
    assert pool(plan, "A", "amazon")["pool_locations"] == "FBA-EAST 7, WH 5"


def test_sellable_is_on_hand_less_reserved_by_every_channel_less_unsellable():
    # 20 on hand at the warehouse, 3 reserved by amazon's open lines, 2 damaged
    plan = build_allocation_plan(make_inputs({("A", "WH"): (20, 3, 2)}), VELOCITY_ONLY)
    for channel in ("amazon", "walmart", "ebay", "shopify"):
        assert pool(plan, "A", channel)["sellable_pool"] == 15


def test_oversold_location_is_not_netted_against_another_location():
    plan = build_allocation_plan(make_inputs({("A", "WH"): (0, 3, 0), ("A", "FBA-WEST"): 5}), VELOCITY_ONLY)
    assert pool(plan, "A", "ebay")["sellable_pool"] == 5


def test_channel_reserved_counts_its_own_open_lines():
    lines = [open_line("O1", "amazon", "A", 2, "2026-11-10 09:00", fulfilled_from="WH"),
             open_line("O2", "ebay", "A", 1, "2026-11-10 10:00", fulfilled_from="WH")]
    plan = build_allocation_plan(make_inputs({("A", "WH"): (10, 3, 0)}, lines=lines), VELOCITY_ONLY)
    assert pool(plan, "A", "amazon")["reserved"] == 2
    assert pool(plan, "A", "ebay")["reserved"] == 1
    assert pool(plan, "A", "shopify")["sellable_pool"] == 7


def test_line_routed_away_from_its_reservation_is_held_at_both_until_it_ships():
    # FBA-EAST holds 2 but reserved 3 for O1; routing ships O1 from FBA-WEST instead
    lines = [open_line("O1", "amazon", "A", 3, "2026-11-10 09:00", fulfilled_from="FBA-EAST")]
    plan = build_allocation_plan(make_inputs({("A", "FBA-EAST"): (2, 3, 0), ("A", "FBA-WEST"): 10},
                                             lines=lines), VELOCITY_ONLY)
    assert row(plan.order_routing, order_id="O1")["ship_from"] == "FBA-WEST"
    sellable = plan.sellable.set_index("location_id")["sellable"]
    assert (sellable["FBA-EAST"], sellable["FBA-WEST"]) == (0, 7)
    assert pool(plan, "A", "amazon")["sellable_pool"] == 7


def test_run_out_location_publishes_units_arriving_within_the_window_flagged_ships_later():
    inputs = make_inputs({("A", "WFS"): 0, ("A", "WH"): 4},
                         in_transit=[("A", "WFS", 12, "in_transit", date(2026, 11, 13))])
    walmart = pool(build_allocation_plan(inputs, VELOCITY_ONLY), "A", "walmart")
    assert (walmart["publishable_quantity"], walmart["ships_later_quantity"], walmart["ships_later"]) == (4, 12, True)
    assert "12 ship later (in transit to WFS 12)" in walmart["reason"]


def test_units_arriving_after_the_window_or_only_planned_are_not_published():
    inputs = make_inputs({("A", "WFS"): 0},
                         in_transit=[("A", "WFS", 12, "in_transit", date(2026, 11, 18)),
                                     ("A", "WFS", 30, "planned", date(2026, 11, 12))])
    walmart = pool(build_allocation_plan(inputs, VELOCITY_ONLY), "A", "walmart")
    assert (walmart["ships_later_quantity"], walmart["ships_later"]) == (0, False)


def test_location_with_stock_left_does_not_publish_its_inbound():
    inputs = make_inputs({("A", "WFS"): 4}, in_transit=[("A", "WFS", 12, "at_port", date(2026, 11, 12))])
    assert pool(build_allocation_plan(inputs, VELOCITY_ONLY), "A", "walmart")["ships_later_quantity"] == 0


def test_arriving_units_first_cover_what_the_location_is_short():
    # WFS has 2 reserved and nothing on hand: 2 of the 5 arriving are already sold
    inputs = make_inputs({("A", "WFS"): (0, 2, 0)}, in_transit=[("A", "WFS", 5, "customs", date(2026, 11, 12))])
    assert pool(build_allocation_plan(inputs, VELOCITY_ONLY), "A", "walmart")["ships_later_quantity"] == 3


def test_ships_later_days_zero_never_publishes_in_transit_stock():
    inputs = make_inputs({("A", "WFS"): 0}, in_transit=[("A", "WFS", 12, "in_transit", date(2026, 11, 11))])
    cfg = VELOCITY_ONLY.model_copy(update={"ships_later_days": 0})
    assert pool(build_allocation_plan(inputs, cfg), "A", "walmart")["ships_later_quantity"] == 0
