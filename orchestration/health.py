"""Inventory health assets: the health score and dead stock (``pipelines.health``), written in
one transaction after the forecast and the replenishment and allocation plans.

The plans are read when their tables exist; a rule whose input is not built says so in its
output (``pipelines.health.score``). Ageing and KPIs are dbt models (``inventory_age``,
``kpi_daily``, ``kpi_summary``).
"""


import dagster as dg
import duckdb
import pandas as pd

from orchestration.incremental import kept, unchanged, write_planned
from orchestration.metadata import markdown_table, png_markdown
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.config import HealthConfig, load_config
from pipelines.fingerprints import inputs_fingerprint
from pipelines.health import DeadStockInputs, HealthInputs, dead_stock, health_scores
from pipelines.reporting.charts import health_histogram_chart, stacked_bar_chart
from pipelines.warehouse import table_exists

#: dbt models read: the health step runs after them.
DBT_INPUTS = (
    dg.AssetKey(["marts", "dim_sku"]),
    dg.AssetKey(["marts", "dim_location"]),
    dg.AssetKey(["marts", "inventory_pool"]),
    dg.AssetKey(["marts", "inventory_position"]),
    dg.AssetKey(["marts", "in_transit"]),
    dg.AssetKey(["marts", "fct_daily_demand"]),
    dg.AssetKey(["intermediate", "int_sku_supply"]),
    dg.AssetKey(["intermediate", "int_inventory_layers"]),
    dg.AssetKey(["intermediate", "int_order_line_components"]),
    dg.AssetKey(["intermediate", "int_as_of"]),
    dg.AssetKey(["staging", "stg_raw__listings"]),
    dg.AssetKey(["staging", "stg_raw__lanes"]),
)
#: Planning tables read when present: the nightly run builds them before the health step.
PLAN_INPUTS = {
    "forecast": dg.AssetKey(["marts", "demand_forecast"]),
    "targets": dg.AssetKey(["marts", "replenishment_targets"]),
    "transfers": dg.AssetKey(["marts", "transfer_orders"]),
    "purchases": dg.AssetKey(["marts", "purchase_suggestions"]),
    "routing": dg.AssetKey(["marts", "order_routing"]),
    "channel_allocation": dg.AssetKey(["marts", "channel_allocation"]),
}
PLAN_QUERIES = {
    "forecast": "SELECT sku, date, p50 FROM marts.demand_forecast WHERE level = 'total' "
                "AND date > ? AND date <= ? + ?::INTEGER",
    "targets": "SELECT sku, location_id, sku_status, replenished_by, source_id, forecast_daily_units, "
               "reorder_point, order_up_to, inventory_position, days_of_cover, projected_stockout_date, "
               "reorder_date, earliest_arrival, needs_replenishment, reason FROM marts.replenishment_targets",
    "transfers": "SELECT sku, from_location, to_location, quantity, ship_by, expected_arrival "
                 "FROM marts.transfer_orders",
    "purchases": "SELECT sku, supplier_id, quantity, order_by, expected_arrival FROM marts.purchase_suggestions",
    "routing": "SELECT channel, listing_sku, quantity, route_type FROM marts.order_routing",
    "channel_allocation": "SELECT sku, channel, publishable_quantity FROM marts.channel_allocation",
}
HEALTH_KEY = dg.AssetKey(["marts", "inventory_health"])
#: The step's name in state.input_fingerprints.
STEP = "inventory_health_assets"
DEAD_STOCK_KEY = dg.AssetKey(["marts", "dead_stock"])


def _plan_frames(con: duckdb.DuckDBPyConnection, as_of, cfg: HealthConfig) -> dict[str, pd.DataFrame | None]:
    frames: dict[str, pd.DataFrame | None] = {}
    for name, sql in PLAN_QUERIES.items():
        table = PLAN_INPUTS[name].path[-1]
        if not table_exists(con, "marts", table):
            frames[name] = None
            continue
        params = [as_of, as_of, cfg.stockout_horizon_days] if name == "forecast" else []
        frames[name] = con.execute(sql, params).df()
    return frames


#: The supply columns the score reads; days of inventory and excess units at the scope of the
#: excess rule (``health.excess_scope``); on_hand (units held anywhere) for the no-sales rule.
SUPPLY_QUERY = {
    "all": "SELECT sku, on_hand, units_sold, daily_sales_rate, days_of_inventory, excess_units "
           "FROM intermediate.int_sku_supply",
    "selling": "SELECT sku, on_hand, units_sold, daily_sales_rate, "
               "days_of_inventory_selling AS days_of_inventory, excess_units_selling AS excess_units "
               "FROM intermediate.int_sku_supply",
}


