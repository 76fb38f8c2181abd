"""What a forecast fit leaves behind so a later night can reuse it (``refit``).

One row per modelled SKU (``FIT_COLUMNS``), persisted as ``marts.forecast_model_state``:

- ``model``: the method the SKU's forecast used (``ets``, ``ensemble``, ``prophet`` …, without the
  ``+promo`` tag), ``fallback_model`` the best panel method (used when a per-series model fails);
- the calibrated interval offsets, reduced to what ``intervals.Quantiles.bounds`` reads for this
  SKU: ``quantile_kind`` ``additive`` (own residual quantiles, units/day), ``relative`` (own or
  the class's pooled relative residual quantiles, times the forecast level) or ``poisson`` (no
  residuals at all), with ``q10``/``q90`` the offsets;
- ``widening``: the lead-time widening factors of its demand class per lead bucket (JSON list;
  the buckets follow from ``backtest_days`` and ``horizon_days``), ``intermittent`` its class;
- what decides whether it must be refitted: ``windows`` (backtest windows it had),
  ``history_units`` (recorded units up to ``fitted_as_of``), ``config_hash`` (the forecast
  settings it was fitted with), ``refit_night_as_of`` (the as-of date of the last refit night).
"""

from __future__ import annotations

import hashlib
import json
from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ForecastConfig
from pipelines.forecasting.intervals import HorizonWidening, Quantiles

FIT_COLUMNS = ["sku", "model", "fallback_model", "quantile_kind", "q10", "q90", "intermittent",
               "widening", "windows", "history_units", "fitted_as_of", "refit_night_as_of",
               "config_hash"]
#: Settings that do not change a SKU's fit: the shard count (a SKU's fit never depends on which
#: shard it is in, except through pooled statistics that are recalibrated on the refit night)
#: and the schedule itself.
UNFITTED_SETTINGS = {"shards", "refit_every_days"}


def config_hash(config: ForecastConfig) -> str:
    """A short fingerprint of the settings a fit depends on (a change means refit everything)."""
    settings = config.model_dump(exclude=UNFITTED_SETTINGS)
    return hashlib.sha1(json.dumps(settings, sort_keys=True, default=str).encode()).hexdigest()[:16]


def empty_fit() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in FIT_COLUMNS})


def fit_table(skus: np.ndarray, idx: np.ndarray, model: np.ndarray, fallback: np.ndarray,
              q: Quantiles, widening: HorizonWidening, history_units: np.ndarray, windows: np.ndarray,
              as_of: date, config: ForecastConfig) -> pd.DataFrame:
    """Fit rows of panel rows ``idx`` (their arrays indexed like the panel)."""
    own = q.own[idx]
    klass = q.klass[idx]
    pooled = np.array([q.rel[bool(k)] for k in klass], dtype=float).reshape(-1, 2)
    pooled_ok = np.isfinite(pooled).all(axis=1)
    kind = np.where(own, np.where(klass, "relative", "additive"),
                    np.where(pooled_ok, "relative", "poisson"))
    factors = {k: json.dumps([round(float(f), 6) for f in widening.factors[k]]) for k in (False, True)}
    return pd.DataFrame({
        "sku": skus[idx].astype(str),
        "model": model[idx].astype(str),
        "fallback_model": fallback[idx].astype(str),
        "quantile_kind": kind,
        "q10": np.where(own, q.own10[idx], pooled[:, 0]),
        "q90": np.where(own, q.own90[idx], pooled[:, 1]),
        "intermittent": klass.astype(bool),
        "widening": [factors[bool(k)] for k in klass],
        "windows": windows[idx].astype("int64"),
        "history_units": history_units[idx].astype(float),
        "fitted_as_of": as_of,
        "refit_night_as_of": as_of,
        "config_hash": config_hash(config),
    })[FIT_COLUMNS]


def quantiles_of_fit(fit: pd.DataFrame) -> Quantiles:
    """The ``Quantiles`` whose ``bounds`` give each fit row (in order) the intervals its fit gave:
    a pooled relative offset behaves exactly like an own relative one, and ``poisson`` rows are
    the no-information case."""
    kind = fit["quantile_kind"].to_numpy()
    nan = (float("nan"), float("nan"))
    return Quantiles(own10=fit["q10"].to_numpy(dtype=float), own90=fit["q90"].to_numpy(dtype=float),
                     own=kind != "poisson", rel={False: nan, True: nan}, klass=kind == "relative")


def widening_matrix(fit: pd.DataFrame, backtest_days: int, horizon: int) -> np.ndarray:
    """Lead-time widening factor per fit row and lead day 1 … ``horizon`` (``HorizonWidening``)."""
    out = np.ones((len(fit), horizon))
    buckets = [(lo, min(lo + backtest_days, horizon)) for lo in range(backtest_days, horizon, backtest_days)]
    values = fit["widening"].to_numpy()
    for text in pd.unique(values):
        factors = np.asarray(json.loads(text), dtype=float)
        if not len(factors):
            continue
        rows = values == text
        w = HorizonWidening(backtest_days, buckets[:len(factors)], {False: factors, True: factors},
                            pd.DataFrame())
        out[rows] = w.matrix(np.zeros(int(rows.sum()), dtype=bool), horizon)
    return out
