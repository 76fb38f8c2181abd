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


def test_no_sales_without_excess_network_wide_is_a_listing_review_not_a_clearance():
    row = score_of(health_scores(inputs(sku("QUIET", recent_units=0, daily_rate=2.0)), CFG), "QUIET")
    assert row["action"] == "review_listing"
    assert row["recommendation"].startswith("review the listing and price: no sale in the last 30 days")
    assert "clearance" not in row["recommendation"]


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


def day(text: str | None) -> date | None:
    return date.fromisoformat(text) if text else None


def target(name: str, location: str, stockout: str | None, *, position: int = 3, reorder_point: int = 8,
           order_up_to: int = 12, earliest: str | None = "2026-11-03", reorder: str | None = None,
           by: str = "transfer", source: str | None = "WH-1", rate: float = 1.0, cover: float | None = None,
           reason: str = "the plan's reason") -> dict:
    """One marts.replenishment_targets row; an order placed tonight lands on ``earliest`` (the
    plan's ``earliest_arrival``), the position falls to the reorder point on ``reorder`` (the
    as-of date when it is already below)."""
    below = position < reorder_point
    return dict(sku=name, location_id=location, sku_status="active", replenished_by=by,
                source_id=source if by != "none" else None, forecast_daily_units=rate,
                reorder_point=reorder_point, order_up_to=order_up_to, inventory_position=position,
                days_of_cover=cover, projected_stockout_date=day(stockout),
                reorder_date=day(reorder) or (AS_OF if below else None),
                earliest_arrival=day(earliest) if by != "none" else None, needs_replenishment=below, reason=reason)


def targets(*rows: dict) -> pd.DataFrame:
    return pd.DataFrame(list(rows))


def transfer(name: str, to: str, arrives: str, quantity: int = 48, source: str = "WH-1") -> dict:
    return dict(sku=name, from_location=source, to_location=to, quantity=quantity, ship_by=date(2026, 11, 1),
                expected_arrival=day(arrives))


NO_PURCHASES = pd.DataFrame(columns=["sku", "supplier_id", "quantity", "order_by", "expected_arrival"])
NO_TRANSFERS = pd.DataFrame(columns=["sku", "from_location", "to_location", "quantity", "ship_by", "expected_arrival"])


def planned(*transfers: dict) -> dict:
    """Tonight's plan: these transfer orders, no purchase."""
    return dict(transfers=pd.DataFrame(list(transfers)) if transfers else NO_TRANSFERS, purchases=NO_PURCHASES)


def test_a_stockout_before_the_next_possible_arrival_is_urgent_and_costs_25_points():
    # FC-2 runs out on 11-04; an order placed tonight lands on 11-06
    t = targets(target("RISK", "FC-2", "2026-11-04", earliest="2026-11-06", cover=4.2))
    row = score_of(health_scores(inputs(sku("RISK"), targets=t, **planned()), CFG), "RISK")
    assert row["stockout_deduction"] == 25 and row["score"] == 75
    assert (row["projected_stockout_date"], row["stockout_location"], row["next_arrival"]) == (
        date(2026, 11, 4), "FC-2", date(2026, 11, 6))
    assert row["action"] == "urgent_replenishment"
    assert row["recommendation"].startswith("urgent replenishment: nothing is planned tonight — expedite inbound "
                                            "stock or buy now: FC-2 runs out on 2026-11-04, before the next "
                                            "possible arrival 2026-11-06 (plan: FC-2: the plan's reason)")
    assert "FC-2 runs out on 2026-11-04 (4.2 days of cover), before the next possible arrival 2026-11-06" \
        in row["stockout_reason"]


def test_tonights_transfer_landing_after_the_stockout_is_to_be_expedited():
    t = targets(target("RISK", "FC-2", "2026-11-04", earliest="2026-11-06"))
    row = score_of(health_scores(inputs(sku("RISK"), targets=t, **planned(transfer("RISK", "FC-2", "2026-11-06"))),
                                 CFG), "RISK")
    assert row["action"] == "urgent_replenishment"
    assert row["recommendation"] == ("urgent replenishment: expedite transfer 48 units WH-1 → FC-2 (ship by "
                                     "2026-11-01, arrives 2026-11-06) — FC-2 runs out on 2026-11-04, before the "
                                     "next possible arrival 2026-11-06")


