"""Demand forecast assets: prepare → one op per SKU shard → publish.

The shards never open the warehouse (DuckDB allows one writer): ``prepare`` exports the inputs
to Parquet in a run folder, each shard forecasts the SKUs whose hash falls in it and writes
Parquet, and ``publish`` replaces ``marts.demand_forecast`` and ``marts.forecast_accuracy`` in
one transaction (with ``marts.forecast_model_state``, what the nights between refit nights
reuse: ``pipelines.forecasting.refit``). ``prepare`` decides whether tonight is a refit night
for all shards alike. Under the multiprocess executor (``dagster dev``, the schedule) the shards run
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
from pipelines.forecasting import ACCURACY_COLUMNS, ForecastInputs, shard_config, shard_of
from pipelines.forecasting.fit_state import FIT_COLUMNS
from pipelines.forecasting.refit import REASONS, forecast_night, refit_night
from pipelines.reporting.charts import forecast_band_chart
from pipelines.warehouse import replace_tables, table_exists

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
#: What the last night left for reuse: exported when the tables exist (name → table, columns).
PREVIOUS = {"state": ("forecast_model_state", FIT_COLUMNS), "previous_accuracy": ("forecast_accuracy", ACCURACY_COLUMNS)}


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


def load_shard_previous(work: Path, inputs: ForecastInputs) -> dict[str, pd.DataFrame | None]:
    """The stored fit and accuracy rows of this shard's SKUs (None when none were exported)."""
    mine = inputs.skus["sku"].astype(str).tolist()
    out: dict[str, pd.DataFrame | None] = {}
    for name in PREVIOUS:
        path = work / f"{name}.parquet"
        out[name] = pd.read_parquet(path, filters=[("sku", "in", mine)]) \
            if path.exists() and mine and pq.read_metadata(path).num_rows else None
    return out


def export_previous(con, work: Path, as_of, shards: int) -> tuple[bool, str]:
    """Export last night's fit and accuracy for the shards and decide whether tonight is a refit
    night (the same answer for every shard). A table missing, or with another layout, means
    there is nothing to reuse."""
    frames = {}
    for name, (table, columns) in PREVIOUS.items():
        if not table_exists(con, "marts", table):
            return True, f"no marts.{table} yet"
        have = {r[0] for r in con.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'marts' AND table_name = ?",
            [table]).fetchall()}
        if not set(columns) <= have:
            return True, f"marts.{table} has another layout"
        frames[name] = con.execute(f"SELECT {', '.join(columns)} FROM marts.{table}").df()
    for name, df in frames.items():
        df.to_parquet(work / f"{name}.parquet", index=False)
    return refit_night(frames["state"], as_of, shard_config(load_config().forecast, shards))


def _prepare_op(shards: int) -> dg.OpDefinition:
    @dg.op(name="prepare_forecast_inputs", ins={name: dg.In(dg.Nothing) for name in UPSTREAM},
           out=dg.Out(str), pool=DUCKDB_POOL)
    def _prepare(context: dg.OpExecutionContext, stockpilot: StockpilotResource) -> str:
        """Export what the forecast reads to Parquet, so the shards need no warehouse connection."""
        work = _work_dir(stockpilot, context.run_id)
        work.mkdir(parents=True, exist_ok=True)
        with stockpilot.connect(read_only=True) as con:
            for name, sql in INPUT_QUERIES.items():
                con.execute(sql).df().to_parquet(work / f"{name}.parquet", index=False)
            as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
            country = con.execute(
                "SELECT coalesce(mode(country), 'US') FROM staging.stg_raw__channels").fetchone()[0]
            refit, reason = export_previous(con, work, as_of, shards)
        context.log.info(f"forecast: {'refit night' if refit else 'no refit'} ({reason})")
        pd.DataFrame({"as_of": [as_of], "country": [country], "refit_night": [refit],
                      "refit_reason": [reason]}).to_parquet(work / "as_of.parquet")
        return str(work)

    return _prepare


def _shard_op(shard: int, shards: int) -> dg.OpDefinition:
    @dg.op(name=f"forecast_shard_{shard:02d}", out=dg.Out(str),
           description=f"Forecast the SKUs whose hash falls in shard {shard} of {shards}.")
    def _forecast(context: dg.OpExecutionContext, work_dir: str) -> str:
        work = Path(work_dir)
        inputs = load_shard_inputs(work, shard, shards)
        refit = bool(pd.read_parquet(work / "as_of.parquet")["refit_night"].iloc[0])
        night = forecast_night(inputs, shard_config(load_config().forecast, shards),
                               **load_shard_previous(work, inputs), is_refit_night=refit)
        result = night.result
        out = work / f"shard_{shard:02d}"
        out.mkdir(exist_ok=True)
        result.fit.to_parquet(out / "fit.parquet", index=False)
        night.refits.to_parquet(out / "refits.parquet", index=False)
        pd.DataFrame({"refit_night": [night.refit_night], "reused": [night.reused]}).to_parquet(
            out / "night.parquet", index=False)
        result.forecast.to_parquet(out / "forecast.parquet", index=False)
        result.accuracy.to_parquet(out / "accuracy.parquet", index=False)
        result.failures.to_parquet(out / "failures.parquet", index=False)
        result.widening.assign(shard=shard).to_parquet(out / "widening.parquet", index=False)
        context.log.info(f"shard {shard}: {result.accuracy['sku'].nunique()} SKUs forecast, "
                         f"{len(night.refits)} fitted, {night.reused} reused, {len(result.failures)} fell back")
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


