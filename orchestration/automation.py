"""Jobs, the nightly schedule and the landing-folder sensor."""


import hashlib
import json

import dagster as dg

from orchestration.allocation import ALLOCATION_KEYS, BLOCKING_INPUTS
from orchestration.resources import StockpilotResource
from pipelines.config import load_config
from pipelines.ingest.landing import landing_files

#: Everything: ingest → dbt (staging, intermediate, marts) → (later) forecast, plans, health.
nightly_job = dg.define_asset_job(
    name="nightly",
    selection=dg.AssetSelection.all(),
    description="The whole pipeline, every night and from `stockpilot run`.",
)

#: What new landing files refresh without waiting for the night: ingest and the stock picture.
_POSITION = dg.AssetSelection.assets(
    ["marts", "inventory_position"], ["marts", "inventory_pool"], ["marts", "in_transit"])
#: Channel allocation and order routing, with the marts they read but not the forecast: a new
#: order file republishes channel quantities from the forecast already in the warehouse.
_ALLOCATION = dg.AssetSelection.assets(*ALLOCATION_KEYS) | dg.AssetSelection.assets(*BLOCKING_INPUTS).upstream()
landing_refresh_job = dg.define_asset_job(
    name="landing_refresh",
    selection=dg.AssetSelection.groups("ingest") | _POSITION.upstream() | _ALLOCATION,
    # every step opens the warehouse, so they run one at a time anyway: in one process the run
    # skips a process start per step (seconds each), which would dominate the file-to-table time
    executor_def=dg.in_process_executor,
    description="Ingest new landing files and refresh inventory position, pool and in-transit, "
                "channel allocation and order routing.",
)


def nightly_schedule() -> dg.ScheduleDefinition:
    cfg = load_config()
    return dg.ScheduleDefinition(
        name="nightly_schedule",
        job=nightly_job,
        cron_schedule=cfg.schedule.nightly_cron,
        execution_timezone=cfg.timezone,
        default_status=dg.DefaultScheduleStatus.RUNNING,
    )


def landing_fingerprint(stockpilot: StockpilotResource) -> dict[str, list[int]]:
    """Relative path → [size, mtime_ns] of every landing file ingestion would read."""
    root = stockpilot.landing_path
    out = {}
    for path in landing_files(root):
        stat = path.stat()
        out[path.relative_to(root).as_posix()] = [stat.st_size, stat.st_mtime_ns]
    return out


def new_files(previous: dict[str, list[int]], current: dict[str, list[int]]) -> list[str]:
    """Files that appeared or changed since the previous fingerprint (deleted ones do not matter)."""
    return sorted(path for path, stamp in current.items() if previous.get(path) != stamp)


@dg.sensor(
    name="landing_sensor",
    job=landing_refresh_job,
    minimum_interval_seconds=load_config().schedule.landing_sensor_interval_seconds,
    default_status=dg.DefaultSensorStatus.RUNNING,
    description="Starts landing_refresh when files appear or change in the landing folder.",
)
def landing_sensor(context: dg.SensorEvaluationContext, stockpilot: StockpilotResource):
    # Reads file names and sizes only: the sensor never opens the warehouse (one writer).
    previous = json.loads(context.cursor) if context.cursor else {}
    current = landing_fingerprint(stockpilot)
    changed = new_files(previous, current)
    context.update_cursor(json.dumps(current, sort_keys=True))
    if not changed:
        return dg.SkipReason(f"no new files in {stockpilot.landing}")
    run_key = hashlib.sha256(json.dumps(changed + [str(current[p]) for p in changed]).encode()).hexdigest()
    return dg.RunRequest(
        run_key=run_key[:32],
        tags={"stockpilot/new_files": str(len(changed))},
    )
