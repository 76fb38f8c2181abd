"""The day-by-day simulation on the one-store world (tests/unit/simulation_world.py), with the
spreadsheet rule as the policy: every figure below is worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.simulation.lead_times import LeadTimes
from tests.unit.simulation_world import backtest, inputs, kpi, store_series

HISTORY_BEFORE = [10.0] * 30  # what the starting stock and the first nights' sales average see


def test_constant_demand_with_fixed_lead_time_never_stocks_out_and_holds_the_hand_computed_average():
    """10 units/day, DC → STORE 3 days (+1 day before it leaves), rule 30/60 days of sales.

    Start: 300 on hand (30 days × 10) and 10 units landing on each of days 0–3 (the pipeline of
    a 4-day lane). Position 300 + inbound never drops below 300 until day 4 ends at 290: order
    600 − 290 = 310, landing on day 8. End-of-day on hand:
      days 0–3: 300 each                                  → 1,200
      days 4–7: 290, 280, 270, 260                          → 1,100
      day 8: 260 + 310 − 10 = 560, then −10 a day; night 35 ends at 290 < 300 → order 310 → day 39
      days 8–38: 560 … 260 (31 days, mean 410)            → 12,710
      days 39–63: 560 … 320 (25 days, mean 440)           → 11,000
    average = 26,010 / 64 = 406.40625 units; at unit cost 2: 812.8125.
    """
    result = backtest(HISTORY_BEFORE + [10.0] * 64, days=64)
    assert kpi(result, "stockout_days") == 0
    assert kpi(result, "fill_rate") == 1.0
    assert kpi(result, "cycle_service_level") == 1.0
    assert kpi(result, "average_inventory_units") == pytest.approx(406.40625)
    assert kpi(result, "average_inventory_value") == pytest.approx(812.8125)
    # 640 units served at cost 2 over 64 days: 1,280 × 365 / 64 per year over 812.8125 at cost
    assert kpi(result, "turns") == pytest.approx(1280 * 365 / 64 / 812.8125)
    assert kpi(result, "orders_placed") == 2
    assert kpi(result, "units_ordered") == 620
    on_hand = store_series(result, "on_hand")
    assert on_hand[:9].tolist() == [300, 300, 300, 300, 290, 280, 270, 260, 560]


def test_demand_spike_with_long_lead_time_gives_the_stockouts_counted_by_hand():
    """10 units/day, 410 on day 5, DC → STORE 9 days (+1): an order lands 10 days after its night.

    Day 5: 300 on hand + 10 landing = 310 against 410: 100 units missed, nothing left. Night 5:
    sales average (24 × 10 + 5 × 10 + 410) / 30 = 23.33/day, position 0 + 40 still on its way <
    700: order 1,400 − 40 = 1,360, landing on day 15. Days 6–9 live on the last 10-unit arrivals
    (no stockout); days 10–14 have nothing: 10 missed each. Stockout days: 5, 10, 11, 12, 13, 14
    = 6; units missed 100 + 5 × 10 = 150 of 600 demanded.
    """
    window = [10.0] * 5 + [410.0] + [10.0] * 14
    result = backtest(HISTORY_BEFORE + window, days=20, transit=9.0)
    missed = store_series(result, "missed")
    assert np.flatnonzero(missed > 0).tolist() == [5, 10, 11, 12, 13, 14]
    assert missed.sum() == 150
    assert kpi(result, "stockout_days") == 6
    assert kpi(result, "fill_rate") == pytest.approx(1 - 150 / 600)
    # stockout rate: 6 of the 20 days with demand
    assert kpi(result, "stockout_rate") == pytest.approx(6 / 20)
    # cycles start at each receipt (days 0–9 from the pipeline, day 15): the ones starting on
    # day 5 and day 9 (days 9–14) missed demand, 9 of 11 did not
    assert kpi(result, "cycle_service_level") == pytest.approx(9 / 11)
    orders = result.results["baseline"].orders
    assert orders[["placed", "arrival", "quantity"]].values.tolist() == [[5, 15, 1360]]


def test_backorders_wait_for_the_next_units_instead_of_being_lost():
    """The spike again, backordered: the 100 units of day 5 wait. Days 6-9 the 10 arriving units
    go to the oldest backorders first, so each day's new 10 wait too (backlog stays 100); days
    10-14 add 10 a day (150). Night 5 ordered 1,400 − (0 − 100 + 40) = 1,460, landing on day 15:
    150 backordered + 10 of the day shipped. Missed the same day: 100 + 4 × 10 + 5 × 10 = 190."""
    window = [10.0] * 5 + [410.0] + [10.0] * 14
    result = backtest(HISTORY_BEFORE + window, days=20, transit=9.0, backtest_cfg={"lost_sales": False})
    backlog = store_series(result, "backlog")
    assert backlog[5:16].tolist() == [100, 100, 100, 100, 100, 110, 120, 130, 140, 150, 0]
    assert store_series(result, "served")[15] == 160
    assert result.results["baseline"].orders["quantity"].tolist() == [1460]
    assert kpi(result, "fill_rate") == pytest.approx(1 - 190 / 600)  # same-day service is what counts
    assert kpi(result, "units_served") == 600  # every unit is shipped in the end


def test_same_seed_gives_the_same_result_and_another_seed_other_lead_times():
    history = HISTORY_BEFORE + [10.0, 30.0, 0.0, 5.0, 25.0, 10.0, 40.0] * 6

    def run(seed: int):
        return backtest(history, days=42, transit=4.0, std=2.0, backtest_cfg={"seed": seed})

    first, again, other = run(11), run(11), run(12)
    pd.testing.assert_frame_equal(first.kpis, again.kpis)
    pd.testing.assert_frame_equal(first.daily, again.daily)
    pd.testing.assert_frame_equal(first.results["baseline"].orders, again.results["baseline"].orders)
    assert first.results["baseline"].orders["transit_days"].nunique() > 1  # the spread is used
    transits = first.results["baseline"].orders["transit_days"].tolist()
    assert transits != other.results["baseline"].orders["transit_days"].tolist()[:len(transits)]


def test_lead_time_draws_do_not_depend_on_the_order_of_calls():
    """Both policies get the same transit for the same SKU, lane and night, whoever asks first."""
    from pipelines.config import ReplenishmentConfig
    from pipelines.simulation import build_network

    world = inputs([10.0] * 40, std=3.0)
    network = build_network(world.skus, world.locations, world.lanes, ReplenishmentConfig())
    lane = network.lane_of(["DC"], ["STORE"], ["truck"])
    one, other = LeadTimes(network, seed=5), LeadTimes(network, seed=5)
    first = one.transit_days(7, np.array([0]), lane)
    other.transit_days(3, np.array([0]), lane)
    other.transit_days(9, np.array([0, 0]), np.concatenate([lane, lane]))
    assert other.transit_days(7, np.array([0]), lane).tolist() == first.tolist()
    assert (first >= 1).all()


def test_transit_is_at_least_one_day_and_exact_without_spread():
    from pipelines.config import ReplenishmentConfig
    from pipelines.simulation import build_network

    world = inputs([10.0] * 40, transit=0.2, std=0.0)
    network = build_network(world.skus, world.locations, world.lanes, ReplenishmentConfig())
    lane = network.lane_of(["DC", "SUP"], ["STORE", "DC"], ["truck", "sea"])
    assert LeadTimes(network, seed=1).transit_days(0, np.array([0, 0]), lane).tolist() == [1, 20]
