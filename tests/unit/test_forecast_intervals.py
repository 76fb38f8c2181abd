"""Relative residuals of intermittent SKUs: the upper side is bounded by the window's level.

A SKU back from a long outage reads as intermittent (most of its last year is zeros), and the
backtest window that saw the return was forecast from zeros: ŷ ≈ 0 against 50 sold a day. Its
residuals over ŷ floored at 0.1 unit/day are about 500, a level error rather than the daily
spread, and scaled by today's forecast they made M5's FOODS_2_360 a p90 of 7,098 against a p50
of 38. Measured against the level the window really had, they stay a few times the spread.
"""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.forecasting import run_forecast
from pipelines.forecasting.intervals import fit_quantiles, relative_errors, window_levels
from tests.unit.test_forecast_pipeline import FAST, make_inputs, total, weekly_poisson


def test_positive_relative_residuals_are_measured_against_the_window_mean_actual():
    err = np.array([40.0, 0.0, -0.5, 6.0])
    yhat = np.array([0.0, 0.0, 1.0, 3.0])
    level = np.array([20.0, 20.0, 20.0, 2.0])
    # 40 over max(0, 20) = 2; nothing missed = 0; below the forecast: over ŷ as before (−0.5 / 1);
    # a window whose mean is below the forecast keeps the forecast as the scale (6 / 3)
    assert relative_errors(err, yhat, level).tolist() == [2.0, 0.0, -0.5, 2.0]
    assert relative_errors(err, yhat).tolist() == [400.0, 0.0, -0.5, 2.0]  # no levels: unchanged


def test_window_level_is_the_mean_actual_of_each_skus_window():
    group = np.array([3, 3, 5, 3, 5])
    y = np.array([0.0, 30.0, 4.0, 30.0, 0.0])
    assert window_levels(group, y).tolist() == [20.0, 20.0, 2.0, 20.0, 2.0]


def test_a_window_forecast_from_zeros_does_not_blow_up_the_p90():
    # 20 scored days forecast at 0: 10 without a sale, 10 with 40 units (window mean 20). The
    # relative residuals are 0 (×10) and 40 / 20 = 2 (×10); their 0.9 quantile is 2, so at a
    # p50 of 30 the p90 is 30 + 2 × 30 = 90 (over the 0.1 floor it would be 30 + 400 × 30).
    err = np.array([0.0] * 10 + [40.0] * 10)
    yhat = np.zeros(20)
    sku = np.zeros(20, dtype=int)
    q = fit_quantiles(sku, err, yhat, 1, np.array([True]), window_levels(sku, err))
    _, p90 = q.bounds(np.array([0]), np.array([30.0]))
    assert p90[0] == pytest.approx(90.0)


def test_a_sku_back_from_a_long_outage_gets_a_sane_p90():
    # FOODS_2_360's shape: 20 a day, 17 weeks of nothing, then 50 a day for the last two weeks
    # (the last backtest window, which was forecast from the zeros before it)
    units = np.concatenate([weekly_poisson(200, 20, 1), np.zeros(119), weekly_poisson(14, 50, 2)])
    f = total(run_forecast(make_inputs({"BACK": units}), FAST, per_series_models=[]), "BACK")
    assert (f["p90"] >= f["p50"]).all()
    # the spread of a day at 50 is ~±9 (Poisson); a few times the level is generous, thousands
    # (what the 0.1-unit floor gave) is not
    assert f["p90"].max() < 4 * max(f["p50"].max(), 50.0)
