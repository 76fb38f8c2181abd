"""Demand sensing: recent sales that outrun the forecast are planned on (pipelines.replenishment.sensing).

The world: tests/unit/replenishment_world.py (FC-E serves the east, 2-day truck from UP-E, review
1 day, no band unless given, 95 % service: z = 1.645). Sensing over the last 7 days at the
forecast's 90 % quantile (z = 1.2816) unless a test says otherwise.
"""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.replenishment.demand import build_demand_cube
from pipelines.replenishment.sensing import MIN_UNITS, promotion_days, sense_recent_demand
from tests.unit.replenishment_world import AS_OF, config, forecast, fulfilment, history, locations, plan, row

EAST_ONLY = {"A": {"east": 0.0}}


def _cube(demand, band: float = 0.0):
    return build_demand_cube(forecast(demand, band), fulfilment(list(demand)), locations(), AS_OF)


def _promotion(start_days_ago: int, end_days_ago: int, sku: str = "A") -> pd.DataFrame:
    return pd.DataFrame({"sku": [sku], "start_date": [AS_OF - timedelta(days=start_days_ago)],
                         "end_date": [AS_OF - timedelta(days=end_days_ago)]})


def test_item_back_from_an_outage_is_planned_on_its_recent_rate():
    # forecast 0 (fitted on the outage), then 10 units a day at FC-E for the last 7 days
    cube, sensed = sense_recent_demand(_cube(EAST_ONLY), history({("A", "FC-E"): [0] * 30 + [10] * 7}),
                                       None, days=7, quantile=0.9)
    fc_e = list(cube.locations).index("FC-E")
    assert np.allclose(cube.location_p50[0, fc_e], 10.0)
    assert np.allclose(cube.location_sigma[0, fc_e], np.sqrt(10.0))  # Poisson spread of the rate
    assert np.allclose(cube.total_p50[0], 10.0)  # the network purchase follows
    assert sensed[["sku", "location_id"]].values.tolist() == [["A", "FC-E"]]
    assert sensed["recent_daily_units"].iloc[0] == pytest.approx(10.0)


def test_sales_inside_the_forecast_band_change_nothing():
    # forecast 10/day, band ±5 → σ = 10 / 2.563 = 3.90/day; 7 days: 70 + 1.2816 · sqrt(7) · 3.90 = 83.2
    before = _cube({"A": {"east": 10.0}}, band=5.0)
    cube, sensed = sense_recent_demand(before, history({("A", "FC-E"): [11.5] * 7}), None, days=7, quantile=0.9)
    assert sensed.empty  # 80.5 units ≤ 83.2
    assert np.array_equal(cube.location_p50, before.location_p50)


def test_sales_above_the_forecasts_upper_quantile_raise_only_the_days_below_the_rate():
    # forecast 10/day for 30 days then 20/day; the last 7 days sold 13/day = 91 > 83.2
    cube, sensed = sense_recent_demand(_cube({"A": {"east": [10.0] * 30 + [20.0]}}, band=5.0),
                                       history({("A", "FC-E"): [13] * 7}), None, days=7, quantile=0.9)
    fc_e = list(cube.locations).index("FC-E")
    assert np.allclose(cube.location_p50[0, fc_e, :30], 13.0)
    assert np.allclose(cube.location_p50[0, fc_e, 30:], 20.0)  # a coming peak is kept
    assert sensed["forecast_daily_units"].iloc[0] == pytest.approx(10.0)


def test_a_couple_of_sales_are_noise():
    cube, sensed = sense_recent_demand(_cube(EAST_ONLY), history({("A", "FC-E"): [0] * 5 + [1, MIN_UNITS - 2]}),
                                       None, days=7, quantile=0.9)
    assert sensed.empty
    assert cube.location_p50.sum() == 0


def test_promotion_days_are_left_out_of_the_recent_sales():
    # 40 units a day on the promotion's 3 days, 2 a day on the 4 days after it: 8 units over 4 days,
    # above a forecast of 0 (so sensed), at 2 a day, not the 18.3 a day of all 7 days
    sales = history({("A", "FC-E"): [40] * 3 + [2] * 4})
    cube, sensed = sense_recent_demand(_cube(EAST_ONLY), sales, _promotion(6, 4), days=7, quantile=0.9)
    assert sensed["recent_daily_units"].iloc[0] == pytest.approx(2.0)
    assert sensed["days_used"].iloc[0] == 4


def test_a_window_mostly_on_promotion_is_not_judged():
    sales = history({("A", "FC-E"): [40] * 7})
    _, sensed = sense_recent_demand(_cube(EAST_ONLY), sales, _promotion(6, 2), days=7, quantile=0.9)
    assert sensed.empty  # 2 of 7 days left: fewer than half


def test_promotion_days_mark_each_sku_on_its_own_days():
    promos = pd.concat([_promotion(2, 1, "A"), _promotion(30, 20, "B")])
    marks = promotion_days(promos, pd.Series(["A", "B", "A"]), AS_OF, 4)
    assert marks.tolist() == [[False, True, True, False], [False] * 4, [False, True, True, False]]


def test_sensing_off_leaves_the_forecast():
    cube, sensed = sense_recent_demand(_cube(EAST_ONLY), history({("A", "FC-E"): [10] * 7}), None,
                                       days=0, quantile=0.9)
    assert sensed.empty and cube.location_p50.sum() == 0


def test_returning_item_is_replenished_with_the_reason():
    # zero forecast, 10/day for the last week, 5 on hand at FC-E: lead time 1 ship day + 2 +
    # review 1 → 40 units + 1.645 · sqrt(4 · 10) = 10.4 → reorder point 51, needs a transfer of 46
    out = plan(EAST_ONLY, {("A", "FC-E"): 5, ("A", "UP-E"): 500}, [{"sku": "A"}],
               history=history({("A", "FC-E"): [0] * 60 + [10] * 7}), cfg=config(error_lookback_days=0))
    target = row(out.targets, sku="A", location_id="FC-E")
    assert target["demand_basis"] == "recent sales"
    assert target["reorder_point"] == 51
    assert bool(target["needs_replenishment"])
    assert target["reason"].startswith("recent sales 10/day over 7 days above the forecast's 0/day")
    assert row(out.transfer_orders, sku="A", to_location="FC-E")["quantity"] == 46


def test_without_sensing_a_zero_forecast_is_not_replenished():
    out = plan(EAST_ONLY, {("A", "FC-E"): 5, ("A", "UP-E"): 500}, [{"sku": "A"}],
               history=history({("A", "FC-E"): [0] * 60 + [10] * 7}),
               cfg=config(error_lookback_days=0, sensing_days=0))
    target = row(out.targets, sku="A", location_id="FC-E")
    assert target["demand_basis"] == "forecast"
    assert not bool(target["needs_replenishment"])
