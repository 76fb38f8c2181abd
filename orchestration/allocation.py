"""Channel allocation and order routing: one step writes the four tables in one transaction.

It reads the marts of the stock picture and, when one has been published, the demand forecast.
The forecast is a dependency of the nightly run (allocation waits for tonight's forecast) but
not part of ``landing_refresh``: a new order file refreshes the allocation in seconds from the
forecast already in the warehouse, falling back per SKU to recent demand where there is none.
"""

import dagster as dg
import duckdb
import pandas as pd

from orchestration.incremental import kept, unchanged, write_planned
from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.allocation import AllocationInputs, AllocationPlan, build_allocation_plan
from pipelines.allocation.invariants import beyond_buffer, dedicated_over_sellable, overdrawn_locations
from pipelines.config import AllocationConfig, load_config
from pipelines.fingerprints import inputs_fingerprint
from pipelines.warehouse import table_exists

#: What the plan reads: the landing refresh rebuilds these (and their upstream) before it.
BLOCKING_INPUTS = (
    dg.AssetKey(["marts", "inventory_position"]),
    dg.AssetKey(["marts", "in_transit"]),
    dg.AssetKey(["marts", "dim_location"]),
    dg.AssetKey(["marts", "dim_sku"]),
    dg.AssetKey(["marts", "fct_daily_demand"]),
    dg.AssetKey(["staging", "stg_raw__channels"]),
    dg.AssetKey(["staging", "stg_raw__listings"]),
    dg.AssetKey(["staging", "stg_raw__routing_rules"]),
    dg.AssetKey(["intermediate", "int_order_line_components"]),
    dg.AssetKey(["intermediate", "int_order_lines"]),
    dg.AssetKey(["intermediate", "int_as_of"]),
)
#: Read when present ("velocity when present"); the landing refresh does not rebuild it.
FORECAST = dg.AssetKey(["marts", "demand_forecast"])
TABLES = ("channel_allocation", "listing_allocation", "stock_alerts", "order_routing")
#: The step's name in state.input_fingerprints.
STEP = "channel_allocation_plan"
ALLOCATION_KEYS = tuple(dg.AssetKey(["marts", name]) for name in TABLES)
DESCRIPTIONS = {
    "channel_allocation": "Per SKU and channel: the eligible sellable pool, what the channel may sell from "
                          "(shared, or its dedicated share), buffer, publishable quantity, ships-later units, "
                          "and the reason in words.",
    "listing_allocation": "Per channel listing: publishable quantity in listing units (packs divide by "
                          "units_per_listing, bundles take their scarcest component).",
    "stock_alerts": "SKU x channel alerts: stock within the buffer, or out of stock on a channel where the SKU "
                    "sells.",
    "order_routing": "Per open order line, in time order: the location that ships it by the routing rules and "
                     "fallbacks, or why none can.",
}

INPUT_QUERIES = {
    "position": "SELECT sku, location_id, on_hand, reserved, unsellable, available FROM marts.inventory_position",
    "in_transit": "SELECT sku, destination_id, quantity, status, expected_arrival FROM marts.in_transit",
    "locations": "SELECT location_id, location_type, region, channels FROM marts.dim_location",
    "channels": "SELECT channel, buffer_pct, buffer_units, fulfillment_cost_per_unit, commission_pct, "
                "allocation_mode, priority FROM staging.stg_raw__channels",
    "listings": "SELECT channel, listing_sku, sku, units_per_listing FROM staging.stg_raw__listings",
    "skus": "SELECT sku, unit_cost, unit_price FROM marts.dim_sku",
    "routing_rules": "SELECT channel, routing_rank, location_id FROM staging.stg_raw__routing_rules",
    "open_lines": """
        SELECT c.order_id, c.line_id, c.ordered_at, c.channel, c.listing_sku, c.quantity, c.sku, c.units,
               l.fulfilled_from, c.ship_region
        FROM intermediate.int_order_line_components AS c
        JOIN intermediate.int_order_lines AS l USING (order_id, line_id)
        WHERE c.is_open""",
}


def read_allocation_inputs(con: duckdb.DuckDBPyConnection, cfg: AllocationConfig) -> AllocationInputs:
    """Everything the plan reads, from an open warehouse connection."""
    as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
    frames = {name: con.execute(sql).df() for name, sql in INPUT_QUERIES.items()}
    if table_exists(con, "marts", "demand_forecast"):
        frames["forecast"] = con.execute(
            "SELECT sku, level_value AS channel, date, p50 FROM marts.demand_forecast "
            "WHERE level = 'channel' AND date > ? AND date <= ? + ?::INTEGER",
            [as_of, as_of, cfg.velocity_days]).df()
    else:
        frames["forecast"] = pd.DataFrame(columns=["sku", "channel", "date", "p50"])
    frames["demand"] = con.execute(
        "SELECT date, sku, channel, sum(units) AS units FROM marts.fct_daily_demand "
        "WHERE date > ? - ?::INTEGER AND date <= ? GROUP BY ALL",
        [as_of, cfg.velocity_lookback_days, as_of]).df()
    return AllocationInputs(as_of=as_of, **frames)


def _counts(series: pd.Series) -> dict[str, int]:
    return {str(k): int(v) for k, v in series.value_counts().sort_index().items()}


