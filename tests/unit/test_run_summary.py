"""What `stockpilot run` tells about SKUs whose forecast fell back, and about a busy warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration import cli, runner

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