def read_health_inputs(con: duckdb.DuckDBPyConnection, cfg: HealthConfig) -> HealthInputs:
    as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
    q = lambda sql, *params: con.execute(sql, list(params)).df()  # noqa: E731
    return HealthInputs(
        as_of=as_of,
        skus=q("SELECT sku, title, category, sku_status, unit_cost, launch_date, last_order_date FROM marts.dim_sku"),
        supply=q(SUPPLY_QUERY[cfg.excess_scope]),
        pool=q("SELECT sku, sellable FROM marts.inventory_pool"),
        recent_demand=q("SELECT sku, sum(units) AS units FROM marts.fct_daily_demand "
                        "WHERE date > ? - ?::INTEGER AND date <= ? GROUP BY sku", as_of, cfg.no_sales_days, as_of),
        positions=q("SELECT sku, location_id, on_hand, reserved, unsellable, available FROM marts.inventory_position"),
        locations=q("SELECT location_id, channels FROM marts.dim_location"),
        in_transit=q("SELECT sku, quantity, expected_arrival FROM marts.in_transit WHERE status <> 'planned'"),
        listings=q("SELECT channel, listing_sku, sku, units_per_listing FROM staging.stg_raw__listings"),
        lanes=q("SELECT origin_id, destination_id, mode, transit_days, lane_status FROM staging.stg_raw__lanes"),
        **_plan_frames(con, as_of, cfg),
    )


def read_dead_stock_inputs(con: duckdb.DuckDBPyConnection, cfg: HealthConfig) -> DeadStockInputs:
    as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
    q = lambda sql, *params: con.execute(sql, list(params)).df()  # noqa: E731
    return DeadStockInputs(
        as_of=as_of,
        layers=q("SELECT sku, location_id, layer_date, layer_source, age_basis, age_is_lower_bound, units, "
                 "age_days FROM intermediate.int_inventory_layers"),
        locations=q("SELECT location_id, location_type, fulfils_customers, storage_cost_per_unit_month "
                    "FROM marts.dim_location"),
        skus=q("SELECT sku, unit_cost, sku_status, last_order_date FROM marts.dim_sku"),
        shipped=q("SELECT sku, location_id, sum(units) AS units FROM intermediate.int_order_line_components "
                  "WHERE is_shipped AND shipped_at >= CAST(? AS DATE) - ?::INTEGER + 1 "
                  "AND shipped_at < CAST(? AS DATE) + 1 GROUP BY sku, location_id",
                  as_of, cfg.sales_rate_days, as_of),
        supply=q("SELECT sku, daily_sales_rate FROM intermediate.int_sku_supply"),
    )


def _bases(health: pd.DataFrame) -> dict[str, str]:
    if health.empty:
        return {}
    return {"stockout": str(health["stockout_basis"].iloc[0]), "oversell": str(health["oversell_basis"].iloc[0])}


AGE_BUCKETS = {"units_0_90": "0-90 days", "units_91_180": "91-180", "units_181_270": "181-270",
               "units_271_365": "271-365", "units_over_365": "over 365"}


