"""The demand forecast of one shard of SKUs: ``run_forecast`` is the entry point.

Steps (each module's docstring has the detail):

1. ``history``: daily total units per SKU from its first sale (or earlier launch) to as_of,
   zero-filled, stockout days (snapshots without sellable stock, and suspected stockouts:
   implausible zero-sale runs on days no snapshot covers) imputed and marked unobserved.
2. Classify: fewer than ``min_history_days`` days → new-SKU method; no units in the last 365
   days → ``zero_demand``; else backtested. A backtested SKU gets as many of
   ``backtest_windows`` windows of ``backtest_days`` as leave 28 training days before the first
   origin; one with none (young) gets ``moving_average_28`` with pooled intervals.
3. ``candidates``: rolling-origin backtest (windows ending at as_of, refitted at each origin) of
   the statsforecast panel models, the ensemble, and per-series models (Prophet) on the top
   ``prophet_max_series`` SKUs by units over the last 90 days with ≥ ``prophet_min_history_days``
   days of history; ``promotions`` multiplies panel forecasts on promoted days in backtests and
   forecasts alike, and so does ``seasonal``'s yearly layer where a yearly change repeats.
4. Selection: lowest mean RMSSE over the windows (``metrics``), runner-up recorded.
5. ``intervals``: p10/p90 from the chosen model's backtest residuals, widened beyond
   ``backtest_days`` by factors per lead time calibrated on one more window as long as the
   horizon. coverage_80 is measured
   honestly on the last window with quantiles from the earlier windows only; a SKU with a single
   window (``windows`` = 1 in the accuracy table) has in-sample coverage instead.
6. ``new_sku``: new and zero-demand SKUs. Category statistics come from the SKUs of the same
   call (shard), the one place a SKU's forecast depends on other SKUs.
7. ``overrides`` on the total, then ``splits`` into channels and regions.

Nothing depends on SKUs outside the call except through the category statistics above.
"""

from __future__ import annotations

import hashlib
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ForecastConfig
from pipelines.forecasting import candidates as cand
from pipelines.forecasting.fit_state import empty_fit, fit_table
from pipelines.forecasting.history import Panel, SuspectRule, build_panel
from pipelines.forecasting.intervals import (
    HorizonWidening,
    Quantiles,
    fit_quantiles,
    horizon_widening,
    intermittent,
    window_levels,
)
from pipelines.forecasting.metrics import panel_scales
from pipelines.forecasting.new_sku import SILENT_DAYS, new_sku_forecast, zero_demand_forecast
from pipelines.forecasting.overrides import apply_overrides
from pipelines.forecasting.promotions import estimate_beta, uplift
from pipelines.forecasting.seasonal import yearly_factor
from pipelines.forecasting.series import PerSeriesModel
from pipelines.forecasting.splits import split_shares

log = logging.getLogger(__name__)

FORECAST_COLUMNS = ["sku", "level", "level_value", "date", "p10", "p50", "p90", "model", "as_of",
                    "is_overridden", "override_note"]
ACCURACY_COLUMNS = ["sku", "model", "history_days", "stockout_days", "suspected_stockout_days",
                    "windows", "wape", "rmsse", "mase", "bias",
                    "coverage_80", "runner_up_model", "runner_up_wape", "runner_up_rmsse",
                    "runner_up_mase", "runner_up_bias", "runner_up_coverage_80", "selection_metric",
                    "as_of"]
FAILURE_COLUMNS = ["sku", "stage", "error"]
SELECTION_METRIC = "rmsse"
#: Backtest windows as long as the horizon that calibrate the interval widening by lead time,
#: and the most SKUs of a call they are run on (the factors are pooled per demand class, so an
#: even sample of the SKUs serves as well as all of them at a fraction of the cost).
LONG_WINDOWS = 2
LONG_WINDOW_SKUS = 400
#: Days of recent sales that rank SKUs for the per-series (Prophet) budget.
PER_SERIES_RANK_DAYS = 90
#: Method of a SKU with enough history to forecast but none to backtest, or whose every
#: backtest day was a stockout.
DEFAULT_METHOD = "moving_average_28"


