"""Publishing assets, last in the nightly run: the HTML planning report, Parquet copies of the
marts, and the marts in the BI database named by ``STOCKPILOT_BI_URL``.

They depend on every ``marts`` asset of the code location (``build_publish_assets`` is given
the other assets), so they run after all of them and show as the graph's end in the UI — all
but the policy backtest's figures, which are missing on a night the backtest failed: they wait
for ``marts.policy_backtest_status`` instead, written with the figures or in their place, so a
failed backtest never stops the report or the publishing of tonight's plan.
"""

import os
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration import backtest
from orchestration.metadata import markdown_table, png_markdown
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from orchestration.roles import REPORT_ONLY
from pipelines.config import beside_warehouse, load_config
from pipelines.publish import bi_engine, export_parquet, masked_url, publish_marts
from pipelines.reporting.charts import kpi_trend_chart
from pipelines.reporting.report import SECTIONS, write_report
from pipelines.warehouse import table_exists

#: The database the marts are published to: any SQLAlchemy URL (PostgreSQL in production).
BI_URL_ENV = "STOCKPILOT_BI_URL"
REPORT_KEY = dg.AssetKey(["reports", "planning_report"])
PARQUET_KEY = dg.AssetKey(["exports", "marts_parquet"])
BI_KEY = dg.AssetKey(["bi", "marts"])


def marts_keys(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """Every ``marts`` asset key the given definitions produce."""
    return sorted({key for a in assets for key in a.keys if key.path[0] == "marts"},
                  key=lambda k: k.to_user_string())


def publish_deps(assets: Sequence[dg.AssetsDefinition]) -> list[dg.AssetKey]:
    """What the publishing steps wait for: every ``marts`` asset but the backtest's figures
    (their status stands for them)."""
    return [key for key in marts_keys(assets) if key not in backtest.TABLE_KEYS]


def report_path(stockpilot: StockpilotResource) -> Path:
    return beside_warehouse(load_config().report.file, stockpilot.warehouse)


def parquet_dir(stockpilot: StockpilotResource) -> Path:
    return beside_warehouse(load_config().publish.parquet_dir, stockpilot.warehouse)


def _kpi_metadata(stockpilot: StockpilotResource) -> dict:
    """The KPI table and trend chart, so the UI shows the night's KPIs next to the report."""
    with stockpilot.connect(read_only=True) as con:
        if not table_exists(con, "marts", "kpi_summary"):
            return {}
        summary = con.execute("SELECT kpi, scope, value, unit FROM marts.kpi_summary").df()
        daily = con.execute("SELECT date, inventory_value, in_transit_value, fill_rate, stockout_rate "
                            "FROM marts.kpi_daily ORDER BY date").df()
    png = kpi_trend_chart(daily) if len(daily) else b""
    return {
        "kpis": markdown_table(summary, max_rows=50),
        "kpi_trend": dg.MetadataValue.md(
            png_markdown(png, "KPI trend") if png else "_no days_"),
    }


def build_publish_assets(upstream: Sequence[dg.AssetsDefinition]) -> list[dg.AssetsDefinition]:
    deps = publish_deps(upstream)

    @dg.asset(key=REPORT_KEY, deps=deps, group_name="publish", kinds={"python", "html"}, pool=DUCKDB_POOL,
              tags=REPORT_ONLY, description="One self-contained HTML file (report.file beside the warehouse): health "
                          "scores, SKUs needing attention, forecast vs actuals, inventory and in transit, "
                          "tonight's plans, dead stock, KPIs, the policy backtest (or why it failed).")
    def planning_report(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
        cfg = load_config()
        out = write_report(stockpilot.warehouse, report_path(stockpilot), cfg.report, cfg.health.attention_below)
        context.log.info(f"planning report: {out}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(out)),
            "url": dg.MetadataValue.url(out.as_uri()),
            "size_kb": round(out.stat().st_size / 1024, 1),
            "sections": dg.MetadataValue.json(list(SECTIONS.values())),
            **_kpi_metadata(stockpilot),
        })

    @dg.asset(key=PARQUET_KEY, deps=deps, group_name="publish", kinds={"duckdb", "parquet"}, pool=DUCKDB_POOL,
              description="A Parquet file per marts table in publish.parquet_dir (beside the warehouse), "
                          "with _manifest.json; each file replaced whole.")
    def marts_parquet(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
        folder = parquet_dir(stockpilot)
        with stockpilot.connect(read_only=True) as con:
            files = export_parquet(con, folder, datetime.now(UTC))
        listing = pd.DataFrame([{"table": f.table, "rows": f.rows, "kb": round(f.bytes / 1024, 1)} for f in files])
        context.log.info(f"{len(files)} Parquet files in {folder}")
        return dg.MaterializeResult(metadata={
            "path": dg.MetadataValue.path(str(folder)),
            "files": len(files),
            "tables": markdown_table(listing, max_rows=100),
        })

    @dg.asset(key=BI_KEY, deps=deps, group_name="publish", kinds={"sqlalchemy", "postgres"}, pool=DUCKDB_POOL,
              description="Every marts table copied to the database named by STOCKPILOT_BI_URL (any "
                          "SQLAlchemy URL), each replaced in one transaction with a _published_at column. "
                          "Skipped, and says so, when the variable is not set.")
    def bi_marts(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
        url = os.environ.get(BI_URL_ENV, "").strip()
        if not url:
            context.log.info(f"{BI_URL_ENV} is not set: nothing published to a BI database")
            return dg.MaterializeResult(metadata={
                "status": "skipped", "reason": f"{BI_URL_ENV} is not set"})
        cfg = load_config().publish
        engine = bi_engine(url)
        target = masked_url(engine.url)
        published_at = datetime.now(UTC)
        try:
            with stockpilot.connect(read_only=True) as con:
                results = publish_marts(con, engine, published_at, target_schema=cfg.bi_schema,
                                        chunk_rows=cfg.chunk_rows)
        finally:
            engine.dispose()
        table = pd.DataFrame([vars(r) for r in results])
        context.log.info(f"published {len(results)} tables to {target}")
        return dg.MaterializeResult(metadata={
            "status": "published",
            "target": target,
            "published_at": published_at.isoformat(),
            "tables": len(results),
            "rows": int(table["rows"].sum()) if len(table) else 0,
            "per_table": markdown_table(table, max_rows=100),
        })

    return [planning_report, marts_parquet, bi_marts]