def test_tonights_transfer_landing_before_the_stockout_prevents_it():
    t = targets(target("SAFE", "FC-2", "2026-11-10", earliest="2026-11-03"))
    row = score_of(health_scores(inputs(sku("SAFE"), targets=t, **planned(transfer("SAFE", "FC-2", "2026-11-03"))),
                                 CFG), "SAFE")
    assert row["stockout_deduction"] == 0 and row["score"] == 100
    assert row["stockout_reason"].startswith("projected stockout within 15 days, prevented by the plan")
    assert row["action"] == "follow_plan"
    assert row["recommendation"] == ("follow the plan: transfer 48 units WH-1 → FC-2 (ship by 2026-11-01, arrives "
                                     "2026-11-03) lands before FC-2 runs out on 2026-11-10")


def test_at_or_above_the_reorder_point_the_plan_says_when_it_reorders():
    # position 12 ≥ reorder point 8: the plan orders on 11-05, an order lands 2 days later, before 11-12
    t = targets(target("CYCLE", "FC-1", "2026-11-12", position=12, reorder="2026-11-05", earliest="2026-11-03"))
    row = score_of(health_scores(inputs(sku("CYCLE"), targets=t, **planned()), CFG), "CYCLE")
    assert row["stockout_deduction"] == 0
    assert "nothing is planned" not in row["recommendation"]
    assert row["recommendation"] == ("follow the plan: the plan reorders from WH-1 when the position (12) falls below "
                                     "the reorder point 8, projected on 2026-11-05 (FC-1 runs out on 2026-11-12 "
                                     "without it)")


def test_below_the_reorder_point_with_nothing_planned_but_time_to_order_is_replenish_not_urgent():
    t = targets(target("LOW", "FC-1", "2026-11-10", earliest="2026-11-03"))
    row = score_of(health_scores(inputs(sku("LOW"), targets=t, **planned()), CFG), "LOW")
    assert row["stockout_deduction"] == 25
    assert row["action"] == "replenish"
    assert "urgent" not in row["recommendation"]
    assert row["recommendation"].startswith("replenish: an order placed tonight from WH-1 lands 2026-11-03, before "
                                            "FC-1 runs out on 2026-11-10; nothing is planned tonight although the "
                                            "position 3 is below the reorder point 8")


def test_a_location_no_lane_reaches_is_urgent():
    t = targets(target("CUT", "STORE", "2026-11-05", by="none"))
    row = score_of(health_scores(inputs(sku("CUT"), targets=t, **planned()), CFG), "CUT")
    assert row["action"] == "urgent_replenishment"
    assert row["next_arrival"] is None or pd.isna(row["next_arrival"])
    assert "STORE runs out on 2026-11-05, and no lane reaches it" in row["recommendation"]


def test_the_most_severe_location_decides_then_the_first_to_run_out():
    t = targets(target("TWO", "FC-1", "2026-11-04", position=12, reorder="2026-11-01", earliest="2026-11-03"),
                target("TWO", "FC-2", "2026-11-08", earliest="2026-11-10"))
    row = score_of(health_scores(inputs(sku("TWO"), targets=t, **planned()), CFG), "TWO")
    assert (row["stockout_location"], row["projected_stockout_date"]) == ("FC-2", date(2026, 11, 8))
    assert row["stockout_reason"].index("FC-2 runs out") < row["stockout_reason"].index("FC-1 runs out")


EXCESS = dict(on_hand=500, daily_rate=1.0)  # 500 days of inventory: excess network-wide


