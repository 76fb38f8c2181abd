"""Policy backtest assets: ``marts.policy_backtest`` (KPIs per policy),
``marts.policy_backtest_daily`` (inventory, demand and stockouts per day) and
``marts.policy_backtest_losses`` (why each unit was lost) and ``marts.policy_backtest_status``
(whether it succeeded, and why not), from ``pipelines.simulation``.

The inputs are read in the ``duckdb`` pool and the connection closed; the simulation (minutes
for a long window) runs outside any connection; the tables are then replaced in one
transaction. The nightly asset replays ``backtest.asset_window_days`` on a fixed sample of at most
``backtest.asset_max_skus`` SKUs; ``stockpilot backtest`` replays ``--days`` (default
``backtest.window_days``) on every SKU with the same functions.

The backtest only measures the plan (report only): when reading its inputs or simulating
raises, the error is kept, ``marts.policy_backtest_status`` says so (the figures stay the last
successful backtest's) and is materialized, so the report and the publishing that come after
it still run, and only then does the last op fail the step with the error.
"""


import json
import shutil
import traceback
from datetime import date
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.metadata import markdown_table, png_markdown
from orchestration.replenishment import LANES_QUERY
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from orchestration.roles import REPORT_ONLY
from pipelines.config import StockpilotConfig, load_config
from pipelines.simulation import BacktestInputs, BacktestResult, run_backtest, status
from pipelines.simulation.charts import backtest_chart
from pipelines.simulation.history import sample_skus
from pipelines.simulation.kpis import kpi_comparison
from pipelines.simulation.losses import loss_summary
from pipelines.warehouse import connect, replace_tables, table_exists

#: What the backtest reads, so it runs after them and they are its lineage.
UPSTREAM = {
    "fct_daily_demand": dg.AssetKey(["marts", "fct_daily_demand"]),
    "fct_daily_stock": dg.AssetKey(["marts", "fct_daily_stock"]),
    "location_stockouts": dg.AssetKey(["marts", "fct_location_stockouts"]),
    "dim_sku": dg.AssetKey(["marts", "dim_sku"]),
    "dim_location": dg.AssetKey(["marts", "dim_location"]),
    "demand_components": dg.AssetKey(["intermediate", "int_demand_components"]),
    "lanes": dg.AssetKey(["staging", "stg_raw__lanes"]),
    "lane_lead_times": dg.AssetKey(["marts", "lane_lead_times"]),
    "promotions": dg.AssetKey(["staging", "stg_raw__promotions"]),
}
#: Name → SQL of the history the backtest replays ({as_of} is filled in).
INPUT_QUERIES = {
    "demand": "SELECT date, sku, channel, region, units, revenue FROM marts.fct_daily_demand "
              "WHERE date <= DATE '{as_of}'",
    "location_demand": "SELECT order_date AS date, sku, region, location_id, sum(units) AS units "
                       "FROM intermediate.int_demand_components WHERE order_date <= DATE '{as_of}' "
                       "GROUP BY ALL",
    "skus": "SELECT sku, category, unit_cost, unit_price, case_pack, moq, supplier_id, production_lead_time_days, "
            "launch_date, sku_status, first_order_date, last_order_date FROM marts.dim_sku",
    "locations": "SELECT location_id, location_type, region, capacity_units FROM marts.dim_location",
    "lanes": LANES_QUERY,
    "stockouts": "SELECT date, sku FROM marts.fct_daily_stock WHERE is_stockout AND date <= DATE '{as_of}'",
    "location_stockouts": "SELECT date, sku, location_id FROM marts.fct_location_stockouts "
                          "WHERE date <= DATE '{as_of}'",
    "promotions": "SELECT channel, sku, start_date, end_date, discount_pct FROM staging.stg_raw__promotions",
    # spans of consecutive days the snapshots describe, as the forecast reads them
    "stock_reported": "SELECT sku, min(date) AS first_date, max(date) AS last_date FROM ("
                      " SELECT sku, date, date - CAST(row_number() OVER (PARTITION BY sku ORDER BY date)"
                      " AS INTEGER) AS island FROM marts.fct_daily_stock) GROUP BY sku, island",
}
DESCRIPTIONS = {
    "policy_backtest": "KPIs of Stockpilot's nightly plan, of the spreadsheet rule (lead time + 30 / + 60 days) "
                       "and of the perfect-foresight ceiling replayed against the same real demand: fill rate, "
                       "cycle service level, stockouts, average inventory, turns, holding, ordering and transport "
                       "cost, CO2e.",
    "policy_backtest_daily": "Per policy, day and stock location of the backtest: on hand, in transit, demand, "
                             "units served and missed, stockouts, orders placed.",
    "policy_backtest_losses": "Per policy, SKU, stock location and day with lost demand: the units lost and why "
                              "(start-up stock, upstream empty, not ordered, ordered late, lead time longer, "
                              "ordered too little).",
}
STATUS_TABLE = "policy_backtest_status"
STATUS_DESCRIPTION = ("Whether the last policy backtest succeeded; when it failed, in which step and why (the "
                      "figures then stay the last successful backtest's). Written also when the backtest fails, "
                      "so the report and the publishing, which wait for it, still run.")