@dataclass
class ForecastInputs:
    """What one call forecasts from (frames as the marts hold them)."""

    as_of: date
    demand: pd.DataFrame  # date, sku, channel, region, units (sparse: no row = 0 units)
    stockouts: pd.DataFrame  # date, sku: days without sellable stock anywhere
    skus: pd.DataFrame  # sku, category, unit_price, launch_date, sku_status, …
    promotions: pd.DataFrame  # channel, sku, start_date, end_date (inclusive), discount_pct
    overrides: pd.DataFrame  # contract.FORECAST_OVERRIDES columns
    country: str = "US"
    # sku, first_date, last_date: spans of days the stock snapshots describe (None: no stock data)
    stock_reported: pd.DataFrame | None = None


@dataclass
class ForecastResult:
    """``forecast``: FORECAST_COLUMNS; ``accuracy``: ACCURACY_COLUMNS (one row per SKU; NaN
    metrics and windows 0 for SKUs that were not backtested); ``failures``: sku, stage
    ('backtest' | 'forecast'), error."""

    forecast: pd.DataFrame
    accuracy: pd.DataFrame
    failures: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=FAILURE_COLUMNS))
    # intervals.HorizonWidening.table: the quantile widening by lead time this call calibrated
    widening: pd.DataFrame = field(default_factory=lambda: HorizonWidening.none(0).table)
    # fit_state.FIT_COLUMNS: per modelled SKU what a night without a refit reuses (``refit``)
    fit: pd.DataFrame = field(default_factory=empty_fit)


def sku_hash(sku: str | pd.Series) -> int | pd.Series:
    """The first 8 bytes of a SKU's SHA-1 as an unsigned number: stable across processes and
    Python versions (unlike ``hash()``), unrelated to anything the SKU sells."""
    def one(value: object) -> int:
        return int.from_bytes(hashlib.sha1(str(value).encode("utf-8")).digest()[:8], "big")

    if isinstance(sku, pd.Series):
        return sku.map(one).astype("uint64")
    return one(sku)


def shard_of(sku: str | pd.Series, shards: int) -> int | pd.Series:
    """Shard (0 … shards−1) of a SKU: its ``sku_hash`` modulo ``shards``."""
    if isinstance(sku, pd.Series):
        return (sku_hash(sku) % np.uint64(shards)).astype("int64")
    return sku_hash(sku) % shards


