"""Daily demand histories of many SKUs as aligned matrices, with stockout days imputed.

Every SKU of a call shares one calendar (``dates``: the first demand date of the call … as_of),
so histories are rows of (SKU × day) matrices and most steps of the pipeline are vectorised
numpy over the whole panel rather than per-SKU Python loops.

A SKU's history starts at its first sale, or at its launch date when that is known and earlier
(never before the first date of the data: earlier days were not recorded, so they are not zeros).
Days before the start are outside the history (``in_history`` False, ``y`` 0).

Stockouts: a day on which the snapshots showed no sellable stock anywhere is censored, not zero
demand. Its value is imputed as the mean of the same weekday over up to four uncensored weeks on
either side (weekly pattern kept), else the mean of the SKU's uncensored days in the 28 days
before, else the SKU's uncensored mean; units actually sold that day are a floor (a SKU that
sold out at noon still sold them). ``observed`` is False on those days, and backtests never
score them. A day without any snapshot is simply not a stockout.

Suspected stockouts (opt-in, ``SuspectRule.min_run`` > 0): where no snapshot covers a day (sellers who send none, or only the latest),
a run of zero-sale days that the SKU's own record makes implausible as chance is censored too:
a run of ``k`` days with ``k >= min_run`` and ``p0 ** k < probability``, where ``p0`` is the
SKU's share of zero days outside long runs. A regular seller (``p0`` 0.1) is suspected after a
week without a sale, an intermittent one (``p0`` 0.8) only after a month. Runs longer than
``max_run`` are taken as real (the item left the range), so a delisted SKU without stock data
does not keep its old forecast. Days covered by snapshots are never suspected: stock on hand and
no sale is real zero demand (dead stock), and no stock is already a stockout.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

#: Weeks either side of a stockout day whose same weekday feeds its imputed value.
IMPUTE_WEEKS = 4
#: Days before a stockout whose uncensored mean is the fallback imputed value, days.
IMPUTE_RECENT_DAYS = 28
#: Zero runs at least this long are left out when estimating a SKU's share of zero days, days.
LONG_RUN_DAYS = 14


@dataclass(frozen=True)
class SuspectRule:
    """When a run of zero-sale days without stock data is read as a stockout (module docstring).
    ``min_run``/``max_run`` in days; ``probability`` the chance below which the run is
    implausible as ordinary no-sale days. ``min_run`` 0 (the default) switches the rule off."""

    min_run: int = 0
    max_run: int = 180
    probability: float = 1e-3


@dataclass
class Panel:
    """Histories of ``n`` SKUs over ``T`` shared days and the promotion calendar ahead.

    - ``y``: units/day (n × T), stockout days imputed, 0 outside the history.
    - ``raw``: units/day as recorded (n × T).
    - ``observed``: True on in-history days that were not stockouts (n × T).
    - ``suspected``: True on days censored as suspected stockouts (n × T, a subset of
      ``~observed``).
    - ``in_history``: True from each SKU's start to as_of (n × T).
    - ``promo``: discount fraction per day (n × (T + horizon)), max over channels.
    - ``start``: index of each SKU's first history day (``T`` when it starts after as_of).
    - ``launch``: index of the launch date (may be ≥ T, i.e. in the future), -1 when unknown.
    """

    skus: np.ndarray
    category: np.ndarray
    unit_price: np.ndarray
    dates: pd.DatetimeIndex
    horizon: int
    y: np.ndarray
    raw: np.ndarray
    observed: np.ndarray
    in_history: np.ndarray
    suspected: np.ndarray
    promo: np.ndarray
    start: np.ndarray
    launch: np.ndarray

    @property
    def n(self) -> int:
        return len(self.skus)

    @property
    def T(self) -> int:  # noqa: N802  (the usual name of a series length)
        return len(self.dates)

    @property
    def history_days(self) -> np.ndarray:
        """Days from each SKU's start to as_of inclusive (0 for a SKU not yet launched)."""
        return self.T - self.start

    def future_dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.dates[-1] + pd.Timedelta(days=1), periods=self.horizon, freq="D")


