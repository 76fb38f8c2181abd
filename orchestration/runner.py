"""Running the whole pipeline in-process (``stockpilot run``) and summarising what it built."""

from __future__ import annotations

import os
import shutil
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.definitions import build_definitions
from orchestration.resources import StockpilotResource
from orchestration.roles import report_only_keys, report_only_nodes
from pipelines import contract
from pipelines.config import PROJECT_ROOT
from pipelines.warehouse import connect, row_counts
from pipelines.warehouse_lock import process_alive, process_started, warehouse_lock

#: Schemas whose tables the summary lists.
SUMMARY_SCHEMAS = ("raw", "quarantine", "marts")


@dataclass
class StepFailure:
    """A step that failed: its node (``policy_backtest``, ``replenishment_plan``), the first
    line of its error, and whether it only presents the plan (``orchestration.roles``)."""

    step: str
    error: str
    report_only: bool

    def __str__(self) -> str:
        return f"{self.step} failed: {self.error}"


@dataclass
class RunSummary:
    success: bool
    landing: Path
    warehouse: Path
    as_of: str
    seconds: float
    feeds: pd.DataFrame  # feed, files_loaded, files_skipped, files_rejected, rows_loaded, ...
    tables: pd.DataFrame  # table, rows
    steps: pd.DataFrame  # step, status, seconds
    failed_checks: list[str] = field(default_factory=list)
    run_id: str = ""
    outputs: dict[str, str] = field(default_factory=dict)  # label -> where (report, exports, BI)
    #: SKUs whose chosen forecast model raised and that fell back to another method: sku, stage, error
    forecast_fallbacks: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["sku", "stage", "error"]))
    #: earlier runs of this Dagster instance whose process had died, marked failed before this one
    recovered_runs: list[str] = field(default_factory=list)
    #: the steps that failed, in the order they failed
    failures: list[StepFailure] = field(default_factory=list)
    #: planning assets (not report only) of the job that this run did not materialize
    plan_not_built: list[str] = field(default_factory=list)

    @property
    def plan_written(self) -> bool:
        """Every planning step succeeded, so tonight's plan tables were all written, even if a
        report-only step failed."""
        if self.success:
            return True
        return bool(self.failures) and all(f.report_only for f in self.failures) and not self.plan_not_built


def dagster_instance() -> dg.DagsterInstance:
    """The instance in $DAGSTER_HOME (so `make ui` shows the run), else a throwaway one."""
    home = os.environ.get("DAGSTER_HOME")
    if not home:
        return dg.DagsterInstance.ephemeral()
    prepare_dagster_home(Path(home))
    return dg.DagsterInstance.get()


def prepare_dagster_home(home: Path) -> None:
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copy(PROJECT_ROOT / "config" / "dagster.yaml", home / "dagster.yaml")


def _step_table(result: dg.ExecuteInProcessResult) -> pd.DataFrame:
    rows = []
    for event in result.all_events:
        if event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE", "STEP_SKIPPED"):
            data = event.event_specific_data
            ms = getattr(data, "duration_ms", None)
            rows.append({"step": event.step_key,
                         "status": event.event_type_value.removeprefix("STEP_").lower(),
                         "seconds": round(ms / 1000, 2) if ms else None})
    return pd.DataFrame(rows, columns=["step", "status", "seconds"])


def _feed_table(result: dg.ExecuteInProcessResult) -> pd.DataFrame:
    fields = ("files_loaded", "files_skipped_already_loaded", "files_rejected", "rows_loaded",
              "rows_quarantined", "rows_released_from_quarantine")
    rows = []
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if mat.asset_key.path[0] != "raw":
            continue
        row = {"feed": mat.asset_key.path[-1]}
        for name in fields:
            value = mat.metadata.get(name)
            row[name] = int(value.value) if value is not None else 0
        rows.append(row)
    order = {f.name: i for i, f in enumerate(contract.ALL_FEEDS)}
    df = pd.DataFrame(rows, columns=["feed", *fields])
    return df.sort_values("feed", key=lambda s: s.map(order)).reset_index(drop=True)


#: Outputs outside the warehouse, by asset key: what `stockpilot run` prints at the end.
PUBLISHED_OUTPUTS = {
    ("reports", "planning_report"): "HTML report",
    ("exports", "marts_parquet"): "Parquet exports",
    ("bi", "marts"): "BI database",
}


