"""Crash safety of `stockpilot run`, run as a seller runs it (a subprocess, a Dagster instance
in a folder as `make run` keeps one), on a small demo seller:

- killed with SIGKILL during ingest, dbt and the forecast, every marts table is left
  as the last complete run wrote it or as the next complete run writes it, never half-written,
  and the forecast keeps its shape; the next run completes and cleans up after the dead ones;
- a second `stockpilot run` started while one runs stops at once with a message naming the
  first, and changes nothing.

The first complete run sees the demo's history up to September; October's files arrive before
the killed runs, so the two complete runs differ and "old or new" can tell them apart.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import sys
import threading
from datetime import date
from pathlib import Path

import pytest
import yaml

from pipelines.config import DEFAULT_CONFIG_FILE
from pipelines.demo import generate_demo
from pipelines.warehouse import connect, row_counts
from pipelines.warehouse_lock import lock_path

pytestmark = pytest.mark.integration

STOCKPILOT = str(Path(sys.executable).with_name("stockpilot"))
LAST_MONTH = "2026-10"
HORIZON_DAYS = 90
#: A run that has not reached its kill point by then is stuck, not slow.
RUN_TIMEOUT_SECONDS = 1200
#: Where each killed run dies: the first output line matching the pattern (Dagster's INFO log
#: and dbt's progress lines, both printed by `stockpilot run --log-level INFO`).
KILL_POINTS = {
    "ingest": r"raw__orders - orders: \d+ files",
    "dbt": r"OK created sql table model marts\.fct_daily_demand",
    # between the forecast's steps: the shards have written their Parquet, nothing is published
    "forecast": r"forecast_shard_\d+ - shard \d+: ",
}
BUSY_EXIT_CODE = 75


class Seller:
    """The demo seller's folders and the environment its `stockpilot run` subprocesses get."""

    def __init__(self, root: Path):
        self.root = root
        self.landing = root / "landing"
        self.warehouse = root / "warehouse" / "wh.duckdb"
        config = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text())
        config["backtest"]["asset_window_days"] = 14  # the nightly backtest is not under test here
        (root / "stockpilot.yaml").write_text(yaml.safe_dump(config))
        self.env = {k: v for k, v in os.environ.items()
                    if k not in ("STOCKPILOT_AS_OF", "STOCKPILOT_BI_URL", "STOCKPILOT_LANDING")}
        self.env.update(DAGSTER_HOME=str(root / "dagster_home"), STOCKPILOT_CONFIG=str(root / "stockpilot.yaml"),
                        STOCKPILOT_WAREHOUSE=str(self.warehouse))

    def start(self) -> subprocess.Popen:
        # its own session, so the kill takes dbt and any other child with it, as a crash would
        return subprocess.Popen(
            [STOCKPILOT, "run", "--landing", str(self.landing), "--warehouse", str(self.warehouse),
             "--log-level", "INFO"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=self.env,
            start_new_session=True)

    def run(self, meanwhile=None) -> str:
        """A complete run; ``meanwhile`` is called in a thread once the run has started its
        steps (so it holds the warehouse)."""
        proc = self.start()
        lines, helper = [], None
        for line in proc.stdout:
            lines.append(line)
            if meanwhile and helper is None and " - dagster - " in line:
                helper = threading.Thread(target=meanwhile)
                helper.start()
        proc.wait(timeout=RUN_TIMEOUT_SECONDS)
        if helper:
            helper.join(timeout=RUN_TIMEOUT_SECONDS)
        out = "".join(lines)
        assert proc.returncode == 0, out[-5000:]
        return out

    def run_until(self, pattern: str) -> str:
        """Start a run, SIGKILL its whole process group at the first line matching ``pattern``,
        and return its output."""
        proc = self.start()
        watchdog = threading.Timer(RUN_TIMEOUT_SECONDS, lambda: os.killpg(proc.pid, signal.SIGKILL))
        watchdog.start()
        lines = []
        try:
            for line in proc.stdout:
                lines.append(line)
                if re.search(pattern, line):
                    os.killpg(proc.pid, signal.SIGKILL)
                    break
        finally:
            watchdog.cancel()
            proc.wait()
        out = "".join(lines)
        assert proc.returncode == -signal.SIGKILL and re.search(pattern, out), \
            f"the run ended ({proc.returncode}) before /{pattern}/:\n{out[-5000:]}"
        return out

    def marts(self) -> dict[str, int]:
        with connect(self.warehouse, read_only=True) as con:
            return row_counts(con, "marts")


def forecast_problems(warehouse: Path) -> list[str]:
    """What would show a forecast written in part: every series with one value per day of the
    horizon after one as-of date, channel and region splits adding up to the total, and the
    accuracy table describing the same SKUs (both are replaced in one transaction)."""
    with connect(warehouse, read_only=True) as con:
        def one(sql: str):
            return con.execute(sql).fetchone()[0]

        problems = []
        if one("SELECT count(DISTINCT as_of) FROM marts.demand_forecast") != 1:
            problems.append("demand_forecast mixes as-of dates")
        ragged = one(f"""SELECT count(*) FROM (
            SELECT count(*) AS n, min(date) AS first, max(date) AS last, any_value(as_of) AS as_of
            FROM marts.demand_forecast GROUP BY sku, level, level_value)
            WHERE n <> {HORIZON_DAYS} OR first <> as_of + 1 OR last <> as_of + {HORIZON_DAYS}""")
        if ragged:
            problems.append(f"{ragged} forecast series do not cover the {HORIZON_DAYS}-day horizon")
        split_error = one("""
            WITH total AS (SELECT sku, date, p50 FROM marts.demand_forecast WHERE level = 'total'),
            split AS (SELECT sku, level, date, sum(p50) AS p50 FROM marts.demand_forecast
                      WHERE level <> 'total' GROUP BY ALL)
            SELECT coalesce(max(abs(split.p50 - total.p50)), 0) FROM split JOIN total USING (sku, date)""")
        if split_error > 1e-6:
            problems.append(f"channel or region splits miss the total by {split_error}")
        forecast_skus = one("SELECT count(DISTINCT sku) FROM marts.demand_forecast")
        accuracy_skus = one("SELECT count(DISTINCT sku) FROM marts.forecast_accuracy")
        if forecast_skus != accuracy_skus:
            problems.append(f"{forecast_skus} SKUs forecast but {accuracy_skus} in forecast_accuracy")
    return problems


def _is_dbt_leftover(table: str) -> bool:
    return table.endswith(("__dbt_tmp", "__dbt_backup"))


@pytest.fixture(scope="module")
def seller(tmp_path_factory) -> Seller:
    root = tmp_path_factory.mktemp("faults")
    seller = Seller(root)
    generate_demo(root / "all", skus=20, days=120, seed=5, end=date(2026, 10, 31))
    shutil.copytree(root / "all", seller.landing,
                    ignore=lambda _, names: [n for n in names if LAST_MONTH in n])
    return seller


@pytest.fixture(scope="module")
def crashes(seller: Seller):
    """One complete run on the history to September, October's files, a run killed at each kill
    point, then a complete run (and a second run tried while it runs)."""
    seller.run()
    before = seller.marts()
    for path in (seller.root / "all").rglob(f"*{LAST_MONTH}*"):
        target = seller.landing / path.relative_to(seller.root / "all")
        shutil.copy(path, target)

    second = {}

    def start_a_second_run():
        proc = seller.start()
        second["output"], _ = proc.communicate(timeout=RUN_TIMEOUT_SECONDS)
        second["returncode"] = proc.returncode

    killed = {}
    for name, pattern in KILL_POINTS.items():
        output = seller.run_until(pattern)
        killed[name] = {"output": output, "marts": seller.marts(), "forecast": forecast_problems(seller.warehouse),
                        "work": sorted(p.name for p in (seller.warehouse.parent / "work").glob("*/*"))}
    last = seller.run(meanwhile=start_a_second_run)
    return {"before": before, "killed": killed, "second": second, "last": last, "after": seller.marts()}


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_a_killed_run_leaves_every_marts_table_old_or_new(crashes, kill_point):
    before, after = crashes["before"], crashes["after"]
    left = crashes["killed"][kill_point]["marts"]
    kept = {t: n for t, n in left.items() if not _is_dbt_leftover(t)}
    assert set(kept) <= set(after)
    half_written = {t: (n, before.get(t), after[t]) for t, n in kept.items() if n not in (before.get(t), after[t])}
    assert half_written == {}, "table: (rows left, rows before, rows after)"


def test_the_two_complete_runs_differ_so_old_and_new_can_be_told_apart(crashes):
    before, after = crashes["before"], crashes["after"]
    assert after["fct_daily_demand"] > before["fct_daily_demand"]
    assert after["kpi_daily"] > before["kpi_daily"]


@pytest.mark.parametrize("kill_point", list(KILL_POINTS))
def test_a_killed_run_leaves_a_whole_forecast(crashes, kill_point):
    assert crashes["killed"][kill_point]["forecast"] == []


def test_the_run_after_the_crashes_completes_and_says_it_recovered(crashes, seller):
    assert "succeeded" in crashes["last"]
    assert "had died mid-run" in crashes["last"]
    assert forecast_problems(seller.warehouse) == []
    assert not [t for t in crashes["after"] if _is_dbt_leftover(t)]


def test_the_work_folders_a_killed_run_leaves_are_cleaned_up_by_the_next(crashes, seller):
    assert crashes["killed"]["forecast"]["work"] != []  # killed between the forecast's steps
    assert sorted(p.name for p in (seller.warehouse.parent / "work").glob("*/*")) == []


def test_a_second_run_stops_at_once_naming_the_first_and_changes_nothing(crashes, seller):
    second = crashes["second"]
    said = " ".join(second["output"].split())  # as printed, wrapped to the console's width
    assert second["returncode"] == BUSY_EXIT_CODE, said[-3000:]
    assert f"The warehouse {seller.warehouse} is in use by stockpilot run (PID" in said
    assert " - dagster - " not in said  # it never started a run of its own
    assert lock_path(seller.warehouse).exists()
