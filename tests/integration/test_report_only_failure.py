"""A failure in a report-only step never keeps tonight's plan from being written: the nightly
policy backtest raises (its simulation, monkeypatched) during `stockpilot run` on a small demo
seller, and the plan marts are still written for tonight, the report renders and says the
backtest failed and why, the marts are exported, and the command's summary and exit code name
the step."""

from __future__ import annotations

import io
import json
import shutil
from datetime import date

import dagster as dg
import pytest
import yaml
from rich.console import Console

from orchestration import backtest, cli
from orchestration.definitions import build_definitions
from orchestration.publish import REPORT_KEY, parquet_dir, report_path
from orchestration.resources import StockpilotResource
from pipelines.config import DEFAULT_CONFIG_FILE
from pipelines.demo import generate_demo
from pipelines.warehouse import connect, table_exists

pytestmark = pytest.mark.integration

AS_OF = date(2026, 10, 31)
PLAN_MARTS = ("demand_forecast", "replenishment_targets", "transfer_orders", "purchase_suggestions",
              "channel_allocation", "order_routing", "inventory_health", "kpi_summary")


def _raise(*args, **kwargs):
    raise OverflowError("value too large to replay\nsecond line of the message")


@pytest.fixture(scope="module")
def night(tmp_path_factory):
    root = tmp_path_factory.mktemp("report_only_failure")
    generate_demo(root / "landing", skus=12, days=120, seed=3, end=AS_OF)
    warehouse = root / "warehouse" / "wh.duckdb"
    out = io.StringIO()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(backtest, "run_backtest", _raise)  # the pipelines function the asset calls
        patch.setattr(cli, "console", Console(file=out, width=200))
        code = cli.main(["run", "--landing", str(root / "landing"), "--warehouse", str(warehouse),
                         "--log-level", "CRITICAL"])
    return code, " ".join(out.getvalue().split()), StockpilotResource(landing=str(root / "landing"),
                                                                        warehouse=str(warehouse))


def test_the_run_exits_3_naming_the_backtest_and_its_error(night):
    code, said, _ = night
    assert code == cli.REPORT_FAILED_EXIT_CODE, said[-3000:]
    assert "policy_backtest failed: OverflowError: value too large to replay (report only)" in said
    assert "Tonight's plan tables were written: only report-only steps failed." in said
    assert "The plan is not tonight's" not in said


def test_tonights_plan_marts_are_written(night):
    _, _, stockpilot = night
    with connect(stockpilot.warehouse, read_only=True) as con:
        for mart in PLAN_MARTS:
            assert table_exists(con, "marts", mart), mart  # a new warehouse: written by this run
        for mart in ("replenishment_targets", "purchase_suggestions", "channel_allocation"):
            as_of = con.execute(f"SELECT DISTINCT as_of FROM marts.{mart}").fetchall()
            assert as_of in ([(AS_OF,)], []), mart
        assert con.execute("SELECT count(*) FROM marts.replenishment_targets").fetchone()[0] > 0
        assert con.execute("SELECT count(*) FROM marts.channel_allocation").fetchone()[0] > 0


def test_the_backtest_status_says_it_failed_where_and_why_and_no_figures_are_written(night):
    _, _, stockpilot = night
    with connect(stockpilot.warehouse, read_only=True) as con:
        row = con.execute("SELECT as_of, status, failed_step, error FROM marts.policy_backtest_status").fetchall()
        figures = table_exists(con, "marts", "policy_backtest")
    assert row == [(AS_OF, "failed", "simulate_policies", "OverflowError: value too large to replay")]
    assert not figures


def test_the_report_renders_and_says_the_backtest_failed(night):
    _, _, stockpilot = night
    page = report_path(stockpilot).read_text(encoding="utf-8")
    assert ("The policy backtest failed (as of 2026-10-31) in <code>simulate_policies</code>: "
            "OverflowError: value too large to replay.") in page
    assert '<section id="plans">' in page


def test_the_marts_are_exported_with_tonights_plan(night):
    _, said, stockpilot = night
    manifest = json.loads((parquet_dir(stockpilot) / "_manifest.json").read_text())
    exported = {f["table"] for f in manifest["files"]}
    assert set(PLAN_MARTS) | {"policy_backtest_status"} <= exported
    assert f"Parquet exports: {parquet_dir(stockpilot)}" in said


def test_the_next_successful_backtest_says_so_and_the_report_shows_its_figures(night, tmp_path, monkeypatch):
    _, _, stockpilot = night
    shutil.copy(stockpilot.warehouse, tmp_path / "wh.duckdb")
    config = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text())
    config["backtest"]["asset_window_days"] = 14  # what is under test is the status, not the replay
    (tmp_path / "stockpilot.yaml").write_text(yaml.safe_dump(config))
    monkeypatch.setenv("STOCKPILOT_CONFIG", str(tmp_path / "stockpilot.yaml"))
    again = StockpilotResource(landing=stockpilot.landing, warehouse=str(tmp_path / "wh.duckdb"))
    job = build_definitions(again).resolve_implicit_global_asset_job_def()

    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), asset_selection=[
        *backtest.TABLE_KEYS, backtest.STATUS_KEY, REPORT_KEY])

    assert result.success
    with connect(again.warehouse, read_only=True) as con:
        row = con.execute("SELECT status, window_end, error FROM marts.policy_backtest_status").fetchall()
        kpis = con.execute("SELECT count(*) FROM marts.policy_backtest").fetchone()[0]
    assert row == [("succeeded", AS_OF, None)] and kpis > 0
    page = report_path(again).read_text(encoding="utf-8")
    assert "The policy backtest failed" not in page and "fill_rate" in page
