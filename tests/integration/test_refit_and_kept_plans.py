"""`stockpilot run` on the night after a full run: the forecast reuses the model selection, and
planning steps whose inputs did not change keep their tables, identical to a full recompute."""

from __future__ import annotations

from datetime import date

import dagster as dg
import pandas as pd
import pytest

from orchestration.resources import StockpilotResource
from orchestration.runner import run_pipeline
from pipelines.demo import generate_demo
from pipelines.warehouse import connect

pytestmark = pytest.mark.integration

PLANNING = ("replenishment_targets", "transfer_orders", "purchase_suggestions", "regional_placement",
            "channel_allocation", "listing_allocation", "stock_alerts", "order_routing",
            "inventory_health", "dead_stock")
FIRST, SECOND = "2026-10-30", "2026-10-31"


def _meta(instance: dg.DagsterInstance, *path: str) -> dict:
    event = instance.get_latest_materialization_event(dg.AssetKey(list(path)))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def _tables(warehouse: str) -> dict[str, pd.DataFrame]:
    with connect(warehouse, read_only=True) as con:
        frames = {name: con.execute(f'SELECT * FROM marts."{name}"').df() for name in PLANNING}
    return {name: df.sort_values(list(df.columns)).reset_index(drop=True) for name, df in frames.items()}


@pytest.fixture(scope="module")
def nights(tmp_path_factory):
    root = tmp_path_factory.mktemp("nights")
    generate_demo(root / "landing", skus=24, days=120, seed=3, end=date(2026, 10, 31))
    instance = dg.DagsterInstance.ephemeral()

    def run(as_of: str) -> StockpilotResource:
        stockpilot = StockpilotResource(landing=str(root / "landing"), warehouse=str(root / "wh.duckdb"),
                                        as_of=as_of)
        summary = run_pipeline(stockpilot, instance=instance, log_level="ERROR")
        assert summary.success, summary.steps
        return stockpilot

    run(FIRST)
    first_forecast = _meta(instance, "marts", "demand_forecast")
    stockpilot = run(SECOND)
    second_forecast = _meta(instance, "marts", "demand_forecast")
    second_planning = {n: _meta(instance, "marts", n)["recomputed"] for n in PLANNING}
    return instance, stockpilot, first_forecast, second_forecast, second_planning, run


def test_the_first_night_is_a_refit_night(nights):
    _, _, first, _, _, _ = nights
    assert first["refit_night"] is True and first["skus_reused"] == 0 and first["skus_refitted"] > 0


def test_the_next_night_reuses_the_selection_and_forecasts_from_tonight(nights):
    _, stockpilot, _, second, _, _ = nights
    assert second["refit_night"] is False
    assert second["skus_reused"] > 0
    with connect(stockpilot.warehouse, read_only=True) as con:
        refit_nights = con.execute("SELECT DISTINCT refit_night_as_of FROM marts.forecast_model_state").fetchall()
        forecast_as_of = con.execute("SELECT DISTINCT as_of FROM marts.demand_forecast").fetchall()
        measured = dict(con.execute("SELECT as_of, count(*) FROM marts.forecast_accuracy GROUP BY 1").fetchall())
    assert refit_nights == [(date(2026, 10, 30),)]
    assert forecast_as_of == [(date(2026, 10, 31),)]
    # reused SKUs carry the accuracy measured on the refit night
    assert measured.get(date(2026, 10, 30), 0) == second["skus_reused"]


def test_a_new_as_of_recomputes_every_plan(nights):
    _, _, _, _, planning, _ = nights
    assert all(planning.values()), planning


def test_unchanged_inputs_keep_the_plans_and_they_equal_a_full_recompute(nights):
    instance, stockpilot, _, _, _, run = nights
    run(SECOND)  # the same night again: nothing moved
    assert not any(_meta(instance, "marts", n)["recomputed"] for n in PLANNING)
    kept = _tables(stockpilot.warehouse)
    with connect(stockpilot.warehouse) as con:
        con.execute("DROP TABLE state.input_fingerprints")
    run(SECOND)
    assert all(_meta(instance, "marts", n)["recomputed"] for n in PLANNING)
    recomputed = _tables(stockpilot.warehouse)
    for name in PLANNING:
        pd.testing.assert_frame_equal(kept[name], recomputed[name], obj=f"marts.{name}")
