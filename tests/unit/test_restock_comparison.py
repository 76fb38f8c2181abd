"""Amazon's restock recommendation next to ours, on a small case computed by hand.

FBA-US on 2026-05-20. MUG-01: Amazon sold 120 units in 30 days (4/day) and recommends 150 with
40 available and 30 inbound: (150 + 40 + 30) / 4 = 55 days of supply. We forecast 4/day too, plan
up to 300 (75 days) and count 150 on the way (120 from AWD-US, 30 from WH-1): a transfer of
300 − (40 + 150) = 110. Ours − Amazon's = −40 = cover 4 × (75 − 55) = +80, inbound 30 − 150 = −120.
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.marketplace import ComparisonInputs, compare_restock

AS_OF = date(2026, 5, 20)


def restock(sku, quantity, ship_date, available, inbound, sold, days, action="Create shipping plan"):
    return {"report_date": AS_OF, "location_id": "FBA-US", "sku": sku, "recommended_quantity": quantity,
            "recommended_ship_date": ship_date, "recommended_action": action, "alert": None,
            "available": available, "inbound": inbound, "units_sold_30d": sold, "days_of_supply": days}


def target(sku, rate, rop, up_to, on_hand, reserved, inbound, planned, *, source="AWD-US", mode="truck",
           needs=False, by="transfer"):
    position = on_hand - reserved + inbound + planned
    return {"sku": sku, "location_id": "FBA-US", "replenished_by": by, "source_id": source, "mode": mode,
            "lead_time_days": 4.0, "review_period_days": 1.0, "forecast_daily_units": rate,
            "reorder_point": rop, "order_up_to": up_to, "on_hand": on_hand, "reserved": reserved,
            "unsellable": 0, "inbound": inbound, "inbound_planned": planned, "inventory_position": position,
            "days_of_cover": round(position / rate, 1), "needs_replenishment": needs}


@pytest.fixture
def comparison() -> pd.DataFrame:
    inputs = ComparisonInputs(
        as_of=AS_OF,
        restock=pd.DataFrame([
            restock("MUG-01", 150, date(2026, 5, 22), 40, 30, 120, 18.5),
            restock("TEA-02", 20, date(2026, 5, 25), 24, 0, 30, 24.0),
            restock("BAG-03", 12, date(2026, 5, 23), 3, 0, 15, 6.0),
        ]),
        targets=pd.DataFrame([
            target("MUG-01", 4.0, 200, 300, 43, 3, 150, 0, needs=True),
            target("TEA-02", 1.0, 40, 44, 25, 1, 0, 36),
            target("ABAG-N002-B-02-EU6-PAN", 0.5, 10, 30, 2, 0, 0, 0, needs=True),
        ]),
        transfers=pd.DataFrame([
            {"sku": "MUG-01", "from_location": "AWD-US", "to_location": "FBA-US", "mode": "truck", "quantity": 110,
             "ship_by": date(2026, 5, 21)},
            {"sku": "ABAG-N002-B-02-EU6-PAN", "from_location": "WH-1", "to_location": "FBA-US", "mode": "truck",
             "quantity": 28, "ship_by": date(2026, 5, 21)},
        ]),
        purchases=pd.DataFrame(columns=["sku", "supplier_id", "order_by"]),
        in_transit=pd.DataFrame([
            {"sku": "MUG-01", "quantity": 120, "origin_id": "AWD-US", "destination_id": "FBA-US", "status": "in_transit"},
            {"sku": "MUG-01", "quantity": 30, "origin_id": "WH-1", "destination_id": "FBA-US", "status": "at_port"},
            {"sku": "TEA-02", "quantity": 36, "origin_id": "SUP-1", "destination_id": "FBA-US", "status": "planned"},
        ]),
    )
    return compare_restock(inputs).set_index("sku")


def test_quantities_and_dates_side_by_side(comparison):
    mug = comparison.loc["MUG-01"]
    assert (mug["amazon_quantity"], mug["stockpilot_quantity"], mug["quantity_difference"]) == (150, 110, -40)
    assert (mug["amazon_ship_date"], mug["stockpilot_ship_date"]) == (date(2026, 5, 22), date(2026, 5, 21))
    assert mug["stockpilot_plan"] == "transfer: 110 from AWD-US by truck"
    assert (mug["amazon_days_planned"], mug["stockpilot_days_planned"]) == (55.0, 75.0)
    assert (mug["amazon_inbound"], mug["stockpilot_inbound"]) == (30, 150)


def test_reason_names_the_parts_that_matter_largest_first(comparison):
    assert comparison.loc["MUG-01", "difference_reason"] == (
        "Amazon sees 30 inbound; we count 150 on the way (120 in transit from AWD-US, 30 in transit from WH-1); "
        "Amazon plans 55 days of supply, we plan 75 (4-day truck lead time from AWD-US + 1-day review, cover days "
        "and safety stock)")


def test_nothing_sent_above_the_reorder_point_says_so_first(comparison):
    tea = comparison.loc["TEA-02"]
    assert (tea["amazon_quantity"], tea["stockpilot_quantity"]) == (20, 0)
    assert pd.isna(tea["stockpilot_ship_date"])
    # Amazon: (20 + 24 + 0) / 1 = 44 days, ours 44 / 1: cover and demand agree; inbound does not
    assert tea["difference_reason"] == (
        "we send nothing yet: position 60 is not below the reorder point 40 (we top up only below it, then up to "
        "44); Amazon sees 0 inbound; we count 36 on the way (36 planned from SUP-1)")


def test_sku_we_do_not_plan_for_and_sku_amazon_does_not_list(comparison):
    assert comparison.loc["BAG-03", "difference_reason"] == "we plan nothing: no forecast demand or stock here"
    assert comparison.loc["BAG-03", "stockpilot_quantity"] == 0
    abag = comparison.loc["ABAG-N002-B-02-EU6-PAN"]
    assert pd.isna(abag["amazon_quantity"]) and abag["stockpilot_quantity"] == 28
    assert abag["difference_reason"] == "Amazon's latest restock report does not list this SKU"


def test_no_restock_report_gives_an_empty_typed_table():
    empty = compare_restock(ComparisonInputs(
        as_of=AS_OF, restock=pd.DataFrame(columns=["location_id", "sku"]), targets=pd.DataFrame(),
        transfers=pd.DataFrame(), purchases=pd.DataFrame(), in_transit=pd.DataFrame()))
    assert empty.empty and "difference_reason" in empty.columns


def test_same_quantity_says_so_and_names_inputs_that_still_differ():
    inputs = ComparisonInputs(
        as_of=AS_OF,
        # Amazon recommends nothing: its days planned are unknown, only its sales rate is compared
        restock=pd.DataFrame([restock("TEA-02", 0, None, 24, 0, 30, 24.0, action="No action required")]),
        targets=pd.DataFrame([target("TEA-02", 1.0, 10, 20, 25, 1, 0, 0)]),
        transfers=pd.DataFrame(columns=["sku", "from_location", "to_location", "mode", "quantity", "ship_by"]),
        purchases=pd.DataFrame(columns=["sku", "supplier_id", "order_by"]),
        in_transit=pd.DataFrame(columns=["sku", "quantity", "origin_id", "destination_id", "status"]),
    )
    row = compare_restock(inputs).iloc[0]
    assert (row["amazon_quantity"], row["stockpilot_quantity"], row["quantity_difference"]) == (0, 0, 0)
    assert pd.isna(row["amazon_days_planned"]) and row["stockpilot_days_planned"] == 20.0
    assert row["difference_reason"] == "same quantity; demand, cover and stock agree"
