"""The perfect-foresight ceiling on the one-store world (tests/unit/simulation_world.py): it
knows the demand and the transit draws, so it orders exactly what each day needs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from tests.unit.simulation_world import backtest, kpi, store_series

HISTORY_BEFORE = [10.0] * 30


def test_constant_demand_is_served_from_no_stock_left_at_night_once_the_start_is_used_up():
    """10 units/day, DC (unlimited) → STORE 3 days + 1 ship day: an order of night t lands on day
    t + 4. The start (300 on hand, 10 landing on each of days 0–3: 340 units) serves days 0–33; the
    first order is placed on night 30 for day 34, then 10 a night: the shelf is empty every night
    from day 33 on and never short."""
    result = backtest(HISTORY_BEFORE + [10.0] * 64, days=64, policies=("perfect_foresight",))
    on_hand = store_series(result, "on_hand", "perfect_foresight")
    assert on_hand[:5].tolist() == [300, 300, 300, 300, 290]
    assert (on_hand[33:] == 0).all()
    assert kpi(result, "fill_rate", "perfect_foresight") == 1.0
    orders = result.results["perfect_foresight"].orders
    assert orders["placed"].min() == 30 and (orders["quantity"] == 10).all()
    # 30 days of cover at the start: it holds less than the rule holding 30–60 days
    assert kpi(result, "average_inventory_units", "perfect_foresight") < 0.25 * kpi(
        backtest(HISTORY_BEFORE + [10.0] * 64, days=64), "average_inventory_units")


def test_a_spike_it_cannot_reach_is_lost_and_nothing_after_it():
    """410 units on day 5 with a 10-day lane: no order can land before day 9, so the 100 units the
    start cannot serve on day 5 are lost; days 10–14, which the rule lost (test_simulation_engine),
    are served because the ceiling ordered for them on nights −1 to 4."""
    window = [10.0] * 5 + [410.0] + [10.0] * 14
    result = backtest(HISTORY_BEFORE + window, days=20, transit=9.0, policies=("perfect_foresight",))
    missed = store_series(result, "missed", "perfect_foresight")
    assert np.flatnonzero(missed > 0).tolist() == [5]
    assert missed.sum() == 100


def test_two_echelons_with_random_lanes_it_beats_the_rule_on_both_fill_and_stock():
    """Supplier → DC 10 days production + 20 days sea, DC → STORE 3 ± 1 days, Poisson demand: the
    ceiling buys for the echelon and moves to the store just in time."""
    demand = np.random.default_rng(1).poisson(10, 200).astype(float).tolist()
    result = backtest(HISTORY_BEFORE + demand, days=200, std=1.0, dc_unlimited=False,
                      policies=("baseline", "perfect_foresight"))
    assert kpi(result, "fill_rate", "perfect_foresight") >= 0.99
    assert kpi(result, "fill_rate", "perfect_foresight") > kpi(result, "fill_rate")
    assert kpi(result, "average_inventory_units", "perfect_foresight") < kpi(result, "average_inventory_units")
    assert kpi(result, "units_served", "perfect_foresight") == pytest.approx(
        kpi(result, "units_demanded", "perfect_foresight") - kpi(result, "units_missed", "perfect_foresight"))


def test_a_discontinued_sku_with_a_longer_lead_time_beside_an_active_one_does_not_break_the_purchases():
    """The demo's 365-day replay raised IndexError: the purchase horizon was sized on the SKUs
    bought while the arrays held every SKU's landing day, a discontinued one's 365 days of
    production beyond it."""
    from dataclasses import replace

    from pipelines.config import BacktestConfig, ForecastConfig, ReplenishmentConfig
    from pipelines.simulation import run_backtest
    from tests.unit.simulation_world import inputs

    world = inputs(HISTORY_BEFORE + [10.0] * 40, dc_unlimited=False)
    old = world.skus.assign(sku="OLD", sku_status="discontinued", production_lead_time_days=365)
    world = replace(world, skus=pd.concat([world.skus, old], ignore_index=True))
    result = run_backtest(world, BacktestConfig(workers=1), ForecastConfig(prophet_max_series=0),
                          ReplenishmentConfig(), days=40, policies=("perfect_foresight",))
    bought = result.results["perfect_foresight"].orders
    assert set(bought["sku"]) == {"A"}
    assert kpi(result, "fill_rate", "perfect_foresight") == 1.0
