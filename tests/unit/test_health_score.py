"""The health score's rules, each on hand-built SKUs (as of 2026-10-31, default config: 30 points
for no sales in 30 days, 20 for over 90 days of inventory, 25 for a stockout within 15 days, 25
for oversell risk; attention below 60)."""

from __future__ import annotations

from datetime import date

import pandas as pd
import pytest

from pipelines.config import HealthConfig
from pipelines.health import HealthInputs, health_scores

AS_OF = date(2026, 10, 31)
CFG = HealthConfig()


def sku(name: str, *, on_hand: int = 100, recent_units: int = 10, daily_rate: float = 2.0,
        launch: str | None = "2024-01-01", last_sale: str | None = "2026-10-30", status: str = "active",
        unit_cost: float = 2.0, sellable: int | None = None) -> dict:
    """One SKU's figures; days of inventory = on_hand / daily_rate (NULL when it sold nothing)."""
    doi = on_hand / daily_rate if daily_rate > 0 else None
    excess = max(on_hand - int(-(-CFG.excess_days_of_inventory * daily_rate // 1)), 0)
    return dict(sku=name, on_hand=on_hand, recent_units=recent_units, daily_sales_rate=daily_rate,
                days_of_inventory=doi, excess_units=excess, launch_date=launch, last_order_date=last_sale,
                sku_status=status, unit_cost=unit_cost, sellable=on_hand if sellable is None else sellable)


def inputs(*skus: dict, **extra) -> HealthInputs:
    frame = pd.DataFrame(skus)
    base = dict(
        as_of=AS_OF,
        skus=frame.assign(title=frame["sku"] + " title", category="Test")[
            ["sku", "title", "category", "sku_status", "unit_cost", "launch_date", "last_order_date"]],
        supply=frame.assign(units_sold=0)[["sku", "on_hand", "units_sold", "daily_sales_rate", "days_of_inventory",
                                           "excess_units"]],
        pool=frame[["sku", "sellable"]],
        recent_demand=frame[frame["recent_units"] > 0].rename(columns={"recent_units": "units"})[["sku", "units"]],
        positions=pd.DataFrame({"sku": frame["sku"], "location_id": "FC-1", "on_hand": frame["on_hand"],
                                "reserved": 0, "unsellable": 0, "available": frame["on_hand"]}),
        locations=pd.DataFrame({"location_id": ["FC-1", "WH-1"], "channels": ["amazon", "amazon|shopify"]}),
        in_transit=pd.DataFrame(columns=["sku", "quantity", "expected_arrival"]),
        listings=pd.DataFrame({"channel": ["amazon", "shopify", "shopify"], "listing_sku": ["A-1", "S-1", "S-2"],
                               "sku": ["OVER", "OVER", "BUNDLED"], "units_per_listing": [1, 1, 2]}),
        forecast=None, targets=None, transfers=None, purchases=None, routing=None, channel_allocation=None,
    )
    base.update(extra)
    return HealthInputs(**base)


def score_of(result: pd.DataFrame, name: str) -> pd.Series:
    return result.set_index("sku").loc[name]


def test_a_healthy_sku_scores_100_and_needs_no_attention():
    row = score_of(health_scores(inputs(sku("OK")), CFG), "OK")
    assert row["score"] == 100
    assert not row["needs_attention"]
    assert row["recommendation"] == ""


def test_no_sale_in_30_days_while_stock_is_held_costs_30_points():
    row = score_of(health_scores(inputs(sku("QUIET", recent_units=0, daily_rate=2.0)), CFG), "QUIET")
    assert row["no_sales_deduction"] == 30
    assert row["excess_deduction"] == 0  # 50 days of inventory
    assert row["score"] == 70
    assert "no sale in the last 30 days (last sale 2026-10-30) while 100 units are held" in row["no_sales_reason"]
    assert row["slow_mover_action"].startswith("clearance promotion")


def test_no_sales_without_stock_costs_nothing():
    row = score_of(health_scores(inputs(sku("GONE", on_hand=0, recent_units=0, daily_rate=0.0)), CFG), "GONE")
    assert row["score"] == 100


def test_a_sku_launched_within_the_window_is_too_new_to_judge():
    row = score_of(health_scores(inputs(sku("NEW", recent_units=0, launch="2026-10-20", daily_rate=2.0)), CFG), "NEW")
    assert row["no_sales_deduction"] == 0
    assert "too new to judge" in row["no_sales_reason"]


def test_more_than_90_days_of_inventory_costs_20_points():
    row = score_of(health_scores(inputs(sku("SLOW", on_hand=91, daily_rate=1.0)), CFG), "SLOW")
    assert row["days_of_inventory"] == 91
    assert row["excess_deduction"] == 20
    assert row["score"] == 80
    assert "1 units above 90 days" in row["excess_reason"]


def test_exactly_90_days_of_inventory_is_not_excess():
    row = score_of(health_scores(inputs(sku("EDGE", on_hand=90, daily_rate=1.0)), CFG), "EDGE")
    assert row["excess_deduction"] == 0


def test_held_units_that_never_sold_in_the_rate_window_are_excess():
    row = score_of(health_scores(inputs(sku("STUCK", recent_units=0, daily_rate=0.0)), CFG), "STUCK")
    assert row["excess_deduction"] == 20
    assert "never run down" in row["excess_reason"]


def test_no_sales_in_30_days_and_120_days_of_inventory_scores_50_and_needs_attention():
    row = score_of(health_scores(inputs(sku("BOTH", on_hand=120, recent_units=0, daily_rate=1.0)), CFG), "BOTH")
    assert row["days_of_inventory"] == 120
    assert (row["no_sales_deduction"], row["excess_deduction"]) == (30, 20)
    assert row["score"] == 50
    assert row["needs_attention"]
    # one cause (slow mover), one recommendation
    assert row["recommendation"].count("clearance promotion") == 1


def test_a_score_of_exactly_60_does_not_need_attention():
    cfg = HealthConfig(no_sales_points=40)
    row = score_of(health_scores(inputs(sku("SIXTY", recent_units=0, daily_rate=2.0)), cfg), "SIXTY")
    assert row["score"] == 60
    assert not row["needs_attention"]


TARGETS = pd.DataFrame({
    "sku": ["RISK", "RISK", "LATER"],
    "location_id": ["FC-1", "FC-2", "FC-1"],
    "projected_stockout_date": [date(2026, 11, 15), date(2026, 11, 4), date(2026, 11, 16)],
    "days_of_cover": [15.0, 4.2, 16.0],
})


def test_a_projected_stockout_within_15_days_costs_25_points_and_names_the_transfer():
    transfers = pd.DataFrame({"sku": ["RISK"], "from_location": ["WH-1"], "to_location": ["FC-2"], "quantity": [48],
                              "ship_by": [date(2026, 11, 1)], "expected_arrival": [date(2026, 11, 3)]})
    purchases = pd.DataFrame(columns=["sku", "supplier_id", "quantity", "order_by", "expected_arrival"])
    result = health_scores(inputs(sku("RISK"), sku("LATER"), targets=TARGETS, transfers=transfers,
                                  purchases=purchases), CFG)
    risk, later = score_of(result, "RISK"), score_of(result, "LATER")
    assert risk["stockout_deduction"] == 25 and risk["score"] == 75
    assert risk["projected_stockout_date"] == date(2026, 11, 4)
    assert "FC-2 runs out on 2026-11-04 (4.2 days of cover); FC-1 runs out on 2026-11-15" in risk["stockout_reason"]
    assert risk["stockout_action"] == ("urgent replenishment: transfer 48 units WH-1 → FC-2 "
                                       "(ship by 2026-11-01, arrives 2026-11-03)")
    assert risk["stockout_basis"] == "replenishment_targets"
    assert later["stockout_deduction"] == 0  # 16 days away


def test_a_stockout_risk_with_nothing_planned_says_so():
    purchases = pd.DataFrame(columns=["sku", "supplier_id", "quantity", "order_by", "expected_arrival"])
    transfers = pd.DataFrame(columns=["sku", "from_location", "to_location", "quantity", "ship_by",
                                      "expected_arrival"])
    row = score_of(health_scores(inputs(sku("RISK"), targets=TARGETS, transfers=transfers, purchases=purchases),
                                 CFG), "RISK")
    assert "nothing is planned tonight" in row["stockout_action"]


def test_without_replenishment_the_forecast_is_cumulated_against_the_sellable_pool_and_arrivals():
    days = pd.date_range("2026-11-01", periods=15)
    forecast = pd.DataFrame({"sku": "THIN", "date": days, "p50": 10.0})
    in_transit = pd.DataFrame({"sku": ["THIN"], "quantity": [20], "expected_arrival": [date(2026, 11, 3)]})
    row = score_of(health_scores(inputs(sku("THIN", on_hand=60, daily_rate=10.0), forecast=forecast,
                                        in_transit=in_transit), CFG), "THIN")
    # 60 sellable + 20 arriving on day 3 = 80; cumulative demand passes 80 on day 9
    assert row["projected_stockout_date"] == date(2026, 11, 9)
    assert row["stockout_deduction"] == 25
    assert row["stockout_basis"] == "demand_forecast"
    assert "not built" in row["stockout_action"]


def test_without_forecast_or_replenishment_the_stockout_rule_says_its_input_is_not_built():
    row = score_of(health_scores(inputs(sku("ANY")), CFG), "ANY")
    assert row["stockout_deduction"] == 0
    assert row["stockout_reason"].startswith("input not built")
    assert row["stockout_basis"] == "not built"


ROUTING = pd.DataFrame({
    "channel": ["amazon", "shopify", "shopify", "amazon"],
    "listing_sku": ["A-1", "S-2", "S-1", "A-1"],
    "quantity": [3, 1, 2, 5],
    "route_type": ["unroutable", "unroutable", "first_choice", "first_choice"],
})


def test_open_orders_no_location_can_ship_cost_25_points_for_oversell_risk():
    allocation = pd.DataFrame({"sku": ["OVER"], "channel": ["amazon"], "publishable_quantity": [5]})
    result = health_scores(inputs(sku("OVER"), sku("BUNDLED"), routing=ROUTING, channel_allocation=allocation), CFG)
    over, bundled = score_of(result, "OVER"), score_of(result, "BUNDLED")
    assert over["oversell_deduction"] == 25 and over["score"] == 75
    assert over["oversell_channels"] == "amazon"
    assert "amazon: 3 open units no location serving it can ship" in over["oversell_reason"]
    assert over["oversell_action"] == "lower the published quantity or pause the listing on amazon (publishes 5)"
    assert over["oversell_basis"] == "order_routing"
    # a bundle of two: one unroutable listing unit is two component units
    assert "shopify: 2 open units" in bundled["oversell_reason"]


def test_without_allocation_oversell_comes_from_reservations_above_sellable_stock():
    positions = pd.DataFrame({"sku": ["OVER", "OK"], "location_id": ["WH-1", "WH-1"], "on_hand": [10, 10],
                              "reserved": [12, 3], "unsellable": [1, 0], "available": [-3, 7]})
    result = health_scores(inputs(sku("OVER"), sku("OK"), positions=positions), CFG)
    over, ok = score_of(result, "OVER"), score_of(result, "OK")
    assert over["oversell_deduction"] == 25
    assert over["oversell_channels"] == "amazon, shopify"
    assert "WH-1: 12 reserved > 9 sellable (oversold by 3)" in over["oversell_reason"]
    assert over["oversell_basis"].startswith("inventory_position")
    assert ok["oversell_deduction"] == 0


def test_every_rule_at_once_scores_0_with_one_recommendation_per_cause_urgent_first():
    positions = pd.DataFrame({"sku": ["ALL"], "location_id": ["FC-1"], "on_hand": [120], "reserved": [130],
                              "unsellable": [0], "available": [-10]})
    targets = TARGETS.assign(sku="ALL")
    row = score_of(health_scores(inputs(sku("ALL", on_hand=120, recent_units=0, daily_rate=1.0),
                                        positions=positions, targets=targets), CFG), "ALL")
    assert row["score"] == 100 - 30 - 20 - 25 - 25
    parts = row["recommendation"].split(" | ")
    assert len(parts) == 3
    assert parts[0].startswith("urgent replenishment")
    assert parts[1].startswith("lower the published quantity")
    assert parts[2].startswith("clearance promotion")


@pytest.mark.parametrize("points", [0, 10])
def test_points_come_from_the_config(points):
    cfg = HealthConfig(no_sales_points=points)
    row = score_of(health_scores(inputs(sku("QUIET", recent_units=0, daily_rate=2.0)), cfg), "QUIET")
    assert row["score"] == 100 - points


def test_the_sku_needing_attention_most_comes_first():
    result = health_scores(inputs(sku("OK"), sku("BOTH", on_hand=120, recent_units=0, daily_rate=1.0)), CFG)
    assert result["sku"].tolist() == ["BOTH", "OK"]


def test_a_discontinued_sku_running_out_is_no_stockout_risk():
    row = score_of(health_scores(inputs(sku("RISK", status="discontinued"), targets=TARGETS), CFG), "RISK")
    assert row["stockout_deduction"] == 0
    assert row["stockout_reason"] == "discontinued: running out is intended"


def test_when_nothing_is_planned_the_action_quotes_the_plan_for_the_first_location_to_run_out():
    targets = TARGETS.assign(reason="position 9 ≥ reorder point 8")
    empty = pd.DataFrame(columns=["sku", "from_location", "to_location", "quantity", "ship_by", "expected_arrival"])
    row = score_of(health_scores(inputs(sku("RISK"), targets=targets, transfers=empty), CFG), "RISK")
    assert row["stockout_action"].endswith("(plan: FC-2: position 9 ≥ reorder point 8)")


def test_a_location_without_forecast_demand_is_no_stockout_risk():
    targets = TARGETS.assign(forecast_daily_units=[2.0, 0.0, 1.0])  # FC-2 (11-04) sells nothing
    row = score_of(health_scores(inputs(sku("RISK"), targets=targets), CFG), "RISK")
    assert row["projected_stockout_date"] == date(2026, 11, 15)
    assert "FC-2" not in row["stockout_reason"]


def test_actions_of_flagged_skus_without_their_own_orders_are_empty():
    # tonight's plan orders only for other SKUs: the flagged one has no action to name
    from pipelines.health.score import replenishment_actions

    transfers = pd.DataFrame({"sku": ["B"], "quantity": [5], "from_location": ["UP"], "to_location": ["FC"],
                              "ship_by": [date(2026, 6, 2)], "expected_arrival": [date(2026, 6, 4)]})
    purchases = pd.DataFrame({"sku": ["B"], "quantity": [50], "supplier_id": ["SUP"],
                              "order_by": [date(2026, 6, 1)], "expected_arrival": [date(2026, 7, 1)]})
    assert replenishment_actions(pd.Series(["A"]), transfers, purchases).empty
    named = replenishment_actions(pd.Series(["A", "B"]), transfers, purchases)
    assert named["B"] == ("transfer 5 units UP → FC (ship by 2026-06-02, arrives 2026-06-04); "
                          "purchase 50 units from SUP (order by 2026-06-01, arrives 2026-07-01)")


def test_a_forecast_the_sellable_pool_covers_is_no_stockout_risk():
    # no SKU short within the horizon: the forecast rule finds nothing (it used to fail on no rows)
    forecast = pd.DataFrame({"sku": "FULL", "date": pd.date_range("2026-11-01", periods=15), "p50": 1.0})
    row = score_of(health_scores(inputs(sku("FULL", on_hand=100), forecast=forecast), CFG), "FULL")
    assert row["stockout_deduction"] == 0
    assert row["stockout_basis"] == "demand_forecast"
