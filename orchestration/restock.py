"""marts.restock_comparison: Amazon's Restock Inventory recommendation next to Stockpilot's plan
(``pipelines.marketplace.restock_comparison``)."""

import dagster as dg

from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines.marketplace import ComparisonInputs, compare_restock
from pipelines.warehouse import replace_table

KEY = dg.AssetKey(["marts", "restock_comparison"])
#: The plan it compares with, and Amazon's report (through the dbt model picking the latest one).
UPSTREAM = (
    dg.AssetKey(["intermediate", "int_latest_amazon_restock"]),
    dg.AssetKey(["marts", "replenishment_targets"]),
    dg.AssetKey(["marts", "transfer_orders"]),
    dg.AssetKey(["marts", "purchase_suggestions"]),
    dg.AssetKey(["marts", "in_transit"]),
)
INPUT_QUERIES = {
    "restock": "SELECT * FROM intermediate.int_latest_amazon_restock",
    "targets": "SELECT * FROM marts.replenishment_targets",
    "transfers": "SELECT sku, from_location, to_location, mode, quantity, ship_by FROM marts.transfer_orders",
    "purchases": "SELECT sku, supplier_id, order_by FROM marts.purchase_suggestions",
    "in_transit": "SELECT sku, quantity, origin_id, destination_id, status FROM marts.in_transit",
}


@dg.asset(
    key=KEY,
    description="Per SKU at the FBA location: Amazon's recommended replenishment quantity and ship date "
                "(latest Restock Inventory report) next to Stockpilot's (tonight's transfers, or the "
                "purchase that covers it), with why they differ in words.",
    group_name="replenishment",
    kinds={"python", "duckdb"},
    deps=list(UPSTREAM),
    pool=DUCKDB_POOL,
)
def restock_comparison(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
    with stockpilot.connect(read_only=True) as con:
        as_of = con.execute("SELECT as_of FROM intermediate.int_as_of").fetchone()[0]
        frames = {name: con.execute(sql).df() for name, sql in INPUT_QUERIES.items()}
    table = compare_restock(ComparisonInputs(as_of=as_of, **frames))
    with stockpilot.connect() as con:
        replace_table(con, "marts", "restock_comparison", table)
    differing = table[table["quantity_difference"].fillna(0) != 0]
    context.log.info(f"marts.restock_comparison: {len(table)} rows, {len(differing)} differ from Amazon")
    return dg.MaterializeResult(metadata={
        "dagster/row_count": dg.MetadataValue.int(len(table)),
        "table": dg.MetadataValue.text("marts.restock_comparison"),
        "as_of": as_of.isoformat(),
        "skus_differing": len(differing),
        "largest_differences": markdown_table(
            differing.reindex(differing["quantity_difference"].abs().sort_values(ascending=False).index)[
                ["sku", "location_id", "amazon_quantity", "stockpilot_quantity", "difference_reason"]], max_rows=20),
    })