def _day_index(values: pd.Series, first: pd.Timestamp) -> np.ndarray:
    return ((pd.to_datetime(values) - first) // pd.Timedelta(days=1)).to_numpy(dtype=np.int64)


def build_panel(skus: pd.DataFrame, demand: pd.DataFrame, stockouts: pd.DataFrame,
                promotions: pd.DataFrame, as_of: date, horizon: int,
                stock_reported: pd.DataFrame | None = None,
                suspect: SuspectRule = SuspectRule()) -> Panel:
    """Aligned histories of the SKUs in ``skus`` (in that order) up to ``as_of``.

    ``demand``: date, sku, units (any further columns ignored; summed over channels/regions).
    ``stockouts``: date, sku. ``promotions``: sku, start_date, end_date (inclusive), discount_pct.
    ``skus``: sku, category, unit_price, launch_date (may be NULL). ``stock_reported``: sku,
    first_date, last_date: the spans of days snapshots describe (None: no stock data at all)."""
    end = pd.Timestamp(as_of)
    sku_list = skus["sku"].astype(str).to_numpy()
    pos = pd.Index(sku_list)
    d = demand.loc[:, ["date", "sku", "units"]].copy()
    d["date"] = pd.to_datetime(d["date"])
    d = d[(d["date"] <= end) & d["sku"].astype(str).isin(pos)]
    first = d["date"].min() if len(d) else end
    dates = pd.date_range(first, end, freq="D")
    n, T = len(sku_list), len(dates)

    raw = np.zeros((n, T))
    if len(d):
        np.add.at(raw, (pos.get_indexer(d["sku"].astype(str)), _day_index(d["date"], first)),
                  d["units"].to_numpy(dtype=float))
    raw = np.maximum(raw, 0.0)

    sold = raw > 0
    first_sale = np.where(sold.any(axis=1), sold.argmax(axis=1), T)
    launch_ts = pd.to_datetime(skus["launch_date"], errors="coerce") if "launch_date" in skus else None
    if launch_ts is not None:
        launch = np.where(launch_ts.isna(), -1,
                          ((launch_ts - first) // pd.Timedelta(days=1)).fillna(-1)).astype(np.int64)
    else:
        launch = np.full(n, -1, dtype=np.int64)
    # An unsold SKU with no launch date has been listed (and not sold) over the whole calendar.
    start = np.where(launch >= 0, np.minimum(first_sale, launch), np.where(sold.any(axis=1), first_sale, 0))
    start = np.clip(start, 0, T)
    in_history = np.arange(T)[None, :] >= start[:, None]

    censored = np.zeros((n, T), dtype=bool)
    if len(stockouts):
        s = stockouts.loc[:, ["date", "sku"]].copy()
        s["date"] = pd.to_datetime(s["date"])
        s = s[(s["date"] >= first) & (s["date"] <= end) & s["sku"].astype(str).isin(pos)]
        censored[pos.get_indexer(s["sku"].astype(str)), _day_index(s["date"], first)] = True
    censored &= in_history
    known = interval_matrix(stock_reported, pos, first, T, "first_date", "last_date") > 0
    suspected = suspected_stockouts(raw, in_history, known, suspect) & ~censored
    censored |= suspected
    observed = in_history & ~censored
    y = np.where(censored, np.maximum(raw, impute_censored(raw, observed)), raw)
    y = np.where(in_history, y, 0.0)

    return Panel(
        skus=sku_list,
        category=skus["category"].fillna("").astype(str).to_numpy() if "category" in skus
        else np.full(n, "", dtype=object),
        unit_price=pd.to_numeric(skus.get("unit_price", pd.Series(np.nan, index=skus.index)),
                                 errors="coerce").to_numpy(dtype=float),
        dates=dates, horizon=horizon, y=y, raw=raw, observed=observed, in_history=in_history,
        suspected=suspected, promo=promo_matrix(promotions, pos, first, T + horizon), start=start, launch=launch,
    )


def _shift(a: np.ndarray, k: int, fill: float | bool) -> np.ndarray:
    """``a`` moved ``k`` days later along axis 1 (out[:, t] = a[:, t - k])."""
    out = np.full_like(a, fill)
    if k > 0:
        out[:, k:] = a[:, :-k]
    elif k < 0:
        out[:, :k] = a[:, -k:]
    else:
        out[:] = a
    return out


def impute_censored(raw: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """The imputed units/day for every cell (only used on censored cells), see module docstring."""
    obs_y = np.where(observed, raw, 0.0)
    total = np.zeros_like(raw)
    count = np.zeros_like(raw)
    for k in range(1, IMPUTE_WEEKS + 1):
        for lag in (7 * k, -7 * k):
            total += _shift(obs_y, lag, 0.0)
            count += _shift(observed, lag, False)
    # Trailing uncensored mean over the previous IMPUTE_RECENT_DAYS, via cumulative sums.
    cy = np.cumsum(np.pad(obs_y, ((0, 0), (1, 0))), axis=1)
    cn = np.cumsum(np.pad(observed.astype(float), ((0, 0), (1, 0))), axis=1)
    t = np.arange(raw.shape[1])
    lo = np.maximum(t - IMPUTE_RECENT_DAYS, 0)
    recent_sum, recent_n = cy[:, t] - cy[:, lo], cn[:, t] - cn[:, lo]
    overall = obs_y.sum(axis=1) / np.maximum(observed.sum(axis=1), 1)
    with np.errstate(invalid="ignore", divide="ignore"):
        value = np.where(count > 0, total / count,
                         np.where(recent_n > 0, recent_sum / recent_n, overall[:, None]))
    return value


def zero_run_lengths(raw: np.ndarray, in_history: np.ndarray) -> np.ndarray:
    """For every in-history zero-sale cell, the length of the run of such days it belongs to
    (0 elsewhere). Vectorised: a run is the cells sharing (row, count of non-zero cells so far)."""
    n, T = raw.shape
    zero = (raw <= 0) & in_history
    run_id = np.cumsum(~zero, axis=1)
    key = np.arange(n)[:, None] * (T + 1) + run_id
    _, inverse, counts = np.unique(key[zero], return_inverse=True, return_counts=True)
    lengths = np.zeros((n, T), dtype=np.int64)
    lengths[zero] = counts[inverse]
    return lengths


def suspected_stockouts(raw: np.ndarray, in_history: np.ndarray, known: np.ndarray,
                        rule: SuspectRule) -> np.ndarray:
    """Zero-sale days without stock data that lie in an implausibly long run (module docstring)."""
    if rule.min_run <= 0 or not raw.size:
        return np.zeros(raw.shape, dtype=bool)
    lengths = zero_run_lengths(raw, in_history)
    ordinary = in_history & (lengths < LONG_RUN_DAYS)
    p0 = ((raw <= 0) & ordinary).sum(axis=1) / np.maximum(ordinary.sum(axis=1), 1)
    with np.errstate(divide="ignore"):
        needed = np.log(rule.probability) / np.log(np.clip(p0, 1e-9, 1 - 1e-9))
    threshold = np.maximum(rule.min_run, np.ceil(needed))
    never_sold = ~(raw > 0).any(axis=1)
    return ((lengths >= threshold[:, None]) & (lengths <= rule.max_run) & ~known
            & ~never_sold[:, None])


def interval_matrix(frame: pd.DataFrame | None, pos: pd.Index, first: pd.Timestamp, days: int,
                    start: str = "start_date", end: str = "end_date",
                    values: np.ndarray | None = None) -> np.ndarray:
    """SKU × day matrix (days from ``first`` on) holding, on each day of each row's inclusive
    [start, end] span, the row's value (default 1); the maximum where spans overlap."""
    out = np.zeros((len(pos), days))
    if frame is None or not len(frame):
        return out
    keep = frame["sku"].astype(str).isin(pos).to_numpy()
    p = frame.loc[keep]
    if not len(p):
        return out
    rows = pos.get_indexer(p["sku"].astype(str))
    lo = np.clip(_day_index(p[start], first), 0, days)
    hi = np.clip(_day_index(p[end], first) + 1, 0, days)
    value = np.ones(len(p)) if values is None else np.asarray(values, dtype=float)[keep]
    lengths = np.maximum(hi - lo, 0)
    r = np.repeat(rows, lengths)
    t = np.repeat(lo, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    np.maximum.at(out, (r, t), np.repeat(value, lengths))
    return out


def promo_matrix(promotions: pd.DataFrame, pos: pd.Index, first: pd.Timestamp, days: int) -> np.ndarray:
    """Discount fraction per SKU and day (max over channels of discount_pct / 100), days from
    ``first`` on."""
    if promotions is None or not len(promotions):
        return np.zeros((len(pos), days))
    frac = pd.to_numeric(promotions["discount_pct"], errors="coerce").fillna(0).to_numpy(dtype=float)
    return np.clip(interval_matrix(promotions, pos, first, days, values=frac / 100.0), 0.0, 0.95)
