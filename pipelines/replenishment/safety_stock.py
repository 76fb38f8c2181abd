"""Spread of demand over lead time + review, measured on the history: forecast errors summed over
the whole L + R window from rolling origins.

Why: the forecast band gives a σ per day, and summing the daily variances over L + R
(``policy.demand_std_over``) takes the days to be independent. They are not when demand shifts
level (a store starts selling four times as much, an item comes back, a competitor runs out):
the forecast is then wrong the same way on consecutive days, and the error over L + R days is
far larger than sqrt(L + R) daily errors. So the plan also measures that error directly.

Rule, per row (a SKU at a location, or a SKU in total for the network purchase):

- its daily demand over the ``error_lookback_days`` up to the as-of night (zero-sale days count
  as 0) is replayed from every day t of it as a forecast origin;
- the forecast made at t is the mean daily demand of the ``error_forecast_days`` up to t (the
  28-day average: the half of the default ensemble that needs no fit, and on M5 as accurate as
  the chosen model, RMSSE 0.762 against 0.761 — refitting the production forecast at every
  origin every night would cost more than the whole plan);
- the error at t is the demand of the W = L + R days after t (rounded to whole days, at least 1)
  minus W × that mean; σ_W = the root mean square of the errors (bias counts: a forecast that
  lags a rising level needs the stock as much as one that scatters);
- origins whose forecast days start before the row's first sale (a launch is not an error), or
  whose days touch a known stockout day of the SKU (demand unknown), are left out; with fewer
  than ``MIN_ORIGINS`` origins left there is no measurement (σ_W = 0).

The safety stock then takes the larger of σ_W and the band's σ summed over the window
(``policy.safety_stock_over_window``): the band knows what the history cannot (a promotion ahead,
a peak entering the window, the widening of the forecast with the horizon), the measurement
what the band's independence misses. Independent daily errors give σ_W ≈ σd·sqrt(W), so the
rule only changes the safety stock where the errors are alike from day to day.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

#: Fewest rolling origins that make a measurement (four weeks of days).
MIN_ORIGINS = 28
#: Rows measured at once: bounds the (rows × days) work arrays to some hundred MB.
CHUNK_ROWS = 20_000


def daily_matrix(history: pd.DataFrame, keys: pd.DataFrame, as_of: date, days: int) -> np.ndarray:
    """Daily units (row, day) of each row of ``keys`` over the ``days`` days ending ``as_of``
    (last column = the as-of day). ``history``: the ``keys`` columns, date, units; rows of
    ``history`` with no match in ``keys`` and days outside the span are ignored."""
    out = np.zeros((len(keys), days))
    if history.empty or not len(keys):
        return out
    cols = list(keys.columns)
    day = (pd.to_datetime(history["date"]) - pd.Timestamp(as_of)).dt.days.to_numpy() + days - 1
    index = pd.MultiIndex.from_frame(keys[cols].astype(str)) if len(cols) > 1 else pd.Index(keys[cols[0]].astype(str))
    probe = (pd.MultiIndex.from_frame(history[cols].astype(str)) if len(cols) > 1
             else pd.Index(history[cols[0]].astype(str)))
    # keys may repeat (one SKU on several SKU x location rows): fill each distinct key once
    distinct = index.unique()
    row = distinct.get_indexer(probe)
    ok = (row >= 0) & (day >= 0) & (day < days)
    per_key = np.zeros((len(distinct), days))
    np.add.at(per_key, (row[ok], day[ok]),
              pd.to_numeric(history["units"], errors="coerce").fillna(0.0).to_numpy()[ok])
    return per_key[distinct.get_indexer(index)]


def stockout_matrix(stockouts: pd.DataFrame, skus: pd.Series, as_of: date, days: int) -> np.ndarray:
    """True (row, day) where the row's SKU had no stock anywhere (``stockouts``: date, sku)."""
    flags = daily_matrix(stockouts.assign(units=1.0), pd.DataFrame({"sku": skus.to_numpy()}), as_of, days)
    return flags > 0


