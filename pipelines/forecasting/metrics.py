"""Forecast accuracy metrics: the scalar definitions and their vectorised panel forms.

All errors are in units/day. With actuals y, forecasts ŷ over the scored (observed) days of a
backtest window, and the training history x₁…x_c before that window:

- WAPE  = Σ|y − ŷ| / Σ|y|, a share (0.25 = errors total 25 % of units sold); NaN when Σ|y| = 0
  (undefined: any error is infinitely large against no sales).
- RMSSE = sqrt( mean((y − ŷ)²) / s² ), s² = mean over t of (x_t − x_{t−1})², computed from the
  first non-zero sale on (leading zeros trimmed, as in M5), so a late starter is not flattered by
  months of easy zeros. Unitless; 1 ≈ as good as a one-step naive forecast in-sample.
- MASE  = mean|y − ŷ| / m, m = mean over t of |x_t − x_{t−7}| (in-sample seasonal-naive MAE,
  weekly season), from the first non-zero sale on. Unitless.
- bias  = mean(ŷ − y), units/day; positive = over-forecasting.
- coverage_80 = share of actuals with p10 ≤ y ≤ p90.

A zero scale (a history that never changed) would divide by zero; it is replaced by the squared
mean level (RMSSE) or the mean level (MASE) of the training history, or 1 when that is 0 too, so
the metric becomes a relative error instead of infinity. Over several windows, RMSSE and MASE are
the mean of the per-window values (each window with its own training scale); WAPE and bias pool
all scored days.
"""

from __future__ import annotations

import numpy as np

SEASON = 7


def wape(y: np.ndarray, yhat: np.ndarray) -> float:
    """Σ|y − ŷ| / Σ|y| (a share); NaN when there were no units."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    denom = np.abs(y).sum()
    return float(np.abs(y - yhat).sum() / denom) if denom > 0 else float("nan")


def bias(y: np.ndarray, yhat: np.ndarray) -> float:
    """mean(ŷ − y), units/day; positive = over-forecast."""
    return float(np.mean(np.asarray(yhat, float) - np.asarray(y, float)))


def _trimmed(train: np.ndarray) -> np.ndarray:
    train = np.asarray(train, float)
    nz = np.flatnonzero(train > 0)
    return train[nz[0]:] if len(nz) else train[:0]


def rmsse_scale(train: np.ndarray) -> float:
    """s² = mean squared one-step difference of ``train`` from its first non-zero value on,
    with the zero-scale guard of the module docstring."""
    x = _trimmed(train)
    scale = float(np.mean(np.diff(x) ** 2)) if len(x) > 1 else 0.0
    if scale > 0:
        return scale
    level = float(np.mean(x)) if len(x) else 0.0
    return level**2 if level > 0 else 1.0


def mase_scale(train: np.ndarray) -> float:
    """m = mean |x_t − x_{t−7}| of ``train`` from its first non-zero value on (guarded)."""
    x = _trimmed(train)
    scale = float(np.mean(np.abs(x[SEASON:] - x[:-SEASON]))) if len(x) > SEASON else 0.0
    if scale > 0:
        return scale
    level = float(np.mean(x)) if len(x) else 0.0
    return level if level > 0 else 1.0


def rmsse(train: np.ndarray, y: np.ndarray, yhat: np.ndarray) -> float:
    """sqrt(mean((y − ŷ)²) / s²), unitless."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    return float(np.sqrt(np.mean((y - yhat) ** 2) / rmsse_scale(train)))


def mase(train: np.ndarray, y: np.ndarray, yhat: np.ndarray) -> float:
    """mean|y − ŷ| / m, unitless."""
    y, yhat = np.asarray(y, float), np.asarray(yhat, float)
    return float(np.mean(np.abs(y - yhat)) / mase_scale(train))


def panel_scales(y: np.ndarray, cutoffs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """RMSSE and MASE scales of every SKU (rows of ``y``, units/day) for training histories that
    end at each index in ``cutoffs`` (inclusive): arrays of shape (n, len(cutoffs)), identical
    to ``rmsse_scale`` / ``mase_scale`` of ``y[i, :c + 1]``."""
    n, T = y.shape
    pos = y > 0
    fnz = np.where(pos.any(axis=1), pos.argmax(axis=1), T)
    d1 = np.zeros_like(y)
    d1[:, 1:] = np.diff(y, axis=1) ** 2
    d7 = np.zeros_like(y)
    d7[:, SEASON:] = np.abs(y[:, SEASON:] - y[:, :-SEASON])
    c1, c7, cy = (np.cumsum(np.pad(a, ((0, 0), (1, 0))), axis=1) for a in (d1, d7, y))
    rows = np.arange(n)
    out_r = np.empty((n, len(cutoffs)))
    out_m = np.empty((n, len(cutoffs)))
    for j, c in enumerate(cutoffs):
        lo1 = np.minimum(fnz + 1, c + 1)  # differences t = fnz+1 … c
        lo7 = np.minimum(fnz + SEASON, c + 1)
        n1, n7, nl = c + 1 - lo1, c + 1 - lo7, np.maximum(c + 1 - np.minimum(fnz, c + 1), 0)
        s1 = c1[rows, c + 1] - c1[rows, lo1]
        s7 = c7[rows, c + 1] - c7[rows, lo7]
        level = np.where(nl > 0, (cy[rows, c + 1] - cy[rows, np.minimum(fnz, c + 1)]) / np.maximum(nl, 1), 0.0)
        r = np.where(n1 > 0, s1 / np.maximum(n1, 1), 0.0)
        m = np.where(n7 > 0, s7 / np.maximum(n7, 1), 0.0)
        out_r[:, j] = np.where(r > 0, r, np.where(level > 0, level**2, 1.0))
        out_m[:, j] = np.where(m > 0, m, np.where(level > 0, level, 1.0))
    return out_r, out_m
