"""Inventory-policy formulas: safety stock, reorder point, EOQ, fill rate, days of cover.

Pure functions on scalars or numpy/pandas arrays (they broadcast like numpy). Units: demand in
units/day, times (lead time, review period) in days, costs in the seller's currency. Formulas
and the textbook values the tests check come from the sources named in each docstring.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import norm

#: Days at the end of a forecast whose mean rate continues it when a question reaches past it.
TAIL_DAYS = 28
#: Days ahead past which no date is given (ten years): stock lasting longer has no projected
#: stockout date, and a day count beyond it (the cover of a near-zero forecast, a lead time of
#: decades) is no date rather than one past what a timestamp holds (year 2262) or nonsense.
MAX_STOCKOUT_DAYS = 3650


def z_score(service_level):
    """Standard-normal quantile Φ⁻¹(α) of a cycle service level α (0 < α < 1)."""
    level = np.asarray(service_level, dtype=float)
    if np.any((level <= 0) | (level >= 1)):
        raise ValueError("service level must lie strictly between 0 and 1")
    return norm.ppf(level)


def demand_std_over(demand_mean, demand_std, lead_time, lead_time_std=0.0, review_period=0.0):
    """Standard deviation of demand over the protection interval L + R, units.

    σ = sqrt((L + R)·σd² + d²·σL²) (Silver, Pyke & Thomas; R ``inventorize::dl.sigmadl``):
    ``demand_mean`` d and ``demand_std`` σd per day, ``lead_time`` L, ``lead_time_std`` σL and
    ``review_period`` R in days. Daily demands are taken to be independent.
    """
    d, sd = np.asarray(demand_mean, dtype=float), np.asarray(demand_std, dtype=float)
    protection = np.asarray(lead_time, dtype=float) + np.asarray(review_period, dtype=float)
    return np.sqrt(protection * sd**2 + d**2 * np.asarray(lead_time_std, dtype=float) ** 2)


def spread_over_window(window_std, demand_mean, lead_time_std=0.0):
    """Standard deviation of demand over L + R, units, from the forecast error over the window.

    σ = sqrt(σW² + d²·σL²): ``window_std`` σW is the spread of the error of the demand forecast
    over the whole L + R days (units; (L + R)·σd² when daily errors are independent, the form of
    :func:`demand_std_over`), ``demand_mean`` d in units/day and ``lead_time_std`` σL in days
    (Silver, Pyke & Thomas: the lead-time term of σ is unchanged).
    """
    d = np.asarray(demand_mean, dtype=float)
    return np.sqrt(np.asarray(window_std, dtype=float) ** 2 + d**2 * np.asarray(lead_time_std, dtype=float) ** 2)


def safety_stock_over_window(service_level, window_std, demand_mean, lead_time_std=0.0):
    """Safety stock, units: Φ⁻¹(α)·sqrt(σW² + d²·σL²) (:func:`spread_over_window`).

    The form to use when the forecast error over L + R was measured (errors of consecutive days
    need not be independent); arguments as :func:`spread_over_window`.
    """
    return z_score(service_level) * spread_over_window(window_std, demand_mean, lead_time_std)


def safety_stock(service_level, demand_mean, demand_std, lead_time, lead_time_std=0.0, review_period=0.0):
    """Safety stock, units: z·sqrt((L + R)·σd² + d²·σL²), z = Φ⁻¹(cycle service level).

    ``demand_mean`` and ``demand_std`` in units/day; ``lead_time``, ``lead_time_std`` and
    ``review_period`` in days. Lead-time variance counts (stockpyl and Odoo core leave it out).
    """
    return z_score(service_level) * demand_std_over(demand_mean, demand_std, lead_time, lead_time_std,
                                                    review_period)


def reorder_point(service_level, demand_mean, demand_std, lead_time, lead_time_std=0.0, review_period=0.0):
    """Reorder point, units: demand over L + R (d·(L + R), not sqrt(L)·d) plus the safety stock.

    Arguments as :func:`safety_stock`.
    """
    protection = np.asarray(lead_time, dtype=float) + np.asarray(review_period, dtype=float)
    return np.asarray(demand_mean, dtype=float) * protection + safety_stock(
        service_level, demand_mean, demand_std, lead_time, lead_time_std, review_period)


def economic_order_quantity(annual_demand, order_cost, holding_cost_per_unit_year):
    """EOQ Q* = sqrt(2·K·λ/h), units (Snyder & Shen, eq. 3.4).

    ``annual_demand`` λ in units/year, ``order_cost`` K per order, ``holding_cost_per_unit_year``
    h per unit and year (same currency).
    """
    return np.sqrt(2 * np.asarray(order_cost, dtype=float) * np.asarray(annual_demand, dtype=float)
                   / np.asarray(holding_cost_per_unit_year, dtype=float))


def standard_normal_loss(z):
    """L(z) = φ(z) − z·(1 − Φ(z)): expected units short per unit of σ (Snyder & Shen, App. C)."""
    z = np.asarray(z, dtype=float)
    return norm.pdf(z) - z * norm.sf(z)


def safety_factor_for_fill_rate(fill_rate, order_quantity, spread):
    """Safety factor k ≥ 0 of a fill-rate target: σ·L(k) = (1 − β)·Q (Silver, Pyke & Thomas, 3rd
    ed. §7.6, the B2 criterion; Snyder & Shen App. C).

    The expected units short per replenishment cycle, σ·L(k) (``spread`` σ: the spread of demand
    over lead time + review, units; L: :func:`standard_normal_loss`), are at most the share
    1 − β of what a cycle brings, ``order_quantity`` Q units, so over many cycles the share β of
    demand is served from stock. 0 where σ is 0; never below 0 (no negative safety stock where Q
    alone already meets the target). Example: β = 0.98, Q = 370, σ = 200 → L(k) = 0.037 →
    k ≈ 1.40, against z = 2.05 for a 98 % cycle service level.
    """
    beta = np.asarray(fill_rate, dtype=float)
    if np.any((beta <= 0) | (beta >= 1)):
        raise ValueError("fill rate must lie strictly between 0 and 1")
    sigma = np.asarray(spread, dtype=float)
    q = np.clip(np.asarray(order_quantity, dtype=float), 0.0, None)
    with np.errstate(divide="ignore", invalid="ignore"):
        target = np.where(sigma > 0, (1.0 - beta) * q / sigma, np.inf)
    # L is decreasing: invert it on a fine grid of k (0 … 6 covers every L down to 1e-10)
    k = np.interp(-np.log(np.clip(target, 1e-300, None)), -np.log(_LOSS_TABLE), _K_TABLE)
    return np.where(sigma > 0, k, 0.0)


def fill_rate(order_quantity, demand_mean, demand_std, lead_time, safety_stock, lead_time_std=0.0):
    """Expected type-2 service (share of demand met from stock) of an (s, Q) policy, 0–1.

    β = 1 − σ·L(z)/Q with σ the lead-time demand spread (units, :func:`demand_std_over`),
    z = safety_stock/σ and L the standard normal loss function. ``order_quantity`` Q and
    ``safety_stock`` in units, demand in units/day, times in days. No spread means no shortage.
    """
    sigma = demand_std_over(demand_mean, demand_std, lead_time, lead_time_std)
    q = np.asarray(order_quantity, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        z = np.asarray(safety_stock, dtype=float) / sigma
        short = np.where(sigma > 0, sigma * standard_normal_loss(z), 0.0)
        return np.clip(1.0 - short / q, 0.0, 1.0)


_K_TABLE = np.linspace(0.0, 6.0, 6001)
_LOSS_TABLE = standard_normal_loss(_K_TABLE)


def _as_forecast(daily_forecast) -> np.ndarray:
    forecast = np.asarray(daily_forecast, dtype=float)
    if forecast.ndim == 0 or forecast.shape[-1] == 0:
        raise ValueError("daily_forecast needs at least one day")
    return np.clip(forecast, 0.0, None)


def tail_rate(daily_forecast):
    """Units/day that continue a forecast past its last day: the mean of its last TAIL_DAYS days."""
    forecast = _as_forecast(daily_forecast)
    return forecast[..., -TAIL_DAYS:].mean(axis=-1)


def cumulative_demand(daily_forecast, days):
    """Units expected over the next ``days`` days (fractional: a part-day takes its share).

    ``daily_forecast`` holds future daily units, day 1 first (last axis), for one series or a
    stack of series; ``days`` broadcasts against the series. Past the last day, demand runs on
    at :func:`tail_rate`.
    """
    forecast = _as_forecast(daily_forecast)
    horizon = forecast.shape[-1]
    cum = np.concatenate([np.zeros(forecast.shape[:-1] + (1,)), np.cumsum(forecast, axis=-1)], axis=-1)
    days = np.clip(np.asarray(days, dtype=float), 0.0, None)
    shape = np.broadcast_shapes(forecast.shape[:-1], days.shape)
    days = np.broadcast_to(days, shape)
    cum = np.broadcast_to(cum, shape + (horizon + 1,))
    forecast = np.broadcast_to(forecast, shape + (horizon,))
    whole = np.minimum(np.floor(days), horizon).astype(int)
    before = np.take_along_axis(cum, whole[..., None], axis=-1)[..., 0]
    part_day = np.take_along_axis(forecast, np.minimum(whole, horizon - 1)[..., None], axis=-1)[..., 0]
    inside = before + (days - whole) * part_day
    beyond = cum[..., horizon] + (days - horizon) * np.broadcast_to(tail_rate(forecast), shape)
    return np.where(days < horizon, inside, beyond)


def days_of_cover(position, daily_forecast):
    """Days until ``position`` units are used up, consuming the daily forecast day by day.

    ``daily_forecast``: future daily units, day 1 first (last axis) — a sequence, not a flat
    average, so a coming peak shortens the cover. Fractional (15.5 = half way through day 16);
    0 when the position is not positive; past the forecast's end demand runs on at
    :func:`tail_rate`; ``inf`` when that rate is 0 and the forecast never uses the position up.
    """
    forecast = _as_forecast(daily_forecast)
    horizon = forecast.shape[-1]
    position = np.asarray(position, dtype=float)
    shape = np.broadcast_shapes(forecast.shape[:-1], position.shape)
    cum = np.broadcast_to(np.cumsum(forecast, axis=-1), shape + (horizon,))
    forecast = np.broadcast_to(forecast, shape + (horizon,))
    position = np.broadcast_to(position, shape)
    # cum is non-decreasing: the number of days whose cumulative demand fits is the full days
    covered = (cum <= position[..., None]).sum(axis=-1)
    inside = covered < horizon
    idx = np.minimum(covered, horizon - 1)[..., None]
    used_before = np.where(covered > 0, np.take_along_axis(cum, np.maximum(covered - 1, 0)[..., None],
                                                           axis=-1)[..., 0], 0.0)
    day_units = np.take_along_axis(forecast, idx, axis=-1)[..., 0]
    tail = np.broadcast_to(tail_rate(forecast), shape)
    with np.errstate(divide="ignore", invalid="ignore"):
        within = covered + (position - used_before) / day_units
        past = np.where(tail > 0, horizon + (position - cum[..., -1]) / tail, np.inf)
    cover = np.where(inside, within, past)
    return np.where(position <= 0, 0.0, cover)


def projected_stockout_date(position, daily_forecast, as_of: date):
    """The day the position runs out: ``as_of`` + ceil(days of cover) (:func:`days_of_cover`).

    A position lasting exactly 15 days runs out on day 15 after ``as_of``. Returns a
    ``datetime.date`` (None when demand never uses it up or it lasts more than
    MAX_STOCKOUT_DAYS) for one series, else a numpy ``datetime64[D]`` array with NaT there.
    """
    cover = days_of_cover(position, daily_forecast)
    # a near-zero forecast gives a finite cover of 1e20 days: no int64, no date holds that
    near = np.isfinite(cover) & (cover <= MAX_STOCKOUT_DAYS)
    # a rounding hair above a whole day must not push the date a day later
    days = np.where(near, np.ceil(np.round(np.where(near, cover, 0.0), 9)), 0).astype("int64")
    dates = np.datetime64(as_of, "D") + days.astype("timedelta64[D]")
    dates = np.where(near, dates, np.datetime64("NaT"))
    if dates.ndim == 0:
        return None if np.isnat(dates) else dates.item()  # a datetime.date, not a 0-d array
    return dates


def days_after(as_of: date, days) -> pd.DatetimeIndex:
    """``as_of`` + ``days`` (whole days, an array) as timestamps; NaT where ``days`` is missing,
    infinite or further than MAX_STOCKOUT_DAYS either way (no date that far is planned)."""
    days = np.asarray(days, dtype=float)
    near = np.isfinite(days) & (np.abs(days) <= MAX_STOCKOUT_DAYS)
    return pd.Timestamp(as_of) + pd.to_timedelta(np.where(near, days, np.nan), unit="D")
