"""Prediction intervals from backtest residuals (empirical / split-conformal), not model theory.

Croston-type models have no valid distribution of their own (Hyndman), and ETS's Gaussian
intervals are wrong for counts, so p10/p90 come from how wrong the chosen model really was:
with residuals e = y − ŷ (units/day) on the observed backtest days,

    p10 = max(0, p50 + q₀.₁(e)),   p90 = p50 + q₀.₉(e),

and the interval is widened to contain p50 when the residuals are biased. For intermittent SKUs the residuals are taken relative to the
forecast, e / max(ŷ, 0.1), and scaled back by the forecast: a zero-sale day then has residual
exactly −1 (p10 = 0 whatever the forecast level of the day), where an additive residual −ŷ
from an earlier window would put p10 above zero on a day with a slightly higher forecast and miss
every zero-sale day. The upper side of that ratio is measured against the level the window
really had, e⁺ / max(ŷ, ȳ_w, 0.1) with ȳ_w the SKU's mean actual over the scored days of the
backtest window: a model that forecast ~0 for a window in which the SKU sold 50 a day (a return
from a long outage, a level shift) would otherwise give ratios of 500 — a level error, not the
daily spread — and scaled back by today's forecast a p90 a hundred times the p50. The lower side
needs no such guard (y ≥ 0 bounds it at −1). A SKU with fewer than
``MIN_OWN_RESIDUALS`` residuals (young, or mostly stocked out) borrows the pooled quantiles of
relative residuals e / max(ŷ, 0.1) of its demand class (intermittent: mean inter-demand interval
above 1.32 days, Syntetos-Boylan; else smooth), scaled by its own forecast. With no residuals in
the call at all, a Poisson approximation p50 ± 1.28·√p50 is used.

Errors grow with the lead time (the level drifts), and the backtest windows are only
``backtest_days`` long, so beyond them the quantile offsets are widened by a factor per lead
time calibrated on one extra backtest window as long as the horizon (``horizon_widening``): for
every scored day of that window, the smallest factor k at which p50 − k·(p50 − p10) … p50 +
k·(p90 − p50) holds the actual; the factor of a lead bucket is the quantile of k that gives the
bucket the coverage the same window has over its first ``backtest_days`` days (so k = 1 there),
never below 1 and never falling with the lead. Pooled per demand class over the SKUs of the call;
linear between bucket midpoints.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Fewest residuals from which a SKU's own error quantiles are used.
MIN_OWN_RESIDUALS = 20
#: Forecast floor (units/day) when scaling residuals by the forecast level.
LEVEL_FLOOR = 0.1
#: Mean inter-demand interval (days) above which a series counts as intermittent.
ADI_CUTOFF = 1.32
Z80 = 1.2816
#: Fewest scored days in a lead bucket (per class) from which its widening factor is estimated.
MIN_BUCKET_ROWS = 200
#: Largest widening factor (a bucket whose actuals no factor covers would otherwise be infinite).
MAX_WIDENING = 4.0


def intermittent(y: np.ndarray, observed: np.ndarray, last_days: int = 365) -> np.ndarray:
    """True for SKUs whose recent uncensored days had a sale less often than 1 day in 1.32."""
    y, obs = y[:, -last_days:], observed[:, -last_days:]
    n_obs = obs.sum(axis=1)
    n_sale = ((y > 0) & obs).sum(axis=1)
    return n_sale * ADI_CUTOFF < np.maximum(n_obs, 1)


@dataclass
class Quantiles:
    """Residual quantiles per SKU (``own10``/``own90``: additive in units/day for smooth SKUs,
    relative for intermittent ones) and per class (``rel``: relative)."""

    own10: np.ndarray
    own90: np.ndarray
    own: np.ndarray
    rel: dict[bool, tuple[float, float]]
    klass: np.ndarray

    def bounds(self, sku_idx: np.ndarray, p50: np.ndarray, widen: np.ndarray | float = 1.0
               ) -> tuple[np.ndarray, np.ndarray]:
        """p10, p90 (units/day) around ``p50`` for rows of SKUs ``sku_idx``; ``widen`` scales the
        error quantiles (the promotion uplift on promoted days: errors grow with the level)."""
        own = self.own[sku_idx]
        klass = self.klass[sku_idx]
        level = np.maximum(p50, LEVEL_FLOOR)
        r10 = np.array([self.rel[bool(k)][0] for k in (False, True)])[klass.astype(int)]
        r90 = np.array([self.rel[bool(k)][1] for k in (False, True)])[klass.astype(int)]
        lo = np.where(own, self.own10[sku_idx] * np.where(klass, level, 1.0), r10 * level)
        hi = np.where(own, self.own90[sku_idx] * np.where(klass, level, 1.0), r90 * level)
        no_info = ~own & np.isnan(r10)
        lo = np.where(no_info, -Z80 * np.sqrt(p50), lo) * widen
        hi = np.where(no_info, Z80 * np.sqrt(np.maximum(p50, LEVEL_FLOOR)), hi) * widen
        p10 = np.clip(p50 + lo, 0.0, p50)
        p90 = np.maximum(p50 + hi, p50)
        return p10, p90


def relative_errors(err: np.ndarray, yhat: np.ndarray, window_level: np.ndarray | None = None
                    ) -> np.ndarray:
    """e / max(ŷ, 0.1), the positive ones over max(ŷ, ȳ_w, 0.1) (module docstring)."""
    below = err / np.maximum(yhat, LEVEL_FLOOR)
    if window_level is None:
        return below
    return np.where(err > 0, err / np.maximum(np.maximum(yhat, window_level), LEVEL_FLOOR), below)


def window_levels(group: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per row, the mean of ``y`` over the rows of its ``group`` (one SKU's backtest window)."""
    if not len(group):
        return np.zeros(0)
    _, inverse = np.unique(group, return_inverse=True)
    return (np.bincount(inverse, y) / np.bincount(inverse))[inverse]


