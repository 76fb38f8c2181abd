"""The code location loads, and its asset graph has the shape the docs describe."""

from __future__ import annotations

import re

import dagster as dg

from orchestration import backtest, replenishment
from orchestration.automation import landing_sensor, new_files
from orchestration.definitions import build_definitions
from orchestration.resources import StockpilotResource
from orchestration.roles import report_only_keys


def _defs(tmp_path):
    return build_definitions(StockpilotResource(landing=str(tmp_path / "landing"),
                                                warehouse=str(tmp_path / "wh.duckdb")))


def test_definitions_load_with_jobs_schedule_and_sensor(tmp_path):
    defs = _defs(tmp_path)
    assert defs.resolve_job_def("nightly")
    assert defs.resolve_job_def("landing_refresh")
    assert defs.resolve_schedule_def("nightly_schedule").cron_schedule == "0 2 * * *"
    assert defs.resolve_sensor_def("landing_sensor")


def test_inventory_position_depends_on_every_feed_it_reads(tmp_path):
    graph = _defs(tmp_path).resolve_asset_graph()
    key = dg.AssetKey(["marts", "inventory_position"])
    upstream = {"/".join(k.path) for k in graph.get_ancestor_asset_keys(key)}
    for feed in ("orders", "stock_snapshots", "shipments", "returns", "adjustments", "listings",
                 "locations", "routing_rules"):
        assert f"raw/{feed}" in upstream


def test_every_warehouse_step_shares_the_duckdb_pool(tmp_path):
    job = _defs(tmp_path).resolve_job_def("nightly")
    for node in job.graph.iterate_op_defs():
        # forecast shards and the backtest's simulation and publishing work on Parquet files,
        # never on the warehouse: they may run in parallel
        outside = node.name.startswith("forecast_shard_") or node.name in ("simulate_policies",
                                                                            "publish_policy_backtest")
        expected = None if outside else "duckdb"
        assert node.pool == expected, node.name


def test_sensor_requests_a_run_for_new_files_and_skips_when_nothing_changed(tmp_path):
    landing = tmp_path / "landing"
    (landing / "orders").mkdir(parents=True)
    (landing / "orders" / "a.csv").write_text("order_id\n1\n")
    resource = StockpilotResource(landing=str(landing), warehouse=str(tmp_path / "wh.duckdb"))
    # the resource has a teardown (the warehouse lock), so its context is a context manager
    with dg.build_sensor_context(resources={"stockpilot": resource}) as ctx:
        first = landing_sensor(ctx)
    assert isinstance(first, dg.RunRequest)
    with dg.build_sensor_context(cursor=ctx.cursor, resources={"stockpilot": resource}) as ctx2:
        second = landing_sensor(ctx2)
    assert isinstance(second, dg.SkipReason)


def test_new_files_lists_added_and_changed_files_only():
    previous = {"orders/a.csv": [10, 1], "orders/b.csv": [5, 1]}
    current = {"orders/a.csv": [10, 1], "orders/b.csv": [6, 2], "orders/c.csv": [1, 3]}
    assert new_files(previous, current) == ["orders/b.csv", "orders/c.csv"]


def _tables_read(queries: dict[str, str]) -> set[str]:
    """schema/table of every table the queries read."""
    return {name.replace(".", "/") for sql in queries.values()
            for name in re.findall(r"\b(?:FROM|JOIN)\s+(\w+\.\w+)", sql)}


def test_replenishment_tables_depend_on_the_forecast_the_stock_picture_and_the_lanes(tmp_path):
    graph = _defs(tmp_path).resolve_asset_graph()
    for table in ("replenishment_targets", "transfer_orders", "regional_placement", "purchase_suggestions"):
        parents = {"/".join(k.path) for k in graph.get(dg.AssetKey(["marts", table])).parent_keys}
        assert {"marts/demand_forecast", "marts/inventory_position", "marts/in_transit", "marts/dim_sku",
                "marts/dim_location", "intermediate/int_demand_components", "marts/fct_daily_stock",
                "marts/fct_location_stockouts", "staging/stg_raw__lanes", "marts/lane_lead_times"} <= parents, table
        assert _tables_read(replenishment.INPUT_QUERIES) <= parents, table


def test_landing_refresh_rebuilds_channel_allocation_without_the_forecast(tmp_path):
    """The sensor's job republishes channel quantities from the forecast already in the
    warehouse; the nightly job builds the allocation after tonight's forecast."""
    defs = _defs(tmp_path)
    graph = defs.resolve_asset_graph()
    refreshed = {"/".join(k.path) for k in defs.resolve_job_def("landing_refresh").asset_layer.executable_asset_keys}
    assert {"marts/channel_allocation", "marts/listing_allocation", "marts/stock_alerts",
            "marts/order_routing", "marts/inventory_position", "marts/fct_daily_demand"} <= refreshed
    assert "marts/demand_forecast" not in refreshed
    parents = {"/".join(k.path) for k in graph.get(dg.AssetKey(["marts", "channel_allocation"])).parent_keys}
    assert {"marts/demand_forecast", "marts/inventory_position", "marts/in_transit",
            "staging/stg_raw__routing_rules", "intermediate/int_order_line_components"} <= parents


def test_policy_backtest_reads_the_demand_the_catalogue_and_the_network(tmp_path):
    graph = _defs(tmp_path).resolve_asset_graph()
    for table in ("policy_backtest", "policy_backtest_daily", "policy_backtest_losses"):
        parents = {"/".join(k.path) for k in graph.get(dg.AssetKey(["marts", table])).parent_keys}
        assert {"marts/fct_daily_demand", "marts/dim_sku", "marts/dim_location",
                "intermediate/int_demand_components", "staging/stg_raw__lanes",
                "marts/lane_lead_times", "marts/fct_location_stockouts"} <= parents, table
        assert _tables_read(backtest.INPUT_QUERIES) <= parents, table


def test_no_planning_asset_waits_for_a_report_only_one(tmp_path):
    """The backtest and the report only present the plan: their failure must not keep a plan
    table from being written."""
    graph = _defs(tmp_path).resolve_asset_graph()
    report_only = report_only_keys(graph.assets_defs)
    assert {"marts/policy_backtest", "marts/policy_backtest_daily", "marts/policy_backtest_losses",
            "marts/policy_backtest_status",
            "reports/planning_report"} == {"/".join(k.path) for k in report_only}
    for key in graph.get_all_asset_keys() - report_only:
        waits_for = {"/".join(k.path) for k in graph.get_ancestor_asset_keys(key) & report_only}
        # the publishing steps wait for the backtest's status, written also when it fails
        allowed = {"marts/policy_backtest_status"} if key.path[0] in ("exports", "bi") else set()
        assert waits_for <= allowed, key.to_user_string()


def test_the_report_and_the_publishing_wait_for_the_backtests_status_not_its_figures(tmp_path):
    graph = _defs(tmp_path).resolve_asset_graph()
    for table in ("policy_backtest", "policy_backtest_daily"):
        assert graph.get(dg.AssetKey(["marts", table])).child_keys == set(), table
    children = {"/".join(k.path) for k in graph.get(dg.AssetKey(["marts", "policy_backtest_status"])).child_keys}
    assert children == {"reports/planning_report", "exports/marts_parquet", "bi/marts"}
