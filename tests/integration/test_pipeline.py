"""The whole asset graph on a tiny demo seller: everything builds, re-runs change nothing."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest

from orchestration.definitions import build_definitions
from orchestration.resources import StockpilotResource
from orchestration.runner import run_pipeline
from pipelines.demo import generate_demo
from pipelines.warehouse import connect

pytestmark = pytest.mark.integration

PUBLIC_MARTS = ("inventory_position", "inventory_pool", "in_transit", "fct_daily_demand",
                "dim_sku", "dim_location", "inventory_adjustments", "fct_daily_stock",
                "demand_forecast", "forecast_accuracy")


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    root = tmp_path_factory.mktemp("demo")
    summary = generate_demo(root / "landing", skus=24, days=120, seed=3, end=date(2026, 10, 31))
    stockpilot = StockpilotResource(landing=str(root / "landing"), warehouse=str(root / "wh.duckdb"))
    first = run_pipeline(stockpilot, instance=dg.DagsterInstance.ephemeral(), log_level="ERROR")
    second = run_pipeline(stockpilot, instance=dg.DagsterInstance.ephemeral(), log_level="ERROR")
    return summary, stockpilot, first, second


def _copy_of(stockpilot: StockpilotResource, tmp_path: Path) -> tuple[Path, Path]:
    """A private copy of the demo's landing folder and warehouse, for tests that change them."""
    landing, warehouse = tmp_path / "landing", tmp_path / "wh.duckdb"
    shutil.copytree(stockpilot.landing, landing)
    shutil.copy(stockpilot.warehouse, warehouse)
    return landing, warehouse


def test_first_run_succeeds_and_builds_every_public_table(demo):
    _, _, first, _ = demo
    assert first.success, first.steps
    counts = dict(zip(first.tables["table"], first.tables["rows"], strict=True))
    for mart in PUBLIC_MARTS:
        assert counts.get(f"marts.{mart}", 0) > 0, f"marts.{mart} is empty"


def test_second_run_loads_nothing_and_changes_no_row_count(demo):
    _, _, first, second = demo
    assert second.success
    assert second.feeds["rows_loaded"].sum() == 0
    assert second.feeds["files_loaded"].sum() == 0
    assert first.tables.equals(second.tables)


def test_as_of_defaults_to_latest_date_in_the_data(demo):
    _, _, first, _ = demo
    assert first.as_of == "2026-10-31"


def test_every_deliberately_bad_demo_row_is_quarantined_with_its_file_and_row(demo):
    summary, stockpilot, _, _ = demo
    with connect(stockpilot.warehouse, read_only=True) as con:
        quarantined = set()
        for feed in ("orders", "stock_snapshots", "shipments", "returns", "adjustments"):
            quarantined |= set(con.execute(
                f"SELECT _source_file, _row_number FROM quarantine.{feed}").fetchall())
    expected = {(Path(f).as_posix(), row) for f, row, *_ in summary.bad_rows}
    assert expected <= quarantined


def test_all_raw_contract_checks_pass_on_demo_data(demo):
    _, _, first, _ = demo
    assert first.failed_checks == []


def test_failed_blocking_check_stops_the_models_downstream(demo, tmp_path):
    """A listing removed from reference data leaves loaded orders pointing nowhere: the blocking
    check on raw.orders fails and the models are not rebuilt on top of it."""
    _, stockpilot, _, _ = demo
    landing, warehouse = _copy_of(stockpilot, tmp_path)
    with connect(warehouse, read_only=True) as con:
        channel, listing = con.execute(
            "SELECT channel, listing_sku FROM raw.orders ORDER BY order_id LIMIT 1").fetchone()
    listings = (landing / "reference" / "listings.csv").read_text(encoding="utf-8-sig").splitlines()
    kept = [line for line in listings if not line.startswith(f"{channel},{listing},")]
    assert len(kept) < len(listings)
    (landing / "reference" / "listings_2099-01-01.csv").write_text("\n".join(kept) + "\n")
    broken = StockpilotResource(landing=str(landing), warehouse=str(warehouse))
    result = run_pipeline(broken, instance=dg.DagsterInstance.ephemeral(), log_level="CRITICAL")
    assert not result.success
    assert "raw/orders: contract_expectations" in result.failed_checks
    succeeded = set(result.steps.loc[result.steps["status"] == "success", "step"])
    assert "stockpilot_dbt_models" not in succeeded


def test_landing_refresh_job_turns_a_new_order_file_into_a_reservation(demo, tmp_path):
    """What the landing sensor starts: a new pending order reserves stock right away."""
    _, stockpilot, _, _ = demo
    landing, warehouse = _copy_of(stockpilot, tmp_path)
    with connect(warehouse, read_only=True) as con:
        channel, listing, sku, location = con.execute("""
            SELECT l.channel, l.listing_sku, l.sku, r.location_id
            FROM raw.listings l JOIN raw.routing_rules r USING (channel)
            WHERE r.rank = 1 AND l.units_per_listing = 1 AND l.listing_sku IN (
                SELECT listing_sku FROM raw.listings GROUP BY channel, listing_sku HAVING count(*) = 1)
            ORDER BY l.channel, l.listing_sku LIMIT 1""").fetchone()
        before = con.execute("SELECT reserved FROM marts.inventory_position WHERE sku = ? AND location_id = ?",
                             [sku, location]).fetchone()
    (landing / "orders" / "late-arrival.csv").write_text(
        "order_id,ordered_at,channel,listing_sku,quantity,status\n"
        f"NEW-1,2026-10-31T22:00:00,{channel},{listing},3,pending\n")
    resource = StockpilotResource(landing=str(landing), warehouse=str(warehouse))
    job = build_definitions(resource).resolve_job_def("landing_refresh")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False)
    assert result.success
    with connect(warehouse, read_only=True) as con:
        after = con.execute("SELECT reserved FROM marts.inventory_position WHERE sku = ? AND location_id = ?",
                            [sku, location]).fetchone()
    assert after[0] == (before[0] if before else 0) + 3


def test_forecast_covers_every_selling_sku_with_ordered_quantiles_and_planner_overrides(demo):
    _, stockpilot, _, _ = demo
    with connect(stockpilot.warehouse, read_only=True) as con:
        bad_order = con.execute(
            "SELECT count(*) FROM marts.demand_forecast WHERE NOT (0 <= p10 AND p10 <= p50 AND p50 <= p90)"
        ).fetchone()[0]
        unforecast = con.execute("""
            SELECT count(DISTINCT d.sku) FROM marts.fct_daily_demand d
            WHERE d.date > (SELECT as_of - 30 FROM intermediate.int_as_of)
              AND d.sku NOT IN (SELECT sku FROM marts.demand_forecast)""").fetchone()[0]
        overridden = con.execute("""
            SELECT count(DISTINCT o.sku) FROM raw.forecast_overrides o JOIN marts.demand_forecast f
            ON f.sku = o.sku AND f.date BETWEEN o.start_date AND o.end_date AND f.is_overridden""").fetchone()[0]
        first_day = con.execute("SELECT min(date) - (SELECT as_of FROM intermediate.int_as_of) "
                                "FROM marts.demand_forecast").fetchone()[0]
    assert bad_order == 0
    assert unforecast == 0
    assert overridden == 2
    assert first_day == 1
