"""The promotion-uplift layer laid over forecasts of models that know nothing of promotions.

The statsforecast models see only past units, so on a promoted day their forecast is the
baseline. The layer multiplies it by ``uplift = 1 + beta × discount`` (discount as a fraction),
with ``beta`` per SKU estimated from history before the forecast origin:

- per SKU, ``u = mean units on promoted uncensored days / mean units on uncensored unpromoted
  days within ±28 days of a promotion`` and ``beta_hat = (u − 1) / mean discount`` (a 20 % discount
  that doubled sales gives beta 5);
- shrunk toward the category's pooled beta with weight ``n_promoted_days / (n + 14)``, the
  category toward the call's pooled beta (weight ``n / (n + 28)``), and that toward a prior of 2
  (the common rule of thumb that 10 % off sells 20 % more) when the call has few promoted days.

Linear-in-discount keeps one parameter per SKU, which is about what a handful of past promotions
can support. Uplift is floored at 0.2 and beta clipped to [−1, 10] so one odd promotion cannot
produce absurd forecasts. The same layer runs in backtests (with beta from data before each
origin), so model selection compares like with like. Prophet is not layered (it has its own
promotion regressor).
"""

from __future__ import annotations

import numpy as np

#: Days either side of a promotion whose unpromoted sales form its baseline.
NEARBY_DAYS = 28
#: Pseudo-days of promotion with which a SKU's own beta is shrunk toward its category.
SKU_SHRINK_DAYS = 14
#: Pseudo-days with which a category's beta is shrunk toward the call's.
CATEGORY_SHRINK_DAYS = 28
#: Pseudo-days with which the call's beta is shrunk toward the prior.
GLOBAL_SHRINK_DAYS = 28
#: Uplift per unit of discount fraction assumed without evidence (10 % off → +20 %).
PRIOR_BETA = 2.0


def _dilate(mask: np.ndarray, days: int) -> np.ndarray:
    """True where ``mask`` is True within ``days`` either side (along axis 1)."""
    c = np.cumsum(np.pad(mask.astype(np.int32), ((0, 0), (1, 0))), axis=1)
    t = np.arange(mask.shape[1])
    lo = np.maximum(t - days, 0)
    hi = np.minimum(t + days + 1, mask.shape[1])
    return (c[:, hi] - c[:, lo]) > 0


def estimate_beta(y: np.ndarray, observed: np.ndarray, promo: np.ndarray, category: np.ndarray,
                  end: int) -> np.ndarray:
    """Per-SKU uplift slope ``beta`` from days ``0 … end−1`` only (see module docstring).

    ``y`` units/day (n × T), ``observed`` (n × T), ``promo`` discount fractions (n × ≥T)."""
    y, obs, p = y[:, :end], observed[:, :end], promo[:, :end]
    promoted = p > 0
    on = promoted & obs
    near = _dilate(promoted, NEARBY_DAYS) & ~promoted & obs
    n_on, n_near = on.sum(axis=1), near.sum(axis=1)
    mean_on = np.where(on, y, 0).sum(axis=1) / np.maximum(n_on, 1)
    mean_near = np.where(near, y, 0).sum(axis=1) / np.maximum(n_near, 1)
    disc = np.where(on, p, 0).sum(axis=1) / np.maximum(n_on, 1)
    usable = (n_on > 0) & (n_near > 0) & (mean_near > 0) & (disc > 0)
    n_eff = np.where(usable, n_on, 0).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        beta_hat = np.where(usable, (mean_on / mean_near - 1.0) / disc, 0.0)

    def pooled(idx: np.ndarray) -> tuple[float, float]:
        """Pooled beta of SKUs ``idx``: actual promoted units vs. their baselines."""
        w = n_eff[idx]
        expected = (w * mean_near[idx]).sum()
        if expected <= 0:
            return 0.0, 0.0
        d = (w * disc[idx]).sum() / w.sum()
        return float(((w * mean_on[idx]).sum() / expected - 1.0) / d), float(w.sum())

    g_hat, g_n = pooled(np.arange(len(y)))
    beta_global = (g_n * g_hat + GLOBAL_SHRINK_DAYS * PRIOR_BETA) / (g_n + GLOBAL_SHRINK_DAYS)
    beta_cat = np.empty(len(y))
    for cat in np.unique(category):
        idx = np.flatnonzero(category == cat)
        c_hat, c_n = pooled(idx)
        beta_cat[idx] = (c_n * c_hat + CATEGORY_SHRINK_DAYS * beta_global) / (c_n + CATEGORY_SHRINK_DAYS)
    beta = (n_eff * beta_hat + SKU_SHRINK_DAYS * beta_cat) / (n_eff + SKU_SHRINK_DAYS)
    return np.clip(beta, -1.0, 10.0)


def uplift(beta: np.ndarray, discount: np.ndarray) -> np.ndarray:
    """Multiplicative uplift (1 = none) for discount fractions; broadcast like numpy."""
    return np.where(discount > 0, np.maximum(1.0 + beta * discount, 0.2), 1.0)
