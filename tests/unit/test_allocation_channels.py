"""What each channel shows: buffers, shared and dedicated modes, scores and their reasons,
per-listing quantities and stock alerts (pipelines.allocation)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest
from pydantic import ValidationError

from pipelines.allocation import build_allocation_plan
from pipelines.allocation.buffers import channel_buffer
from pipelines.allocation.scoring import channel_scores, channel_velocity
from pipelines.config import AllocationConfig, ScoreWeights
from tests.unit.allocation_scenarios import (
    AS_OF,
    VELOCITY_ONLY,
    channels,
    listings,
    make_inputs,
    open_line,
    row,
    velocity_forecast,
)


def plan_for(stock, **kwargs):
    cfg = kwargs.pop("cfg", VELOCITY_ONLY)
    return build_allocation_plan(make_inputs(stock, **kwargs), cfg)


def buffers(allocated, pct, units):
    buffer, basis = channel_buffer(pd.Series(allocated), pd.Series(pct, dtype=float), pd.Series(units))
    return list(zip(buffer, basis, strict=True))


# --- buffers ----------------------------------------------------------------------------------

def test_larger_of_percentage_and_fixed_buffer_applies():
    # 10 % of 50 = 5 beats 2 units; 10 % of 10 = 1 loses to 2 units
    assert buffers([50, 10], [10.0, 10.0], [2, 2]) == [(5, "percent"), (2, "units")]


def test_percentage_buffer_rounds_up_to_whole_units():
    assert buffers([30, 100, 0], [5.0, 7.0, 5.0], [0, 0, 0]) == [(2, "percent"), (7, "percent"), (0, "none")]


def test_channel_publishes_its_pool_minus_its_buffer_never_below_zero():
    table = channels(amazon={"buffer_pct": 10.0, "buffer_units": 2}, ebay={"buffer_units": 8})
    plan = plan_for({("A", "WH"): 30, ("B", "WH"): 5}, channel_table=table)
    amazon_a = row(plan.channel_allocation, sku="A", channel="amazon")
    assert (amazon_a["buffer"], amazon_a["buffer_basis"], amazon_a["publishable_quantity"]) == (3, "percent", 27)
    assert row(plan.channel_allocation, sku="B", channel="amazon")["publishable_quantity"] == 3
    assert row(plan.channel_allocation, sku="B", channel="ebay")["publishable_quantity"] == 0


def test_stock_within_the_buffer_raises_an_alert():
    table = channels(ebay={"buffer_units": 8})
    plan = plan_for({("B", "WH"): 5}, channel_table=table)
    alert = row(plan.stock_alerts, sku="B", channel="ebay")
    assert (alert["alert_type"], alert["severity"], alert["allocated"], alert["buffer"]) == (
        "within_buffer", "medium", 5, 8)
    assert "within its buffer of 8" in alert["message"]
    assert plan.stock_alerts[plan.stock_alerts["channel"] != "ebay"].empty


def test_out_of_stock_alert_only_where_the_sku_sells():
    forecast = velocity_forecast({("A", "amazon"): 2.0, ("A", "walmart"): 0.0})
    plan = plan_for({("A", "FBA-EAST"): 0}, forecast=forecast)
    alerts = plan.stock_alerts
    assert list(alerts["channel"]) == ["amazon"]
    assert (alerts["alert_type"].iloc[0], alerts["severity"].iloc[0]) == ("out_of_stock", "high")


# --- shared and dedicated ---------------------------------------------------------------------

def test_shared_channels_each_show_the_whole_eligible_pool_minus_their_buffer():
    table = channels(amazon={"buffer_units": 2}, ebay={"buffer_pct": 10.0})
    plan = plan_for({("A", "WH"): 40}, channel_table=table)
    shown = plan.channel_allocation.set_index("channel")["publishable_quantity"].to_dict()
    assert shown == {"amazon": 38, "ebay": 36, "shopify": 40, "walmart": 40}


def test_dedicated_channels_split_each_location_by_score_and_explain_it():
    table = channels(amazon={"allocation_mode": "dedicated", "commission_pct": 20.0},
                     walmart={"allocation_mode": "dedicated"})
    forecast = velocity_forecast({("A", "amazon"): 3.0, ("A", "walmart"): 1.0})
    plan = plan_for({("A", "WH"): 100}, channel_table=table, forecast=forecast,
                    listing_table=listings(["A"], on=("amazon", "walmart")))
    amazon = row(plan.channel_allocation, channel="amazon")
    walmart = row(plan.channel_allocation, channel="walmart")
    assert (amazon["allocated"], walmart["allocated"]) == (75, 25)
    assert amazon["reason"].startswith("amazon 75%: 3.0x walmart's velocity, higher fee (9.00 vs 7.50/unit), "
                                       "priority 5 vs 4; 75 of 100 sellable at WH 100")
    assert walmart["reason"].startswith("walmart 25%: 0.3x amazon's velocity, lower fee")


def test_dedicated_split_adds_up_exactly_by_largest_remainder():
    table = channels(**{c: {"allocation_mode": "dedicated"} for c in ("amazon", "walmart", "ebay")})
    plan = plan_for({("A", "WH"): 10}, channel_table=table,
                    listing_table=listings(["A"], on=("amazon", "walmart", "ebay")))
    # equal scores (no sales, equal margins, priority weight 0): 3.33 each, the spare unit to the
    # highest priority
    allocated = plan.channel_allocation.set_index("channel")["allocated"].to_dict()
    assert allocated == {"amazon": 4, "ebay": 3, "walmart": 3}


def test_shared_channels_see_what_dedicated_channels_leave():
    table = channels(walmart={"allocation_mode": "dedicated"})
    forecast = velocity_forecast({("A", "amazon"): 1.0, ("A", "walmart"): 1.0})
    plan = plan_for({("A", "WH"): 100, ("A", "FBA-EAST"): 6}, channel_table=table, forecast=forecast)
    ca = plan.channel_allocation.set_index("channel")
    assert ca.loc["walmart", "allocated"] == 50
    assert ca.loc["amazon", "allocated"] == 56  # the 6 at FBA-EAST are amazon's alone
    assert ca.loc["ebay", "allocated"] == 50
    assert "less 50 dedicated to walmart 50" in ca.loc["amazon", "reason"]


def test_dedicated_channel_alone_at_a_location_takes_all_of_it():
    table = channels(amazon={"allocation_mode": "dedicated"})
    amazon = row(plan_for({("A", "FBA-EAST"): 9}, channel_table=table).channel_allocation, channel="amazon")
    assert amazon["allocated"] == 9
    assert "the only channel selling from FBA-EAST 9" in amazon["reason"]


def test_velocity_comes_from_the_forecast_else_recent_demand():
    listed = pd.DataFrame({"sku": ["A", "A", "B", "B", "C"],
                           "channel": ["amazon", "ebay", "amazon", "ebay", "amazon"]})
    forecast = velocity_forecast({("A", "amazon"): 2.0})
    demand = pd.DataFrame({"date": [date(2026, 11, 1), date(2026, 11, 9), date(2026, 9, 1)],
                           "sku": ["B", "B", "B"], "channel": ["amazon", "ebay", "amazon"],
                           "units": [14.0, 7.0, 100.0]})
    velocity = channel_velocity(listed, forecast, demand, AS_OF, velocity_days=28, lookback_days=28)
    got = {(r.sku, r.channel): (round(r.velocity, 3), r.velocity_source) for r in velocity.itertuples()}
    assert got == {("A", "amazon"): (2.0, "forecast"), ("A", "ebay"): (0.0, "forecast"),
                   ("B", "amazon"): (0.5, "recent_demand"), ("B", "ebay"): (0.25, "recent_demand"),
                   ("C", "amazon"): (0.0, "none")}


def test_score_weighs_margin_after_fees():
    velocity = pd.DataFrame({"sku": ["A", "A"], "channel": ["amazon", "shopify"], "velocity": [1.0, 1.0],
                             "velocity_source": "forecast"})
    terms = channels(amazon={"commission_pct": 15.0, "fulfillment_cost_per_unit": 3.0},
                     shopify={"commission_pct": 5.0, "fulfillment_cost_per_unit": 3.0})
    skus = pd.DataFrame({"sku": ["A"], "unit_cost": [10.0], "unit_price": [30.0]})
    scores = channel_scores(velocity, terms, skus, ScoreWeights(velocity=0, margin=1, priority=0))
    # margins 30 - 4.5 - 3 - 10 = 12.5 and 30 - 1.5 - 3 - 10 = 15.5
    assert scores["unit_margin"].tolist() == pytest.approx([12.5, 15.5])
    assert scores["score"].tolist() == pytest.approx([12.5 / 28, 15.5 / 28])


def test_score_weights_cannot_all_be_zero():
    with pytest.raises(ValidationError):
        AllocationConfig(score_weights={"velocity": 0, "margin": 0, "priority": 0})


# --- listings ---------------------------------------------------------------------------------

def test_multipack_shows_sku_quantity_divided_by_units_per_listing():
    extra = [("amazon", "A-2PK", "A", 2)]
    plan = plan_for({("A", "FBA-EAST"): 15}, listing_table=listings(["A"], on=("amazon",), extra=extra))
    pack = row(plan.listing_allocation, listing_sku="A-2PK")
    assert (pack["kind"], pack["publishable_quantity"], pack["sellable_pool"]) == ("multipack", 7, 7)
    assert pack["reason"] == "A 15 // 2 = 7 listing units"


def test_bundle_shows_its_scarcest_component():
    extra = [("shopify", "BNDL", "A", 2), ("shopify", "BNDL", "B", 1)]
    plan = plan_for({("A", "WH"): 9, ("B", "WH"): 3}, listing_table=listings(["A", "B"], extra=extra))
    bundle = row(plan.listing_allocation, listing_sku="BNDL")
    assert (bundle["kind"], bundle["composition"], bundle["publishable_quantity"], bundle["limiting_sku"]) == (
        "bundle", "A×2 + B×1", 3, "B")
    bundle_a = row(build_allocation_plan(make_inputs({("A", "WH"): 5, ("B", "WH"): 9},
                                                     listing_table=listings(["A", "B"], extra=extra)),
                                         VELOCITY_ONLY).listing_allocation, listing_sku="BNDL")
    assert (bundle_a["publishable_quantity"], bundle_a["limiting_sku"]) == (2, "A")
    assert bundle_a["reason"] == "min(A 5 // 2 = 2, B 9 // 1 = 9) = 2, limited by A"


def test_listing_reserved_counts_open_lines_of_that_listing_in_listing_units():
    extra = [("shopify", "BNDL", "A", 2), ("shopify", "BNDL", "B", 1)]
    lines = [open_line("O1", "shopify", "A", 4, "2026-11-10 09:00", listing_sku="BNDL", quantity=2),
             open_line("O1", "shopify", "B", 2, "2026-11-10 09:00", listing_sku="BNDL", quantity=2)]
    plan = plan_for({("A", "WH"): 20, ("B", "WH"): 20}, lines=lines,
                    listing_table=listings(["A", "B"], extra=extra))
    assert row(plan.listing_allocation, listing_sku="BNDL")["reserved"] == 2
    assert row(plan.channel_allocation, sku="A", channel="shopify")["reserved"] == 4
