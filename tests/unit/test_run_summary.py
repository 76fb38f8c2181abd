"""What `stockpilot run` tells about SKUs whose forecast fell back, a busy warehouse and failed
steps, and its exit code."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from orchestration import cli, runner
from orchestration.roles import REPORT_ONLY, report_only_keys, report_only_nodes

FELL_BACK = [{"sku": "SKU-7", "stage": "forecast", "error": "prophet: RuntimeError: boom"}]


@dg.asset(key=["marts", "demand_forecast"])
def demand_forecast() -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"fallback_list": dg.MetadataValue.json(FELL_BACK)})


def test_the_forecast_fallbacks_in_the_metadata_reach_the_run_summary():
    result = dg.materialize([demand_forecast])

    fallbacks = runner._forecast_fallbacks(result)

    assert fallbacks.to_dict("records") == FELL_BACK


def _summary(tmp_path: Path, **changes) -> runner.RunSummary:
    empty = pd.DataFrame()
    summary = runner.RunSummary(success=True, landing=tmp_path, warehouse=tmp_path / "wh.duckdb", as_of="2026-10-31",
                                seconds=1.0, feeds=pd.DataFrame(columns=["feed"]), tables=empty, steps=empty)
    for name, value in changes.items():
        setattr(summary, name, value)
    return summary


def _landing(tmp_path: Path) -> Path:
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "orders.csv").write_text("order_id\n")
    return tmp_path / "landing"


def test_the_run_summary_lists_each_sku_that_fell_back(tmp_path, monkeypatch, capsys):
    summary = _summary(tmp_path, forecast_fallbacks=pd.DataFrame(FELL_BACK))
    monkeypatch.setattr(runner, "run_pipeline", lambda *a, **k: summary)

    code = cli.main(["run", "--landing", str(_landing(tmp_path)), "--warehouse", str(tmp_path / "wh.duckdb")])

    said = " ".join(capsys.readouterr().out.split())
    assert code == 0
    assert "Forecast fell back to a simpler method for 1 SKUs whose model raised" in said
    assert "SKU-7 (forecast): prophet: RuntimeError: boom" in said


def test_a_busy_warehouse_stops_the_run_with_exit_code_75(tmp_path, monkeypatch, capsys):
    def busy(*args, **kwargs):
        raise cli.WarehouseBusy("The warehouse x is in use by stockpilot run (PID 1 on h, since t).")

    monkeypatch.setattr(runner, "run_pipeline", busy)

    code = cli.main(["run", "--landing", str(_landing(tmp_path)), "--warehouse", str(tmp_path / "wh.duckdb")])

    assert code == cli.BUSY_EXIT_CODE == 75
    assert "is in use by stockpilot run (PID 1" in capsys.readouterr().out


@dg.asset(key=["marts", "replenishment_targets"])
def targets() -> None:
    pass


@dg.asset(key=["marts", "purchase_suggestions"], deps=[targets])
def purchases() -> None:
    raise ValueError("no lanes for SKU-1\nmore detail")


@dg.asset(key=["marts", "policy_backtest"], deps=[targets], tags=REPORT_ONLY)
def policy_backtest() -> None:
    raise dg.Failure(description="OverflowError: value too large")


@dg.asset(key=["reports", "planning_report"], deps=[targets], tags=REPORT_ONLY)
def planning_report() -> None:
    raise OverflowError("value too large")


def _failed(*assets: dg.AssetsDefinition) -> tuple[list[runner.StepFailure], list[str]]:
    result = dg.materialize(list(assets), raise_on_error=False)
    planned = {key for a in assets for key in a.keys} - report_only_keys(assets)
    return runner._failures(result, report_only_nodes(assets)), runner._not_built(result, planned)


def test_a_failed_report_only_step_is_named_with_its_errors_first_line():
    failures, not_built = _failed(targets, policy_backtest, planning_report)

    assert sorted(map(str, failures)) == ["marts__policy_backtest failed: OverflowError: value too large",
                                          "reports__planning_report failed: OverflowError: value too large"]
    assert all(f.report_only for f in failures)
    assert not_built == []


def test_a_failed_planning_step_is_named_and_its_tables_listed_as_not_built():
    failures, not_built = _failed(targets, purchases)

    assert [(str(f), f.report_only) for f in failures] == [
        ("marts__purchase_suggestions failed: ValueError: no lanes for SKU-1", False)]
    assert not_built == ["marts/purchase_suggestions"]


BACKTEST_FAILED = runner.StepFailure("policy_backtest", "OverflowError: value too large", report_only=True)
PLAN_FAILED = runner.StepFailure("replenishment_plan", "ValueError: no lanes for SKU-1", report_only=False)


def _run(tmp_path: Path, monkeypatch, capsys, **changes) -> tuple[int, str]:
    monkeypatch.setattr(runner, "run_pipeline", lambda *a, **k: _summary(tmp_path, **changes))
    code = cli.main(["run", "--landing", str(_landing(tmp_path)), "--warehouse", str(tmp_path / "wh.duckdb")])
    return code, " ".join(capsys.readouterr().out.split())


def test_a_run_whose_report_only_step_failed_says_the_plan_was_written_and_exits_3(tmp_path, monkeypatch, capsys):
    code, said = _run(tmp_path, monkeypatch, capsys, success=False, failures=[BACKTEST_FAILED])

    assert code == cli.REPORT_FAILED_EXIT_CODE == 3
    assert "policy_backtest failed: OverflowError: value too large (report only)" in said
    assert "Tonight's plan tables were written: only report-only steps failed." in said
    assert "wrote tonight's plan; a report-only step failed" in said


def test_a_run_whose_planning_step_failed_names_it_and_the_tables_not_written_and_exits_1(
        tmp_path, monkeypatch, capsys):
    code, said = _run(tmp_path, monkeypatch, capsys, success=False, failures=[BACKTEST_FAILED, PLAN_FAILED],
                      plan_not_built=["marts/purchase_suggestions", "marts/transfer_orders"])

    assert code == cli.FAILED_EXIT_CODE == 1
    assert "replenishment_plan failed: ValueError: no lanes for SKU-1 (planning step)" in said
    assert ("The plan is not tonight's: 2 planning tables were not written by this run and hold the last "
            "complete run's rows: marts/purchase_suggestions, marts/transfer_orders.") in said


def test_a_failed_run_that_names_no_failed_step_is_a_planning_failure(tmp_path, monkeypatch, capsys):
    code, said = _run(tmp_path, monkeypatch, capsys, success=False)

    assert code == 1
    assert "The plan is not tonight's" in said


def test_the_exit_codes_are_in_the_help(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])
    said = " ".join(capsys.readouterr().out.split())
    assert "3 only report-only steps failed (policy_backtest, reports__planning_report): tonight's plan tables " \
           "were written" in said