def _published_outputs(result: dg.ExecuteInProcessResult) -> dict[str, str]:
    """Where the report, the Parquet files and the BI tables went (or why they did not)."""
    out = {}
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        label = PUBLISHED_OUTPUTS.get(tuple(mat.asset_key.path))
        if label is None:
            continue
        meta = {name: value.value for name, value in mat.metadata.items()}
        if "path" in meta:
            out[label] = str(meta["path"])
        elif meta.get("status") == "published":
            out[label] = f"{meta['target']} ({meta['tables']} tables, {meta['rows']:,} rows)"
        else:
            out[label] = f"skipped: {meta.get('reason', '')}"
    return {label: out[label] for label in PUBLISHED_OUTPUTS.values() if label in out}


def _table_counts(warehouse: Path) -> pd.DataFrame:
    rows = []
    if warehouse.exists():
        with connect(warehouse, read_only=True) as con:
            for schema in SUMMARY_SCHEMAS:
                rows += [{"table": f"{schema}.{name}", "rows": n}
                         for name, n in row_counts(con, schema).items() if not name.startswith("_")]
    return pd.DataFrame(rows, columns=["table", "rows"])


def _as_of(warehouse: Path, requested: str) -> str:
    if requested or not warehouse.exists():
        return requested
    with connect(warehouse, read_only=True) as con:
        try:
            value = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
        except Exception:  # the models were not built (a blocking check failed)
            return ""
    return value.isoformat() if value else ""


#: Tags on every run `stockpilot run` starts: which process runs it, so a later run can tell a
#: run whose process was killed from one still going.
PID_TAG, STARTED_TAG, HOST_TAG = "stockpilot/pid", "stockpilot/process_started", "stockpilot/host"
_UNFINISHED = (dg.DagsterRunStatus.NOT_STARTED, dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED,
               dg.DagsterRunStatus.CANCELING)
_OVER = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]
#: Work folders (forecast and backtest inputs) older than this are left over from dead runs.
STALE_WORK_SECONDS = 24 * 3600


def _process_tags() -> dict[str, str]:
    return {PID_TAG: str(os.getpid()), STARTED_TAG: process_started() or "", HOST_TAG: socket.gethostname()}


def recover_dead_runs(instance: dg.DagsterInstance) -> list[str]:
    """Mark failed the runs of earlier `stockpilot run` processes on this host that died (killed,
    out of memory, power cut) and free the concurrency-pool slots they held.

    A run executed in process claims its `duckdb` pool slot in the instance; killed, it keeps it
    forever and the next run would wait for it without a word (Dagster frees slots only when a
    daemon sees the run finish). Returns the ids of the runs recovered.
    """
    recovered = []
    host = socket.gethostname()
    for record in instance.get_run_records(filters=dg.RunsFilter(statuses=list(_UNFINISHED))):
        run = record.dagster_run
        pid = run.tags.get(PID_TAG)
        if not pid or run.tags.get(HOST_TAG) != host or process_alive(int(pid), run.tags.get(STARTED_TAG) or None):
            continue
        instance.report_run_failed(run, f"stockpilot run process {pid} died before the run finished; "
                                        "marked failed by the next `stockpilot run`")
        recovered.append(run.run_id)
    storage = instance.event_log_storage
    holding = storage.get_concurrency_run_ids() if storage.supports_global_concurrency_limits else set()
    if holding:  # the runs just marked failed, and any other finished run no daemon cleaned up
        for record in instance.get_run_records(filters=dg.RunsFilter(run_ids=list(holding), statuses=_OVER)):
            storage.free_concurrency_slots_for_run(record.dagster_run.run_id)
    return recovered


