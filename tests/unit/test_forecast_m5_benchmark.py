"""The M5 benchmark's own arithmetic: the hindsight ceiling and the same-period-last-year method."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks.m5_accuracy import hindsight_ceiling, item_total_error, same_period_last_year


def test_hindsight_ceiling_takes_per_item_the_method_closest_to_its_total():
    # item A (two stores) sold 10 + 10, item B (one store) sold 30, one day each
    items = np.array(["A", "A", "B"])
    actual = np.array([[10.0], [10.0], [30.0]])
    low = np.array([[9.0], [9.0], [20.0]])   # A: 18 (off by 2), B: 20 (off by 10)
    high = np.array([[12.0], [12.0], [33.0]])  # A: 24 (off by 4), B: 33 (off by 3)
    error, picks = hindsight_ceiling(actual, {"low": low, "high": high}, items)
    # A takes low (2), B takes high (3): (2 + 3) / 50, below either method alone
    assert error == pytest.approx(5 / 50)
    assert item_total_error(actual, low, items) == pytest.approx(12 / 50)
    assert item_total_error(actual, high, items) == pytest.approx(7 / 50)
    assert picks.to_dict() == {"low": 1, "high": 1}


def test_same_period_last_year_is_the_28_days_52_weeks_before_the_horizon():
    history = np.arange(400, dtype=float)[None, :]  # day index as the value
    # the horizon starts at day 400; 364 days earlier is day 36
    assert same_period_last_year(history)[0].tolist() == list(range(36, 64))
