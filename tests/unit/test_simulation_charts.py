"""The backtest's KPI comparison, chart and report block."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.simulation import status
from pipelines.simulation.charts import backtest_chart, backtest_report_html
from pipelines.simulation.kpis import kpi_comparison
from tests.unit.simulation_world import backtest

HISTORY = [10.0] * 30 + [10.0, 14.0, 6.0, 30.0, 10.0, 8.0, 12.0] * 4


def _result():
    return backtest(HISTORY, days=28)


def test_comparison_puts_the_policies_side_by_side_in_kpi_order():
    kpis = pd.DataFrame({"policy": ["baseline", "baseline", "stockpilot", "stockpilot"],
                         "kpi": ["fill_rate", "turns", "fill_rate", "turns"], "value": [0.9, 4.0, 0.95, 6.0],
                         "unit": ["share", "turns/year", "share", "turns/year"]})
    wide = kpi_comparison(kpis)
    assert list(wide.columns) == ["kpi", "stockpilot", "baseline", "unit"]
    assert wide.values.tolist() == [["fill_rate", 0.95, 0.9, "share"], ["turns", 6.0, 4.0, "turns/year"]]


def test_chart_is_a_png_of_the_daily_table():
    png = backtest_chart(_result().daily)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_block_shows_every_policy_the_window_and_the_chart():
    result = _result()
    block = backtest_report_html(result.kpis, result.daily)
    assert "spreadsheet rule" in block and "fill_rate" in block and "average_inventory_value" in block
    assert f"{result.window.start} … {result.window.end}" in block
    # as read back from the warehouse: timestamps, shown as dates
    read_back = result.kpis.assign(window_start=pd.Timestamp(result.window.start),
                                   window_end=pd.Timestamp(result.window.end))
    assert f"{result.window.start} … {result.window.end}" in backtest_report_html(read_back, None)
    assert "data:image/png;base64," in block


def test_report_block_says_when_the_backtest_is_not_built():
    assert "Not built yet: marts.policy_backtest" in backtest_report_html(None, None)


def test_report_block_lists_lost_units_by_cause_for_each_policy():
    """The hand-worked spike of test_simulation_losses: the rule loses 100 units at start-up and
    50 ordered late, the ceiling the 100 of start-up only."""
    spike = [10.0] * 30 + [10.0] * 5 + [410.0] + [10.0] * 14
    result = backtest(spike, days=20, transit=9.0, policies=("baseline", "perfect_foresight"))
    block = backtest_report_html(result.kpis, result.daily, losses=result.losses)
    assert "Why units were lost" in block and "perfect foresight" in block
    assert '<td>ordered_late</td><td class="num">50.00</td><td class="num">0.00</td>' in block
    assert "first lead time, which only the starting stock could serve: spreadsheet rule 100; perfect foresight 100" in block
    assert "Why units were lost" not in backtest_report_html(result.kpis, result.daily)


def test_report_block_says_the_backtest_failed_and_why_instead_of_its_figures():
    result = _result()  # the last successful backtest's figures, still in the warehouse
    # as read back from the warehouse: the date as a timestamp
    failed = status.failed(date(2026, 10, 31), "OverflowError: value too large", "simulate_policies", "run-1")
    failed["as_of"] = pd.to_datetime(failed["as_of"].astype("object"))

    block = backtest_report_html(result.kpis, result.daily, failed)

    assert "The policy backtest failed (as of 2026-10-31) in <code>simulate_policies</code>: " \
           "OverflowError: value too large." in block
    assert "fill_rate" not in block and "data:image/png" not in block


def test_report_block_shows_the_figures_when_the_last_backtest_succeeded():
    result = _result()
    block = backtest_report_html(result.kpis, result.daily, status.succeeded(result, "stockpilot backtest"))
    assert "fill_rate" in block and "failed" not in block


def test_the_error_line_is_the_class_and_the_first_line_of_the_message():
    assert status.error_line(OverflowError("value too large\nsecond line")) == "OverflowError: value too large"
    assert status.error_line(KeyError()) == "KeyError"
