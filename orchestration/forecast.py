"""Demand forecast assets: prepare → one op per SKU shard → publish.

The shards never open the warehouse (DuckDB allows one writer): ``prepare`` exports the inputs
to Parquet in a run folder, each shard forecasts the SKUs whose hash falls in it and writes
Parquet, and ``publish`` replaces ``marts.demand_forecast`` and ``marts.forecast_accuracy`` in
one transaction. Under the multiprocess executor (``dagster dev``, the schedule) the shards run
in parallel processes; under Kubernetes or Celery executors, on separate workers.
"""

import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow.parquet as pq

from orchestration.metadata import markdown_table, png_markdown
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.config import load_config
from pipelines.forecasting import ForecastInputs, run_forecast, shard_config, shard_of
from pipelines.reporting.charts import forecast_band_chart
from pipelines.warehouse import replace_tables

#: What the forecast reads (dbt models), so it runs after them and they are its lineage.
UPSTREAM = {
    "fct_daily_demand": dg.AssetKey(["marts", "fct_daily_demand"]),
    "fct_daily_stock": dg.AssetKey(["marts", "fct_daily_stock"]),
    "dim_sku": dg.AssetKey(["marts", "dim_sku"]),
    "promotions": dg.AssetKey(["staging", "stg_raw__promotions"]),
    "overrides": dg.AssetKey(["staging", "stg_raw__forecast_overrides"]),
}
INPUT_QUERIES = {
    "demand": "SELECT date, sku, channel, region, units FROM marts.fct_daily_demand",
    "stockouts": "SELECT date, sku FROM marts.fct_daily_stock WHERE is_stockout",
    "skus": "SELECT sku, category, unit_price, launch_date, sku_status, first_order_date, "
            "last_order_date FROM marts.dim_sku",
    "promotions": "SELECT channel, sku, start_date, end_date, discount_pct "
                  "FROM staging.stg_raw__promotions",
    "overrides": "SELECT sku, start_date, end_date, units_per_day, multiplier, note "
                 "FROM staging.stg_raw__forecast_overrides",
    # spans of consecutive days that snapshots describe (gaps and islands), for the
    # suspected-stockout rule: only days outside them can be suspected
    "stock_reported": "SELECT sku, min(date) AS first_date, max(date) AS last_date FROM ("
                      " SELECT sku, date, date - CAST(row_number() OVER (PARTITION BY sku ORDER BY date)"
                      " AS INTEGER) AS island FROM marts.fct_daily_stock) GROUP BY sku, island",
}
CHART_SKUS = 3


def _work_dir(stockpilot: StockpilotResource, run_id: str) -> Path:
    return Path(stockpilot.warehouse).parent / "work" / "forecast" / run_id


def load_shard_inputs(work: Path, shard: int, shards: int) -> ForecastInputs:
    """This shard's rows only: the SKU list decides, and Parquet filters the rest at read time
    so a shard never holds the other shards' demand in memory."""
    skus = pd.read_parquet(work / "skus.parquet")
    mine = skus["sku"][shard_of(skus["sku"], shards) == shard].tolist() if len(skus) else []

    def read(name: str) -> pd.DataFrame:
        path = work / f"{name}.parquet"
        # an empty export types its columns as null, which a filter cannot compare with strings
        if not mine or pq.read_metadata(path).num_rows == 0:
            return pd.read_parquet(path).iloc[0:0]
        return pd.read_parquet(path, filters=[("sku", "in", mine)])

    frames = {name: read(name) for name in INPUT_QUERIES}
    meta = pd.read_parquet(work / "as_of.parquet")
    return ForecastInputs(as_of=meta["as_of"].iloc[0], country=meta["country"].iloc[0], **frames)


@dg.op(ins={name: dg.In(dg.Nothing) for name in UPSTREAM}, out=dg.Out(str), pool=DUCKDB_POOL)
def prepare_forecast_inputs(context: dg.OpExecutionContext, stockpilot: StockpilotResource) -> str:
    """Export what the forecast reads to Parquet, so the shards need no warehouse connection."""
    work = _work_dir(stockpilot, context.run_id)
    work.mkdir(parents=True, exist_ok=True)
    with stockpilot.connect(read_only=True) as con:
        for name, sql in INPUT_QUERIES.items():
            con.execute(sql).df().to_parquet(work / f"{name}.parquet", index=False)
        as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
        country = con.execute(
            "SELECT coalesce(mode(country), 'US') FROM staging.stg_raw__channels").fetchone()[0]
    pd.DataFrame({"as_of": [as_of], "country": [country]}).to_parquet(work / "as_of.parquet")
    return str(work)


def _shard_op(shard: int, shards: int) -> dg.OpDefinition:
    @dg.op(name=f"forecast_shard_{shard:02d}", out=dg.Out(str),
           description=f"Forecast the SKUs whose hash falls in shard {shard} of {shards}.")
    def _forecast(context: dg.OpExecutionContext, work_dir: str) -> str:
        work = Path(work_dir)
        inputs = load_shard_inputs(work, shard, shards)
        result = run_forecast(inputs, shard_config(load_config().forecast, shards))
        out = work / f"shard_{shard:02d}"
        out.mkdir(exist_ok=True)
        result.forecast.to_parquet(out / "forecast.parquet", index=False)
        result.accuracy.to_parquet(out / "accuracy.parquet", index=False)
        result.failures.to_parquet(out / "failures.parquet", index=False)
        result.widening.assign(shard=shard).to_parquet(out / "widening.parquet", index=False)
        context.log.info(f"shard {shard}: {result.accuracy['sku'].nunique()} SKUs forecast, "
                         f"{len(result.failures)} fell back")
        return str(out)

    return _forecast


