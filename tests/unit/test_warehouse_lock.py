"""One run at a time per warehouse: the lock file beside it, between real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from orchestration import resources
from orchestration.resources import StockpilotResource
from pipelines.warehouse_lock import (
    WarehouseBusy,
    held_here,
    lock_path,
    process_alive,
    process_started,
    read_holder,
    warehouse_lock,
)

HOLD = """
import sys, time
from pipelines.warehouse_lock import acquire
acquire(sys.argv[1], "test holder")
print("held", flush=True)
time.sleep(float(sys.argv[2]))
"""


def _holder(warehouse: Path, seconds: float) -> subprocess.Popen:
    """A process that takes the lock and keeps it for ``seconds``; returns once it holds it."""
    proc = subprocess.Popen([sys.executable, "-c", HOLD, str(warehouse), str(seconds)],
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "held"
    return proc


def test_a_second_process_is_refused_with_the_holders_pid(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    proc = _holder(warehouse, 60)
    try:
        with pytest.raises(WarehouseBusy) as err, warehouse_lock(warehouse, "second run"):
            pass
        assert f"PID {proc.pid}" in str(err.value) and "test holder" in str(err.value)
        assert str(warehouse) in str(err.value)
    finally:
        proc.kill()
        proc.wait()


def test_a_killed_holder_leaves_no_stale_lock(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    proc = _holder(warehouse, 60)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()

    with warehouse_lock(warehouse, "next run"):
        assert held_here(warehouse)
    assert lock_path(warehouse).exists()  # the file stays; only the flock counts


def test_a_waiting_run_starts_when_the_holder_finishes(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    proc = _holder(warehouse, 1.5)
    heard = []
    started = time.monotonic()
    with warehouse_lock(warehouse, "patient run", wait_seconds=60, on_wait=heard.append):
        waited = time.monotonic() - started
        assert read_holder(warehouse).pid == os.getpid()
    proc.wait()
    assert waited > 0.5
    assert len(heard) == 1 and f"PID {proc.pid}" in heard[0]


def test_the_lock_is_reentrant_within_one_process(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    with warehouse_lock(warehouse, "run"):
        with warehouse_lock(warehouse, "a step of the run"):
            assert held_here(warehouse)
        assert held_here(warehouse)  # the inner release keeps the outer hold
    assert not held_here(warehouse)


def test_a_process_writing_the_file_without_the_lock_is_named(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    duckdb.connect(str(warehouse)).close()
    orphan = subprocess.Popen([sys.executable, "-c", "import duckdb, sys, time; "
                               "c = duckdb.connect(sys.argv[1]); print('open', flush=True); time.sleep(60)",
                               str(warehouse)], stdout=subprocess.PIPE, text=True)
    assert orphan.stdout.readline().strip() == "open"
    try:
        with pytest.raises(WarehouseBusy) as err, warehouse_lock(warehouse, "run"):
            pass
        assert "holds no Stockpilot lock" in str(err.value) and f"PID {orphan.pid}" in str(err.value)
        assert not held_here(warehouse)
    finally:
        orphan.kill()
        orphan.wait()
    with warehouse_lock(warehouse, "run"):  # the orphan gone, the lock is free again
        pass


def test_a_dead_process_is_not_alive_and_a_reused_pid_is_not_the_same_process():
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    assert not process_alive(proc.pid)
    assert process_alive(os.getpid(), process_started())
    if process_started() is not None:  # Linux: the start time tells a reused pid apart
        assert not process_alive(os.getpid(), "1")


def _resource(tmp_path: Path) -> StockpilotResource:
    (tmp_path / "landing").mkdir(exist_ok=True)
    return StockpilotResource(landing=str(tmp_path / "landing"), warehouse=str(tmp_path / "wh.duckdb"))


def test_a_dagster_run_waits_for_the_holder_then_fails_naming_it(tmp_path, monkeypatch):
    stockpilot = _resource(tmp_path)

    @dg.asset
    def opens_the_warehouse(stockpilot: StockpilotResource) -> None:
        with stockpilot.connect():
            pass

    proc = _holder(Path(stockpilot.warehouse), 60)
    monkeypatch.setattr(resources, "STEP_LOCK_WAIT_SECONDS", 1)
    try:
        result = dg.materialize([opens_the_warehouse], resources={"stockpilot": stockpilot}, raise_on_error=False)
    finally:
        proc.kill()
        proc.wait()
    assert not result.success
    said = " ".join(repr(e.event_specific_data) for e in result.all_events if e.is_failure)
    assert f"is in use by test holder (PID {proc.pid}" in said
    assert dg.materialize([opens_the_warehouse], resources={"stockpilot": stockpilot}).success  # holder gone


def test_a_step_that_never_opens_the_warehouse_does_not_wait_for_the_lock(tmp_path, monkeypatch):
    # the forecast shards: under the multiprocess executor they run in parallel processes
    stockpilot = _resource(tmp_path)

    @dg.asset
    def reads_only_its_own_files(stockpilot: StockpilotResource) -> None:
        assert Path(stockpilot.warehouse).name == "wh.duckdb"

    proc = _holder(Path(stockpilot.warehouse), 60)
    monkeypatch.setattr(resources, "STEP_LOCK_WAIT_SECONDS", 1)
    try:
        result = dg.materialize([reads_only_its_own_files], resources={"stockpilot": stockpilot},
                                raise_on_error=False)
    finally:
        proc.kill()
        proc.wait()
    assert result.success


def test_the_landing_sensor_never_waits_for_the_lock(tmp_path):
    from orchestration.automation import landing_sensor

    stockpilot = _resource(tmp_path)
    (tmp_path / "landing" / "orders").mkdir()
    (tmp_path / "landing" / "orders" / "orders_2026-11-01.csv").write_text("order_id\n")
    proc = _holder(Path(stockpilot.warehouse), 60)
    try:
        started = time.monotonic()
        with dg.build_sensor_context(resources={"stockpilot": stockpilot}) as context:
            request = landing_sensor(context)
        assert time.monotonic() - started < 30
    finally:
        proc.kill()
        proc.wait()
    assert isinstance(request, dg.RunRequest)