#: The figures, materialized only when tonight's backtest succeeded: steps that must run after
#: the backtest whatever its outcome wait for STATUS_KEY instead.
TABLE_KEYS = tuple(dg.AssetKey(["marts", name]) for name in DESCRIPTIONS)
STATUS_KEY = dg.AssetKey(["marts", STATUS_TABLE])
#: Kept in the work folder when reading the inputs or simulating raised.
FAILURE_FILE = "failure.json"


def latest_as_of(con) -> date:
    return con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]


def read_inputs(con, as_of: date | None = None) -> BacktestInputs:
    """The history up to ``as_of`` (default the warehouse's as-of date, which it may not pass)."""
    latest = latest_as_of(con)
    if as_of is not None and as_of > latest:
        raise ValueError(f"the as-of date {as_of} is after the warehouse's as-of date {latest}: "
                         "rebuild it with `stockpilot run --as-of` or choose an earlier date")
    as_of = as_of or latest
    frames = {name: con.execute(sql.format(as_of=as_of.isoformat())).df() for name, sql in INPUT_QUERIES.items()}
    country = con.execute("SELECT coalesce(mode(country), 'US') FROM staging.stg_raw__channels").fetchone()[0]
    return BacktestInputs(as_of=as_of, country=country, **frames)


def simulate_from_warehouse(stockpilot: StockpilotResource, days: int, cfg: StockpilotConfig,
                            as_of: date | None = None, progress=None) -> BacktestResult:
    """Read the inputs (connection closed afterwards), then simulate."""
    with stockpilot.connect(read_only=True) as con:
        inputs = read_inputs(con, as_of)
    return run_backtest(inputs, cfg.backtest, cfg.forecast, cfg.replenishment, days=days, progress=progress)


#: Tables the backtest reads; without them the warehouse is not built yet.
REQUIRED_TABLES = (("marts", "fct_daily_demand"), ("marts", "dim_sku"), ("marts", "dim_location"),
                   ("intermediate", "int_demand_components"), ("staging", "stg_raw__lanes"),
                   ("marts", "lane_lead_times"),
                   ("intermediate", "int_as_of"))


def warehouse_ready(path: str | Path) -> bool:
    """The warehouse file exists and holds every table the backtest reads."""
    if not Path(path).exists():
        return False
    with connect(path, read_only=True) as con:
        return all(table_exists(con, schema, table) for schema, table in REQUIRED_TABLES)


