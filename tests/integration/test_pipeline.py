"""The whole asset graph on a tiny demo seller: everything builds, re-runs change nothing."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from orchestration.definitions import build_definitions
from orchestration.resources import StockpilotResource
from orchestration.runner import run_pipeline
from pipelines.config import load_config
from pipelines.demo import generate_demo
from pipelines.warehouse import connect, row_counts

pytestmark = pytest.mark.integration

PUBLIC_MARTS = ("inventory_position", "inventory_pool", "in_transit", "fct_daily_demand",
                "dim_sku", "dim_location", "inventory_adjustments", "fct_daily_stock",
                "demand_forecast", "forecast_accuracy", "lane_lead_times")


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
        channel_reserved = con.execute("SELECT reserved FROM marts.channel_allocation WHERE sku = ? AND channel = ?",
                                       [sku, channel]).fetchone()[0]
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
        channel_after = con.execute("SELECT reserved FROM marts.channel_allocation WHERE sku = ? AND channel = ?",
                                    [sku, channel]).fetchone()[0]
        routed = con.execute("SELECT count(*) FROM marts.order_routing WHERE order_id = 'NEW-1'").fetchone()[0]
    assert after[0] == (before[0] if before else 0) + 3
    # the sensor's job republishes channel quantities and routes the new line too
    materialized = {"/".join(e.asset_key.path) for e in result.get_asset_materialization_events()}
    assert {"marts/channel_allocation", "marts/order_routing"} <= materialized
    assert "marts/demand_forecast" not in materialized
    assert (channel_after, routed) == (channel_reserved + 3, 1)


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


REPLENISHMENT_SQL = {
    # every row says why
    "unexplained": """
        SELECT (SELECT count(*) FROM marts.replenishment_targets WHERE coalesce(reason, '') = '')
             + (SELECT count(*) FROM marts.transfer_orders WHERE coalesce(reason, '') = '')
             + (SELECT count(*) FROM marts.regional_placement WHERE coalesce(reason, '') = '')
             + (SELECT count(*) FROM marts.purchase_suggestions WHERE coalesce(reason, '') = '')""",
    "not_positive": """
        SELECT (SELECT count(*) FROM marts.transfer_orders WHERE quantity <= 0)
             + (SELECT count(*) FROM marts.purchase_suggestions WHERE quantity <= 0)
             + (SELECT count(*) FROM marts.regional_placement WHERE placed_units < 0)""",
    # a source never gives more than it has available
    "overdrawn": """
        SELECT count(*) FROM (SELECT sku, from_location, sum(quantity) AS units FROM marts.transfer_orders
                              GROUP BY ALL) t
        LEFT JOIN marts.inventory_position p ON p.sku = t.sku AND p.location_id = t.from_location
        WHERE t.units > coalesce(p.available, 0)""",
    "not_whole_cases": """
        SELECT count(*) FROM marts.transfer_orders t JOIN marts.dim_sku s USING (sku)
        WHERE t.quantity % s.case_pack <> 0""",
    # only locations below their reorder point are topped up
    "unasked": """
        SELECT count(*) FROM marts.transfer_orders t LEFT JOIN marts.replenishment_targets r
        ON r.sku = t.sku AND r.location_id = t.to_location WHERE NOT coalesce(r.needs_replenishment, false)""",
    # dead items (discontinued, no forecast demand) are never ordered
    "dead_ordered": """
        SELECT count(*) FROM (SELECT sku FROM marts.transfer_orders UNION ALL
                              SELECT sku FROM marts.purchase_suggestions) o
        JOIN marts.dim_sku s USING (sku)
        WHERE s.sku_status = 'discontinued'
           OR o.sku NOT IN (SELECT sku FROM marts.demand_forecast WHERE level = 'total' GROUP BY sku
                            HAVING sum(p50) > 0)""",
}


def test_replenishment_tables_are_built_explained_and_never_overdraw_a_source(demo):
    _, stockpilot, first, _ = demo
    counts = dict(zip(first.tables["table"], first.tables["rows"], strict=True))
    for mart in ("replenishment_targets", "regional_placement", "transfer_orders"):
        assert counts.get(f"marts.{mart}", 0) > 0, f"marts.{mart} is empty"
    assert "marts.purchase_suggestions" in counts
    with connect(stockpilot.warehouse, read_only=True) as con:
        problems = {name: con.execute(sql).fetchone()[0] for name, sql in REPLENISHMENT_SQL.items()}
        discontinued_targets = con.execute("""
            SELECT count(*) FROM marts.replenishment_targets r JOIN marts.dim_sku s USING (sku)
            WHERE s.sku_status = 'discontinued' AND r.needs_replenishment""").fetchone()[0]
    assert problems == dict.fromkeys(REPLENISHMENT_SQL, 0)
    assert discontinued_targets == 0


def test_purchase_suggestions_from_the_warehouse_respect_moq_case_packs_and_dead_items(demo):
    """The demo seller is well stocked tonight. With the network emptied (the pipeline's own
    forecast, SKUs and lanes, no stock) every selling SKU is due now, and none of the others."""
    from orchestration.replenishment import read_inputs
    from pipelines.config import load_config
    from pipelines.replenishment import plan_replenishment

    _, stockpilot, _, _ = demo
    cfg = load_config().replenishment
    with connect(stockpilot.warehouse, read_only=True) as con:
        inputs = read_inputs(con, cfg.abc_lookback_days, cfg.fulfilment_lookback_days)
    inputs.positions = inputs.positions.iloc[0:0]
    inputs.in_transit = inputs.in_transit.iloc[0:0]
    plan = plan_replenishment(inputs, cfg)
    ps = plan.purchase_suggestions.merge(inputs.skus, on="sku", suffixes=("", "_sku"))
    totals = inputs.forecast[inputs.forecast["level"] == "total"].groupby("sku")["p50"].sum()
    selling = set(totals[totals > 0].index) & set(inputs.skus.loc[inputs.skus["sku_status"] == "active", "sku"])
    assert set(ps["sku"]) == selling
    assert ps["is_urgent"].all()
    assert (ps["quantity"] >= ps["moq_sku"]).all()
    assert (ps["quantity"] % ps["case_pack_sku"] == 0).all()
    assert (ps["expected_arrival"] > ps["as_of"]).all()
    placed = (plan.regional_placement.drop_duplicates(["sku", "entry_id"])
              .groupby("sku")["suggested_units"].sum())
    assert placed.reindex(ps["sku"]).tolist() == ps["quantity"].tolist()


HEALTH_MARTS = ("inventory_health", "inventory_age", "kpi_daily", "kpi_summary")


def test_health_tables_the_report_and_the_parquet_exports_are_written(demo):
    from pipelines.reporting.report import SECTIONS

    _, stockpilot, first, _ = demo
    counts = dict(zip(first.tables["table"], first.tables["rows"], strict=True))
    for mart in HEALTH_MARTS:
        assert counts.get(f"marts.{mart}", 0) > 0, f"marts.{mart} is empty"
    assert "marts.dead_stock" in counts  # 120 days of history: nothing is 180 days old yet
    with connect(stockpilot.warehouse, read_only=True) as con:
        wrong = con.execute("""
            SELECT count(*) FROM marts.inventory_health h FULL JOIN marts.dim_sku s USING (sku)
            WHERE h.sku IS NULL OR s.sku IS NULL OR h.score <> 100 - no_sales_deduction - excess_deduction
                - stockout_deduction - oversell_deduction OR needs_attention <> (h.score < 60)""").fetchone()[0]
        bases = con.execute("SELECT DISTINCT stockout_basis, oversell_basis FROM marts.inventory_health").fetchall()
    assert wrong == 0
    assert bases == [("replenishment_targets", "order_routing")]  # every plan was built before it

    page = Path(first.outputs["HTML report"]).read_text(encoding="utf-8")
    assert all(f'<section id="{key}">' in page for key in SECTIONS)
    assert "Not built yet" not in page
    exports = Path(first.outputs["Parquet exports"])
    marts = {t.removeprefix("marts."): n for t, n in counts.items() if t.startswith("marts.")}
    manifest = json.loads((exports / "_manifest.json").read_text())
    assert {f["table"]: f["rows"] for f in manifest["files"]} == marts
    assert first.outputs["BI database"] == "skipped: STOCKPILOT_BI_URL is not set"


def test_the_attention_list_never_says_clear_and_rush_nor_urgent_without_a_stockout_before_the_next_arrival(demo):
    _, stockpilot, _, _ = demo
    horizon = load_config().health.stockout_horizon_days
    with connect(stockpilot.warehouse, read_only=True) as con:
        actions = dict(con.execute("SELECT action, count(*) FROM marts.inventory_health GROUP BY 1").fetchall())
        clear_and_rush = con.execute("""
            SELECT count(*) FROM marts.inventory_health
            WHERE (recommendation ILIKE '%clearance%' OR recommendation ILIKE '%discount channel%')
              AND (recommendation ILIKE '%urgent%' OR recommendation ILIKE '%expedite%'
                   OR recommendation ILIKE '%buy now%')""").fetchone()[0]
        # recomputed from the plan's tables: a location runs out before the next possible arrival,
        # the earlier of tonight's transfer or due purchase into it and an order placed tonight
        unjustified = con.execute("""
            WITH planned AS (
                SELECT sku, to_location AS location_id, min(expected_arrival) AS arrival
                FROM marts.transfer_orders GROUP BY 1, 2
                UNION ALL
                SELECT t.sku, t.location_id, p.expected_arrival
                FROM marts.replenishment_targets t JOIN marts.purchase_suggestions p USING (sku)
                WHERE t.replenished_by = 'purchase' AND p.order_by <= t.as_of
            ),
            at_risk AS (
                SELECT t.sku, t.projected_stockout_date AS stockout,
                       least(t.earliest_arrival, min(planned.arrival)) AS next_arrival
                FROM marts.replenishment_targets t LEFT JOIN planned USING (sku, location_id)
                WHERE t.forecast_daily_units > 0 AND t.projected_stockout_date <= t.as_of + ?::INTEGER
                GROUP BY t.sku, t.location_id, t.projected_stockout_date, t.earliest_arrival
            )
            SELECT count(*) FROM marts.inventory_health h
            WHERE (h.recommendation ILIKE '%urgent%' OR h.action = 'urgent_replenishment')
              AND h.sku NOT IN (SELECT sku FROM at_risk WHERE next_arrival IS NULL OR stockout < next_arrival)
            """, [horizon]).fetchone()[0]
    assert set(actions) <= {"rebalance", "urgent_replenishment", "replenish", "clearance", "review_listing",
                            "follow_plan", "lower_listing", "none"}
    assert clear_and_rush == 0
    assert unjustified == 0


def test_bi_publish_copies_every_marts_table_to_the_url_in_the_environment(demo, tmp_path, monkeypatch):
    from orchestration.publish import BI_KEY

    _, stockpilot, _, _ = demo
    landing, warehouse = _copy_of(stockpilot, tmp_path)
    monkeypatch.setenv("STOCKPILOT_BI_URL", f"sqlite:///{tmp_path / 'bi.sqlite'}")
    resource = StockpilotResource(landing=str(landing), warehouse=str(warehouse))
    job = build_definitions(resource).resolve_implicit_global_asset_job_def()
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=[BI_KEY])
    assert result.success
    with connect(warehouse, read_only=True) as con:
        expected = {t: n for t, n in row_counts(con, "marts").items()}
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'bi.sqlite'}")
    with engine.connect() as conn:
        published = {t: conn.execute(sa.text(f'SELECT count(*) FROM "{t}"')).scalar_one()
                     for t in sa.inspect(conn).get_table_names()}
    assert published == expected


ALLOCATION_SQL = {
    # dedicated channels never publish more than the sellable stock of the SKU
    "dedicated_over_sellable": """
        SELECT count(*) FROM (SELECT sku, sum(publishable_quantity) AS shown FROM marts.channel_allocation
                              WHERE mode = 'dedicated' GROUP BY sku) d
        JOIN marts.inventory_pool p USING (sku) WHERE d.shown > p.sellable""",
    # every channel shows what it may sell from less its buffer, from no more than its pool
    "beyond_buffer": """
        SELECT count(*) FROM marts.channel_allocation
        WHERE publishable_quantity <> greatest(allocated - buffer, 0) OR allocated > sellable_pool""",
    "unexplained": "SELECT count(*) FROM marts.channel_allocation WHERE coalesce(reason, '') = ''",
    # every open line is routed or says why not, and no location ships more than it holds
    "open_lines_missing": """
        SELECT count(*) FROM intermediate.int_order_lines l
        LEFT JOIN marts.order_routing r USING (order_id, line_id) WHERE l.is_open AND r.order_id IS NULL""",
    "overdrawn": """
        SELECT count(*) FROM (SELECT c.sku, r.ship_from, sum(c.units) AS units FROM marts.order_routing r
                              JOIN intermediate.int_order_line_components c USING (order_id, line_id)
                              WHERE r.ship_from IS NOT NULL GROUP BY ALL) t
        LEFT JOIN marts.inventory_position p ON p.sku = t.sku AND p.location_id = t.ship_from
        WHERE t.units > coalesce(p.on_hand - p.unsellable, 0)""",
    "listings_missing": """
        SELECT count(*) FROM (SELECT DISTINCT channel, listing_sku FROM staging.stg_raw__listings) l
        LEFT JOIN marts.listing_allocation a USING (channel, listing_sku) WHERE a.channel IS NULL""",
}


def test_channel_allocation_and_order_routing_hold_their_invariants(demo):
    _, stockpilot, _, _ = demo
    with connect(stockpilot.warehouse, read_only=True) as con:
        found = {name: con.execute(sql).fetchone()[0] for name, sql in ALLOCATION_SQL.items()}
        rows = con.execute("SELECT count(*), count(DISTINCT mode) FROM marts.channel_allocation").fetchone()
        routed = con.execute("SELECT count(*) FROM marts.order_routing").fetchone()[0]
    assert found == dict.fromkeys(ALLOCATION_SQL, 0)
    assert rows[0] > 0 and rows[1] == 2  # the demo has shared and dedicated channels
    assert routed > 0


def test_policy_backtest_scores_both_policies_on_the_same_demand(demo):
    _, stockpilot, _, _ = demo
    with connect(stockpilot.warehouse, read_only=True) as con:
        kpis = con.execute("SELECT policy, kpi, value FROM marts.policy_backtest").df()
        daily = con.execute("SELECT policy, count(DISTINCT date) AS days, sum(units_demanded) AS demanded, "
                            "min(on_hand_units) AS low FROM marts.policy_backtest_daily GROUP BY policy").df()
    value = kpis.set_index(["policy", "kpi"])["value"]
    assert set(kpis["policy"]) == {"stockpilot", "baseline", "perfect_foresight"}
    for policy in ("stockpilot", "baseline", "perfect_foresight"):
        for share in ("fill_rate", "cycle_service_level", "stockout_rate"):
            assert 0.0 <= value[(policy, share)] <= 1.0, (policy, share)
        assert value[(policy, "average_inventory_units")] > 0
        assert value[(policy, "turns")] > 0
        assert value[(policy, "units_served")] <= value[(policy, "units_demanded")]
    days = load_config().backtest.asset_window_days
    assert daily["days"].tolist() == [days, days, days]
    assert daily["demanded"].nunique() == 1 and daily["demanded"].iloc[0] > 0  # the same real demand
    assert (daily["low"] >= 0).all()
    with connect(stockpilot.warehouse, read_only=True) as con:
        lost = con.execute("SELECT policy, sum(lost_units) AS lost, count(*) FILTER (WHERE cause IS NULL) AS "
                           "unexplained FROM marts.policy_backtest_losses GROUP BY policy").df().set_index("policy")
    for policy in lost.index:  # every lost unit has its cause
        assert lost.loc[policy, "lost"] == pytest.approx(value[(policy, "units_missed")], abs=0.01)
        assert lost.loc[policy, "unexplained"] == 0