def _png_markdown(png: bytes, alt: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(png_markdown(png, alt))


def ageing_chart(con: duckdb.DuckDBPyConnection) -> dg.MetadataValue:
    """Units on hand by location and FIFO age bucket (marts.inventory_age)."""
    if not table_exists(con, "marts", "inventory_age"):
        return dg.MetadataValue.md("_marts.inventory_age not built_")
    sums = ", ".join(f"sum({c}) AS {c}" for c in AGE_BUCKETS)
    by_location = con.execute(f"SELECT location_id, {sums} FROM marts.inventory_age GROUP BY 1 ORDER BY 1").df()
    if by_location.empty:
        return dg.MetadataValue.md("_no stock on hand_")
    table = by_location.rename(columns=AGE_BUCKETS)
    return _png_markdown(stacked_bar_chart(table, "location_id", list(AGE_BUCKETS.values()), "units on hand"),
                         "inventory age")


def health_metadata(health: pd.DataFrame, dead: pd.DataFrame,
                    ageing: dg.MetadataValue | None = None) -> tuple[dict, dict]:
    attention = health[health["needs_attention"]]
    causes = pd.DataFrame({
        "cause": ["no sales", "excess inventory", "stockout risk", "oversell risk"],
        "skus": [int((health[c] > 0).sum()) for c in
                 ("no_sales_deduction", "excess_deduction", "stockout_deduction", "oversell_deduction")],
    })
    chart = _png_markdown(health_histogram_chart(health["score"]), "health scores")
    actions = attention.groupby("action", as_index=False).agg(skus=("sku", "size"))
    shown = ["sku", "score", "action", "recommendation", "no_sales_reason", "excess_reason", "stockout_reason",
             "oversell_reason"]
    by_rec = (dead.groupby("recommendation", as_index=False)
              .agg(rows=("sku", "size"), units=("dead_units", "sum"), value=("value_at_cost", "sum"),
                   storage_per_month=("storage_cost_per_month", "sum")).round(2)) if len(dead) else pd.DataFrame()
    return (
        {
            "dagster/row_count": dg.MetadataValue.int(len(health)),
            "table": dg.MetadataValue.text("marts.inventory_health"),
            "as_of": str(health["as_of"].iloc[0]) if len(health) else "",
            "needs_attention": int(len(attention)),
            "mean_score": float(round(health["score"].mean(), 1)) if len(health) else 0.0,
            "inputs": dg.MetadataValue.json(_bases(health)),
            "causes": markdown_table(causes),
            "actions_needing_attention": markdown_table(actions),
            "score_distribution": chart,
            "needs_attention_preview": markdown_table(attention[shown], max_rows=15),
        },
        {
            "dagster/row_count": dg.MetadataValue.int(len(dead)),
            "table": dg.MetadataValue.text("marts.dead_stock"),
            "dead_units": int(dead["dead_units"].sum()) if len(dead) else 0,
            "value_at_cost": float(dead["value_at_cost"].sum()) if len(dead) else 0.0,
            "storage_cost_per_month": float(dead["storage_cost_per_month"].sum()) if len(dead) else 0.0,
            "by_recommendation": markdown_table(by_rec),
            "ageing": ageing or dg.MetadataValue.md("_not charted_"),
            "preview": markdown_table(dead[["sku", "location_id", "dead_units", "value_at_cost",
                                            "storage_cost_to_date", "recommendation", "reason"]]
                                      if len(dead) else dead),
        },
    )


@dg.multi_asset(
    name="inventory_health_assets",
    specs=[
        dg.AssetSpec(HEALTH_KEY, group_name="health", kinds={"python", "duckdb"},
                     deps=[*DBT_INPUTS, *PLAN_INPUTS.values()],
                     description="Per SKU: health score 0-100 (deductions for no sales, excess days of "
                                 "inventory, a projected stockout the replenishment plan does not prevent, "
                                 "oversell risk), each component with its reason, needs_attention, and one "
                                 "action (rebalance, urgent replenishment, replenish, clearance, review "
                                 "listing, follow the plan) with why."),
        dg.AssetSpec(DEAD_STOCK_KEY, group_name="health", kinds={"python", "duckdb"},
                     deps=list(DBT_INPUTS),
                     description="Per SKU x location: units unsold for dead_stock_days (FIFO age; at least "
                                 "the days since the last sale for units no receipt explains), their "
                                 "value at cost, storage cost so far and per month ahead, and whether to "
                                 "promote, move or liquidate them."),
    ],
    pool=DUCKDB_POOL,
)
def inventory_health_assets(context: dg.AssetExecutionContext, stockpilot: StockpilotResource):
    """Score every SKU and list dead stock; both tables replaced in one transaction, or kept
    when the inputs and settings are those they were built from."""
    cfg = load_config().health
    with stockpilot.connect(read_only=True) as con:
        health_inputs = read_health_inputs(con, cfg)
        dead_inputs = read_dead_stock_inputs(con, cfg)
        fingerprint = inputs_fingerprint({"health": inputs_fingerprint(health_inputs),
                                          "dead_stock": inputs_fingerprint(dead_inputs)}, cfg)
        stored = unchanged(con, STEP, fingerprint, ["inventory_health", "dead_stock"])
        if stored is not None:
            context.log.info("health: inputs unchanged, tables kept")
            as_of = {"as_of": health_inputs.as_of.isoformat()}
            yield from kept(con, {"inventory_health": HEALTH_KEY, "dead_stock": DEAD_STOCK_KEY}, stored,
                            {"inventory_health": as_of, "dead_stock": as_of})
            return
        ageing = ageing_chart(con)
    health = health_scores(health_inputs, cfg)
    dead = dead_stock(dead_inputs, cfg)
    write_planned(stockpilot, STEP, fingerprint, health_inputs.as_of,
                  {"inventory_health": health, "dead_stock": dead})
    for name, basis in _bases(health).items():
        if "not built" in basis:
            context.log.warning(f"health: the {name} rule's input is not built ({basis})")
    health_meta, dead_meta = health_metadata(health, dead, ageing)
    health_meta["recomputed"] = dead_meta["recomputed"] = True
    yield dg.MaterializeResult(asset_key=HEALTH_KEY, metadata=health_meta)
    yield dg.MaterializeResult(asset_key=DEAD_STOCK_KEY, metadata=dead_meta)


health_assets = [inventory_health_assets]
