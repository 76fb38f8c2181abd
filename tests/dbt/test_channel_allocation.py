"""The allocation plan on the dbt fixture warehouse: the channel pools follow the stock rules of
the models (reservations, cancellations, shipping, returns, stock counts) without restating them.

Fixture network: FBA-EAST serves amazon only, WH-MAIN serves shopify, ebay and walmart,
STORE-1 the store; every buffer is 0 and every channel shared. No forecast is published, so
velocity comes from recent demand.
"""

from __future__ import annotations

import duckdb
import pytest

from orchestration.allocation import read_allocation_inputs
from pipelines.allocation import build_allocation_plan
from pipelines.config import AllocationConfig


@pytest.fixture(scope="module")
def plan(warehouse):
    cfg = AllocationConfig()
    with duckdb.connect(str(warehouse), read_only=True) as con:
        inputs = read_allocation_inputs(con, cfg)
    assert inputs.forecast.empty
    return build_allocation_plan(inputs, cfg)


def channel(plan, sku, name):
    rows = plan.channel_allocation.query("sku == @sku and channel == @name")
    assert len(rows) == 1
    return rows.iloc[0]


def test_pending_line_reserves_and_cancelled_line_releases_in_every_channel_pool(plan):
    # 10 at WH-MAIN: the pending 1 is held, the 4 cancelled are back
    for name in ("ebay", "shopify", "walmart"):
        assert channel(plan, "SKU-CANCEL", name)["sellable_pool"] == 9


def test_shipped_line_is_deducted_once_not_again_from_the_pool(plan):
    # 20 at the snapshot, 2 shipped after it (also inside its reserved 3): 18 on hand, 1 held
    assert channel(plan, "SKU-AMZ-SHIPPED", "amazon")["sellable_pool"] == 17


def test_returns_are_locked_until_restocked_and_lost_ones_never_come_back(plan):
    # 10 + 3 restocked; the 2 on their way back are not sellable yet
    assert channel(plan, "SKU-RET", "ebay")["sellable_pool"] == 13
    assert channel(plan, "SKU-RET-LOST", "ebay")["sellable_pool"] == 10


def test_stock_count_sets_the_pool_and_stays_in_the_variance_history(plan, query):
    assert channel(plan, "SKU-COUNT", "ebay")["sellable_pool"] == 41
    assert query("SELECT variance FROM marts.inventory_adjustments WHERE sku = 'SKU-COUNT'") == [{"variance": -3}]


def test_fba_stock_is_published_on_amazon_only(plan):
    # 30 on hand - 6 reserved - 2 unsellable
    assert channel(plan, "SKU-AMZ", "amazon")["sellable_pool"] == 22
    for name in ("ebay", "shopify", "walmart", "store"):
        assert channel(plan, "SKU-AMZ", name)["sellable_pool"] == 0


def test_bundle_publishes_its_scarcest_component(plan):
    # E: 50 - 6 reserved = 44 -> 22 bundles of 2; F: 50 - 3 = 47
    bundle = plan.listing_allocation.query("listing_sku == 'BUNDLE-EF'").iloc[0]
    assert (bundle["publishable_quantity"], bundle["limiting_sku"]) == (22, "SKU-E")


def test_oversold_shelf_is_unroutable_and_not_covered_by_another_channels_stock(plan):
    # the store holds 1 and owes 3; WH-MAIN's 5 do not serve the store channel
    assert channel(plan, "SKU-OVERSOLD", "store")["sellable_pool"] == 0
    assert channel(plan, "SKU-OVERSOLD", "ebay")["sellable_pool"] == 5
    line = plan.order_routing.query("order_id == 'O-OVER-1'").iloc[0]
    assert (line["route_type"], line["reason"]) == (
        "unroutable", "no location that serves store has 3 units left: STORE-1 1")


def test_channel_without_routing_rule_or_location_is_unroutable(plan):
    line = plan.order_routing.query("order_id == 'O-REG-3'").iloc[0]
    assert line["reason"] == "b2b has no routing rule and no location serving it"
