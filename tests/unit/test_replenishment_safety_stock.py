"""Safety stock from the forecast error over the whole lead time + review window, measured on the
history (pipelines.replenishment.safety_stock), on the world of replenishment_world: FC-E is
supplied from UP-E in 2 days, review 1 day, so W = 3 days; 95 % service, z = 1.6449.

The two histories below have the same daily spread (±2 units/day around 4) and the same 28-day
average (4): only how consecutive days' errors go together differs. Demand sensing is off here
(its own tests: test_replenishment_sensing.py): the shifting history's last week sells above 4."""

from __future__ import annotations

from datetime import timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.replenishment.safety_stock import MIN_ORIGINS, measured_window_std, window_error_std
from tests.unit.replenishment_world import AS_OF, config, history, lanes, plan, row

Z95 = 1.6448536269514722
Z90 = 1.2815515655446004
#: 30 + 4·28 days: 112 rolling origins, four whole 28-day cycles of the patterns below.
DAYS = 142
ALTERNATING = [2.0, 6.0] * (DAYS // 2)
#: two weeks of 2 units/day, two weeks of 6: a level that shifts
SHIFTING = ([2.0] * 14 + [6.0] * 14) * 5 + [2.0] * 2


def _targets(series, band=0.0):
    # no ship day: the 3-day window (2 days by truck + 1 day of review) the series are built on
    cfg = config(error_lookback_days=DAYS, error_forecast_days=28, sensing_days=0, transfer_ship_days=0)
    t = plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}], band=band, cfg=cfg,
             history=history({("A", "FC-E"): series})).targets
    return row(t, sku="A", location_id="FC-E")


def test_constant_demand_has_no_error_to_measure():
    assert window_error_std(np.full((1, DAYS), 4.0), 3, 28).tolist() == [0.0]


def test_alternating_days_cancel_over_the_window():
    # mean of any 28 days = 4; 3 days hold 2+6+2 = 10 or 6+2+6 = 14 against 12: errors ±2
    assert window_error_std(np.array([ALTERNATING[-DAYS:]]), 3, 28)[0] == pytest.approx(2.0)


def test_a_shifting_level_adds_up_over_the_window():
    # per 28 origins: 12 windows of 2·3 = 6 and 12 of 6·3 = 18 against 12 (errors ∓6), 4 mixed
    # windows of 10 or 14 (errors ∓2): σW = sqrt((24·36 + 4·4) / 28) = sqrt(220/7) = 5.606
    assert window_error_std(np.array([SHIFTING[-DAYS:]]), 3, 28)[0] == pytest.approx(np.sqrt(220 / 7))


def test_autocorrelated_errors_get_the_larger_safety_stock():
    # the band says σd = 2 units/day → over 3 independent days σ = 2·sqrt(3) = 3.46 → SS 5.70 → 6
    band = 2 * Z90
    alternating, shifting = _targets(ALTERNATING, band), _targets(SHIFTING, band)
    assert alternating["safety_stock"] == np.ceil(Z95 * 2 * np.sqrt(3)) == 6
    assert alternating["spread_basis"] == "forecast band"
    # measured over the window: σW = 5.606 → SS = 1.6449 · 5.606 = 9.22 → 10, ROP = 12 + 9.22 → 22
    assert shifting["safety_stock"] == np.ceil(Z95 * np.sqrt(220 / 7)) == 10
    assert shifting["reorder_point"] == 22
    assert shifting["lead_time_demand_std"] == pytest.approx(np.sqrt(220 / 7), abs=1e-3)
    assert shifting["spread_basis"] == "measured errors"
    assert "σ 5.6 units from the measured errors" in shifting["reason"]


def test_lead_time_spread_adds_to_the_measured_error():
    # σL = 1 day: σ = sqrt(220/7 + 4²·1²) = 6.859 → SS = 1.6449 · 6.859 = 11.28 → 12
    cfg = config(error_lookback_days=DAYS, error_forecast_days=28, sensing_days=0, transfer_ship_days=0)
    table = lanes({("UP-E", "FC-E", "truck"): {"transit_days_std": 1.0}})
    t = plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}], cfg=cfg, lane_table=table,
             history=history({("A", "FC-E"): SHIFTING})).targets
    assert row(t, sku="A", location_id="FC-E")["safety_stock"] == np.ceil(Z95 * np.sqrt(220 / 7 + 16)) == 12


def test_stockout_days_are_not_read_as_errors():
    # 4 units/day with a 10-day gap: unflagged, the gap is an error; flagged as a stockout, every
    # origin touching it is left out and the rest forecast exactly
    series = np.full((1, DAYS), 4.0)
    series[0, 80:90] = 0.0
    stockout = np.zeros_like(series, dtype=bool)
    stockout[0, 80:90] = True
    assert window_error_std(series, 3, 28)[0] > 1.0
    assert window_error_std(series, 3, 28, stockout)[0] == 0.0


def test_stockouts_reach_the_plan_by_sku_and_date():
    series = [4.0] * DAYS
    series[80:90] = [0.0] * 10
    gap = [AS_OF - timedelta(days=DAYS - 1 - d) for d in range(80, 90)]
    cfg = config(error_lookback_days=DAYS, error_forecast_days=28, sensing_days=0)
    t = plan({"A": {"east": 4}}, {("A", "FC-E"): 50}, [{"sku": "A"}], cfg=cfg,
             history=history({("A", "FC-E"): series}), stockouts=pd.DataFrame({"date": gap, "sku": "A"})).targets
    assert row(t, sku="A", location_id="FC-E")["safety_stock"] == 0


def test_a_launch_is_not_an_error():
    # nothing sold for 60 days, then 4 a day: only origins whose 28 days start at the first sale count
    series = np.array([[0.0] * 60 + [4.0] * (DAYS - 60)])
    assert window_error_std(series, 3, 28)[0] == 0.0


def test_too_short_a_history_measures_nothing():
    # 28 forecast days + 3 window days + MIN_ORIGINS − 2 days: one origin short of a measurement
    days = 28 + 3 + MIN_ORIGINS - 2
    series = np.array([SHIFTING[:days]])
    assert window_error_std(series, 3, 28)[0] == 0.0
    assert window_error_std(np.array([SHIFTING[:days + 1]]), 3, 28)[0] > 0.0


def test_the_network_purchase_measures_the_sku_in_total():
    # two locations alternating out of step: each errs by ±2 over 3 days, their sum (8 a day) never
    shipped = history({("A", "FC-E"): ALTERNATING, ("A", "FC-W"): ALTERNATING[1:] + [2.0]})
    none = pd.DataFrame(columns=["date", "sku"])
    by_location = measured_window_std(shipped, none, pd.DataFrame({"sku": ["A", "A"], "location_id": ["FC-E", "FC-W"]}),
                                      3, AS_OF, DAYS, 28)
    total = measured_window_std(shipped, none, pd.DataFrame({"sku": ["A"]}), 3, AS_OF, DAYS, 28)
    assert by_location == pytest.approx([2.0, 2.0])
    assert total == pytest.approx([0.0])


def test_a_sku_stocked_at_several_locations_reads_its_stockouts_on_every_row():
    # the plan's rows are SKU x location, the stockouts per SKU: keys repeat
    from pipelines.replenishment.safety_stock import stockout_matrix

    stockouts = pd.DataFrame({"date": [AS_OF, AS_OF - timedelta(days=2)], "sku": ["A", "B"]})
    flags = stockout_matrix(stockouts, pd.Series(["A", "B", "A", "C"]), AS_OF, 3)
    assert flags.tolist() == [[False, False, True], [True, False, False],
                              [False, False, True], [False, False, False]]
