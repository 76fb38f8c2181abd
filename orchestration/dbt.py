"""dbt models as Dagster assets (each model an asset, each dbt test an asset check)."""


import json
import os
import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.config import DBT_PROJECT_DIR, load_config, warehouse_path

#: The dbt installed beside this Python (the venv's bin/ need not be on PATH).
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))
#: Files whose change makes the manifest stale.
_DBT_SOURCES = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests")


@cache
def dbt_project() -> DbtProject:
    return DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def _newest_source_mtime(project_dir: Path) -> float:
    newest = 0.0
    for name in _DBT_SOURCES:
        path = project_dir / name
        files = [path] if path.is_file() else list(path.rglob("*")) if path.exists() else []
        newest = max([newest, *(f.stat().st_mtime for f in files if f.is_file())])
    return newest


def ensure_manifest(project: DbtProject) -> Path:
    """Build the dbt manifest when it is missing or older than the dbt sources.

    ``DbtProject.prepare_if_dev()`` only acts under ``dagster dev``; the CLI, tests and CI load
    these definitions without it, so they parse the project here (a few seconds, once).
    """
    manifest = project.manifest_path
    if manifest.exists() and manifest.stat().st_mtime >= _newest_source_mtime(project.project_dir):
        return manifest
    # The profile reads the warehouse path; parsing never opens it, any path will do.
    env = {**os.environ, "STOCKPILOT_WAREHOUSE": os.environ.get("STOCKPILOT_WAREHOUSE")
           or str(warehouse_path())}
    subprocess.run(
        [DBT_EXECUTABLE, "parse", "--quiet", "--project-dir", str(project.project_dir),
         "--profiles-dir", str(project.profiles_dir), "--target-path", str(project.target_path)],
        check=True, env=env, cwd=project.project_dir,
    )
    return manifest


class StockpilotDbtTranslator(DagsterDbtTranslator):
    """Models keyed by schema and name (``marts/inventory_position``), grouped by layer.

    Sources keep the default key (``raw/orders``), which is the key of the ingest assets.
    """

    def get_asset_spec(self, manifest: Mapping[str, Any], unique_id: str,
                       project: DbtProject | None) -> dg.AssetSpec:
        spec = super().get_asset_spec(manifest, unique_id, project)
        node = manifest.get("nodes", {}).get(unique_id)
        if node is None or node.get("resource_type") not in ("model", "seed", "snapshot"):
            return spec
        schema = node.get("schema") or "main"
        return spec.replace_attributes(
            key=dg.AssetKey([schema, node["name"]]),
            group_name=schema,
            kinds={"dbt", "duckdb"},
        )


def dbt_vars(as_of: str) -> str:
    """The ``--vars`` of a run: the as-of date when one is set, else the models take the latest;
    the ``health:`` settings the health models share with the health score; and the
    ``replenishment:`` settings of the lead times learned from receipts."""
    cfg = load_config()
    health, replenishment = cfg.health, cfg.replenishment
    shared = {"sales_rate_days": health.sales_rate_days,
              "excess_days_of_inventory": health.excess_days_of_inventory,
              "kpi_history_days": health.kpi_history_days,
              "lead_time_lookback_days": replenishment.lead_time_lookback_days,
              "lead_time_prior_shipments": replenishment.lead_time_prior_shipments,
              "lead_time_outlier_ratio": replenishment.lead_time_outlier_ratio}
    return json.dumps({"as_of": as_of, **shared} if as_of else shared)


@cache
def build_dbt_assets() -> dg.AssetsDefinition:
    project = dbt_project()
    ensure_manifest(project)

    @dbt_assets(
        manifest=project.manifest_path,
        project=project,
        dagster_dbt_translator=StockpilotDbtTranslator(),
        pool=DUCKDB_POOL,
    )
    def stockpilot_dbt_models(context: dg.AssetExecutionContext, dbt: DbtCliResource,
                              stockpilot: StockpilotResource):
        """staging → intermediate → marts, with every dbt test as an asset check."""
        stockpilot.export_env()
        events = list(dbt.cli(["build", "--vars", dbt_vars(stockpilot.as_of)], context=context).stream())
        # The warehouse is free again once dbt has exited (one writer): describe each model now.
        yield from with_table_metadata(context, stockpilot, events)

    return stockpilot_dbt_models


def with_table_metadata(context: dg.AssetExecutionContext, stockpilot: StockpilotResource, events):
    """Add the row count and a preview of its table to each model's materialization."""
    with stockpilot.connect(read_only=True) as con:
        for event in events:
            if isinstance(event, dg.Output):
                schema, name = context.asset_key_for_output(event.output_name).path
                count = con.execute(f'SELECT count(*) FROM {schema}."{name}"').fetchone()[0]
                preview = con.execute(f'SELECT * FROM {schema}."{name}" LIMIT 10').df()
                event = event.with_metadata({
                    **event.metadata,
                    "dagster/row_count": dg.MetadataValue.int(int(count)),
                    "table": dg.MetadataValue.text(f"{schema}.{name}"),
                    "preview": markdown_table(preview),
                })
            yield event


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=dbt_project(), profiles_dir=str(DBT_PROJECT_DIR),
                          dbt_executable=DBT_EXECUTABLE)
