"""Nights with and without model selection: ``forecast_night`` is the entry point.

Model selection (``run_forecast``: the rolling-origin backtests of every candidate, Prophet's
among them, and the long windows that calibrate the lead-time widening) is the expensive part
of the forecast. It runs for every SKU on a *refit night* (``refit_night``):

- no fit is stored yet, or the forecast settings changed since it (``fit_state.config_hash``),
  or as_of lies before the last refit night (history is being replayed);
- ``forecast.refit_every_days`` (default 7) days have passed since the last refit night.

On other nights a SKU is still fitted from scratch when (``REASONS``):

- it has no stored fit (new to the forecast: a launch that reached ``min_history_days``, or a SKU
  coming back from zero demand), or no accuracy row to carry forward;
- its history now allows a different number of backtest windows (a young SKU growing up);
- its recorded units up to the day of its fit differ by more than ``MATERIAL_CHANGE`` (5 %) of
  what they were then (late or corrected order files restated it);
- its chosen per-series model is not available tonight.

Those SKUs go through ``run_forecast`` together; the pooled statistics of that call (class
quantiles for SKUs with few residuals, the lead-time widening, the promotion beta of their
categories) come from them alone until the next refit night recalibrates them over the shard.
Every other modelled SKU takes the fast path: its chosen method alone is refitted on tonight's
history (one statsforecast fit of the methods it needs, or one Prophet fit, no backtests), the
promotion layer is re-estimated on tonight's data as in a full run, and its stored interval
offsets and widening factors give p10/p90 exactly as ``intervals.Quantiles.bounds`` did when it
was fitted. New and zero-demand SKUs are cheap and always recomputed with the whole shard as
their analogues, as in a full run. The accuracy table keeps each reused SKU's last measured row,
whose ``as_of`` is the night it was measured.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ForecastConfig
from pipelines.forecasting import candidates as cand
from pipelines.forecasting.fit_state import FIT_COLUMNS, config_hash, quantiles_of_fit, widening_matrix
from pipelines.forecasting.history import Panel
from pipelines.forecasting.intervals import HorizonWidening
from pipelines.forecasting.pipeline import (
    ACCURACY_COLUMNS,
    FAILURE_COLUMNS,
    SELECTION_METRIC,
    ForecastInputs,
    ForecastResult,
    _default_per_series_models,
    assemble_forecast,
    classify,
    fill_rule_based,
    forecast_layers,
    forecast_panel_of,
    run_forecast,
    stockout_day_counts,
)
from pipelines.forecasting.series import PerSeriesModel

#: Share of a SKU's recorded units up to its fit by which a restated history triggers a refit.
MATERIAL_CHANGE = 0.05
REASONS = {
    "refit_night": "refit night",
    "new": "no stored fit (new to the forecast)",
    "no_accuracy": "no accuracy row to carry forward",
    "windows_changed": "history long enough for another backtest window",
    "history_changed": f"units up to its fit restated by more than {MATERIAL_CHANGE:.0%}",
    "model_unavailable": "its chosen model is not available",
}
REFIT_COLUMNS = ["sku", "reason"]


@dataclass
class NightResult:
    """A ``ForecastResult`` (``fit`` holds tonight's state for every modelled SKU) and what
    tonight did: ``refit_night``, ``refits`` (sku, reason key of ``REASONS``) and ``reused``
    (SKUs that took the fast path)."""

    result: ForecastResult
    refit_night: bool
    refits: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=REFIT_COLUMNS))
    reused: int = 0


def refit_night(state: pd.DataFrame | None, as_of: date, config: ForecastConfig) -> tuple[bool, str]:
    """Whether tonight selects models for every SKU, and why (in words)."""
    if state is None or state.empty:
        return True, "no stored fit"
    if set(state["config_hash"]) != {config_hash(config)}:
        return True, "forecast settings changed since the last fit"
    last = pd.Timestamp(state["refit_night_as_of"].max()).date()
    days = (pd.Timestamp(as_of).date() - last).days
    if days < 0:
        return True, f"as_of {as_of} is before the last refit night {last}"
    if days >= config.refit_every_days:
        return True, f"{days} days since the last refit night {last} (refit every {config.refit_every_days})"
    return False, f"{days} of {config.refit_every_days} days since the last refit night {last}"


def _restrict(inputs: ForecastInputs, skus: set[str]) -> ForecastInputs:
    def keep(df: pd.DataFrame | None) -> pd.DataFrame | None:
        return None if df is None else df[df["sku"].astype(str).isin(skus)]

    return ForecastInputs(as_of=inputs.as_of, demand=keep(inputs.demand), stockouts=keep(inputs.stockouts),
                          skus=keep(inputs.skus), promotions=keep(inputs.promotions),
                          overrides=keep(inputs.overrides), country=inputs.country,
                          stock_reported=keep(inputs.stock_reported))


def refit_reasons(panel: Panel, modelled: np.ndarray, windows: np.ndarray, state: pd.DataFrame,
                  previous_accuracy: pd.DataFrame, available_models: set[str]) -> pd.Series:
    """Per panel row, the ``REASONS`` key that makes a modelled SKU refit tonight, or None."""
    skus = pd.Index(panel.skus.astype(str), name="sku")
    st = state.drop_duplicates("sku").set_index("sku").reindex(skus)
    reason = pd.Series(None, index=skus, dtype=object)
    known = st["model"].notna().to_numpy()
    fitted = pd.to_datetime(st["fitted_as_of"]).to_numpy()
    before = panel.dates.to_numpy()[None, :] <= np.where(known, fitted, panel.dates[0].to_datetime64())[:, None]
    units_then = np.where(before, panel.raw, 0.0).sum(axis=1)
    was = st["history_units"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        restated = np.abs(units_then - was) > MATERIAL_CHANGE * np.maximum(was, 1.0)
    checks = [  # the first that applies is the reason
        ("new", ~known),
        ("no_accuracy", ~skus.isin(previous_accuracy["sku"].astype(str))),
        ("windows_changed", st["windows"].to_numpy(dtype=float) != windows),
        ("history_changed", restated),
        ("model_unavailable", ~st["model"].isin(available_models).to_numpy()),
    ]
    for key, hit in reversed(checks):
        reason[np.asarray(hit, dtype=bool) & modelled] = key
    reason[~modelled] = None
    return reason


def forecast_night(inputs: ForecastInputs, config: ForecastConfig, state: pd.DataFrame | None,
                   previous_accuracy: pd.DataFrame | None, *, is_refit_night: bool | None = None,
                   per_series_models: Sequence[PerSeriesModel] | None = None,
                   progress: bool = False) -> NightResult:
    """Tonight's forecast of ``inputs``: full selection on a refit night (``is_refit_night``; None
    decides with ``refit_night`` from ``state``), otherwise the fast path for every SKU whose
    stored fit (``state``: fit_state.FIT_COLUMNS rows) still holds and whose last accuracy row
    (``previous_accuracy``: the accuracy table's rows) is carried forward."""
    as_of = pd.Timestamp(inputs.as_of).date()
    if is_refit_night is None:
        is_refit_night = refit_night(state, as_of, config)[0]
    psm = list(per_series_models) if per_series_models is not None else None
    if is_refit_night or state is None or state.empty or previous_accuracy is None:
        full = run_forecast(inputs, config, progress, per_series_models=psm)
        return NightResult(full, True, pd.DataFrame({"sku": full.fit["sku"], "reason": "refit_night"}))

    panel = forecast_panel_of(inputs, config)
    is_new, is_zero, windows = classify(panel, config)
    modelled = ~is_new & ~is_zero
    psm_live = psm if psm is not None else _default_per_series_models(config)
    available = {*cand.PANEL_MODELS, cand.ENSEMBLE, *(m.name for m in psm_live)}
    reasons = refit_reasons(panel, modelled, windows, state, previous_accuracy, available)
    refit_mask = reasons.notna().to_numpy()
    refit_skus = set(reasons.index[refit_mask])
    fitted = run_forecast(_restrict(inputs, refit_skus), config, progress, per_series_models=psm_live) \
        if refit_skus else None

    reused = reasons.index[modelled & ~refit_mask]
    kept = previous_accuracy.drop_duplicates("sku").set_index("sku").loc[reused].reset_index()
    fit = [state.drop_duplicates("sku").set_index("sku").loc[reused].reset_index()[FIT_COLUMNS]]
    accuracy, failures = [kept[ACCURACY_COLUMNS]], []
    widening = HorizonWidening.none(config.backtest_days).table
    if fitted is not None:
        # SKUs fitted tonight are forecast like the reused ones, from their new fit: with the
        # promotion layer of the whole shard, so a re-run of the night changes nothing
        accuracy.append(fitted.accuracy)
        fit.append(fitted.fit.assign(refit_night_as_of=state["refit_night_as_of"].max()))
        failures.append(fitted.failures[fitted.failures["stage"] == "backtest"])
        widening = fitted.widening
    st = pd.concat([f for f in fit if len(f)], ignore_index=True)[FIT_COLUMNS] \
        if any(len(f) for f in fit) else fit[0]
    pos = pd.Index(panel.skus.astype(str))
    reuse_idx = pos.get_indexer(st["sku"])
    fast = _fast_path(panel, inputs, config, reuse_idx, st, is_new, is_zero, modelled, psm_live)
    accuracy.append(_unscored_accuracy(panel, np.flatnonzero(~modelled), fast.model_name, as_of))
    failures.append(fast.failures)
    result = ForecastResult(
        forecast=fast.forecast,
        accuracy=_dates(pd.concat([a for a in accuracy if len(a)] or [accuracy[-1]], ignore_index=True)
                        [ACCURACY_COLUMNS], "as_of"),
        failures=pd.concat([f for f in failures if len(f)] or [fast.failures], ignore_index=True),
        widening=widening,
        fit=_dates(st, "fitted_as_of", "refit_night_as_of"),
    )
    refits = pd.DataFrame({"sku": reasons.index[refit_mask], "reason": reasons[refit_mask].to_numpy()})
    return NightResult(result, False, refits, len(reused))


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """Rows carried from the warehouse hold timestamps, tonight's dates: one type per column."""
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_datetime(out[c]).dt.date
    return out


@dataclass
class _Fast:
    forecast: pd.DataFrame
    model_name: np.ndarray
    failures: pd.DataFrame


def _methods(model: str) -> tuple[str, ...]:
    """The panel methods a chosen panel model needs fitted."""
    return cand.ENSEMBLE_PARTS if model == cand.ENSEMBLE else (model,)


def _fast_path(panel: Panel, inputs: ForecastInputs, config: ForecastConfig, reuse_idx: np.ndarray,
               st: pd.DataFrame, is_new: np.ndarray, is_zero: np.ndarray, modelled: np.ndarray,
               psm: Sequence[PerSeriesModel]) -> _Fast:
    """Every panel row's forecast: the modelled SKUs (panel rows ``reuse_idx``, their fit rows
    ``st`` in the same order) re-forecast by their chosen model alone, new and zero-demand SKUs
    by their rules."""
    n, T, H = panel.n, panel.T, panel.horizon
    p10, p50, p90 = np.zeros((n, H)), np.zeros((n, H)), np.zeros((n, H))
    model_name = np.empty(n, dtype=object)
    layered = np.zeros(n, dtype=bool)
    failures: list[tuple[str, str, str]] = []
    chosen = st["model"].to_numpy(dtype=object)
    per_series = {m.name: m for m in psm}
    panel_choice = np.where(np.isin(chosen, list(per_series)), st["fallback_model"].to_numpy(dtype=object), chosen)

    def panel_forecast(rows: np.ndarray, choice: np.ndarray) -> None:
        for model in pd.unique(choice):
            idx = reuse_idx[rows][choice == model]
            fc = cand.forecast_panel(panel, idx, H, models=_methods(model))
            p50[fc["sku_idx"].to_numpy(dtype=np.int64), fc["t"].to_numpy(dtype=np.int64) - T] = \
                fc[model].to_numpy(dtype=float)
            model_name[idx] = model
            layered[idx] = True

    on_panel = ~np.isin(chosen, list(per_series))
    panel_forecast(np.flatnonzero(on_panel), chosen[on_panel])
    for name, model in per_series.items():
        rows = np.flatnonzero(chosen == name)
        jobs = [(k, cand.series_history(panel, int(reuse_idx[k]), T - 1, H, inputs.country)) for k in rows]
        results, failed = cand.run_per_series(model, iter(jobs), total=len(jobs))
        for k, values in results.items():
            p50[reuse_idx[k]] = values
            model_name[reuse_idx[k]] = name
        for k, err in failed:  # as in a full run: the SKU's best panel method instead
            failures.append((str(panel.skus[reuse_idx[k]]), "forecast", f"{name}: {err}"))
        if failed:
            back = np.array([k for k, _ in failed])
            panel_forecast(back, panel_choice[back])

    future_promo, yearly, lift = forecast_layers(panel, config)
    if len(reuse_idx):
        widen = np.where(layered[reuse_idx, None], lift[reuse_idx], 1.0)
        p50[reuse_idx] = p50[reuse_idx] * widen
        spread = widen * widening_matrix(st, config.backtest_days, H)
        lo, hi = quantiles_of_fit(st).bounds(np.repeat(np.arange(len(reuse_idx)), H), p50[reuse_idx].ravel(),
                                             spread.ravel())
        p10[reuse_idx], p90[reuse_idx] = lo.reshape(-1, H), hi.reshape(-1, H)

    fill_rule_based(panel, config, is_new, is_zero, modelled, lift, p10, p50, p90, model_name, layered)
    forecast = assemble_forecast(panel, inputs, config, p10, p50, p90, model_name, layered, future_promo,
                                 yearly)
    return _Fast(forecast, model_name, pd.DataFrame(failures, columns=FAILURE_COLUMNS))


def _unscored_accuracy(panel: Panel, idx: np.ndarray, model_name: np.ndarray, as_of: date) -> pd.DataFrame:
    """Accuracy rows of SKUs that are not backtested (new, zero demand), as a full run writes them."""
    counts = stockout_day_counts(panel)
    frame = pd.DataFrame({c: np.full(len(idx), np.nan) for c in ACCURACY_COLUMNS})
    frame["sku"] = panel.skus[idx].astype(str)
    frame["model"] = model_name[idx].astype(str)
    frame["history_days"] = panel.history_days[idx]
    frame["stockout_days"] = counts["stockout_days"][idx]
    frame["suspected_stockout_days"] = counts["suspected_stockout_days"][idx]
    frame["windows"] = 0
    frame["runner_up_model"] = None
    frame["selection_metric"] = SELECTION_METRIC
    frame["as_of"] = as_of
    return frame[ACCURACY_COLUMNS]