def _metadata(plan: AllocationPlan) -> dict[str, dict]:
    ca, la, alerts, routing = (plan.channel_allocation, plan.listing_allocation, plan.stock_alerts,
                               plan.order_routing)
    by_channel = (ca.groupby(["channel", "mode"], as_index=False)
                  .agg(skus=("sku", "count"), sellable_pool=("sellable_pool", "sum"),
                       allocated=("allocated", "sum"), buffer=("buffer", "sum"),
                       publishable=("publishable_quantity", "sum"), ships_later=("ships_later_quantity", "sum")))
    as_of = str(ca["as_of"].iloc[0]) if len(ca) else ""
    return {
        "channel_allocation": {
            "as_of": as_of,
            "by_channel": markdown_table(by_channel, max_rows=20),
            "velocity_source": dg.MetadataValue.json(_counts(ca["velocity_source"])),
            "ships_later_rows": int(ca["ships_later"].sum()),
            "preview": markdown_table(ca.sort_values("publishable_quantity", ascending=False)),
        },
        "listing_allocation": {
            "kinds": dg.MetadataValue.json(_counts(la["kind"])),
            "preview": markdown_table(la[la["kind"] != "single"] if (la["kind"] != "single").any() else la),
        },
        "stock_alerts": {
            "alerts_by_type": dg.MetadataValue.json(_counts(alerts["alert_type"])),
            "within_buffer": int((alerts["alert_type"] == "within_buffer").sum()),
            "out_of_stock": int((alerts["alert_type"] == "out_of_stock").sum()),
            "preview": markdown_table(alerts),
        },
        "order_routing": {
            "open_lines": len(routing),
            "route_types": dg.MetadataValue.json(_counts(routing["route_type"])),
            "unroutable": int((routing["route_type"] == "unroutable").sum()),
            "rerouted": int(routing["is_rerouted"].sum()),
            "unroutable_lines": markdown_table(routing[routing["route_type"] == "unroutable"], max_rows=20),
            "preview": markdown_table(routing),
        },
    }


@dg.multi_asset(
    name="channel_allocation_plan",
    specs=[dg.AssetSpec(key, group_name="allocation", kinds={"python", "duckdb"}, deps=[*BLOCKING_INPUTS, FORECAST],
                        description=DESCRIPTIONS[name]) for key, name in zip(ALLOCATION_KEYS, TABLES, strict=True)],
    check_specs=[
        dg.AssetCheckSpec("dedicated_within_sellable_stock", asset=ALLOCATION_KEYS[0],
                          description="Dedicated channels together publish at most the SKU's sellable units."),
        dg.AssetCheckSpec("publishable_is_allocation_less_buffer", asset=ALLOCATION_KEYS[0],
                          description="Every channel publishes max(allocated − buffer, 0), allocated within "
                                      "its pool."),
        dg.AssetCheckSpec("routing_within_stock", asset=ALLOCATION_KEYS[3],
                          description="No location ships more units than it had."),
    ],
    pool=DUCKDB_POOL,
)
def channel_allocation_plan(context: dg.AssetExecutionContext, stockpilot: StockpilotResource):
    """Route open orders, split the pool between channels, publish per listing, raise alerts.
    The tables (and the checks' verdicts on them) are kept when the inputs and settings are
    those they were built from: the landing sensor runs this step for every new file."""
    cfg = load_config().allocation
    with stockpilot.connect(read_only=True) as con:
        inputs = read_allocation_inputs(con, cfg)
        fingerprint = inputs_fingerprint(inputs, cfg)
        stored = unchanged(con, STEP, fingerprint, list(TABLES))
        if stored is not None:
            context.log.info("allocation: inputs unchanged, tables kept")
            yield from kept(con, dict(zip(TABLES, ALLOCATION_KEYS, strict=True)), stored)
            yield from _stored_checks(stored.outcome, stored.written_at)
            return
    if inputs.forecast.empty:
        context.log.info("no demand forecast in the warehouse: velocity from recent demand")
    plan = build_allocation_plan(inputs, cfg)
    frames = {name: getattr(plan, name) for name in TABLES}
    checks = list(_invariant_checks(plan, inputs))
    outcome = {"checks": [{"check": c.check_name, "asset": c.asset_key.to_user_string(), "passed": c.passed,
                           "violations": int(getattr(c.metadata["violations"], "value", c.metadata["violations"]))}
                          for c in checks]}
    rows = write_planned(stockpilot, STEP, fingerprint, inputs.as_of, frames, outcome)
    metadata = _metadata(plan)
    for key, name in zip(ALLOCATION_KEYS, TABLES, strict=True):
        yield dg.MaterializeResult(asset_key=key, metadata={
            "dagster/row_count": dg.MetadataValue.int(rows[name]),
            "table": dg.MetadataValue.text(f"marts.{name}"),
            "recomputed": True,
            **metadata[name],
        })
    yield from checks


def _stored_checks(outcome: dict, written_at: str):
    """The verdicts the checks gave on the kept tables when they were written (the same inputs
    give the same plan, so the same verdicts)."""
    for c in outcome.get("checks", []):
        yield dg.AssetCheckResult(asset_key=dg.AssetKey.from_user_string(c["asset"]), check_name=c["check"],
                                  passed=bool(c["passed"]),
                                  metadata={"violations": int(c["violations"]),
                                            "evaluated": f"on these tables when written, {written_at} UTC"})


def _invariant_checks(plan: AllocationPlan, inputs: AllocationInputs):
    serving = set(plan.context.eligibility["location_id"])
    found = {
        ("dedicated_within_sellable_stock", ALLOCATION_KEYS[0]):
            dedicated_over_sellable(plan.channel_allocation, plan.sellable, serving),
        ("publishable_is_allocation_less_buffer", ALLOCATION_KEYS[0]): beyond_buffer(plan.channel_allocation),
        ("routing_within_stock", ALLOCATION_KEYS[3]):
            overdrawn_locations(plan.order_routing, inputs.open_lines, plan.capacity),
    }
    for (name, key), rows in found.items():
        yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=rows.empty,
                                  metadata={"violations": len(rows), "rows": markdown_table(rows)})
