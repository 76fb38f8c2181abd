"""A `stockpilot run` killed mid-step must not stall the next one: its run is marked failed and
the `duckdb` pool slot it held is freed (a Dagster instance in a folder, as `make run` uses)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from orchestration.runner import prepare_dagster_home, recover_dead_runs, remove_stale_work

#: A run like `stockpilot run`'s: in process, tagged with its process, one op in the pool.
SLOW_RUN = """
import os, socket, time
import dagster as dg
from pipelines.warehouse_lock import process_started

@dg.op(pool="duckdb")
def hold_the_pool():
    print("in the pool", flush=True)
    time.sleep(120)

@dg.job
def slow():
    hold_the_pool()

tags = {"stockpilot/pid": str(os.getpid()), "stockpilot/process_started": process_started() or "",
        "stockpilot/host": socket.gethostname()}  # orchestration.runner's, without loading the project
slow.execute_in_process(instance=dg.DagsterInstance.get(), tags=tags)
"""


@dg.op(pool="duckdb")
def quick():
    return 1


@dg.job
def next_run():
    quick()


def _instance(home: Path) -> dg.DagsterInstance:
    prepare_dagster_home(home)  # the project's dagster.yaml: pool limit 1
    return dg.DagsterInstance.from_config(str(home))


def _killed_run(home: Path) -> None:
    proc = subprocess.Popen([sys.executable, "-c", SLOW_RUN], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "DAGSTER_HOME": str(home)})
    assert proc.stdout.readline().strip() == "in the pool"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()


def test_a_killed_runs_pool_slot_is_freed_and_its_run_marked_failed(tmp_path):
    home = tmp_path / "dagster_home"
    instance = _instance(home)
    _killed_run(home)
    (dead,) = instance.get_run_records()
    assert dead.dagster_run.status == dg.DagsterRunStatus.STARTED
    assert instance.event_log_storage.get_concurrency_run_ids() == {dead.dagster_run.run_id}

    assert recover_dead_runs(instance) == [dead.dagster_run.run_id]

    assert instance.get_run_by_id(dead.dagster_run.run_id).status == dg.DagsterRunStatus.FAILURE
    assert instance.event_log_storage.get_concurrency_run_ids() == set()
    started = time.monotonic()
    assert next_run.execute_in_process(instance=instance).success  # would wait forever for the slot
    assert time.monotonic() - started < 60


def test_a_run_whose_process_lives_is_left_alone(tmp_path):
    home = tmp_path / "dagster_home"
    instance = _instance(home)
    run = instance.create_run_for_job(next_run, tags={
        "stockpilot/pid": str(os.getpid()), "stockpilot/host": os.uname().nodename})
    instance.handle_run_event(run.run_id, dg.DagsterEvent(
        event_type_value="PIPELINE_START", job_name=run.job_name))

    assert recover_dead_runs(instance) == []
    assert instance.get_run_by_id(run.run_id).status == dg.DagsterRunStatus.STARTED


def test_work_folders_of_finished_or_day_old_runs_are_removed(tmp_path):
    home = tmp_path / "dagster_home"
    instance = _instance(home)
    done = next_run.execute_in_process(instance=instance).run_id
    warehouse = tmp_path / "wh.duckdb"
    work = tmp_path / "work" / "forecast"
    for name in (done, "unknown-recent", "unknown-old"):
        (work / name).mkdir(parents=True)
    old = time.time() - 2 * 24 * 3600
    os.utime(work / "unknown-old", (old, old))

    removed = remove_stale_work(warehouse, instance)

    assert sorted(p.name for p in removed) == sorted([done, "unknown-old"])
    assert [p.name for p in work.iterdir()] == ["unknown-recent"]  # may be a live run's
