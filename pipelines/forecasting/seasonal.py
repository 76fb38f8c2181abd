"""Yearly seasonality that repeats: a multiplicative layer on the fast methods' forecasts.

The panel methods (ETS with a weekly season, moving and weekday averages, the intermittent
family) see the last year at most and carry today's level forward: they cannot know that an
item's sales rise every April or fall every September. Prophet has a yearly term, but on M5 it
is less accurate than those methods overall and is fitted for the top SKUs only.

Year-on-year ratios of single items are mostly noise (one-year versions of this layer made M5
forecasts worse, docs/benchmarks.md), so the layer acts only where the change repeats:

- for each of the last ``years`` years, the ratio of the units sold in the 28 days around the
  same point of the horizon (364 days back, so weekdays align; the first 14 horizon days use
  the 28 days right after the year-ago as-of) to the units sold in the 28 days before the
  year-ago as-of date;
- a year counts only if its base window lies in the SKU's history and holds at least
  ``MIN_BASE_UNITS`` units (stockout days count at their imputed demand), and the later window
  sold something;
- on a day of the horizon the layer applies only if at least ``MIN_YEARS`` years count and all
  of them moved the same way by at least ``min_change`` in log terms (0.1 ≈ 10 %); it then uses
  the smallest of those changes — the most cautious reading of a pattern every year showed —
  times ``weight`` (``forecast.seasonal_weight``, 0.5) in log terms: shrinking seasonal factors
  toward none is the usual cure for their noise (Miller & Williams 2003), and on 24 monthly
  origins of M5 half the change gave a lower item error than none and a lower RMSSE than all
  of it (docs/benchmarks.md).

The factor multiplies the point forecast and its interval offsets, in backtests (so selection
and the accuracy table measure it) and in the forecast, like the promotion uplift; per-series
models (Prophet) model the year themselves and are left alone. It needs two years and a month of
history to act at all.
"""

from __future__ import annotations

import numpy as np

#: Days in a "year" back: 52 weeks, so the same weekdays line up.
YEAR_DAYS = 364
#: Length of the windows compared, days.
WINDOW_DAYS = 28
#: Fewest units in a year's base window for that year to count.
MIN_BASE_UNITS = 28.0
#: Fewest years that must agree before the layer acts.
MIN_YEARS = 2


def yearly_factor(y: np.ndarray, in_history: np.ndarray, end: int, horizon: int, years: int,
                  min_change: float, weight: float = 1.0) -> np.ndarray:
    """Multiplicative factor (SKU × ``horizon`` days, 1 = none) for the days after day index
    ``end - 1`` of ``y`` (units/day, SKU × day, stockout days imputed), from the history before
    ``end`` only (module docstring); ``weight`` scales the change in log terms."""
    n = y.shape[0]
    if years <= 0 or not n or horizon <= 0:
        return np.ones((n, max(horizon, 0)))
    first = max(end - YEAR_DAYS * years - WINDOW_DAYS, 0)  # only the days the windows read
    csum = np.concatenate([np.zeros((n, 1)), np.cumsum(y[:, first:end], axis=1)], axis=1)
    half = WINDOW_DAYS // 2
    offsets = np.maximum(np.arange(horizon) - half, 0)  # later-window start, days after the as-of
    logs = []
    for k in range(1, years + 1):
        a = end - YEAR_DAYS * k
        if a - WINDOW_DAYS < 0 or a + offsets[-1] + WINDOW_DAYS > end:
            break
        c = a - first  # the same day in csum
        base = csum[:, c] - csum[:, c - WINDOW_DAYS]
        later = csum[:, c + offsets + WINDOW_DAYS] - csum[:, c + offsets]
        counts = (in_history[:, a - WINDOW_DAYS] & (base >= MIN_BASE_UNITS))[:, None] & (later > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            logs.append(np.where(counts, np.log(later / base[:, None]), np.nan))
    if len(logs) < MIN_YEARS:
        return np.ones((n, horizon))
    stack = np.stack(logs)
    valid = np.isfinite(stack)
    enough = valid.sum(axis=0) >= MIN_YEARS
    low = np.where(valid, stack, np.inf).min(axis=0)
    high = np.where(valid, stack, -np.inf).max(axis=0)
    change = np.where(enough & (low >= min_change), low,
                      np.where(enough & (high <= -min_change), high, 0.0))
    return np.exp(weight * change)