def _refit_summary(refits: pd.DataFrame) -> pd.DataFrame:
    if refits.empty:
        return pd.DataFrame(columns=["reason", "skus"])
    counts = refits.groupby("reason").size().rename("skus").reset_index()
    return counts.assign(reason=counts["reason"].map(REASONS).fillna(counts["reason"]))


def _publish_op(shards: int) -> dg.OpDefinition:
    @dg.op(
        name="publish_forecast",
        ins={"shard_dirs": dg.In(list[str])},
        out={"demand_forecast": dg.Out(dg.Nothing), "forecast_accuracy": dg.Out(dg.Nothing),
             "forecast_model_state": dg.Out(dg.Nothing)},
        pool=DUCKDB_POOL,
    )
    def _publish(context: dg.OpExecutionContext, stockpilot: StockpilotResource, shard_dirs: list[str]):
        """Replace the three tables in one transaction, so they always come from the same run."""
        parts = [Path(d) for d in shard_dirs]
        forecast = pd.concat([pd.read_parquet(p / "forecast.parquet") for p in parts], ignore_index=True)
        accuracy = pd.concat([pd.read_parquet(p / "accuracy.parquet") for p in parts], ignore_index=True)
        failures = pd.concat([pd.read_parquet(p / "failures.parquet") for p in parts], ignore_index=True)
        widening = pd.concat([pd.read_parquet(p / "widening.parquet") for p in parts], ignore_index=True)
        fit = pd.concat([pd.read_parquet(p / "fit.parquet") for p in parts], ignore_index=True)
        refits = pd.concat([pd.read_parquet(p / "refits.parquet") for p in parts], ignore_index=True)
        reused = sum(int(pd.read_parquet(p / "night.parquet")["reused"].iloc[0]) for p in parts)
        work = parts[0].parent
        night = pd.read_parquet(work / "as_of.parquet")
        with stockpilot.connect() as con:
            replace_tables(con, "marts", {"demand_forecast": forecast, "forecast_accuracy": accuracy,
                                          "forecast_model_state": fit})
        chart = _chart_markdown(work, forecast, accuracy)
        shutil.rmtree(work, ignore_errors=True)
        as_of = str(forecast["as_of"].iloc[0]) if len(forecast) else ""
        yield dg.Output(None, output_name="demand_forecast", metadata={
            "dagster/row_count": dg.MetadataValue.int(len(forecast)),
            "table": dg.MetadataValue.text("marts.demand_forecast"),
            "as_of": as_of,
            "skus": int(forecast["sku"].nunique()) if len(forecast) else 0,
            "skus_fallen_back": len(failures),
            "refit_night": bool(night["refit_night"].iloc[0]),
            "refit_reason": str(night["refit_reason"].iloc[0]),
            "skus_refitted": len(refits),
            "skus_reused": reused,
            "refits_by_reason": markdown_table(_refit_summary(refits)),
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
            "accuracy_measured_as_of": markdown_table(
                accuracy.groupby("as_of").size().rename("skus").reset_index() if len(accuracy) else accuracy),
            "preview": markdown_table(accuracy),
        })
        yield dg.Output(None, output_name="forecast_model_state", metadata={
            "dagster/row_count": dg.MetadataValue.int(len(fit)),
            "table": dg.MetadataValue.text("marts.forecast_model_state"),
            "refit_night": bool(night["refit_night"].iloc[0]),
            "fitted_as_of": markdown_table(
                fit.groupby("fitted_as_of").size().rename("skus").reset_index() if len(fit) else fit),
            "preview": markdown_table(fit),
        })

    return _publish


def build_forecast_assets(shards: int | None = None) -> dg.AssetsDefinition:
    shards = shards or load_config().forecast.shards
    shard_ops = [_shard_op(i, shards) for i in range(shards)]
    publish = _publish_op(shards)
    prepare_forecast_inputs = _prepare_op(shards)

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
                            "MASE, bias and p10–p90 coverage, measured on the night in as_of (the "
                            "last refit night, or the night the SKU was last fitted)."),
            "forecast_model_state": dg.AssetOut(
                key=dg.AssetKey(["marts", "forecast_model_state"]), group_name="forecast",
                kinds={"python", "duckdb"}, dagster_type=dg.Nothing,
                description="Per modelled SKU what the nights between refit nights reuse: the chosen "
                            "model, its interval offsets and widening, and when it was fitted."),
        },
    )
    def demand_forecast_graph(fct_daily_demand, fct_daily_stock, dim_sku, promotions, overrides):
        work_dir = prepare_forecast_inputs(
            fct_daily_demand=fct_daily_demand, fct_daily_stock=fct_daily_stock, dim_sku=dim_sku,
            promotions=promotions, overrides=overrides)
        published = publish([op(work_dir) for op in shard_ops])
        return {"demand_forecast": published.demand_forecast,
                "forecast_accuracy": published.forecast_accuracy,
                "forecast_model_state": published.forecast_model_state}

    return demand_forecast_graph