def window_error_std(demand: np.ndarray, window_days, forecast_days: int,
                     stockout: np.ndarray | None = None) -> np.ndarray:
    """σW, units: root mean square error of the ``forecast_days``-day average forecast over the
    next W = ``window_days`` days, from every origin of ``demand`` (row, day; units/day, oldest day
    first); 0 where fewer than MIN_ORIGINS origins qualify (rules in the module docstring).
    ``window_days`` broadcasts over the rows; ``stockout`` (row, day) marks days left out."""
    rows, days = demand.shape
    m = int(forecast_days)
    out = np.zeros(rows)
    # a window longer than the history measures nothing: clipped there before the cast, so a
    # lead time of 1e20 days is not an int64 overflow that happens to be skipped
    width = np.broadcast_to(np.clip(np.rint(np.asarray(window_days, dtype=float)), 1, days + 1).astype(np.int64),
                            (rows,))
    # rows sharing a window (few: it follows the lanes) are measured together by plain slicing
    for w in np.unique(width):
        if days - w - m + 1 < MIN_ORIGINS:
            continue
        idx = np.flatnonzero(width == w)
        for lo in range(0, len(idx), CHUNK_ROWS):
            part = idx[lo:lo + CHUNK_ROWS]
            out[part] = _measure(demand[part], int(w), m, None if stockout is None else stockout[part])
    return out


def _measure(demand: np.ndarray, w: int, m: int, stockout: np.ndarray | None) -> np.ndarray:
    days = demand.shape[1]
    zero = np.zeros((len(demand), 1))
    cum = np.concatenate([zero, np.cumsum(demand, axis=1)], axis=1)  # cum[:, k] = units of days < k
    # origin o = m … days − w: the forecast uses days o−m … o−1, the error the w days o … o+w−1
    n = days - w - m + 1
    actual = cum[:, m + w:m + w + n] - cum[:, m:m + n]
    forecast = (cum[:, m:m + n] - cum[:, :n]) * (w / m)
    error = actual - forecast
    sold = demand > 0
    first = np.where(sold.any(axis=1), sold.argmax(axis=1), days)
    valid = np.arange(n)[None, :] >= first[:, None]  # the forecast's first day o − m on or after the first sale
    if stockout is not None and stockout.any():
        blocked = np.concatenate([zero, np.cumsum(stockout, axis=1)], axis=1)
        valid &= (blocked[:, m + w:m + w + n] - blocked[:, :n]) == 0
    count = valid.sum(axis=1)
    sq = np.where(valid, error, 0.0)
    sq = np.einsum("ij,ij->i", sq, sq)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(count >= MIN_ORIGINS, np.sqrt(sq / np.maximum(count, 1)), 0.0)


def measured_window_std(history: pd.DataFrame, stockouts: pd.DataFrame, keys: pd.DataFrame, window_days,
                        as_of: date, lookback_days: int, forecast_days: int) -> np.ndarray:
    """σW (units) of each row of ``keys`` (columns sku, or sku and location_id) over its
    ``window_days`` (L + R, days), from ``history`` (sku, location_id, date, units: what each
    location shipped per day; keyed by SKU alone, every location counts) over the
    ``lookback_days`` ending ``as_of``, leaving out the SKU's ``stockouts`` (date, sku).
    ``lookback_days`` 0 measures nothing (zeros)."""
    if lookback_days <= 0 or not len(keys):
        return np.zeros(len(keys))
    demand = daily_matrix(history, keys, as_of, lookback_days)
    blocked = stockout_matrix(stockouts, keys["sku"], as_of, lookback_days) if len(stockouts) else None
    return window_error_std(demand, window_days, forecast_days, blocked)


class ErrorHistory:
    """The history the plan measures σW on, with its settings (``measured_window_std``)."""

    def __init__(self, history: pd.DataFrame, stockouts: pd.DataFrame, as_of: date, lookback_days: int,
                 forecast_days: int):
        self.history, self.stockouts, self.as_of = history, stockouts, as_of
        self.lookback_days, self.forecast_days = int(lookback_days), int(forecast_days)

    def window_std(self, keys: pd.DataFrame, window_days) -> np.ndarray:
        """σW of each row of ``keys`` (sku, or sku and location_id) over ``window_days``."""
        return measured_window_std(self.history, self.stockouts, keys, window_days, self.as_of,
                                   self.lookback_days, self.forecast_days)
