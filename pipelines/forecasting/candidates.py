"""Candidate forecasting methods: statsforecast panel models and a loop for per-series models.

Panel candidates (statsforecast, all SKUs of a call fitted in one pass, single process because
the caller parallelises over shards):

- ``seasonal_naive``: the same weekday last week.
- ``moving_average_28``: mean of the last 28 days.
- ``ets``: exponential smoothing with additive error and additive weekly season, no trend
  (AutoETS model "ANA"; the full AutoETS search costs ~10× more for little gain on daily sales).
  Fitted on the last 364 days (a year holds 52 weekly cycles; halving the fit window halves the
  dominant cost of the whole run).
- ``croston_sba``: Croston with the Syntetos-Boylan bias correction, for intermittent demand.
- ``tsb``: Teunter-Syntetos-Babai (demand probability and size smoothed separately, α 0.1 each),
  which lets a dying SKU's forecast decay.
- ``adida``: temporal aggregation to the mean inter-demand interval, SES, disaggregated.
- ``imapa``: ADIDA over several aggregation levels, averaged.
- ``ensemble``: the median of the seven above, day by day (robust to one model going astray).

All models fit the last ``INPUT_DAYS`` days only, which changes nothing for the window-based ones.
Their forecasts are clipped at 0 (ETS can go negative on sparse series).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from pipelines.forecasting.history import Panel
from pipelines.forecasting.series import PerSeriesModel, SeriesHistory

log = logging.getLogger(__name__)

PANEL_MODELS = ("ets", "seasonal_naive", "weekday_average_8w", "moving_average_28", "croston_sba",
                "tsb", "adida", "imapa")
ENSEMBLE = "ensemble"
#: The methods the ensemble averages: a level-adaptive one, a weekday profile and a robust level.
ENSEMBLE_PARTS = ("ets", "weekday_average_8w", "moving_average_28")
#: Days of history each panel model is fitted on, days.
INPUT_DAYS = 364
#: Fewest training days before a backtest origin, days (four weekly cycles).
MIN_TRAIN_DAYS = 28


def _statsforecast(models: Sequence[str] = PANEL_MODELS):
    from statsforecast import StatsForecast
    from statsforecast.models import (
        ADIDA,
        IMAPA,
        TSB,
        AutoETS,
        CrostonSBA,
        SeasonalNaive,
        SeasonalWindowAverage,
        WindowAverage,
    )

    factories = {
        "seasonal_naive": lambda: SeasonalNaive(season_length=7, alias="seasonal_naive"),
        "moving_average_28": lambda: WindowAverage(window_size=28, alias="moving_average_28"),
        "weekday_average_8w": lambda: SeasonalWindowAverage(season_length=7, window_size=8,
                                                            alias="weekday_average_8w"),
        "ets": lambda: AutoETS(season_length=7, model="ANA", alias="ets"),
        "croston_sba": lambda: CrostonSBA(alias="croston_sba"),
        "tsb": lambda: TSB(alpha_d=0.1, alpha_p=0.1, alias="tsb"),
        "adida": lambda: ADIDA(alias="adida"),
        "imapa": lambda: IMAPA(alias="imapa"),
    }
    # A model that fails on one series (ETS on a pathological one) falls back to the 28-day mean
    # for that series only, rather than failing the call.
    return StatsForecast(models=[factories[m]() for m in models], freq="D", n_jobs=1,
                         fallback_model=WindowAverage(window_size=28))


def _long(panel: Panel, idx: np.ndarray, first_day: int) -> pd.DataFrame:
    """Long frame (unique_id = row index in the panel, ds, y) of SKUs ``idx`` from ``first_day``
    (or each SKU's start if later) to as_of."""
    lo = np.maximum(panel.start[idx], first_day)
    lengths = panel.T - lo
    rows = np.repeat(idx, lengths)
    t = np.repeat(lo, lengths) + (np.arange(lengths.sum()) - np.repeat(np.cumsum(lengths) - lengths, lengths))
    return pd.DataFrame({"unique_id": rows, "ds": panel.dates[t], "y": panel.y[rows, t]})


def _with_ensemble(frame: pd.DataFrame, models: Sequence[str]) -> dict[str, np.ndarray]:
    preds = {m: np.clip(frame[m].to_numpy(dtype=float), 0.0, None) for m in models}
    preds = {m: np.nan_to_num(v, nan=0.0) for m, v in preds.items()}
    # Equal-weight combination: on M5 it beats each part and every other single method
    # (docs/benchmarks.md); the median of all methods did not.
    # only when every part was fitted: a night that re-forecasts one chosen method alone
    # (pipelines.forecasting.refit) fits just that method
    if all(m in preds for m in ENSEMBLE_PARTS):
        preds[ENSEMBLE] = np.mean(np.vstack([preds[m] for m in ENSEMBLE_PARTS]), axis=0)
    return preds


def backtest_panel(panel: Panel, idx: np.ndarray, windows: int, days: int,
                   models: Sequence[str] = PANEL_MODELS) -> pd.DataFrame:
    """Rolling-origin backtest of SKUs ``idx``: ``windows`` windows of ``days`` days, the last
    ending at as_of, refitted at each origin (statsforecast ``cross_validation``).

    Returns rows sku_idx, t (day index in the panel), window (1 = the window ending at as_of,
    2 = the one before …), cutoff (day index of the origin) and one column of units/day per
    model plus ``ensemble``."""
    if not len(idx):
        return pd.DataFrame(columns=["sku_idx", "t", "window", "cutoff", *models, ENSEMBLE])
    first_day = panel.T - windows * days - INPUT_DAYS
    df = _long(panel, idx, first_day)
    cv = _statsforecast(models).cross_validation(
        h=days, df=df, n_windows=windows, step_size=days, input_size=INPUT_DAYS)
    t0 = panel.dates[0]
    cutoff = ((pd.to_datetime(cv["cutoff"]) - t0) // pd.Timedelta(days=1)).to_numpy()
    out = pd.DataFrame({
        "sku_idx": cv["unique_id"].to_numpy(dtype=np.int64),
        "t": ((pd.to_datetime(cv["ds"]) - t0) // pd.Timedelta(days=1)).to_numpy(),
        "window": (panel.T - 1 - cutoff) // days,
        "cutoff": cutoff,
    })
    for name, values in _with_ensemble(cv, models).items():
        out[name] = values
    return out


def forecast_panel(panel: Panel, idx: np.ndarray, horizon: int,
                   models: Sequence[str] = PANEL_MODELS) -> pd.DataFrame:
    """Forecasts of SKUs ``idx`` for the ``horizon`` days after as_of: rows sku_idx, t (day index,
    ≥ T), one column of units/day per model plus ``ensemble``."""
    if not len(idx):
        return pd.DataFrame(columns=["sku_idx", "t", *models, ENSEMBLE])
    df = _long(panel, idx, panel.T - INPUT_DAYS)
    fc = _statsforecast(models).forecast(df=df, h=horizon)
    out = pd.DataFrame({
        "sku_idx": fc["unique_id"].to_numpy(dtype=np.int64),
        "t": ((pd.to_datetime(fc["ds"]) - panel.dates[0]) // pd.Timedelta(days=1)).to_numpy(),
    })
    for name, values in _with_ensemble(fc, models).items():
        out[name] = values
    return out


def series_history(panel: Panel, i: int, cutoff: int, horizon: int, country: str) -> SeriesHistory:
    """SKU ``i``'s history from its start to day index ``cutoff`` (inclusive) with the promotion
    and price calendar for ``horizon`` further days, as a per-series model receives it."""
    lo = int(panel.start[i])
    promo = panel.promo[i, lo:cutoff + 1 + horizon]
    price = panel.unit_price[i] * (1.0 - promo) if np.isfinite(panel.unit_price[i]) else None
    return SeriesHistory(
        sku=str(panel.skus[i]),
        dates=panel.dates[lo:cutoff + 1],
        y=panel.y[i, lo:cutoff + 1].copy(),
        observed=panel.observed[i, lo:cutoff + 1].copy(),
        promo=promo.copy(),
        price=price,
        country=country,
    )


def run_per_series(model: PerSeriesModel, jobs: Iterable[tuple[object, SeriesHistory]],
                   progress: bool = False, total: int | None = None
                   ) -> tuple[dict[object, np.ndarray], list[tuple[object, str]]]:
    """Run any ``PerSeriesModel`` over ``jobs`` (key, series). Returns forecasts by key
    (units/day, ``series.horizon`` values, clipped at 0) and failures (key, error text): a model
    that raises or returns the wrong length or NaN fails that job only."""
    results: dict[object, np.ndarray] = {}
    failures: list[tuple[object, str]] = []
    if progress:
        from tqdm.auto import tqdm

        jobs = tqdm(jobs, total=total, desc=f"{model.name} fits", unit="fit")
    for key, series in jobs:
        try:
            values = np.asarray(model.forecast(series), dtype=float)
            if values.shape != (series.horizon,):
                raise ValueError(f"returned shape {values.shape}, expected ({series.horizon},)")
            if not np.isfinite(values).all():
                raise ValueError("returned NaN or infinite values")
            results[key] = np.clip(values, 0.0, None)
        except Exception as exc:  # noqa: BLE001  (any model error must cost one SKU only)
            log.warning("%s failed for %s: %s", model.name, series.sku, exc)
            failures.append((key, f"{type(exc).__name__}: {exc}"))
    return results, failures