def _accuracy_summary(accuracy: pd.DataFrame) -> pd.DataFrame:
    if accuracy.empty:
        return pd.DataFrame()
    summary = accuracy.groupby("model").agg(
        skus=("sku", "count"), mean_wape=("wape", "mean"), mean_rmsse=("rmsse", "mean"),
        mean_bias=("bias", "mean"), coverage_80=("coverage_80", "mean"),
    ).sort_values("skus", ascending=False).reset_index()
    return summary.round(3)


def _chart_markdown(work: Path, forecast: pd.DataFrame, accuracy: pd.DataFrame) -> dg.MetadataValue:
    demand = pd.read_parquet(work / "demand.parquet")
    if demand.empty or forecast.empty:
        return dg.MetadataValue.md("_no forecast to chart_")
    demand["date"] = pd.to_datetime(demand["date"])
    history = demand.groupby(["sku", "date"], as_index=False)["units"].sum()
    top = history.groupby("sku")["units"].sum().nlargest(CHART_SKUS).index.tolist()
    total = forecast[forecast["level"] == "total"].assign(date=lambda f: pd.to_datetime(f["date"]))
    png = forecast_band_chart(history, total, top)
    models = accuracy.set_index("sku")["model"].to_dict()
    caption = ", ".join(f"{sku}: {models.get(sku, '?')}" for sku in top)
    return dg.MetadataValue.md(
        f"Top {len(top)} SKUs by units — actuals and forecast p50 with the p10–p90 band ({caption})\n\n"
        + png_markdown(png, "forecast"))


def _publish_op(shards: int) -> dg.OpDefinition:
    @dg.op(
        name="publish_forecast",
        ins={"shard_dirs": dg.In(list[str])},
        out={"demand_forecast": dg.Out(dg.Nothing), "forecast_accuracy": dg.Out(dg.Nothing)},
        pool=DUCKDB_POOL,
    )
    def _publish(context: dg.OpExecutionContext, stockpilot: StockpilotResource, shard_dirs: list[str]):
        """Replace both tables in one transaction, so they always come from the same run."""
        parts = [Path(d) for d in shard_dirs]
        forecast = pd.concat([pd.read_parquet(p / "forecast.parquet") for p in parts], ignore_index=True)
        accuracy = pd.concat([pd.read_parquet(p / "accuracy.parquet") for p in parts], ignore_index=True)
        failures = pd.concat([pd.read_parquet(p / "failures.parquet") for p in parts], ignore_index=True)
        widening = pd.concat([pd.read_parquet(p / "widening.parquet") for p in parts], ignore_index=True)
        with stockpilot.connect() as con:
            replace_tables(con, "marts", {"demand_forecast": forecast, "forecast_accuracy": accuracy})
        work = parts[0].parent
        chart = _chart_markdown(work, forecast, accuracy)
        shutil.rmtree(work, ignore_errors=True)
        as_of = str(forecast["as_of"].iloc[0]) if len(forecast) else ""
        yield dg.Output(None, output_name="demand_forecast", metadata={
            "dagster/row_count": dg.MetadataValue.int(len(forecast)),
            "table": dg.MetadataValue.text("marts.demand_forecast"),
            "as_of": as_of,
            "skus": int(forecast["sku"].nunique()) if len(forecast) else 0,
            "skus_fallen_back": len(failures),
            "fallbacks": markdown_table(failures, max_rows=20),
            # the same rows for `stockpilot run`'s summary (orchestration.runner)
            "fallback_list": dg.MetadataValue.json(failures[["sku", "stage", "error"]].astype(str).to_dict("records")),
            "chart": chart,
            "preview": markdown_table(forecast),
        })
        yield dg.Output(None, output_name="forecast_accuracy", metadata={
            "dagster/row_count": dg.MetadataValue.int(len(accuracy)),
            "table": dg.MetadataValue.text("marts.forecast_accuracy"),
            "accuracy_by_model": markdown_table(_accuracy_summary(accuracy), max_rows=30),
            "interval_widening_by_lead": markdown_table(widening, max_rows=40),
            "preview": markdown_table(accuracy),
        })

    return _publish


def build_forecast_assets(shards: int | None = None) -> dg.AssetsDefinition:
    shards = shards or load_config().forecast.shards
    shard_ops = [_shard_op(i, shards) for i in range(shards)]
    publish = _publish_op(shards)

    @dg.graph_multi_asset(
        name="demand_forecast_graph",
        ins={name: dg.AssetIn(key=key, dagster_type=dg.Nothing) for name, key in UPSTREAM.items()},
        outs={
            "demand_forecast": dg.AssetOut(
                key=dg.AssetKey(["marts", "demand_forecast"]), group_name="forecast",
                kinds={"python", "duckdb"}, dagster_type=dg.Nothing,
                description="Daily p10/p50/p90 units per SKU for the horizon after the as-of date, "
                            "in total and split by channel and by region."),
            "forecast_accuracy": dg.AssetOut(
                key=dg.AssetKey(["marts", "forecast_accuracy"]), group_name="forecast",
                kinds={"python", "duckdb"}, dagster_type=dg.Nothing,
                description="Per SKU the chosen model and the runner-up with backtest WAPE, RMSSE, "
                            "MASE, bias and p10–p90 coverage."),
        },
    )
    def demand_forecast_graph(fct_daily_demand, fct_daily_stock, dim_sku, promotions, overrides):
        work_dir = prepare_forecast_inputs(
            fct_daily_demand=fct_daily_demand, fct_daily_stock=fct_daily_stock, dim_sku=dim_sku,
            promotions=promotions, overrides=overrides)
        published = publish([op(work_dir) for op in shard_ops])
        return {"demand_forecast": published.demand_forecast,
                "forecast_accuracy": published.forecast_accuracy}

    return demand_forecast_graph