def remove_stale_work(warehouse: Path, instance: dg.DagsterInstance, now: float | None = None) -> list[Path]:
    """Delete the per-run work folders (``<warehouse folder>/work/<step>/<run id>``) that dead or
    finished runs left behind: those of runs this instance knows to be over, and any older than
    a day (runs of another Dagster instance). Returns what was removed."""
    root = warehouse.parent / "work"
    if not root.is_dir():
        return []
    now = time.time() if now is None else now
    folders = [p for step in root.iterdir() if step.is_dir() for p in step.iterdir() if p.is_dir()]
    over = {r.dagster_run.run_id for r in instance.get_run_records(
        filters=dg.RunsFilter(run_ids=[p.name for p in folders], statuses=_OVER))} if folders else set()
    removed = []
    for folder in folders:
        if folder.name in over or now - folder.stat().st_mtime > STALE_WORK_SECONDS:
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _error_line(data) -> str:
    """The first line of a failed step's error: a ``dg.Failure``'s description, else the
    innermost exception (Dagster wraps the op's own in an execution error)."""
    described = data.user_failure_data.description if data.user_failure_data else None
    if described:
        return described.strip().splitlines()[0]
    error = data.error
    while error is not None and error.cause is not None:
        error = error.cause
    lines = error.message.strip().splitlines() if error is not None else []
    return lines[0] if lines else "unknown error"


def _failures(result: dg.ExecuteInProcessResult, report_only: set[str]) -> list[StepFailure]:
    """The failed steps by node (a graph's ops are one step here: ``policy_backtest``)."""
    failures = []
    for event in result.all_events:
        if event.event_type_value == "STEP_FAILURE":
            node = event.step_key.split(".")[0]
            failures.append(StepFailure(node, _error_line(event.event_specific_data), node in report_only))
    return failures


def _not_built(result: dg.ExecuteInProcessResult, planned: set[dg.AssetKey]) -> list[str]:
    """``planned`` assets the run did not materialize: their steps failed or never ran."""
    built = {event.asset_key for event in result.get_asset_materialization_events()}
    return sorted(key.to_user_string() for key in planned - built)


def _forecast_fallbacks(result: dg.ExecuteInProcessResult) -> pd.DataFrame:
    columns = ["sku", "stage", "error"]
    for event in result.get_asset_materialization_events():
        mat = event.event_specific_data.materialization
        if tuple(mat.asset_key.path) == ("marts", "demand_forecast") and "fallback_list" in mat.metadata:
            return pd.DataFrame(mat.metadata["fallback_list"].value, columns=columns)
    return pd.DataFrame(columns=columns)


def run_pipeline(stockpilot: StockpilotResource, instance: dg.DagsterInstance | None = None,
                 log_level: str = "INFO", wait_seconds: float = 0.0,
                 on_wait: Callable[[str], None] | None = None) -> RunSummary:
    """Materialize every asset of the nightly job in this process and summarise the run.

    The run holds the warehouse lock throughout (``pipelines.warehouse_lock``): when another run
    has it, this one waits up to ``wait_seconds`` and then raises ``WarehouseBusy``.
    """
    with warehouse_lock(stockpilot.warehouse, "stockpilot run", wait_seconds, on_wait):
        instance = instance or dagster_instance()
        recovered = recover_dead_runs(instance)
        remove_stale_work(Path(stockpilot.warehouse), instance)
        summary = _execute(stockpilot, instance, log_level)
    summary.recovered_runs = recovered
    return summary


def _execute(stockpilot: StockpilotResource, instance: dg.DagsterInstance, log_level: str) -> RunSummary:
    stockpilot.export_env()
    defs = build_definitions(stockpilot)
    job = defs.resolve_job_def("nightly")
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance,
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        tags=_process_tags(),
    )
    failed_checks = [
        f"{'/'.join(e.asset_key.path)}: {e.check_name}"
        for e in result.get_asset_check_evaluations() if not e.passed
    ]
    warehouse = Path(stockpilot.warehouse)
    assets = list(defs.resolve_asset_graph().assets_defs)
    planned = set(job.asset_layer.executable_asset_keys) - report_only_keys(assets)
    return RunSummary(
        success=result.success,
        landing=Path(stockpilot.landing),
        warehouse=warehouse,
        as_of=_as_of(warehouse, stockpilot.as_of),
        seconds=round(time.monotonic() - started, 1),
        feeds=_feed_table(result),
        tables=_table_counts(warehouse),
        steps=_step_table(result),
        failed_checks=failed_checks,
        run_id=result.run_id,
        outputs=_published_outputs(result),
        forecast_fallbacks=_forecast_fallbacks(result),
        failures=_failures(result, report_only_nodes(assets)),
        plan_not_built=[] if result.success else _not_built(result, planned),
    )
