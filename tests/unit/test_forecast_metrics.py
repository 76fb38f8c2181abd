"""Accuracy metrics against hand-computed values (pipelines.forecasting.metrics)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.forecasting.metrics import bias, mase, panel_scales, rmsse, rmsse_scale, wape


def test_wape_is_absolute_error_over_units():
    # |3-4| + |5-6| = 2 over 8 units
    assert wape([3, 5], [4, 6]) == pytest.approx(0.25)


def test_wape_is_undefined_without_units():
    assert np.isnan(wape([0, 0], [1, 0]))


def test_bias_is_positive_when_over_forecasting():
    assert bias([3, 5], [4, 6]) == pytest.approx(1.0)
    assert bias([3, 5], [2, 4]) == pytest.approx(-1.0)


def test_rmsse_scale_trims_leading_zeros():
    # From the first sale on: 2, 4, 3 → squared differences 4, 1 → mean 2.5 (untrimmed, the
    # leading zeros would give 0, 0, 4, 4, 1 → 1.8).
    assert rmsse_scale([0, 0, 0, 2, 4, 3]) == pytest.approx(2.5)
    # errors +1, +1 → MSE 1 → sqrt(1 / 2.5)
    assert rmsse([0, 0, 0, 2, 4, 3], [3, 5], [4, 6]) == pytest.approx(np.sqrt(0.4))


def test_rmsse_scale_of_a_constant_history_is_its_squared_level():
    assert rmsse_scale([0, 5, 5, 5]) == pytest.approx(25.0)
    assert rmsse_scale([0, 0, 0]) == pytest.approx(1.0)


def test_mase_scales_by_in_sample_seasonal_naive_error():
    train = [0, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9]  # from the first sale: |8−1| = |9−2| = 7
    assert mase(train, [3, 5], [4, 6]) == pytest.approx(1 / 7)


def test_panel_scales_match_the_scalar_definitions():
    rng = np.random.default_rng(3)
    y = rng.poisson(2.0, size=(4, 60)).astype(float)
    y[1, :20] = 0
    y[2] = 0
    y[3, 10:] = 4.0
    cutoffs = np.array([59, 40, 25])
    r, m = panel_scales(y, cutoffs)
    from pipelines.forecasting.metrics import mase_scale

    for i in range(4):
        for j, c in enumerate(cutoffs):
            assert r[i, j] == pytest.approx(rmsse_scale(y[i, : c + 1]))
            assert m[i, j] == pytest.approx(mase_scale(y[i, : c + 1]))