def fit_quantiles(sku_idx: np.ndarray, err: np.ndarray, yhat: np.ndarray, n: int,
                  klass: np.ndarray, window_level: np.ndarray | None = None) -> Quantiles:
    """Quantiles of residuals ``err`` = y − ŷ (one per scored day of SKU ``sku_idx``);
    ``window_level``: per residual, the mean actual of its backtest window (``window_levels``),
    which bounds the relative upper residuals (module docstring)."""
    own10 = np.full(n, np.nan)
    own90 = np.full(n, np.nan)
    counts = np.bincount(sku_idx, minlength=n) if len(sku_idx) else np.zeros(n, dtype=int)
    relerr = relative_errors(err, yhat, window_level)
    row_class = klass[sku_idx] if len(sku_idx) else np.zeros(0, dtype=bool)
    if len(sku_idx):
        e = np.where(row_class, relerr, err)
        q = pd.DataFrame({"g": sku_idx, "e": e}).groupby("g")["e"].quantile([0.1, 0.9]).unstack()
        own10[q.index.to_numpy()] = q[0.1].to_numpy()
        own90[q.index.to_numpy()] = q[0.9].to_numpy()
    rel: dict[bool, tuple[float, float]] = {}
    for k in (False, True):
        pool = relerr[row_class == k]
        if not len(pool):
            pool = relerr  # the other class is better than nothing
        rel[k] = (float(np.quantile(pool, 0.1)), float(np.quantile(pool, 0.9))) if len(pool) \
            else (float("nan"), float("nan"))
    return Quantiles(own10, own90, counts >= MIN_OWN_RESIDUALS, rel, klass.astype(bool))


