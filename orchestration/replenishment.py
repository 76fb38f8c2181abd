"""Replenishment asset: thresholds, tonight's transfer orders, regional placement and purchase
suggestions, from the forecast and the stock picture (``pipelines.replenishment``)."""

import dagster as dg
import pandas as pd

from orchestration.incremental import kept, unchanged, write_planned
from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.config import load_config
from pipelines.fingerprints import inputs_fingerprint
from pipelines.replenishment import ReplenishmentInputs, ReplenishmentPlan, plan_replenishment
from pipelines.replenishment.schema import PLACEMENT, PURCHASES, TARGETS, TRANSFERS

#: What the plan reads (dbt models and the forecast), so it runs after them and they are its lineage.
UPSTREAM = (
    dg.AssetKey(["marts", "demand_forecast"]),
    dg.AssetKey(["marts", "inventory_position"]),
    dg.AssetKey(["marts", "in_transit"]),
    dg.AssetKey(["marts", "dim_location"]),
    dg.AssetKey(["marts", "dim_sku"]),
    dg.AssetKey(["marts", "fct_daily_demand"]),
    dg.AssetKey(["intermediate", "int_demand_components"]),
    dg.AssetKey(["marts", "fct_daily_stock"]),
    dg.AssetKey(["marts", "fct_location_stockouts"]),
    dg.AssetKey(["staging", "stg_raw__lanes"]),
    dg.AssetKey(["marts", "lane_lead_times"]),
    dg.AssetKey(["staging", "stg_raw__promotions"]),
)
#: The lanes as the plan (and the backtest, which replays it) uses them: the reference file's
#: costs and status, with the transit mean and spread learned from receipts (marts.lane_lead_times).
LANES_QUERY = ("SELECT l.origin_id, l.destination_id, l.mode, t.transit_days, t.transit_days_std, l.cost_per_unit, "
               "l.lane_status, l.order_cost, l.co2e_kg_per_unit, t.n_received "
               "FROM staging.stg_raw__lanes AS l JOIN marts.lane_lead_times AS t "
               "USING (origin_id, destination_id, mode)")
#: Name → SQL; {as_of}, {abc_days}, {fulfilment_days}, {fallback_days}, {stock_days}, {error_days},
#: {history_days} and {sensing_days} are filled in from the run and config.
INPUT_QUERIES = {
    "forecast": "SELECT sku, level, level_value, date, p10, p50, p90 FROM marts.demand_forecast "
                "WHERE level IN ('total', 'region')",
    "positions": "SELECT sku, location_id, on_hand, reserved, unsellable, available, inbound, inbound_planned "
                 "FROM marts.inventory_position",
    "in_transit": "SELECT shipment_id, sku, quantity, origin_id, destination_id, mode, status, days_late "
                  "FROM marts.in_transit",
    "locations": "SELECT location_id, location_type, region, capacity_units FROM marts.dim_location",
    "lanes": LANES_QUERY,
    "skus": "SELECT sku, unit_cost, unit_price, case_pack, moq, supplier_id, production_lead_time_days, sku_status "
            "FROM marts.dim_sku",
    "revenue": "SELECT sku, sum(revenue) AS revenue FROM marts.fct_daily_demand "
               "WHERE date > DATE '{as_of}' - {abc_days} GROUP BY sku",
    # day by day, with the days each location had no stock: the share of a location is measured on
    # the days it could serve (pipelines.replenishment.demand)
    "fulfilment": "SELECT sku, region, location_id, order_date AS date, sum(units) AS units "
                  "FROM intermediate.int_demand_components WHERE order_date > DATE '{as_of}' - {fulfilment_days} "
                  "AND order_date <= DATE '{as_of}' AND location_id IS NOT NULL GROUP BY ALL",
    "fulfilment_fallback": "SELECT sku, region, location_id, sum(units) AS units "
                           "FROM intermediate.int_demand_components WHERE order_date > DATE '{as_of}' - "
                           "{fallback_days} AND order_date <= DATE '{as_of}' AND location_id IS NOT NULL "
                           "GROUP BY ALL",
    "location_stockouts": "SELECT date, sku, location_id FROM marts.fct_location_stockouts "
                          "WHERE date > DATE '{as_of}' - {stock_days} AND date <= DATE '{as_of}'",
    "history": "SELECT sku, location_id, order_date AS date, sum(units) AS units FROM intermediate.int_demand_components "
               "WHERE order_date > DATE '{as_of}' - {history_days} AND order_date <= DATE '{as_of}' GROUP BY ALL",
    "stockouts": "SELECT date, sku FROM marts.fct_daily_stock WHERE is_stockout AND date > DATE '{as_of}' - "
                 "{error_days} AND date <= DATE '{as_of}'",
    "promotions": "SELECT DISTINCT sku, start_date, end_date FROM staging.stg_raw__promotions "
                  "WHERE end_date > DATE '{as_of}' - {sensing_days} AND start_date <= DATE '{as_of}'",
}
#: The step's name in state.input_fingerprints.
STEP = "replenishment_plan"
DESCRIPTIONS = {
    "replenishment_targets": "Per SKU × customer-facing location: lead time, demand over lead time + review, "
                             "safety stock, reorder point, order-up-to, position, days of cover, projected "
                             "stockout, reorder date, earliest arrival of an order placed tonight and "
                             "whether it needs replenishment, with the reason.",
    "transfer_orders": "Tonight's transfers from upstream warehouses to locations below their reorder point: "
                       "source, lane, quantity in case packs, arrival, cost, CO2e, fallbacks for delayed lanes.",
    "regional_placement": "How stock arriving at each entry point (in transit, planned, suggested purchases) "
                          "splits across the customer-facing locations it serves, by forecast demand.",
    "purchase_suggestions": "Per SKU and supplier: network position below the network reorder point → quantity "
                            "(MOQ, case packs), order-by date, expected arrival, split and the reason.",
}


