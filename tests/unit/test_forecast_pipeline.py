"""run_forecast end to end on small hand-made panels (pipelines.forecasting)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd
import pytest

from pipelines.config import ForecastConfig
from pipelines.forecasting import ForecastInputs, run_forecast, shard_config, shard_of
from pipelines.forecasting.candidates import backtest_panel
from pipelines.forecasting.history import SuspectRule, build_panel

AS_OF = date(2026, 3, 31)  # a Tuesday
#: Small and fast: 2 windows of 14 days, 28-day horizon, no Prophet.
FAST = ForecastConfig(horizon_days=28, backtest_windows=2, backtest_days=14, min_history_days=28,
                      prophet_max_series=0, prophet_min_history_days=56, split_lookback_days=28)
WEEKLY = np.array([0.8, 0.8, 0.9, 1.0, 1.1, 1.4, 1.0])  # Mon … Sun


def days_back(n: int) -> pd.DatetimeIndex:
    return pd.date_range(AS_OF - timedelta(days=n - 1), AS_OF, freq="D")


def weekly_poisson(n: int, mean: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.poisson(mean * WEEKLY[days_back(n).dayofweek] / WEEKLY.mean()).astype(float)


def make_inputs(series: dict[str, np.ndarray], *, category: dict[str, str] | None = None,
                stockouts: list[tuple[date, str]] = (), promotions: pd.DataFrame | None = None,
                overrides: pd.DataFrame | None = None, extra_skus: tuple[str, ...] = (),
                snapshots_cover: tuple[str, ...] = ()) -> ForecastInputs:
    """Daily units per SKU ending at AS_OF; 70 % sold on amazon/east, 30 % on shopify/west.
    ``snapshots_cover``: SKUs whose whole history stock snapshots describe (others have none)."""
    rows = []
    for sku, units in series.items():
        d = days_back(len(units))
        for share, channel, region in ((0.7, "amazon", "east"), (0.3, "shopify", "west")):
            keep = units > 0
            rows.append(pd.DataFrame({"date": d[keep].date, "sku": sku, "channel": channel,
                                      "region": region, "units": units[keep] * share}))
    names = [*series, *extra_skus]
    skus = pd.DataFrame({"sku": names,
                         "category": [(category or {}).get(s, "widgets") for s in names],
                         "unit_price": 10.0, "launch_date": pd.NaT, "sku_status": "active"})
    return ForecastInputs(
        as_of=AS_OF, demand=pd.concat(rows, ignore_index=True),
        stockouts=pd.DataFrame(stockouts, columns=["date", "sku"]), skus=skus,
        promotions=promotions if promotions is not None else pd.DataFrame(
            columns=["channel", "sku", "start_date", "end_date", "discount_pct"]),
        overrides=overrides if overrides is not None else pd.DataFrame(
            columns=["sku", "start_date", "end_date", "units_per_day", "multiplier", "note"]),
        stock_reported=pd.DataFrame({"sku": list(snapshots_cover),
                                     "first_date": [days_back(len(series[s]))[0].date() for s in snapshots_cover],
                                     "last_date": AS_OF}),
    )


def total(result, sku: str) -> pd.DataFrame:
    f = result.forecast
    return f[(f["sku"] == sku) & (f["level"] == "total")].sort_values("date").reset_index(drop=True)


@pytest.fixture(scope="module")
def mixed_result():
    series = {f"R{i}": weekly_poisson(200, 20, i) for i in range(4)}
    rng = np.random.default_rng(9)
    series |= {f"I{i}": ((rng.random(200) < 0.15) * (1 + rng.poisson(1.0, 200))).astype(float)
               for i in range(4)}
    return run_forecast(make_inputs(series), FAST, per_series_models=[])


def test_forecast_starts_the_day_after_as_of(mixed_result):
    dates = pd.to_datetime(mixed_result.forecast["date"])
    assert dates.min() == pd.Timestamp(AS_OF + timedelta(days=1))
    assert dates.max() == pd.Timestamp(AS_OF + timedelta(days=FAST.horizon_days))
    assert (mixed_result.forecast.groupby(["sku", "level", "level_value"]).size() == 28).all()


def test_quantiles_are_ordered_non_negative_and_finite(mixed_result):
    f = mixed_result.forecast
    assert np.isfinite(f[["p10", "p50", "p90"]].to_numpy()).all()
    assert (f["p10"] >= 0).all() and (f["p10"] <= f["p50"]).all() and (f["p50"] <= f["p90"]).all()


def test_channel_and_region_splits_add_up_to_the_total(mixed_result):
    f = mixed_result.forecast
    tot = f[f["level"] == "total"].set_index(["sku", "date"])[["p10", "p50", "p90"]]
    for level in ("channel", "region"):
        parts = f[f["level"] == level].groupby(["sku", "date"])[["p10", "p50", "p90"]].sum()
        assert np.allclose(parts.loc[tot.index].to_numpy(), tot.to_numpy())
    amazon = f[(f["level"] == "channel") & (f["level_value"] == "amazon")]
    assert (amazon["p50"] / tot.loc[list(zip(amazon["sku"], amazon["date"], strict=True)), "p50"]
            .to_numpy()).dropna().round(6).eq(0.7).all()


def test_weekly_seasonal_series_is_recovered(mixed_result):
    f = total(mixed_result, "R0")
    by_day = f.groupby(pd.to_datetime(f["date"]).dt.dayofweek)["p50"].mean()
    truth = 20 * WEEKLY / WEEKLY.mean()
    assert np.allclose(by_day.to_numpy(), truth, rtol=0.2)
    assert by_day[5] > 1.4 * by_day[0]  # Saturday clearly above Monday


def test_intermittent_series_forecast_is_close_to_its_rate(mixed_result):
    means = []
    for sku in ("I0", "I1", "I2", "I3"):
        f = total(mixed_result, sku)
        assert 0.02 < f["p50"].mean() < 0.8  # one SKU's last weeks can be quiet by chance
        assert (f["p10"] == 0).all()
        means.append(f["p50"].mean())
    assert np.mean(means) == pytest.approx(0.3, abs=0.1)  # true rate 0.3 units/day


def test_accuracy_has_one_row_per_sku_with_a_runner_up(mixed_result):
    acc = mixed_result.accuracy
    assert sorted(acc["sku"]) == sorted(mixed_result.forecast["sku"].unique())
    assert (acc["windows"] == 2).all() and (acc["selection_metric"] == "rmsse").all()
    assert (acc["runner_up_model"] != acc["model"]).all()
    # the chosen method is the best, or the ensemble kept within the selection margin of it
    margin = ForecastConfig().selection_margin
    assert (acc["rmsse"] * (1 - margin) <= acc["runner_up_rmsse"] + 1e-12).all()


def test_promotion_raises_the_forecast_in_its_window_only():
    series = {"P": weekly_poisson(200, 20, 1)}
    start, end = AS_OF + timedelta(days=10), AS_OF + timedelta(days=16)
    promo = pd.DataFrame({"channel": ["amazon"], "sku": ["P"], "start_date": [start],
                          "end_date": [end], "discount_pct": [30.0]})
    plain = total(run_forecast(make_inputs(series), FAST, per_series_models=[]), "P")
    promoted_result = run_forecast(make_inputs(series, promotions=promo), FAST, per_series_models=[])
    promoted = total(promoted_result, "P")
    inside = (promoted["date"] >= start) & (promoted["date"] <= end)
    ratio = promoted["p50"] / plain["p50"]
    assert (ratio[inside] > 1.3).all()  # no promotion history: prior 1 + 2 × 0.3 = 1.6
    assert np.allclose(ratio[~inside], 1.0)
    assert promoted["model"].str.endswith("+promo").all()


def test_stockout_period_does_not_drag_the_forecast_down():
    units = weekly_poisson(200, 20, 4)
    units[-21:] = 0  # nothing sellable for the last three weeks
    out = [(d.date(), "S") for d in days_back(21)]
    censored = total(run_forecast(make_inputs({"S": units}, stockouts=out, snapshots_cover=("S",)),
                                  FAST, per_series_models=[]), "S")
    # snapshots showing stock on those days: the zeros are real demand and drag the level down
    naive = total(run_forecast(make_inputs({"S": units}, snapshots_cover=("S",)), FAST,
                               per_series_models=[]), "S")
    assert censored["p50"].mean() == pytest.approx(20, rel=0.2)
    assert naive["p50"].mean() < 10


def test_an_implausible_zero_run_without_stock_data_is_a_suspected_stockout():
    rng = np.random.default_rng(3)
    regular = weekly_poisson(200, 20, 4)
    regular[-21:] = 0  # three weeks without a sale, no snapshots at all
    gap = weekly_poisson(200, 20, 6)
    gap[100:130] = 0  # a month without a sale mid-history, then selling again
    intermittent = ((rng.random(200) < 0.15) * (1 + rng.poisson(1.0, 200))).astype(float)
    intermittent[-10:] = 0  # ten quiet days are ordinary for a SKU that sells one day in seven
    gone = weekly_poisson(400, 20, 7)
    gone[-200:] = 0  # silent for longer than suspected_stockout_max_days (180): really gone
    series = {"S": regular, "G": gap, "I": intermittent, "D": gone}
    inputs = make_inputs(series)
    rule = SuspectRule(min_run=7, max_run=180, probability=1e-3)
    off = build_panel(inputs.skus, inputs.demand, inputs.stockouts, inputs.promotions, AS_OF, 28,
                      stock_reported=inputs.stock_reported)
    assert not off.suspected.any()  # the rule is opt-in
    panel = build_panel(inputs.skus, inputs.demand, inputs.stockouts, inputs.promotions, AS_OF, 28,
                        stock_reported=inputs.stock_reported, suspect=rule)
    row = {s: i for i, s in enumerate(panel.skus)}
    T = panel.T
    assert panel.suspected[row["S"], T - 21:].all() and panel.suspected[row["S"]].sum() == 21
    g0 = T - 200
    assert panel.suspected[row["G"], g0 + 100:g0 + 130].all() and panel.suspected[row["G"]].sum() == 30
    assert not panel.suspected[row["I"]].any()
    assert not panel.suspected[row["D"]].any()
    config = FAST.model_copy(update={"suspected_stockout_min_days": 7})
    result = run_forecast(inputs, config, per_series_models=[])
    assert total(result, "S")["p50"].mean() == pytest.approx(20, rel=0.2)
    acc = result.accuracy.set_index("sku")
    assert acc.loc["S", "suspected_stockout_days"] == 21 and acc.loc["S", "stockout_days"] == 0
    # the same zeros on days snapshots describe are real: stock was there and nothing sold
    covered = make_inputs({"S": regular}, snapshots_cover=("S",))
    panel = build_panel(covered.skus, covered.demand, covered.stockouts, covered.promotions, AS_OF, 28,
                        stock_reported=covered.stock_reported, suspect=rule)
    assert not panel.suspected.any()


def test_a_day_without_snapshots_is_not_a_stockout():
    units = np.array([5.0, 0.0, 5.0, 0.0])
    inputs = make_inputs({"A": units}, stockouts=[(AS_OF - timedelta(days=1), "A")])
    panel = build_panel(inputs.skus, inputs.demand, inputs.stockouts, inputs.promotions, AS_OF, 28)
    assert panel.observed[0].tolist() == [True, True, False, True]
    assert panel.y[0, 1] == 0.0  # a zero day without a stockout stays zero demand
    assert panel.y[0, 2] == 5.0  # units sold on a stockout day are a floor of its demand


def test_short_history_uses_the_category_analogue():
    series = {f"R{i}": weekly_poisson(200, 20, i) for i in range(3)}
    new = np.zeros(200)
    new[-10:] = 30.0
    series["NEW"] = new
    result = run_forecast(make_inputs(series), FAST, per_series_models=[])
    f = total(result, "NEW")
    assert (f["model"] == "new_sku:category_analogue(widgets)").all()
    # shrinkage: (14 × ~20 + 10 × 30) / (14 + 10) ≈ 24 units/day
    assert f["p50"].mean() == pytest.approx(24, rel=0.15)
    assert result.accuracy.set_index("sku").loc["NEW", "windows"] == 0


def test_all_zero_series_forecasts_zero_with_a_tiny_p90():
    series = {"R": weekly_poisson(200, 20, 0)}
    result = run_forecast(make_inputs(series, extra_skus=("Z",)), FAST, per_series_models=[])
    f = total(result, "Z")
    assert (f["model"] == "zero_demand").all()
    assert (f["p50"] == 0).all() and (f["p10"] == 0).all()
    assert np.allclose(f["p90"], -np.log(0.1) / 200)  # 200 silent days


def test_overrides_are_applied_and_recorded():
    series = {"A": weekly_poisson(200, 20, 2), "B": weekly_poisson(200, 20, 3)}
    d1, d2 = AS_OF + timedelta(days=1), AS_OF + timedelta(days=3)
    overrides = pd.DataFrame({
        "sku": ["A", "B"], "start_date": [d1, d1], "end_date": [d2, d2],
        "units_per_day": [50.0, np.nan], "multiplier": [2.0, 1.5], "note": ["launch ad", "tv spot"]})
    base = run_forecast(make_inputs(series), FAST, per_series_models=[])
    over = run_forecast(make_inputs(series, overrides=overrides), FAST, per_series_models=[])
    a, a0 = total(over, "A"), total(base, "A")
    b, b0 = total(over, "B"), total(base, "B")
    hit = (a["date"] >= d1) & (a["date"] <= d2)
    assert np.allclose(a.loc[hit, "p50"], 50.0)  # units_per_day wins over the multiplier
    assert np.allclose(a.loc[hit, "p90"] / a.loc[hit, "p50"], a0.loc[hit, "p90"] / a0.loc[hit, "p50"])
    assert np.allclose(b.loc[hit, ["p10", "p50", "p90"]], 1.5 * b0.loc[hit, ["p10", "p50", "p90"]])
    assert np.allclose(b.loc[~hit, "p50"], b0.loc[~hit, "p50"])
    assert a["is_overridden"].tolist() == hit.tolist()
    assert (a.loc[hit, "override_note"] == "launch ad").all() and a.loc[~hit, "override_note"].isna().all()
    f = over.forecast
    amazon = f[(f["sku"] == "A") & (f["level_value"] == "amazon") & f["is_overridden"]]
    assert np.allclose(amazon["p50"], 35.0)  # 70 % of the overridden 50


def test_backtest_windows_end_at_as_of_and_never_see_the_future():
    units = weekly_poisson(120, 20, 5)
    inputs = make_inputs({"A": units})
    panel = build_panel(inputs.skus, inputs.demand, inputs.stockouts, inputs.promotions, AS_OF, 28)
    bt = backtest_panel(panel, np.array([0]), windows=2, days=14)
    assert bt["t"].max() == panel.T - 1  # the last window's last day is as_of
    assert sorted(bt["cutoff"].unique()) == [panel.T - 29, panel.T - 15]
    assert (bt["t"] > bt["cutoff"]).all() and (bt["t"] <= bt["cutoff"] + 14).all()
    changed = units.copy()
    changed[-28 + 5:] *= 3  # alter days after the first origin (+ a few)
    inputs2 = make_inputs({"A": changed})
    panel2 = build_panel(inputs2.skus, inputs2.demand, inputs2.stockouts, inputs2.promotions, AS_OF, 28)
    bt2 = backtest_panel(panel2, np.array([0]), windows=2, days=14)
    first = bt["window"] == 2
    assert np.allclose(bt.loc[first, "ets"], bt2.loc[first, "ets"])
    assert not np.allclose(bt.loc[~first, "ets"], bt2.loc[~first, "ets"])


class ConstantModel:
    """A per-series model forecasting the mean of the last 7 observed days; raises for ``bad``."""

    name = "constant"

    def __init__(self, bad: str = ""):
        self.bad = bad

    def forecast(self, series):
        if series.sku == self.bad:
            raise RuntimeError("boom")
        return np.full(series.horizon, series.y[series.observed][-7:].mean())


def test_a_failing_per_series_model_falls_back_and_is_listed():
    series = {"A": weekly_poisson(200, 20, 6), "B": weekly_poisson(200, 20, 7)}
    config = FAST.model_copy(update={"prophet_max_series": 5})
    result = run_forecast(make_inputs(series), config, per_series_models=[ConstantModel(bad="A")])
    assert result.failures[["sku", "stage"]].values.tolist() == [["A", "backtest"], ["A", "backtest"]]
    assert "boom" in result.failures["error"].iloc[0]
    a = total(result, "A")
    assert len(a) == 28 and a["model"].iloc[0] != "constant"
    acc = result.accuracy.set_index("sku")
    assert "constant" in {acc.loc["B", "model"], acc.loc["B", "runner_up_model"]} or \
        acc.loc["B", "rmsse"] <= acc.loc["B", "runner_up_rmsse"]


def test_shard_of_is_stable_and_in_range():
    import hashlib

    expected = int.from_bytes(hashlib.sha1(b"SKU-1").digest()[:8], "big") % 7
    assert shard_of("SKU-1", 7) == expected
    skus = pd.Series([f"SKU-{i}" for i in range(500)])
    shards = shard_of(skus, 7)
    assert shards.between(0, 6).all() and shards.nunique() == 7
    assert shards.tolist() == [shard_of(s, 7) for s in skus]


def test_shard_config_splits_the_prophet_budget_over_shards_rounding_up():
    config = ForecastConfig(prophet_max_series=60)
    assert shard_config(config, 4).prophet_max_series == 15
    assert shard_config(config, 7).prophet_max_series == 9
    assert shard_config(config, 4).horizon_days == config.horizon_days