@dataclass
class HorizonWidening:
    """Quantile widening by lead time: ``factors[klass]`` per bucket of leads ``(lo, hi]``."""

    reference_days: int
    buckets: list[tuple[int, int]]
    factors: dict[bool, np.ndarray]
    table: pd.DataFrame  # demand_class, lead_from, lead_to, scored_days, factor

    @classmethod
    def none(cls, reference_days: int) -> HorizonWidening:
        return cls(reference_days, [], {False: np.zeros(0), True: np.zeros(0)},
                   pd.DataFrame(columns=["demand_class", "lead_from", "lead_to", "scored_days", "factor"]))

    def matrix(self, klass: np.ndarray, horizon: int) -> np.ndarray:
        """Factor per SKU (rows of ``klass``) and lead day 1 … ``horizon``: 1 up to
        ``reference_days``, then linear between bucket midpoints, flat after the last."""
        lead = np.arange(1, horizon + 1, dtype=float)
        out = np.ones((len(klass), horizon))
        if not self.buckets:
            return out
        mids = [self.reference_days] + [(lo + hi) / 2 for lo, hi in self.buckets]
        for k in (False, True):
            curve = np.interp(lead, mids, np.concatenate([[1.0], self.factors[k]]))
            out[np.asarray(klass, dtype=bool) == k] = curve
        return out


def covering_factor(y: np.ndarray, p50: np.ndarray, p10: np.ndarray, p90: np.ndarray) -> np.ndarray:
    """Smallest k ≥ 0 with max(0, p50 − k·(p50 − p10)) ≤ y ≤ p50 + k·(p90 − p50), per row
    (inf when no k does: a zero-width side that the actual falls beyond)."""
    below, above = np.maximum(p50 - y, 0.0), np.maximum(y - p50, 0.0)
    # p10 is clipped at 0 and y >= 0, so reaching below p50 down to 0 always suffices
    lo, hi = np.maximum(p50 - p10, 0.0), np.maximum(p90 - p50, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        need_lo = np.where(below > 0, np.where(lo > 0, below / lo, np.inf), 0.0)
        need_hi = np.where(above > 0, np.where(hi > 0, above / hi, np.inf), 0.0)
    return np.maximum(need_lo, need_hi)


def horizon_widening(lead: np.ndarray, y: np.ndarray, p50: np.ndarray, p10: np.ndarray,
                     p90: np.ndarray, klass: np.ndarray, reference_days: int, horizon: int
                     ) -> HorizonWidening:
    """Calibrate the widening (module docstring) from scored days of one long backtest window:
    their lead (1 … horizon), actual, and p50/p10/p90 from the ordinary quantiles."""
    if horizon <= reference_days or not len(lead):
        return HorizonWidening.none(reference_days)
    buckets = [(lo, min(lo + reference_days, horizon))
               for lo in range(reference_days, horizon, reference_days)]
    k_row = covering_factor(y, p50, p10, p90)
    klass = np.asarray(klass, dtype=bool)
    factors: dict[bool, np.ndarray] = {}
    rows = []
    for k in (False, True):
        mine = klass == k
        if mine.sum() < MIN_BUCKET_ROWS:
            mine = np.ones(len(klass), dtype=bool)  # too few of this class: pool both
        ref = mine & (lead <= reference_days)
        target = float(np.mean(k_row[ref] <= 1.0)) if ref.any() else np.nan
        values, floor = [], 1.0
        for lo, hi in buckets:
            b = mine & (lead > lo) & (lead <= hi)
            f = floor
            if b.sum() >= MIN_BUCKET_ROWS and np.isfinite(target):
                f = min(max(floor, float(np.quantile(k_row[b], target))), MAX_WIDENING)
            values.append(f)
            floor = f
            rows.append(("intermittent" if k else "smooth", lo + 1, hi, int(b.sum()), round(f, 3)))
        factors[k] = np.array(values)
    table = pd.DataFrame(rows, columns=["demand_class", "lead_from", "lead_to", "scored_days", "factor"])
    return HorizonWidening(reference_days, buckets, factors, table)
