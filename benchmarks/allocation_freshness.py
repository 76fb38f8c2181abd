"""Benchmark: time from an order file landing to ``marts.channel_allocation`` reflecting it.

Usage: python -m benchmarks.allocation_freshness --landing DIR --warehouse FILE
       [--drops 3] [--mode daemon|inprocess] [--sensor-interval SECONDS]

Works on copies of a landing folder and warehouse the pipeline has already built (``stockpilot
run``), in a temporary folder, so the originals are not touched. Each drop writes one new
pending order line (written as ``.tmp``, then renamed, as an export would) and waits for the
``marts/channel_allocation`` materialization that follows it, then checks in the warehouse that
the channel's ``reserved`` went up by the line's units.

- ``--mode daemon`` (default) is the real thing: ``dagster-daemon run`` on the project's
  workspace with a fresh ``DAGSTER_HOME`` (``config/dagster.yaml``), so the landing sensor ticks
  every ``schedule.landing_sensor_interval_seconds`` (or ``--sensor-interval``), the queued run
  coordinator starts ``landing_refresh``, and the default run launcher runs it in a new process.
  The time includes the wait for the next sensor tick, the queue, the run's start-up and every
  step up to the allocation table. The first tick sees every file as new and starts one run;
  the drops begin after it.
- ``--mode inprocess`` evaluates the sensor once in this process and executes the run request's
  job in-process: the work alone, without the tick wait and run launch.

The breakdown per drop comes from the run record: landed → run created (sensor tick), created →
started (queue and launch), started → allocation written.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from pipelines.config import DEFAULT_CONFIG_FILE, PROJECT_ROOT

ALLOCATION = dg.AssetKey(["marts", "channel_allocation"])


def _pick_listing(warehouse: Path) -> tuple[str, str, str, str]:
    """A single-SKU listing of a channel, and the as-of date."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        channel, listing, sku = con.execute("""
            SELECT channel, listing_sku, any_value(sku) FROM staging.stg_raw__listings
            GROUP BY channel, listing_sku HAVING count(*) = 1 AND max(units_per_listing) = 1
            ORDER BY channel, listing_sku LIMIT 1""").fetchone()
        as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
    return channel, listing, sku, as_of.isoformat()


def _reserved(warehouse: Path, sku: str, channel: str) -> int:
    with duckdb.connect(str(warehouse), read_only=True) as con:
        found = con.execute("SELECT reserved FROM marts.channel_allocation WHERE sku = ? AND channel = ?",
                            [sku, channel]).fetchone()
    return int(found[0]) if found else 0


def _drop(landing: Path, n: int, as_of: str, channel: str, listing: str, units: int) -> float:
    """Write one pending order line the way an export lands a file; returns the moment it landed."""
    target = landing / "orders" / f"bench-{n:03d}.csv"
    partial = target.with_suffix(".csv.tmp")
    partial.write_text("order_id,ordered_at,channel,listing_sku,quantity,status\n"
                       f"BENCH-{n:03d},{as_of}T23:{n % 60:02d}:00,{channel},{listing},{units},pending\n")
    os.replace(partial, target)
    return time.time()


def _latest_materialization(instance: dg.DagsterInstance) -> tuple[float, str] | None:
    event = instance.get_latest_materialization_event(ALLOCATION)
    return (event.timestamp, event.run_id) if event else None


def _wait_for_materialization(instance: dg.DagsterInstance, after: float, timeout: float) -> tuple[float, str]:
    deadline = time.time() + timeout
    while time.time() < deadline:
        found = _latest_materialization(instance)
        if found and found[0] > after:
            return found
        time.sleep(0.25)
    raise TimeoutError(f"no channel_allocation materialization within {timeout:.0f} s")


def _start_daemon(home: Path, env: dict[str, str]) -> subprocess.Popen:
    daemon = Path(sys.executable).with_name("dagster-daemon")
    log = open(home / "daemon.log", "w")  # noqa: SIM115 - closed with the process
    return subprocess.Popen([str(daemon), "run", "-w", str(PROJECT_ROOT / "workspace.yaml")], cwd=PROJECT_ROOT,
                            env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--landing", required=True)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--drops", type=int, default=3)
    parser.add_argument("--mode", choices=("daemon", "inprocess"), default="daemon")
    parser.add_argument("--sensor-interval", type=int, default=None,
                        help="seconds between sensor ticks (default: config/stockpilot.yaml)")
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="stockpilot-freshness-"))
    landing, warehouse, home = work / "landing", work / "wh.duckdb", work / "dagster_home"
    shutil.copytree(args.landing, landing)
    shutil.copy(args.warehouse, warehouse)
    home.mkdir()
    shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")
    config = yaml.safe_load(DEFAULT_CONFIG_FILE.read_text())
    if args.sensor_interval:
        config["schedule"]["landing_sensor_interval_seconds"] = args.sensor_interval
    (work / "stockpilot.yaml").write_text(yaml.safe_dump(config))
    env = {**os.environ, "DAGSTER_HOME": str(home), "STOCKPILOT_LANDING": str(landing),
           "STOCKPILOT_WAREHOUSE": str(warehouse), "STOCKPILOT_CONFIG": str(work / "stockpilot.yaml"),
           "GX_ANALYTICS_ENABLED": "False"}
    os.environ.update(env)
    channel, listing, sku, as_of = _pick_listing(warehouse)
    interval = config["schedule"]["landing_sensor_interval_seconds"]
    print(f"Landing {landing}, warehouse {warehouse}; mode {args.mode}, sensor interval {interval} s; "
          f"order lines for {channel} {listing} ({sku})\n")

    instance = dg.DagsterInstance.get()
    daemon = None
    rows = []
    try:
        if args.mode == "daemon":
            daemon = _start_daemon(home, env)
            started = time.time()
            # the first tick sees every file as new: let that run finish before measuring
            _wait_for_materialization(instance, 0, args.timeout)
            print(f"first sensor run done after {time.time() - started:.0f} s (daemon start, first tick, "
                  "a run over the whole landing folder)\n")
        else:
            from orchestration.automation import landing_sensor
            from orchestration.definitions import build_definitions
            from orchestration.resources import StockpilotResource

            resource = StockpilotResource.from_env()
            defs = build_definitions(resource)
            job = defs.resolve_job_def("landing_refresh")
            context = dg.build_sensor_context(resources={"stockpilot": resource})
            landing_sensor(context)  # the first evaluation records every existing file
            cursor = context.cursor
        for n in range(1, args.drops + 1):
            before = _reserved(warehouse, sku, channel)
            time.sleep(1)
            landed = _drop(landing, n, as_of, channel, listing, units=2)
            if args.mode == "inprocess":
                context = dg.build_sensor_context(cursor=cursor, resources={"stockpilot": resource})
                request = landing_sensor(context)
                cursor = context.cursor
                assert isinstance(request, dg.RunRequest), request
                job.execute_in_process(instance=instance, tags=request.tags, raise_on_error=True)
            written, run_id = _wait_for_materialization(instance, landed, args.timeout)
            run = instance.get_run_record_by_id(run_id)
            created = run.create_timestamp.timestamp()
            start = run.start_time or created
            after = _reserved(warehouse, sku, channel) if args.mode == "inprocess" or _settled(instance, run_id) \
                else None
            rows.append((n, written - landed, created - landed, start - created, written - start,
                         after is not None and after == before + 2))
    finally:
        if daemon is not None:
            _stop(daemon)
    print("| drop | landed → table (s) | landed → run created (s) | created → started (s) | "
          "started → table (s) | reserved +2 |\n|---:|---:|---:|---:|---:|---|")
    for n, total, tick, launch, work_s, ok in rows:
        print(f"| {n} | {total:.1f} | {tick:.1f} | {launch:.1f} | {work_s:.1f} | {'yes' if ok else 'NO'} |")
    totals = sorted(r[1] for r in rows)
    print(f"\nmedian {totals[len(totals) // 2]:.1f} s, max {totals[-1]:.1f} s over {len(rows)} drops "
          f"(work folder {work})")


def _settled(instance: dg.DagsterInstance, run_id: str, timeout: float = 120) -> bool:
    """Wait for the run to finish so the warehouse can be read (DuckDB: one writer)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if instance.get_run_by_id(run_id).is_finished:
            return True
        time.sleep(0.5)
    return False


if __name__ == "__main__":
    main()
