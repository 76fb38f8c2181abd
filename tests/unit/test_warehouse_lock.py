"""One run at a time per warehouse: the lock file beside it, between real processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

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