#: The tables' columns count with the settings: tables kept from a release with other columns
#: (readers downstream select the new ones) are planned again, even on unchanged inputs.
LAYOUT = {"replenishment_targets": list(TARGETS), "transfer_orders": list(TRANSFERS),
          "regional_placement": list(PLACEMENT), "purchase_suggestions": list(PURCHASES)}


def read_inputs(con, abc_days: int, fulfilment_days: int, error_days: int = 365,
                sensing_days: int = 7, history_days: int = 365, fallback_days: int = 365) -> ReplenishmentInputs:
    as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
    frames = {name: con.execute(sql.format(as_of=as_of.isoformat(), abc_days=int(abc_days),
                                           fulfilment_days=int(fulfilment_days), error_days=int(error_days),
                                           sensing_days=int(sensing_days), history_days=int(history_days),
                                           fallback_days=int(fallback_days),
                                           stock_days=max(int(fulfilment_days), int(fallback_days)))).df()
              for name, sql in INPUT_QUERIES.items()}
    return ReplenishmentInputs(as_of=as_of, **frames)


def _metadata(plan: ReplenishmentPlan) -> dict[str, dict]:
    t, tr, pl, ps = (plan.targets, plan.transfer_orders, plan.regional_placement, plan.purchase_suggestions)
    fallbacks = tr[tr["is_fallback"].astype(bool)] if len(tr) else tr
    urgent = ps[ps["is_urgent"].astype(bool)] if len(ps) else ps
    return {
        "replenishment_targets": {
            "needs_replenishment": int(t["needs_replenishment"].sum()) if len(t) else 0,
            "by_location": markdown_table(
                t.groupby("location_id").agg(rows=("sku", "size"), needs=("needs_replenishment", "sum"),
                                             lead_time_days=("lead_time_days", "mean")).round(1).reset_index()
                if len(t) else pd.DataFrame(), max_rows=30),
            "preview": markdown_table(t[t["needs_replenishment"]] if len(t) else t),
        },
        "transfer_orders": {
            "units": int(tr["quantity"].sum()) if len(tr) else 0,
            "fallbacks": len(fallbacks),
            "cost": float(tr["cost"].sum()) if len(tr) else 0.0,
            "co2e_kg": float(tr["co2e_kg"].sum()) if len(tr) else 0.0,
            "fallback_orders": markdown_table(fallbacks, max_rows=20),
            "preview": markdown_table(tr),
        },
        "regional_placement": {
            "preview": markdown_table(pl[pl["incoming_units"] > 0] if len(pl) else pl),
        },
        "purchase_suggestions": {
            "urgent": len(urgent),
            "purchase_value": float(ps["purchase_value"].sum()) if len(ps) else 0.0,
            "urgent_orders": markdown_table(urgent, max_rows=20),
            "preview": markdown_table(ps),
        },
    }


@dg.multi_asset(
    name="replenishment_plan",
    specs=[dg.AssetSpec(key=dg.AssetKey(["marts", name]), group_name="replenishment", kinds={"python", "duckdb"},
                        description=text, deps=list(UPSTREAM))
           for name, text in DESCRIPTIONS.items()],
    pool=DUCKDB_POOL,
)
def replenishment_plan(context: dg.AssetExecutionContext, stockpilot: StockpilotResource):
    """Read the marts, plan, and replace the four tables in one transaction (always one night's
    plan); keep them when the inputs and settings are those they were planned from."""
    cfg = load_config().replenishment
    with stockpilot.connect(read_only=True) as con:
        inputs = read_inputs(con, cfg.abc_lookback_days, cfg.fulfilment_lookback_days, cfg.error_lookback_days,
                             cfg.sensing_days, cfg.history_days, cfg.fulfilment_fallback_days)
        fingerprint = inputs_fingerprint(inputs, {**cfg.model_dump(), "layout": LAYOUT})
        stored = unchanged(con, STEP, fingerprint, list(DESCRIPTIONS))
        if stored is not None:
            context.log.info("replenishment: inputs unchanged, tables kept")
            as_of = {name: {"as_of": inputs.as_of.isoformat()} for name in DESCRIPTIONS}
            yield from kept(con, {name: dg.AssetKey(["marts", name]) for name in DESCRIPTIONS}, stored, as_of)
            return
    plan = plan_replenishment(inputs, cfg)
    tables = plan.tables()
    write_planned(stockpilot, STEP, fingerprint, inputs.as_of, tables)
    extra = _metadata(plan)
    for name, df in tables.items():
        context.log.info(f"marts.{name}: {len(df)} rows")
        yield dg.MaterializeResult(asset_key=dg.AssetKey(["marts", name]), metadata={
            "dagster/row_count": dg.MetadataValue.int(len(df)),
            "table": dg.MetadataValue.text(f"marts.{name}"),
            "as_of": inputs.as_of.isoformat(),
            "recomputed": True,
            **extra[name],
        })
