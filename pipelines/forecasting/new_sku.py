"""Forecasts for SKUs without enough history to backtest: new launches and zero demand.

New SKU (fewer than ``min_history_days`` days of history, including SKUs launching after as_of):
``new_sku:category_analogue(<category>)``.

- Category rate (units/day): the median, over the category's SKUs in this call that launched
  inside the data and have ``min_history_days`` days, of their mean units/day over their first
  ``min_history_days`` days; when the category had no such launches, the median of its
  established SKUs' mean over the last 28 days. A category with neither uses the same figures
  over all SKUs of the call (``new_sku:global``). The statistics come only from the SKUs of the
  same call (one shard): sharding by SKU hash spreads each category over all shards, so every
  shard sees a sample of the category rather than all of it.
- Own days shrink it: ``rate = (14·category_rate + own units) / (14 + own observed days)``, so
  after two weeks on sale a SKU's own sales weigh half.
- Weekly profile: the category's units by weekday over the last 56 days, normalised to mean 1
  (shrunk toward flat by one unit per weekday so a thin category does not invent a pattern).
- Days before a future launch date are 0.
- Quantiles: negative binomial with mean = the forecast and size 2 (variance μ + μ²/2: a new
  SKU's rate is itself uncertain), with p10 ≤ p50 = mean ≤ p90.

Zero demand (history long enough, but no units in the last 365 days): ``zero_demand``, p10 = p50
= 0 and p90 = −ln(0.1) / days of silence, the daily rate that a run of zero-sale days that long
would reject at the 90 % level (2.3/n; 0.0063 units/day after a silent year).
"""

from __future__ import annotations

import numpy as np
from scipy import stats

from pipelines.forecasting.history import Panel

#: Pseudo-days of the category rate when blending with a new SKU's own days.
SHRINK_DAYS = 14
#: Negative-binomial size of a new SKU's daily demand.
NB_SIZE = 2.0
#: Days whose sales give an established SKU's recent rate and the category's weekly profile.
RECENT_DAYS = 28
PROFILE_DAYS = 56
#: Days without a sale after which a SKU counts as zero demand.
SILENT_DAYS = 365


def _median(values: np.ndarray) -> float:
    return float(np.median(values)) if len(values) else float("nan")


def new_sku_forecast(panel: Panel, new_idx: np.ndarray, established: np.ndarray, min_days: int
                     ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """p10, p50, p90 (units/day, shape len(new_idx) × horizon) and model names of new SKUs.

    ``established``: boolean per SKU of the panel, True for SKUs usable as analogues."""
    H, T = panel.horizon, panel.T
    hist = panel.history_days
    launched_inside = established & (panel.start > 0) & (hist >= min_days)
    launch_rate = np.full(panel.n, np.nan)
    for i in np.flatnonzero(launched_inside):  # launches are few; the slice is short
        s = panel.start[i]
        launch_rate[i] = panel.y[i, s:s + min_days].mean()
    recent_rate = panel.y[:, -RECENT_DAYS:].mean(axis=1)
    weekday_future = (panel.future_dates().dayofweek.to_numpy())
    weekday_recent = panel.dates[-PROFILE_DAYS:].dayofweek.to_numpy()

    def rate_and_profile(members: np.ndarray) -> tuple[float, np.ndarray]:
        rate = _median(launch_rate[members & launched_inside])
        if not np.isfinite(rate):
            rate = _median(recent_rate[members & established])
        by_day = np.bincount(weekday_recent, weights=panel.y[members & established, -PROFILE_DAYS:].sum(axis=0),
                             minlength=7)
        profile = (by_day + 1.0) / (by_day.mean() + 1.0)
        return rate, profile / profile.mean()

    global_rate, global_profile = rate_and_profile(np.ones(panel.n, dtype=bool))
    p50 = np.zeros((len(new_idx), H))
    names = np.empty(len(new_idx), dtype=object)
    by_cat: dict[str, tuple[float, np.ndarray]] = {}
    for row, i in enumerate(new_idx):
        cat = panel.category[i]
        if cat not in by_cat:
            by_cat[cat] = rate_and_profile(panel.category == cat)
        rate, profile = by_cat[cat]
        names[row] = f"new_sku:category_analogue({cat})"
        if not np.isfinite(rate):
            rate, profile = global_rate, global_profile
            names[row] = "new_sku:global"
        rate = 0.0 if not np.isfinite(rate) else rate
        own_days = panel.observed[i].sum()
        own_units = panel.y[i][panel.observed[i]].sum()
        blended = (SHRINK_DAYS * rate + own_units) / (SHRINK_DAYS + own_days)
        p50[row] = blended * profile[weekday_future]
        if panel.launch[i] >= T:  # not on sale yet: nothing before the launch day
            p50[row, : panel.launch[i] - T] = 0.0
    p = NB_SIZE / (NB_SIZE + np.maximum(p50, 1e-9))
    p10 = np.minimum(stats.nbinom.ppf(0.1, NB_SIZE, p), p50)
    p90 = np.maximum(stats.nbinom.ppf(0.9, NB_SIZE, p), p50)
    return p10, p50, p90, names


def zero_demand_forecast(panel: Panel, idx: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """p10, p50, p90 (units/day, len(idx) × horizon) of SKUs with no recent sales."""
    silent = np.minimum(panel.history_days[idx], SILENT_DAYS).astype(float)
    p90 = -np.log(0.1) / np.maximum(silent, 1.0)
    zeros = np.zeros((len(idx), panel.horizon))
    return zeros, zeros.copy(), zeros + p90[:, None]
