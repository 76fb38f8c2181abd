"""Why each unit was lost (pipelines/simulation/losses.py), on the one-store world's hand-worked
cases (tests/unit/simulation_world.py; test_simulation_engine.py works out the rule's orders)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.simulation.losses import CAUSES, loss_summary
from tests.unit.simulation_world import backtest

HISTORY_BEFORE = [10.0] * 30
SPIKE = [10.0] * 5 + [410.0] + [10.0] * 14


def _causes(result, policy: str) -> dict[int, tuple[str, float]]:
    rows = result.losses[result.losses["policy"] == policy]
    days = (np.array(rows["date"], dtype="datetime64[D]") - np.datetime64(result.window.start, "D")).astype(int)
    return dict(zip(days.tolist(), zip(rows["cause"], rows["lost_units"], strict=True), strict=True))


def test_spike_before_any_order_can_land_is_start_up_and_the_rule_s_late_reorder_is_ordered_late():
    """DC (unlimited) → STORE 9 days + 1 ship day: L = 10, so days 0–9 are the first lead time.
    Day 5 loses 100 units: start-up. The rule orders on night 5 (landing day 15): days 10–14 lose
    10 each; no order was placed in their review window (night t − 10), one was placed after it
    and before the day: ordered late."""
    result = backtest(HISTORY_BEFORE + SPIKE, days=20, transit=9.0, policies=("baseline", "perfect_foresight"))
    assert _causes(result, "baseline") == {5: ("start_up", 100.0), **{d: ("ordered_late", 10.0)
                                                                      for d in range(10, 15)}}
    assert _causes(result, "perfect_foresight") == {5: ("start_up", 100.0)}
    first = result.losses.groupby("policy")["in_first_lead_time"].sum().to_dict()
    assert first == {"baseline": 1, "perfect_foresight": 1}
    summary = loss_summary(result.losses)
    rule = summary[summary["policy"] == "baseline"].set_index("cause")
    assert rule["lost_units"].to_dict() == {"start_up": 100.0, "ordered_late": 50.0}
    assert rule.loc["start_up", "share_of_lost"] == 100 / 150
    assert rule.loc["ordered_late", "meaning"] == CAUSES["ordered_late"]


def test_an_empty_dc_is_upstream_empty_and_a_late_transit_draw_is_lead_time_longer():
    """Two echelons (DC limited, supplier 10 + 20 days), DC → STORE 3 ± 1 days, Poisson demand:
    the fixed 30/60 rule buys too late for a 30-day purchase, so the DC runs dry and every unit the
    store loses after the first lead time is upstream empty — because the DC's own purchase was
    placed after the last night that could land in time; the ceiling loses only where a transit
    draw landed after the day it was ordered for."""
    demand = np.random.default_rng(1).poisson(10, 200).astype(float).tolist()
    result = backtest(HISTORY_BEFORE + demand, days=200, std=1.0, dc_unlimited=False,
                      policies=("baseline", "perfect_foresight"))
    rule = result.losses[result.losses["policy"] == "baseline"]
    assert len(rule) and set(rule["cause"]) == {"upstream_empty"}
    assert set(rule["upstream_cause"]) == {"ordered_late"}
    assert loss_summary(result.losses)["cause"].tolist() == ["upstream_empty ← ordered_late", "lead_time_longer"]
    assert rule["lost_units"].sum() == result.results["baseline"].missed.sum()
    ceiling = result.losses[result.losses["policy"] == "perfect_foresight"]
    assert set(ceiling["cause"]) == {"lead_time_longer"} and ceiling["upstream_cause"].isna().all()


def test_a_policy_that_never_orders_loses_units_to_not_ordered():
    """Rule 0 / 0.1 days of cover: a position is never below 0 days, so it never orders; once the
    start is used up every unit is lost with no order placed: not ordered."""
    result = backtest(HISTORY_BEFORE + [10.0] * 60, days=60, transit=3.0,
                      backtest_cfg={"baseline": {"reorder_cover_days": 0, "order_up_to_days": 0.1,
                                                 "plus_lead_time": False}})
    assert result.results["baseline"].orders.empty
    assert set(result.losses["cause"]) == {"not_ordered"}
    assert result.losses["lost_units"].sum() == result.results["baseline"].missed.sum()


def test_no_loss_no_rows():
    result = backtest(HISTORY_BEFORE + [10.0] * 30, days=30)
    assert result.losses.empty and list(loss_summary(result.losses).columns)[:3] == ["policy", "cause", "lost_units"]


def test_the_fill_rate_after_the_first_lead_time_leaves_the_start_out():
    """The spike: the first lead time is days 0–9 (1 ship day + 9 days transit, the DC never runs
    out). The rule loses 100 units there and 50 after it, of the 10 × 10 units demanded on days
    10–19: 50 % after the start-up; the ceiling loses nothing after it."""
    result = backtest(HISTORY_BEFORE + SPIKE, days=20, transit=9.0, policies=("baseline", "perfect_foresight"))
    k = result.kpis.set_index(["policy", "kpi"])["value"]
    assert k[("baseline", "units_missed_start_up")] == 100 and k[("perfect_foresight", "units_missed_start_up")] == 100
    assert k[("baseline", "fill_rate_after_start_up")] == pytest.approx(0.5)
    assert k[("perfect_foresight", "fill_rate_after_start_up")] == 1.0