def test_short_at_one_location_while_excess_network_wide_gets_the_plans_transfer_not_clearance():
    t = targets(target("LONG", "FC-2", "2026-11-04", earliest="2026-11-06"))
    row = score_of(health_scores(inputs(sku("LONG", **EXCESS), targets=t,
                                        **planned(transfer("LONG", "FC-2", "2026-11-06", source="AWD-1"))),
                                 CFG), "LONG")
    assert row["excess_deduction"] == 20 and row["stockout_deduction"] == 25
    assert row["action"] == "rebalance"
    assert row["recommendation"].startswith("rebalance: expedite transfer 48 units AWD-1 → FC-2 (ship by 2026-11-01, "
                                            "arrives 2026-11-06) — FC-2 runs out on 2026-11-04, before the next "
                                            "possible arrival 2026-11-06; the network holds too much")
    assert "buy" in row["recommendation"] and "clearance" not in row["recommendation"]
    assert row["slow_mover_action"] == "held back while FC-2 is short"


LANES = pd.DataFrame({"origin_id": ["FC-1", "AWD-1"], "destination_id": ["FC-2", "FC-2"], "mode": ["truck", "truck"],
                      "transit_days": [2.0, 1.0], "lane_status": ["active", "disrupted"]})


def test_short_at_one_location_and_long_at_another_moves_units_over_the_fastest_active_lane():
    # FC-1 holds 40, 20 beyond its order-up-to level; FC-2 lacks 12 − 2 = 10 to its own
    stock = pd.DataFrame({"sku": "MOVE", "location_id": ["FC-1", "FC-2", "AWD-1"], "on_hand": [40, 2, 30],
                          "reserved": 0, "unsellable": 0, "available": [40, 2, 30]})
    t = targets(target("MOVE", "FC-2", "2026-11-04", position=2, earliest="2026-11-06"),
                target("MOVE", "FC-1", None, position=40, order_up_to=20))
    row = score_of(health_scores(inputs(sku("MOVE"), targets=t, positions=stock, lanes=LANES, **planned()), CFG),
                   "MOVE")
    assert row["excess_deduction"] == 0
    assert row["action"] == "rebalance"
    # the AWD-1 lane is faster but disrupted
    assert row["recommendation"].startswith("rebalance: move 10 units from FC-1 to FC-2 (2-day truck lane) — FC-2 "
                                            "runs out on 2026-11-04, before the next possible arrival 2026-11-06; "
                                            "another location holds units to spare")


def test_excess_network_wide_with_no_lane_to_the_short_location_names_where_the_stock_sits_and_buys_nothing():
    stock = pd.DataFrame({"sku": "STUCK", "location_id": ["AWD-1", "FC-1", "STORE"], "on_hand": [18, 2, 0],
                          "reserved": 0, "unsellable": 0, "available": [18, 2, 0]})
    t = targets(target("STUCK", "STORE", "2026-11-01", position=0, earliest="2026-11-03"))
    row = score_of(health_scores(inputs(sku("STUCK", **EXCESS), targets=t, positions=stock, lanes=LANES,
                                        **planned()), CFG), "STUCK")
    assert row["action"] == "rebalance"
    assert row["recommendation"].startswith("rebalance: no lane reaches STORE from where the stock sits (AWD-1 18, "
                                            "FC-1 2): move it by hand, or let STORE run out")
    assert "buy now" not in row["recommendation"] and "clearance" not in row["recommendation"]


def test_excess_while_the_plan_replenishes_every_location_in_time_is_cleared_and_says_when_the_plan_orders():
    t = targets(target("SLOW", "FC-1", "2026-11-12", position=12, reorder="2026-11-05"))
    row = score_of(health_scores(inputs(sku("SLOW", **EXCESS), targets=t, **planned()), CFG), "SLOW")
    assert row["action"] == "clearance"
    assert row["recommendation"].startswith("clearance promotion, or move 410 units (820.00 at cost) to a discount "
                                            "channel — 500 days of inventory at selling locations")
    assert row["recommendation"].endswith("; meanwhile the plan reorders from WH-1 when the position (12) falls below "
                                          "the reorder point 8, projected on 2026-11-05 (FC-1 runs out on 2026-11-12 "
                                          "without it)")


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


