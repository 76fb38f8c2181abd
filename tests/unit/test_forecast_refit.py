"""Refit schedule: model selection on refit nights, the chosen models reused on the others
(pipelines.forecasting.refit)."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import yaml

from pipelines.config import PROJECT_ROOT, ForecastConfig
from pipelines.forecasting import candidates as cand
from pipelines.forecasting import run_forecast
from pipelines.forecasting.fit_state import quantiles_of_fit
from pipelines.forecasting.pipeline import forecast_panel_of
from pipelines.forecasting.refit import forecast_night, refit_night
from tests.unit.test_forecast_pipeline import AS_OF, FAST, make_inputs, weekly_poisson

DAYS = 200


def series_set(extra: dict[str, np.ndarray] | None = None) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(3)
    series = {f"R{i}": weekly_poisson(DAYS, 15 + 5 * i, i) for i in range(3)}
    series |= {f"I{i}": ((rng.random(DAYS) < 0.2) * (1 + rng.poisson(1.0, DAYS))).astype(float) for i in range(2)}
    return series | (extra or {})


def night(series: dict[str, np.ndarray], days_before: int):
    """Inputs of the night ``days_before`` days before AS_OF: the series without their last days."""
    inputs = make_inputs({sku: units[:len(units) - days_before] for sku, units in series.items()})
    shift = timedelta(days=days_before)
    demand = inputs.demand.assign(date=[d - shift for d in inputs.demand["date"]])
    return dataclasses.replace(inputs, as_of=AS_OF - shift, demand=demand)


def totals(forecast: pd.DataFrame) -> pd.DataFrame:
    t = forecast[forecast["level"] == "total"]
    return t.sort_values(["sku", "date"]).reset_index(drop=True)


@pytest.fixture(scope="module")
def first_night():
    """The refit night a day before AS_OF, and its result."""
    inputs = night(series_set(), 1)
    return inputs, forecast_night(inputs, FAST, None, None, per_series_models=[])


def as_read_back(frame: pd.DataFrame) -> pd.DataFrame:
    """A table as the warehouse returns it: DATE columns as timestamps."""
    out = frame.copy()
    for c in ("as_of", "fitted_as_of", "refit_night_as_of"):
        if c in out:
            out[c] = pd.to_datetime(out[c])
    return out


@pytest.fixture(scope="module")
def second_night(first_night):
    _, first = first_night
    inputs = night(series_set(), 0)
    return inputs, forecast_night(inputs, FAST, as_read_back(first.result.fit), as_read_back(first.result.accuracy),
                                  per_series_models=[])


def test_first_night_without_a_stored_fit_is_a_refit_night(first_night):
    _, first = first_night
    assert first.refit_night
    assert set(first.refits["reason"]) == {"refit_night"}
    assert len(first.result.fit) == 5 and (first.result.fit["windows"] == 2).all()


def test_the_night_after_a_refit_reuses_every_selection(first_night, second_night):
    _, first = first_night
    _, second = second_night
    assert not second.refit_night and second.refits.empty and second.reused == 5
    # the accuracy table carries the last measured accuracy, dated the night it was measured
    pd.testing.assert_frame_equal(second.result.accuracy.sort_values("sku").reset_index(drop=True),
                                  first.result.accuracy.sort_values("sku").reset_index(drop=True))
    assert set(second.result.accuracy["as_of"]) == {AS_OF - timedelta(days=1)}
    assert set(second.result.forecast["as_of"]) == {AS_OF}
    assert (second.result.fit["fitted_as_of"] == AS_OF - timedelta(days=1)).all()


def test_reused_forecasts_equal_a_fresh_fit_of_the_chosen_model_on_tonights_data(first_night, second_night):
    inputs, second = second_night
    panel = forecast_panel_of(inputs, FAST)
    fit = second.result.fit.set_index("sku").sort_index()  # the order of totals()
    got = totals(second.result.forecast)
    for i, sku in enumerate(panel.skus):
        model = fit.loc[sku, "model"]
        methods = cand.ENSEMBLE_PARTS if model == cand.ENSEMBLE else (model,)
        fresh = cand.forecast_panel(panel, np.array([i]), FAST.horizon_days, models=methods)[model].to_numpy()
        mine = got[got["sku"] == sku]
        np.testing.assert_allclose(mine["p50"].to_numpy(), fresh, rtol=1e-9, atol=1e-12)
        assert set(mine["model"]) == {model}
    # p10/p90 from the stored offsets (no widening at a 28-day horizon with 14-day windows)
    q = quantiles_of_fit(fit.reset_index())
    rows = np.repeat(np.arange(len(fit)), FAST.horizon_days)
    lo, hi = q.bounds(rows, got["p50"].to_numpy())
    np.testing.assert_allclose(got["p10"].to_numpy(), lo, atol=1e-12)
    np.testing.assert_allclose(got["p90"].to_numpy(), hi, atol=1e-12)


def test_the_fast_path_on_the_night_of_the_fit_reproduces_the_full_run(first_night):
    inputs, first = first_night
    again = forecast_night(inputs, FAST, first.result.fit, first.result.accuracy, per_series_models=[])
    assert not again.refit_night and again.reused == 5
    pd.testing.assert_frame_equal(totals(again.result.forecast), totals(first.result.forecast),
                                  check_exact=False, rtol=1e-9)


def test_a_new_sku_triggers_a_fit_of_that_sku_only(first_night):
    _, first = first_night
    inputs = night(series_set({"NEW": weekly_poisson(DAYS, 30, 42)}), 0)
    result = forecast_night(inputs, FAST, as_read_back(first.result.fit), as_read_back(first.result.accuracy),
                            per_series_models=[])
    assert not result.refit_night and result.reused == 5
    assert result.refits.values.tolist() == [["NEW", "new"]]
    # one type per date column, as the shard writes them to Parquet
    result.result.accuracy.to_parquet(io.BytesIO())
    result.result.fit.to_parquet(io.BytesIO())
    acc = result.result.accuracy.set_index("sku")
    assert acc.loc["NEW", "as_of"] == AS_OF and acc.loc["NEW", "windows"] == 2
    assert len(totals(result.result.forecast).query("sku == 'NEW'")) == FAST.horizon_days
    assert set(result.result.fit["sku"]) == {*first.result.fit["sku"], "NEW"}


def test_a_restated_history_triggers_a_refit(first_night):
    _, first = first_night
    series = series_set()
    series["R0"] = series["R0"] * 1.2  # late order files: every past day 20 % higher
    result = forecast_night(night(series, 0), FAST, first.result.fit, first.result.accuracy,
                            per_series_models=[])
    assert result.refits.values.tolist() == [["R0", "history_changed"]]


def test_the_refit_day_triggers_the_full_selection(first_night):
    _, first = first_night
    state = first.result.fit
    week_later = AS_OF - timedelta(days=1) + timedelta(days=FAST.refit_every_days)
    assert refit_night(state, week_later - timedelta(days=1), FAST)[0] is False
    assert refit_night(state, week_later, FAST)[0] is True
    inputs = night(series_set(), 0)  # the same history, moved on to a week after the fit
    moved = inputs.demand.assign(date=[d + (week_later - AS_OF) for d in inputs.demand["date"]])
    inputs = dataclasses.replace(inputs, as_of=week_later, demand=moved)
    result = forecast_night(inputs, FAST, state, first.result.accuracy, per_series_models=[])
    assert result.refit_night and set(result.refits["reason"]) == {"refit_night"}
    assert set(result.result.accuracy["as_of"]) == {week_later}
    assert set(result.result.fit["refit_night_as_of"]) == {week_later}


def test_changed_forecast_settings_trigger_a_refit_night(first_night):
    _, first = first_night
    changed = FAST.model_copy(update={"selection_margin": 0.3})
    assert refit_night(first.result.fit, AS_OF, changed) == (True, "forecast settings changed since the last fit")
    assert refit_night(first.result.fit, AS_OF, FAST.model_copy(update={"shards": 8}))[0] is False


def test_a_full_refit_matches_run_forecast(first_night):
    inputs, first = first_night
    plain = run_forecast(inputs, FAST, per_series_models=[])
    pd.testing.assert_frame_equal(first.result.forecast, plain.forecast)


def test_refit_every_seven_days_is_the_documented_default():
    assert ForecastConfig().refit_every_days == 7
    shipped = yaml.safe_load((PROJECT_ROOT / "config" / "stockpilot.yaml").read_text())
    assert shipped["forecast"]["refit_every_days"] == 7
    assert "forecast.refit_every_days" in Path(PROJECT_ROOT / "docs" / "operations.md").read_text()


def test_a_rerun_of_a_night_that_fitted_a_sku_changes_no_forecast(first_night):
    _, first = first_night
    inputs = night(series_set({"NEW": weekly_poisson(DAYS, 30, 42)}), 0)
    once = forecast_night(inputs, FAST, first.result.fit, first.result.accuracy, per_series_models=[])
    again = forecast_night(inputs, FAST, once.result.fit, once.result.accuracy, per_series_models=[])
    assert again.refits.empty and again.reused == 6
    pd.testing.assert_frame_equal(totals(again.result.forecast), totals(once.result.forecast))


def test_a_sku_whose_chosen_model_is_one_method_is_re_forecast_by_it_alone(first_night):
    # only the ensemble's parts were ever chosen above; a single method (here TSB) is re-fitted
    # alone on the fast path, without the ensemble's other parts
    _, first = first_night
    fit = as_read_back(first.result.fit)
    fit.loc[fit["sku"] == "I0", "model"] = "tsb"
    inputs = night(series_set(), 0)
    second = forecast_night(inputs, FAST, fit, as_read_back(first.result.accuracy), per_series_models=[])
    got = totals(second.result.forecast)
    mine = got[got["sku"] == "I0"]
    assert set(mine["model"]) == {"tsb"}
    panel = forecast_panel_of(inputs, FAST)
    i = list(panel.skus).index("I0")
    fresh = cand.forecast_panel(panel, np.array([i]), FAST.horizon_days, models=("tsb",))["tsb"].to_numpy()
    np.testing.assert_allclose(mine["p50"].to_numpy(), fresh, rtol=1e-9, atol=1e-12)