def shard_config(config: ForecastConfig, shards: int) -> ForecastConfig:
    """The config one shard runs with: the Prophet budget is for the whole run, and hashing
    spreads the top SKUs evenly, so each of ``shards`` shards takes its share (rounded up)."""
    return config.model_copy(update={"prophet_max_series": -(-config.prophet_max_series // shards)})


def _in_scope(inputs: ForecastInputs) -> pd.DataFrame:
    """SKUs that are active or sold in the 365 days up to as_of."""
    skus = inputs.skus.copy()
    skus["sku"] = skus["sku"].astype(str)
    status_col = "sku_status" if "sku_status" in skus else ("status" if "status" in skus else None)
    active = skus[status_col].fillna("active").eq("active") if status_col else pd.Series(True, skus.index)
    end = pd.Timestamp(inputs.as_of)
    d = inputs.demand
    recent = d[(pd.to_datetime(d["date"]) > end - pd.Timedelta(days=365))
               & (pd.to_datetime(d["date"]) <= end) & (d["units"] > 0)]
    sold = skus["sku"].isin(set(recent["sku"].astype(str)))
    return skus[active | sold].drop_duplicates("sku").reset_index(drop=True)


def _default_per_series_models(config: ForecastConfig) -> list[PerSeriesModel]:
    if config.prophet_max_series <= 0:
        return []
    try:
        from pipelines.forecasting.prophet_model import ProphetModel
    except Exception as exc:  # noqa: BLE001  (Prophet is optional: forecast without it)
        log.warning("Prophet unavailable, skipped: %s", exc)
        return []
    return [ProphetModel()]


def _window_stats(g: np.ndarray, n_groups: int, err: np.ndarray, y: np.ndarray, ok: np.ndarray):
    """Per group (SKU × window): scored days, Σ|e|, Σe², Σe (e = ŷ − y), Σ|y|."""
    w = ok.astype(float)
    e = np.where(ok, err, 0.0)
    return (np.bincount(g, w, n_groups), np.bincount(g, np.abs(e), n_groups),
            np.bincount(g, e * e, n_groups), np.bincount(g, e, n_groups),
            np.bincount(g, np.where(ok, np.abs(y), 0.0), n_groups))


def suspect_rule(config: ForecastConfig) -> SuspectRule:
    """The suspected-stockout rule (``history``) of a forecast configuration."""
    return SuspectRule(min_run=config.suspected_stockout_min_days,
                       max_run=config.suspected_stockout_max_days,
                       probability=config.suspected_stockout_probability)


def forecast_panel_of(inputs: ForecastInputs, config: ForecastConfig) -> Panel:
    """The history panel of the in-scope SKUs of ``inputs`` (step 1)."""
    return build_panel(_in_scope(inputs), inputs.demand, inputs.stockouts, inputs.promotions,
                       inputs.as_of, config.horizon_days, stock_reported=inputs.stock_reported,
                       suspect=suspect_rule(config))


def yearly_layer(panel: Panel, config: ForecastConfig, end: int, days: int) -> np.ndarray:
    """``seasonal.yearly_factor`` of every panel row for the ``days`` days after day index
    ``end - 1``, from the history before ``end``."""
    return yearly_factor(panel.y, panel.in_history, end, days, config.seasonal_years,
                         config.seasonal_min_change, config.seasonal_weight)


def forecast_layers(panel: Panel, config: ForecastConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Tonight's multiplicative layers on the panel methods' forecasts (SKU × horizon, the same
    on refit and reuse nights): each future day's promotion discount, the yearly factor, and
    the whole lift (promotion uplift times the yearly factor)."""
    T, H = panel.T, panel.horizon
    beta_now = estimate_beta(panel.y, panel.observed, panel.promo, panel.category, T)
    future_promo = panel.promo[:, T:T + H]
    yearly = yearly_layer(panel, config, T, H)
    return future_promo, yearly, uplift(beta_now[:, None], future_promo) * yearly


def classify(panel: Panel, config: ForecastConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Step 2 per panel row: new SKU, zero demand, and backtest windows (0 unless modelled)."""
    hist = panel.history_days
    is_new = hist < config.min_history_days
    is_zero = ~is_new & (panel.y[:, -SILENT_DAYS:].sum(axis=1) <= 0)
    modelled = ~is_new & ~is_zero
    room = (hist - cand.MIN_TRAIN_DAYS) // config.backtest_days
    windows = np.where(modelled, np.clip(room, 0, config.backtest_windows), 0)
    return is_new, is_zero, windows


def run_forecast(inputs: ForecastInputs, config: ForecastConfig, progress: bool = False, *,
                 per_series_models: Sequence[PerSeriesModel] | None = None) -> ForecastResult:
    """Forecast every in-scope SKU of ``inputs`` for the ``horizon_days`` days after as_of.

    ``per_series_models`` replaces the default (Prophet, imported lazily and skipped when it
    cannot be imported); tests pass cheap stand-ins. ``progress`` shows a bar for their fits."""
    as_of = pd.Timestamp(inputs.as_of)
    H, W, bd = config.horizon_days, config.backtest_windows, config.backtest_days
    panel = forecast_panel_of(inputs, config)
    n, T = panel.n, panel.T
    hist = panel.history_days
    is_new, is_zero, windows = classify(panel, config)
    modelled = ~is_new & ~is_zero
    backtested = windows > 0
    failures: list[tuple[str, str, str]] = []

    # --- backtests ----------------------------------------------------------------------------
    cutoffs = np.array([T - 1 - j * bd for j in range(1, W + 1)])  # window j = 1 … W
    valid_cut = cutoffs >= 0
    betas = np.vstack([estimate_beta(panel.y, panel.observed, panel.promo, panel.category, c + 1)
                       if ok else np.zeros(n) for c, ok in zip(cutoffs, valid_cut, strict=True)])
    parts = [cand.backtest_panel(panel, np.flatnonzero(windows == k), k, bd) for k in range(1, W + 1)
             if (windows == k).any()]
    bt = pd.concat(parts, ignore_index=True) if parts else cand.backtest_panel(panel, np.array([], int), 1, bd)
    s_idx = bt["sku_idx"].to_numpy(dtype=np.int64)
    t_idx = bt["t"].to_numpy(dtype=np.int64)
    win = bt["window"].to_numpy(dtype=np.int64)
    factor = uplift(betas[win - 1, s_idx] if len(bt) else np.zeros(0), panel.promo[s_idx, t_idx])
    if len(bt):
        yearly_bt = np.stack([yearly_layer(panel, config, int(c) + 1, bd) if ok else np.ones((n, bd))
                              for c, ok in zip(cutoffs, valid_cut, strict=True)])
        factor = factor * yearly_bt[win - 1, s_idx, t_idx - cutoffs[win - 1] - 1]
    names = [*cand.PANEL_MODELS, cand.ENSEMBLE]
    preds = [bt[m].to_numpy(dtype=float) * factor for m in names]
    n_panel = len(names)

    psm = list(per_series_models) if per_series_models is not None else _default_per_series_models(config)
    recent_units = panel.y[:, -PER_SERIES_RANK_DAYS:].sum(axis=1)
    eligible = np.flatnonzero(backtested & (hist >= config.prophet_min_history_days))
    eligible = eligible[np.argsort(-recent_units[eligible], kind="stable")][: config.prophet_max_series]
    row_key = pd.Index(s_idx * (T + H) + t_idx)
    for model in psm:
        values = np.full(len(bt), np.nan)
        jobs = [((i, j), cand.series_history(panel, i, int(cutoffs[j - 1]), bd, inputs.country))
                for i in eligible for j in range(1, windows[i] + 1)]
        results, failed = cand.run_per_series(model, iter(jobs), progress, total=len(jobs))
        bad = {key[0] for key, _ in failed}
        for key, err in failed:
            failures.append((str(panel.skus[key[0]]), "backtest", f"{model.name}: {err}"))
        for (i, j), fc in results.items():
            if i in bad:
                continue
            c = int(cutoffs[j - 1])
            rows = row_key.get_indexer(i * (T + H) + np.arange(c + 1, c + 1 + bd))
            values[rows] = fc
        names.append(model.name)
        preds.append(values)
    P = np.vstack(preds) if len(bt) else np.zeros((len(names), 0))

    # --- metrics and selection ----------------------------------------------------------------
    actual = panel.y[s_idx, t_idx]
    scored = panel.observed[s_idx, t_idx]
    g = s_idx * W + (win - 1)
    scale_r, scale_m = panel_scales(panel.y, np.maximum(cutoffs, 0))
    M = len(names)
    metric = {k: np.full((n, M), np.nan) for k in ("wape", "rmsse", "mase", "bias")}
    for m in range(M):
        ok = scored & np.isfinite(P[m])
        cnt, sae, sse, se, sy = (a.reshape(n, W) for a in _window_stats(g, n * W, P[m] - actual, actual, ok))
        with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # SKUs without windows: NaN is right
            rm = np.where(cnt > 0, np.sqrt(sse / np.maximum(cnt, 1) / scale_r), np.nan)
            ma = np.where(cnt > 0, sae / np.maximum(cnt, 1) / scale_m, np.nan)
            metric["rmsse"][:, m] = np.nanmean(rm, axis=1)
            metric["mase"][:, m] = np.nanmean(ma, axis=1)
            tot_y, tot_n = sy.sum(axis=1), cnt.sum(axis=1)
            metric["wape"][:, m] = np.where(tot_y > 0, sae.sum(axis=1) / tot_y, np.nan)
            metric["bias"][:, m] = np.where(tot_n > 0, se.sum(axis=1) / np.maximum(tot_n, 1), np.nan)
        if m >= n_panel:  # a per-series model counts only where it ran in every window
            missing = np.bincount(s_idx, ~np.isfinite(P[m]), n) > 0
            for k in metric:
                metric[k][missing, m] = np.nan
    ranking = np.argsort(np.where(np.isnan(metric["rmsse"]), np.inf, metric["rmsse"]), axis=1, kind="stable")
    best, second = ranking[:, 0], ranking[:, 1]
    # Three 28-day windows are a noisy judge: the ensemble stays unless another method beats
    # it by more than `selection_margin`, so chance wins in the backtest do not pick the method.
    ens = names.index(cand.ENSEMBLE)
    ens_score = metric["rmsse"][:, ens]
    keep_ensemble = np.isfinite(ens_score) & (
        metric["rmsse"][np.arange(n), best] > ens_score * (1.0 - config.selection_margin))
    second = np.where(keep_ensemble & (best != ens), best, second)
    best = np.where(keep_ensemble, ens, best)
    has_best = np.isfinite(metric["rmsse"][np.arange(n), best])
    has_second = np.isfinite(metric["rmsse"][np.arange(n), second])
    default_m = names.index(DEFAULT_METHOD)
    best = np.where(has_best, best, default_m)
    best_panel = np.argsort(np.where(np.isnan(metric["rmsse"][:, :n_panel]), np.inf,
                                     metric["rmsse"][:, :n_panel]), axis=1, kind="stable")[:, 0]

    klass = intermittent(panel.y, panel.observed)

    def quantiles_of(choice: np.ndarray, rows: np.ndarray) -> Quantiles:
        r = rows & scored
        pred = P[choice[s_idx[r]], np.flatnonzero(r)]
        return fit_quantiles(s_idx[r], actual[r] - pred, pred, n, klass,
                             window_levels(g[r], actual[r]))

    def coverage(choice: np.ndarray) -> np.ndarray:
        multi = windows[s_idx] >= 2
        q = quantiles_of(choice, np.where(multi, win >= 2, win == 1))
        last = (win == 1) & scored
        pred = P[choice[s_idx[last]], np.flatnonzero(last)]
        p10, p90 = q.bounds(s_idx[last], np.nan_to_num(pred))
        y = actual[last]
        inside = (y >= p10 - 1e-9) & (y <= p90 + 1e-9) & np.isfinite(pred)
        cnt = np.bincount(s_idx[last], np.isfinite(pred), n)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(cnt > 0, np.bincount(s_idx[last], inside, n) / cnt, np.nan)

    cov_best = coverage(best)
    cov_second = coverage(second)

    # --- final forecasts ----------------------------------------------------------------------
    future_promo, yearly, lift = forecast_layers(panel, config)
    p10 = np.zeros((n, H))
    p50 = np.zeros((n, H))
    p90 = np.zeros((n, H))
    model_name = np.empty(n, dtype=object)
    layered = np.zeros(n, dtype=bool)  # promotion layer applies (not to per-series models)

    bidx = np.flatnonzero(backtested)
    fc = cand.forecast_panel(panel, bidx, H)
    if len(fc):
        fs = fc["sku_idx"].to_numpy(dtype=np.int64)
        ft = fc["t"].to_numpy(dtype=np.int64) - T
        F = np.full((n_panel, n, H), np.nan)
        for m, name in enumerate(names[:n_panel]):
            F[m, fs, ft] = fc[name].to_numpy(dtype=float)
        chosen_panel = np.where(best < n_panel, best, best_panel)
        p50[bidx] = F[chosen_panel[bidx], bidx]
        layered[bidx] = True
        model_name[bidx] = np.asarray(names, dtype=object)[chosen_panel[bidx]]
    for m in range(n_panel, M):
        model = psm[m - n_panel]
        chosen_here = np.flatnonzero(backtested & (best == m))
        jobs = [(i, cand.series_history(panel, i, T - 1, H, inputs.country)) for i in chosen_here]
        results, failed = cand.run_per_series(model, iter(jobs), progress, total=len(jobs))
        for i, err in failed:  # keep the best panel method already filled in above
            failures.append((str(panel.skus[i]), "forecast", f"{model.name}: {err}"))
            best[i] = best_panel[i]
        for i, values in results.items():
            p50[i] = values
            layered[i] = False
            model_name[i] = model.name
    q_final = quantiles_of(best, np.ones(len(bt), dtype=bool))
    widening = _horizon_widening(panel, config, backtested, best, names, n_panel, q_final, klass)
    # Young SKUs (history but no backtest window): flat mean of their last ≤ 28 days.
    short = np.flatnonzero(modelled & ~backtested)
    for i in short:
        p50[i] = panel.y[i, max(panel.start[i], T - 28):].mean()
    model_name[short] = DEFAULT_METHOD
    layered[short] = True
    mod_idx = np.flatnonzero(modelled)
    widen = np.where(layered[:, None], lift, 1.0)
    p50[mod_idx] = p50[mod_idx] * widen[mod_idx]
    rows = np.repeat(mod_idx, H)
    spread = widen[mod_idx] * widening.matrix(klass[mod_idx], H)
    lo, hi = q_final.bounds(rows, p50[mod_idx].ravel(), spread.ravel())
    p10[mod_idx], p90[mod_idx] = lo.reshape(-1, H), hi.reshape(-1, H)

    fill_rule_based(panel, config, is_new, is_zero, modelled, lift, p10, p50, p90, model_name, layered)

    forecast = assemble_forecast(panel, inputs, config, p10, p50, p90, model_name, layered, future_promo,
                                 yearly)

    # --- accuracy -----------------------------------------------------------------------------
    ar = np.arange(n)
    used_best = np.where(backtested, best, -1)
    name_arr = np.asarray(names, dtype=object)

    def pick(key: str, choice: np.ndarray, ok: np.ndarray) -> np.ndarray:
        return np.where(ok, metric[key][ar, np.maximum(choice, 0)], np.nan)

    ok_b = backtested & has_best
    ok_s = backtested & has_second
    accuracy = pd.DataFrame({
        "sku": panel.skus,
        "model": np.where(backtested, name_arr[np.maximum(used_best, 0)], model_name.astype(str)),
        "history_days": hist,
        **stockout_day_counts(panel),
        "windows": windows,
        "wape": pick("wape", best, ok_b), "rmsse": pick("rmsse", best, ok_b),
        "mase": pick("mase", best, ok_b), "bias": pick("bias", best, ok_b),
        "coverage_80": np.where(ok_b, cov_best, np.nan),
        "runner_up_model": np.where(ok_s, name_arr[second], None),
        "runner_up_wape": pick("wape", second, ok_s), "runner_up_rmsse": pick("rmsse", second, ok_s),
        "runner_up_mase": pick("mase", second, ok_s), "runner_up_bias": pick("bias", second, ok_s),
        "runner_up_coverage_80": np.where(ok_s, cov_second, np.nan),
        "selection_metric": SELECTION_METRIC,
        "as_of": as_of.date(),
    })[ACCURACY_COLUMNS]
    fit = fit_table(panel.skus, mod_idx, model_name, name_arr[best_panel], q_final, widening,
                    panel.raw.sum(axis=1), windows, as_of.date(), config)
    return ForecastResult(forecast=forecast, accuracy=accuracy,
                          failures=pd.DataFrame(failures, columns=FAILURE_COLUMNS),
                          widening=widening.table, fit=fit)


def fill_rule_based(panel: Panel, config: ForecastConfig, is_new: np.ndarray, is_zero: np.ndarray,
                    modelled: np.ndarray, lift: np.ndarray, p10: np.ndarray, p50: np.ndarray, p90: np.ndarray,
                    model_name: np.ndarray, layered: np.ndarray) -> None:
    """Fill, in place, the rows of SKUs forecast by rule rather than by a model: new SKUs from
    their category's launch rate among the ``modelled`` ones (promotion ``lift`` applied), and
    SKUs without demand. The same on refit and reuse nights."""
    new_idx = np.flatnonzero(is_new)
    if len(new_idx):
        a, b, c, nm = new_sku_forecast(panel, new_idx, modelled, config.min_history_days)
        p10[new_idx], p50[new_idx], p90[new_idx] = a * lift[new_idx], b * lift[new_idx], c * lift[new_idx]
        model_name[new_idx] = nm
        layered[new_idx] = True
    zero_idx = np.flatnonzero(is_zero)
    if len(zero_idx):
        a, b, c = zero_demand_forecast(panel, zero_idx)
        p10[zero_idx], p50[zero_idx], p90[zero_idx] = a, b, c
        model_name[zero_idx] = "zero_demand"


def stockout_day_counts(panel: Panel) -> dict[str, np.ndarray]:
    """Per SKU, history days censored as known stockouts and as suspected ones (accuracy table)."""
    return {"stockout_days": (panel.in_history & ~panel.observed & ~panel.suspected).sum(axis=1),
            "suspected_stockout_days": panel.suspected.sum(axis=1)}


def _horizon_widening(panel: Panel, config: ForecastConfig, backtested: np.ndarray, best: np.ndarray,
                      names: list[str], n_panel: int, q: Quantiles, klass: np.ndarray) -> HorizonWidening:
    """Up to ``LONG_WINDOWS`` backtest windows as long as the horizon, the last ending at as_of,
    for (an even sample of up to ``LONG_WINDOW_SKUS`` of) the SKUs with history for them: each SKU's chosen panel method (the ensemble stands in
    for a per-series model), with its promotion layer and ordinary quantiles, calibrates how
    intervals widen with the lead (``intervals.horizon_widening``); the yearly layer too."""
    H, bd = config.horizon_days, config.backtest_days
    if H <= bd:
        return HorizonWidening.none(bd)
    room = np.where(backtested, (panel.history_days - cand.MIN_TRAIN_DAYS) // H, 0)
    windows = np.minimum(room, LONG_WINDOWS)
    eligible = np.flatnonzero(windows > 0)
    if not len(eligible):
        return HorizonWidening.none(bd)
    if len(eligible) > LONG_WINDOW_SKUS:  # an even, deterministic sample
        keep = eligible[np.linspace(0, len(eligible) - 1, LONG_WINDOW_SKUS).round().astype(int)]
        windows = np.where(np.isin(np.arange(len(windows)), keep), windows, 0)
    chosen = np.where(best < n_panel, best, names.index(cand.ENSEMBLE))
    used = {names[m] for m in chosen[windows > 0]} | set(cand.ENSEMBLE_PARTS)
    models = [m for m in cand.PANEL_MODELS if m in used]
    bt = pd.concat([cand.backtest_panel(panel, np.flatnonzero(windows == k), k, H, models=models)
                    for k in range(1, LONG_WINDOWS + 1) if (windows == k).any()], ignore_index=True)
    s = bt["sku_idx"].to_numpy(dtype=np.int64)
    t = bt["t"].to_numpy(dtype=np.int64)
    cutoff = bt["cutoff"].to_numpy(dtype=np.int64)
    beta = np.zeros(len(bt))
    yearly = np.ones(len(bt))
    for c in np.unique(cutoff):
        at = cutoff == c
        beta[at] = estimate_beta(panel.y, panel.observed, panel.promo, panel.category, c + 1)[s[at]]
        yearly[at] = yearly_layer(panel, config, int(c) + 1, H)[s[at], t[at] - c - 1]
    lift = uplift(beta, panel.promo[s, t]) * yearly
    columns = [*models, cand.ENSEMBLE]
    values = bt[columns].to_numpy(dtype=float)
    column_of = np.array([columns.index(names[m]) if names[m] in columns else -1 for m in range(n_panel)])
    pred = values[np.arange(len(bt)), column_of[chosen[s]]] * lift
    p10, p90 = q.bounds(s, pred, lift)
    scored = panel.observed[s, t]
    return horizon_widening((t - cutoff)[scored], panel.y[s, t][scored], pred[scored], p10[scored],
                            p90[scored], klass[s][scored], bd, H)


def assemble_forecast(panel: Panel, inputs: ForecastInputs, config: ForecastConfig, p10: np.ndarray,
                      p50: np.ndarray, p90: np.ndarray, model_name: np.ndarray, layered: np.ndarray,
                      future_promo: np.ndarray, yearly: np.ndarray) -> pd.DataFrame:
    """FORECAST_COLUMNS rows from daily total p10/p50/p90 (units/day, panel rows × horizon):
    the ``+yearly`` and ``+promo`` tags (layers that moved the forecast: ``yearly`` is the
    seasonal factor, SKU × horizon), planner overrides, clipping, then the channel and region
    splits."""
    H = panel.horizon
    n = panel.n
    as_of = pd.Timestamp(inputs.as_of)
    fdates = panel.future_dates()
    sells = p50.max(axis=1) > 0
    yearly_tag = layered & (np.abs(yearly - 1.0) > 1e-9).any(axis=1) & sells
    promo_tag = layered & (future_promo > 0).any(axis=1) & sells
    shown_name = model_name.astype(str)
    shown_name = np.where(yearly_tag, np.char.add(shown_name, "+yearly"), shown_name)
    shown_name = np.where(promo_tag, np.char.add(shown_name.astype(str), "+promo"), shown_name)
    total = pd.DataFrame({
        "sku": np.repeat(panel.skus, H),
        "level": "total",
        "level_value": "all",
        "date": np.tile(fdates.date, n),
        "p10": p10.ravel(), "p50": p50.ravel(), "p90": p90.ravel(),
        "model": np.repeat(shown_name, H),
    })
    total = apply_overrides(total, inputs.overrides)
    for col in ("p10", "p50", "p90"):
        total[col] = np.nan_to_num(total[col].to_numpy(dtype=float), nan=0.0, posinf=0.0).clip(0.0)
    total["p10"] = np.minimum(total["p10"], total["p50"])
    total["p90"] = np.maximum(total["p90"], total["p50"])
    total["as_of"] = as_of.date()

    frames = [total]
    for level in ("channel", "region"):
        shares = split_shares(inputs.demand, inputs.stockouts, pd.Series(panel.skus), inputs.as_of,
                              config.split_lookback_days, level)
        if not len(shares):
            continue
        part = total.drop(columns="level_value").merge(shares, on="sku")
        for col in ("p10", "p50", "p90"):
            part[col] = part[col] * part["share"]
        part["level"] = level
        frames.append(part.drop(columns="share"))
    forecast = pd.concat(frames, ignore_index=True)[FORECAST_COLUMNS]
    forecast["is_overridden"] = forecast["is_overridden"].astype(bool)
    return forecast