def test_every_rule_at_once_scores_0_with_one_action_and_the_listing_fix():
    positions = pd.DataFrame({"sku": ["ALL"], "location_id": ["FC-1"], "on_hand": [120], "reserved": [130],
                              "unsellable": [0], "available": [-10]})
    t = targets(target("ALL", "FC-2", "2026-11-04", earliest="2026-11-06"))
    row = score_of(health_scores(inputs(sku("ALL", on_hand=120, recent_units=0, daily_rate=1.0),
                                        positions=positions, targets=t, **planned()), CFG), "ALL")
    assert row["score"] == 100 - 30 - 20 - 25 - 25
    # FC-2 runs out before anything can land and no other location has units to move: rush stock
    # in, and hold the clearance back however many days of inventory the sales rate gives
    assert row["action"] == "urgent_replenishment"
    parts = row["recommendation"].split(" | ")
    assert len(parts) == 2
    assert parts[0].startswith("urgent replenishment: ")
    assert parts[1].startswith("lower the published quantity")
    assert row["slow_mover_action"] == "held back while FC-2 is short"


@pytest.mark.parametrize("points", [0, 10])
def test_points_come_from_the_config(points):
    cfg = HealthConfig(no_sales_points=points)
    row = score_of(health_scores(inputs(sku("QUIET", recent_units=0, daily_rate=2.0)), cfg), "QUIET")
    assert row["score"] == 100 - points


def test_the_sku_needing_attention_most_comes_first():
    result = health_scores(inputs(sku("OK"), sku("BOTH", on_hand=120, recent_units=0, daily_rate=1.0)), CFG)
    assert result["sku"].tolist() == ["BOTH", "OK"]


def test_a_discontinued_sku_running_out_is_no_stockout_risk():
    t = targets(target("RISK", "FC-2", "2026-11-04", earliest="2026-11-06"))
    row = score_of(health_scores(inputs(sku("RISK", status="discontinued"), targets=t, **planned()), CFG), "RISK")
    assert row["stockout_deduction"] == 0
    assert row["stockout_reason"] == "discontinued: running out is intended"
    assert row["action"] == "none"


def test_a_location_without_forecast_demand_is_no_stockout_risk():
    t = targets(target("RISK", "FC-1", "2026-11-10", earliest="2026-11-06"),
                target("RISK", "FC-2", "2026-11-04", earliest="2026-11-06", rate=0.0))  # FC-2 sells nothing
    row = score_of(health_scores(inputs(sku("RISK"), targets=t, **planned()), CFG), "RISK")
    assert row["projected_stockout_date"] == date(2026, 11, 10)
    assert "FC-2" not in row["stockout_reason"]


def test_a_stockout_after_the_horizon_costs_nothing():
    t = targets(target("LATER", "FC-1", "2026-11-16", earliest="2026-11-20"))  # 16 days away
    row = score_of(health_scores(inputs(sku("LATER"), targets=t, **planned()), CFG), "LATER")
    assert row["stockout_deduction"] == 0
    assert row["stockout_reason"] == "no location projected to run out within 15 days"
    assert row["action"] == "none" and row["recommendation"] == ""


def test_clearance_and_urgent_replenishment_are_never_recommended_together():
    t = targets(*(target(name, "FC-2", "2026-11-04", earliest="2026-11-06") for name in ("A", "B")))
    result = health_scores(inputs(sku("A", **EXCESS), sku("B", on_hand=30, recent_units=0, daily_rate=0.0),
                                  targets=t, **planned()), CFG)
    for rec in result["recommendation"]:
        assert not ("clearance" in rec and ("urgent" in rec or "buy now" in rec)), rec
    assert set(result["action"]) == {"rebalance"}


def test_a_forecast_the_sellable_pool_covers_is_no_stockout_risk():
    # no SKU short within the horizon: the forecast rule finds nothing (it used to fail on no rows)
    forecast = pd.DataFrame({"sku": "FULL", "date": pd.date_range("2026-11-01", periods=15), "p50": 1.0})
    row = score_of(health_scores(inputs(sku("FULL", on_hand=100), forecast=forecast), CFG), "FULL")
    assert row["stockout_deduction"] == 0
    assert row["stockout_basis"] == "demand_forecast"
