"""ProphetModel: what it must learn from a history and what it must ignore."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from pipelines.forecasting.prophet_model import ProphetModel
from pipelines.forecasting.series import SeriesHistory

HORIZON = 28
#: Units/day on each weekday, Monday first: a strong, hand-checkable weekly pattern.
WEEKDAY_LEVELS = np.array([10.0, 10.0, 10.0, 10.0, 10.0, 30.0, 30.0])


def _series(y: np.ndarray, *, observed: np.ndarray | None = None, promo: np.ndarray | None = None,
            start: str = "2025-01-06") -> SeriesHistory:
    dates = pd.date_range(start, periods=len(y), freq="D")
    return SeriesHistory(
        sku="A",
        dates=dates,
        y=y.astype(float),
        observed=np.ones(len(y), dtype=bool) if observed is None else observed,
        promo=np.zeros(len(y) + HORIZON) if promo is None else promo,
        price=None,
    )


def _weekly(days: int, seed: int = 0) -> np.ndarray:
    dates = pd.date_range("2025-01-06", periods=days, freq="D")
    noise = np.random.default_rng(seed).normal(0, 1, days)
    return WEEKDAY_LEVELS[dates.dayofweek] + noise


def test_forecast_has_horizon_length_and_is_never_negative():
    # A falling trend would cross zero inside the horizon if not clipped.
    y = np.linspace(40, 1, 120)
    forecast = ProphetModel(holidays=False).forecast(_series(y))
    assert forecast.shape == (HORIZON,)
    assert (forecast >= 0).all()


def test_weekly_pattern_is_recovered():
    series = _series(_weekly(140))
    forecast = ProphetModel(holidays=False).forecast(series)
    weekend = series.future_dates().dayofweek >= 5
    assert forecast[weekend].mean() == pytest.approx(30, abs=2)
    assert forecast[~weekend].mean() == pytest.approx(10, abs=2)


def _promoted_history(days: int = 140) -> tuple[np.ndarray, np.ndarray]:
    """Four past one-week 20 % promotions doubled sales (10 → 20/day); one is planned in the
    horizon. Returns (y over the history, promo over history + horizon)."""
    promo = np.zeros(days + HORIZON)
    for start in (20, 50, 80, 110, days + 7):
        promo[start:start + 7] = 0.2
    y = 10 + np.random.default_rng(1).normal(0, 1, days)
    y[promo[:days] > 0] += 10
    return y, promo


def test_promotion_in_horizon_raises_forecast_when_history_shows_uplift():
    y, promo = _promoted_history()
    forecast = ProphetModel(holidays=False).forecast(_series(y, promo=promo))
    on_promo = promo[len(y):] > 0
    assert forecast[on_promo].mean() == pytest.approx(20, abs=2.5)
    assert forecast[~on_promo].mean() == pytest.approx(10, abs=1.5)


def test_promotion_is_ignored_when_switched_off():
    y, promo = _promoted_history()
    forecast = ProphetModel(holidays=False, promo_regressor=False).forecast(_series(y, promo=promo))
    assert forecast.max() - forecast.min() < 5


def test_stockout_days_do_not_drag_the_forecast_down():
    y = 10 + np.random.default_rng(2).normal(0, 0.5, 140)
    observed = np.ones(140, dtype=bool)
    # The last three weeks were out of stock and imputed as zero.
    observed[-21:] = False
    y[-21:] = 0
    forecast = ProphetModel(holidays=False).forecast(_series(y, observed=observed))
    assert forecast.mean() == pytest.approx(10, abs=1)


def test_public_holidays_of_the_country_are_learnt():
    # Two years of flat sales that spike on US Independence Day; the third one is forecast.
    days = pd.date_range("2023-06-01", "2025-06-30", freq="D")
    y = np.full(len(days), 10.0) + np.random.default_rng(3).normal(0, 0.5, len(days))
    y[(days.month == 7) & (days.day == 4)] = 40
    series = SeriesHistory(sku="A", dates=days, y=y, observed=np.ones(len(days), dtype=bool),
                           promo=np.zeros(len(days) + 10), price=None, country="US")
    forecast = ProphetModel().forecast(series)
    july_4 = list(series.future_dates()).index(pd.Timestamp("2025-07-04"))
    assert forecast[july_4] > 25
    assert np.delete(forecast, july_4).max() < 15
