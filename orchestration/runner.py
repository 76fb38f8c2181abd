"""Running the whole pipeline in-process (``stockpilot run``) and summarising what it built."""

from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.definitions import build_definitions
from orchestration.resources import StockpilotResource
from pipelines import contract
from pipelines.config import PROJECT_ROOT
from pipelines.warehouse import connect, row_counts

#: Schemas whose tables the summary lists.
SUMMARY_SCHEMAS = ("raw", "quarantine", "marts")


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


def run_pipeline(stockpilot: StockpilotResource, instance: dg.DagsterInstance | None = None,
                 log_level: str = "INFO") -> RunSummary:
    """Materialize every asset of the nightly job in this process and summarise the run."""
    stockpilot.export_env()
    defs = build_definitions(stockpilot)
    job = defs.resolve_job_def("nightly")
    started = time.monotonic()
    result = job.execute_in_process(
        instance=instance or dagster_instance(),
        raise_on_error=False,
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
    )
    failed_checks = [
        f"{'/'.join(e.asset_key.path)}: {e.check_name}"
        for e in result.get_asset_check_evaluations() if not e.passed
    ]
    warehouse = Path(stockpilot.warehouse)
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
    )
