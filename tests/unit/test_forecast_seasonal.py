"""The yearly layer (pipelines.forecasting.seasonal): acts only where a yearly change repeats."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.forecasting.refit import forecast_night
from pipelines.forecasting.seasonal import YEAR_DAYS, yearly_factor
from tests.unit.test_forecast_pipeline import FAST, make_inputs, total

DAYS = 3 * YEAR_DAYS + 120


def rising_each_april(days: int, rise: float, years: tuple[int, ...] = (1, 2, 3), level: float = 20.0,
                      seed: int = 0) -> np.ndarray:
    """Poisson sales at ``level`` a day, ``rise`` times that in the 60 days after the same date
    as the end, ``k × 364`` days back, for each k in ``years`` (as_of is the last day)."""
    rate = np.full(days, level)
    for k in years:
        a = days - YEAR_DAYS * k
        rate[a:a + 60] *= rise
    return np.random.default_rng(seed).poisson(rate).astype(float)


def factor_of(y: np.ndarray, horizon: int = 28, years: int = 3, min_change: float = 0.1) -> np.ndarray:
    y = np.atleast_2d(y)
    return yearly_factor(y, np.ones(y.shape, dtype=bool), y.shape[1], horizon, years, min_change)[0]


def test_a_rise_every_year_is_carried_into_the_forecast_at_its_most_cautious_size():
    y = rising_each_april(DAYS, 1.5)
    f = factor_of(y)
    assert f.shape == (28,)
    # each year rose by about 1.5×; the layer takes the smallest of the three measured rises
    assert 1.3 < f.min() and f.max() < 1.6
    assert np.log(f[0]) == pytest.approx(min(
        np.log(y[DAYS - YEAR_DAYS * k:DAYS - YEAR_DAYS * k + 28].sum()
               / y[DAYS - YEAR_DAYS * k - 28:DAYS - YEAR_DAYS * k].sum()) for k in (1, 2, 3)))


def test_the_weight_takes_that_share_of_the_change_in_log_terms():
    y = rising_each_april(DAYS, 1.5)
    full = factor_of(y)
    half = yearly_factor(y[None, :], np.ones((1, DAYS), dtype=bool), DAYS, 28, 3, 0.1, weight=0.5)[0]
    np.testing.assert_allclose(half, np.sqrt(full))


def test_a_fall_every_year_lowers_the_forecast():
    assert factor_of(rising_each_april(DAYS, 0.5)).max() < 0.7


def test_a_change_seen_in_one_year_only_is_noise_and_ignored():
    assert np.all(factor_of(rising_each_april(DAYS, 2.0, years=(1,))) == 1.0)


def test_years_that_disagree_leave_the_forecast_alone():
    y = rising_each_april(DAYS, 1.6, years=(1,))
    for k in (2, 3):  # the other two years fell at the same point
        a = DAYS - YEAR_DAYS * k
        y[a:a + 60] = np.round(y[a:a + 60] * 0.5)
    assert np.all(factor_of(y) == 1.0)


def test_small_changes_and_thin_sales_do_not_count():
    assert np.all(factor_of(rising_each_april(DAYS, 1.05)) == 1.0)
    # under 28 units in each year's base window: too few to read a ratio from
    assert np.all(factor_of(rising_each_april(DAYS, 3.0, level=0.5)) == 1.0)


def test_under_two_years_of_history_switches_it_off():
    assert np.all(factor_of(rising_each_april(2 * YEAR_DAYS + 20, 1.5, years=(1,))) == 1.0)
    assert np.all(factor_of(rising_each_april(DAYS, 1.5), years=0) == 1.0)


def test_years_before_the_sku_was_listed_do_not_count():
    y = rising_each_april(DAYS, 1.5)
    listed = np.ones((1, DAYS), dtype=bool)
    listed[0, :DAYS - 2 * YEAR_DAYS] = False  # only the last year is in its history
    f = yearly_factor(y[None, :], listed, DAYS, 28, 3, 0.1)
    assert np.all(f == 1.0)


def test_the_factor_reads_only_the_history_before_its_end():
    y = rising_each_april(DAYS, 1.5)
    end = DAYS - 50
    changed = y.copy()
    changed[end:] = 1000.0
    ones = np.ones((1, DAYS), dtype=bool)
    a = yearly_factor(y[None, :], ones, end, 90, 3, 0.1)
    b = yearly_factor(changed[None, :], ones, end, 90, 3, 0.1)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (1, 90)


@pytest.fixture(scope="module")
def yearly_inputs():
    return make_inputs({"APRIL": rising_each_april(DAYS, 1.6, seed=3),
                        "FLAT": rising_each_april(DAYS, 1.0, seed=4)})


def test_the_pipeline_forecasts_a_repeating_april_rise_and_says_so(yearly_inputs):
    with_layer = forecast_night(yearly_inputs, FAST, None, None, per_series_models=[]).result
    without = forecast_night(yearly_inputs, FAST.model_copy(update={"seasonal_years": 0}), None, None,
                             per_series_models=[]).result
    april, plain = total(with_layer, "APRIL"), total(without, "APRIL")
    assert april["model"].str.contains(r"\+yearly").all()
    assert not plain["model"].str.contains(r"\+yearly").any()
    # this year's April (the 28 days after as-of) sells 1.6 × 20 a day; the default weight (0.5)
    # moves the forecast by about the square root of the rise, a weight of 1 by all of it
    assert abs(april["p50"].mean() - 32.0) < abs(plain["p50"].mean() - 32.0)
    assert 1.15 < april["p50"].mean() / plain["p50"].mean() < 1.35
    full = forecast_night(yearly_inputs, FAST.model_copy(update={"seasonal_weight": 1.0}), None, None,
                          per_series_models=[]).result
    assert 1.35 < total(full, "APRIL")["p50"].mean() / plain["p50"].mean() < 1.75
    assert (april["p90"] >= april["p50"]).all() and (april["p10"] <= april["p50"]).all()
    # a SKU without a yearly pattern is untouched
    flat = total(with_layer, "FLAT")
    assert not flat["model"].str.contains(r"\+yearly").any()
    pd.testing.assert_frame_equal(flat, total(without, "FLAT"))


def test_a_night_that_reuses_the_fit_applies_the_same_layer(yearly_inputs):
    first = forecast_night(yearly_inputs, FAST, None, None, per_series_models=[])
    again = forecast_night(yearly_inputs, FAST, first.result.fit, first.result.accuracy,
                           is_refit_night=False, per_series_models=[])
    pd.testing.assert_frame_equal(total(first.result, "APRIL")[["date", "p50", "model"]],
                                  total(again.result, "APRIL")[["date", "p50", "model"]])