def display_table(result: BacktestResult) -> pd.DataFrame:
    """The KPIs side by side as text for the terminal: shares in %, money and units rounded."""
    wide = kpi_comparison(result.kpis)
    policies = [c for c in wide.columns if c not in ("kpi", "unit")]

    def fmt(value: float, unit: str) -> str:
        if pd.isna(value):
            return "-"
        if unit == "share":
            return f"{value:.1%}"
        if unit in ("currency", "units", "kg") or abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:,.2f}" if value != int(value) else f"{int(value):,}"

    out = wide[["kpi"]].copy()
    for policy in policies:
        out[policy] = [fmt(v, u) for v, u in zip(wide[policy], wide["unit"], strict=True)]
    out["unit"] = wide["unit"]
    return out


def loss_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Lost units by policy and cause as text for the terminal (``losses.loss_summary``)."""
    return pd.DataFrame({"policy": summary["policy"], "cause": summary["cause"],
                         "lost units": [f"{v:,.0f}" for v in summary["lost_units"]],
                         "share": [f"{v:.1%}" for v in summary["share_of_lost"]],
                         "meaning": summary["meaning"]})


def write_tables(stockpilot: StockpilotResource, result: BacktestResult, written_by: str) -> None:
    """Replace the three tables and the status in one transaction."""
    with stockpilot.connect() as con:
        replace_tables(con, "marts", {"policy_backtest": result.kpis, "policy_backtest_daily": result.daily,
                                      "policy_backtest_losses": result.losses,
                                      STATUS_TABLE: status.succeeded(result, written_by)})


def summary_metadata(kpis: pd.DataFrame, daily: pd.DataFrame, info: dict, losses: pd.DataFrame | None = None
                     ) -> dict:
    """The KPIs side by side, lost units by cause, the time taken and the chart of inventory and stockouts."""
    values = kpis.set_index(["policy", "kpi"])["value"]

    def kpi(policy: str, name: str) -> float:
        value = values.get((policy, name))
        return float(value) if value is not None and pd.notna(value) else float("nan")

    png = backtest_chart(daily)
    window = f"{info['window_start']} … {info['window_end']} ({info['days']} days)"
    replayed, catalogue = info.get("skus_replayed"), info.get("skus")
    return {
        "window": window,
        "skus": (f"{replayed:,} of {catalogue:,} (a fixed sample by SKU hash: backtest.asset_max_skus)"
                 if replayed is not None and catalogue is not None and replayed < catalogue
                 else f"all {catalogue:,}" if catalogue is not None else "all"),
        "fill_rate_stockpilot": kpi("stockpilot", "fill_rate"),
        "fill_rate_baseline": kpi("baseline", "fill_rate"),
        "average_inventory_value_stockpilot": kpi("stockpilot", "average_inventory_value"),
        "average_inventory_value_baseline": kpi("baseline", "average_inventory_value"),
        "fill_rate_perfect_foresight": kpi("perfect_foresight", "fill_rate"),
        "lost_units_by_cause": markdown_table(loss_summary(losses).round(3), max_rows=40),
        "kpis": markdown_table(kpi_comparison(kpis).round(4), max_rows=40),
        "seconds": markdown_table(pd.DataFrame({"phase": list(info["seconds"]),
                                                "seconds": [round(v, 1) for v in info["seconds"].values()]})),
        "chart": dg.MetadataValue.md(
            f"Inventory on hand and SKU-location stockouts per day, {window}\n\n"
            + png_markdown(png, "policy backtest")),
    }




def _work_dir(stockpilot: StockpilotResource, run_id: str) -> Path:
    return Path(stockpilot.warehouse).parent / "work" / "backtest" / run_id


def export_inputs(inputs: BacktestInputs, work: Path) -> None:
    work.mkdir(parents=True, exist_ok=True)
    for name in INPUT_QUERIES:
        getattr(inputs, name).to_parquet(work / f"{name}.parquet", index=False)
    pd.DataFrame({"as_of": [inputs.as_of], "country": [inputs.country]}).to_parquet(work / "meta.parquet")


def load_inputs(work: Path) -> BacktestInputs:
    frames = {name: pd.read_parquet(work / f"{name}.parquet") for name in INPUT_QUERIES}
    meta = pd.read_parquet(work / "meta.parquet")
    as_of = pd.Timestamp(meta["as_of"].iloc[0]).date()
    return BacktestInputs(as_of=as_of, country=str(meta["country"].iloc[0]), **frames)


def _record_failure(context: dg.OpExecutionContext, work: Path, exc: Exception) -> None:
    """Keep the error for the ops after this one, which record it and fail the step."""
    work.mkdir(parents=True, exist_ok=True)
    failure = {"step": context.op.name, "error": status.error_line(exc), "traceback": traceback.format_exc()}
    (work / FAILURE_FILE).write_text(json.dumps(failure))
    context.log.error(f"policy backtest: {context.op.name} raised {failure['error']}; the status table records it "
                      f"and the step fails once the report can go ahead\n{failure['traceback']}")


def _failure(work: Path) -> dict | None:
    path = work / FAILURE_FILE
    return json.loads(path.read_text()) if path.exists() else None


@dg.op(ins={name: dg.In(dg.Nothing) for name in UPSTREAM}, out=dg.Out(str), pool=DUCKDB_POOL)
def prepare_backtest_inputs(context: dg.OpExecutionContext, stockpilot: StockpilotResource) -> str:
    """Export the history the backtest replays to Parquet, so the simulation holds no connection."""
    work = _work_dir(stockpilot, context.run_id)
    as_of = date.fromisoformat(stockpilot.as_of) if stockpilot.as_of else None
    try:
        with stockpilot.connect(read_only=True) as con:
            inputs = read_inputs(con, as_of)
        export_inputs(inputs, work)
    except Exception as exc:
        _record_failure(context, work, exc)
    return str(work)


@dg.op(out=dg.Out(str))
def simulate_policies(context: dg.OpExecutionContext, work_dir: str) -> str:
    """Replay ``backtest.asset_window_days`` days against Stockpilot and the spreadsheet rule."""
    work = Path(work_dir)
    if _failure(work):
        return str(work)
    cfg = load_config()
    try:
        inputs, catalogue = sample_skus(load_inputs(work), cfg.backtest.asset_max_skus)
        replayed = int(inputs.skus["sku"].nunique())
        result = run_backtest(inputs, cfg.backtest, cfg.forecast, cfg.replenishment,
                              days=cfg.backtest.asset_window_days)
    except Exception as exc:
        _record_failure(context, work, exc)
        return str(work)
    result.kpis.to_parquet(work / "policy_backtest.parquet", index=False)
    result.daily.to_parquet(work / "policy_backtest_daily.parquet", index=False)
    result.losses.to_parquet(work / "policy_backtest_losses.parquet", index=False)
    status.succeeded(result, context.run_id).to_parquet(work / f"{STATUS_TABLE}.parquet", index=False)
    (work / "result.json").write_text(json.dumps({
        "window_start": result.window.start.isoformat(), "window_end": result.window.end.isoformat(),
        "days": result.window.days, "seconds": result.seconds, "unplaced_units": result.unplaced_units,
        "start_stock_units": result.start_stock_units, "skus_replayed": replayed, "skus": catalogue}))
    context.log.info(f"policy backtest {result.window.start} … {result.window.end} on {replayed:,} of "
                     f"{catalogue:,} SKUs: "
                     + ", ".join(f"{k} {v:.1f} s" for k, v in result.seconds.items()))
    return str(work)


@dg.op(out={"status": dg.Out(dg.Nothing), "work_dir": dg.Out(str)}, pool=DUCKDB_POOL)
def write_policy_backtest(context: dg.OpExecutionContext, stockpilot: StockpilotResource, work_dir: str):
    """Replace the three tables and the status in one transaction, so they always come from the same
    simulation; after a failure, the status alone."""
    work = Path(work_dir)
    failure = _failure(work)
    if failure:
        as_of = date.fromisoformat(stockpilot.as_of) if stockpilot.as_of else None
        if as_of is None:
            with stockpilot.connect(read_only=True) as con:
                as_of = latest_as_of(con) if table_exists(con, "intermediate", "int_as_of") else None
        tables = {STATUS_TABLE: status.failed(as_of, failure["error"], failure["step"], context.run_id)}
    else:
        tables = {name: pd.read_parquet(work / f"{name}.parquet") for name in [*DESCRIPTIONS, STATUS_TABLE]}
    with stockpilot.connect() as con:
        replace_tables(con, "marts", tables)
    outcome = status.FAILED if failure else status.SUCCEEDED
    yield dg.Output(None, output_name="status", metadata={
        "status": outcome, "error": (failure or {}).get("error", ""),
        "table": dg.MetadataValue.text(f"marts.{STATUS_TABLE}"), "preview": markdown_table(tables[STATUS_TABLE])})
    yield dg.Output(str(work), output_name="work_dir")


@dg.op(out={name: dg.Out(dg.Nothing) for name in DESCRIPTIONS})
def publish_policy_backtest(work_dir: str):
    """Materialize the two tables written by ``write_policy_backtest``, with their KPIs and chart;
    when the backtest failed, fail the step with its error (after the status was written)."""
    work = Path(work_dir)
    failure = _failure(work)
    if failure:
        shutil.rmtree(work, ignore_errors=True)
        raise dg.Failure(description=failure["error"], metadata={
            "failed_step": failure["step"], "traceback": dg.MetadataValue.text(failure["traceback"])})
    tables = {name: pd.read_parquet(work / f"{name}.parquet") for name in DESCRIPTIONS}
    info = json.loads((work / "result.json").read_text())
    shutil.rmtree(work, ignore_errors=True)
    extra = summary_metadata(tables["policy_backtest"], tables["policy_backtest_daily"], info,
                             tables["policy_backtest_losses"])
    for name, df in tables.items():
        yield dg.Output(None, output_name=name, metadata={
            "dagster/row_count": dg.MetadataValue.int(len(df)), "table": dg.MetadataValue.text(f"marts.{name}"),
            **extra, "preview": markdown_table(df)})


@dg.graph_multi_asset(
    name="policy_backtest",
    ins={name: dg.AssetIn(key=key, dagster_type=dg.Nothing) for name, key in UPSTREAM.items()},
    outs={
        **{name: dg.AssetOut(key=dg.AssetKey(["marts", name]), group_name="backtest", kinds={"python", "duckdb"},
                             dagster_type=dg.Nothing, description=text, tags=REPORT_ONLY)
           for name, text in DESCRIPTIONS.items()},
        STATUS_TABLE: dg.AssetOut(key=STATUS_KEY, group_name="backtest", kinds={"python", "duckdb"},
                                  dagster_type=dg.Nothing, description=STATUS_DESCRIPTION, tags=REPORT_ONLY),
    },
)
def policy_backtest(fct_daily_demand, fct_daily_stock, location_stockouts, dim_sku, dim_location,
                    demand_components, lanes, lane_lead_times, promotions):
    work_dir = prepare_backtest_inputs(
        fct_daily_demand=fct_daily_demand, fct_daily_stock=fct_daily_stock,
        location_stockouts=location_stockouts, dim_sku=dim_sku,
        dim_location=dim_location, demand_components=demand_components, lanes=lanes,
        lane_lead_times=lane_lead_times, promotions=promotions)
    written = write_policy_backtest(simulate_policies(work_dir))
    published = publish_policy_backtest(written.work_dir)
    return {**{name: getattr(published, name) for name in DESCRIPTIONS}, STATUS_TABLE: written.status}
