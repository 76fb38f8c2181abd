"""Amazon's Restock Inventory report → raw.amazon_restock, Amazon's recommendation per SKU, which
``marts.restock_comparison`` sets next to Stockpilot's own plan."""

from __future__ import annotations

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import number_text

COLUMNS = (
    ReportColumn("sku", ("Merchant SKU",), required=True),
    ReportColumn("recommended_quantity", ("Recommended replenishment qty",), required=True),
    ReportColumn("recommended_ship_date", ("Recommended ship date",), required=True),
    ReportColumn("country", ("Country",)),
    ReportColumn("recommended_action", ("Recommended action",)),
    ReportColumn("alert", ("Alert",)),
    ReportColumn("available", ("Available",)),
    ReportColumn("inbound", ("Inbound",)),
    ReportColumn("units_sold_30d", ("Units Sold Last 30 Days",)),
    ReportColumn("days_of_supply", ("Total Days of Supply (including units from open shipments)",)),
    ReportColumn("fulfilled_by", ("Fulfilled by",)),
)
#: ``Fulfilled by`` of rows about the seller's own stock (Amazon's advice for merchant-fulfilled
#: listings), which is not the FBA stock the comparison is about.
MERCHANT = "merchant"


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    moment = ctx.file_moment()
    out = base.frame(table, "amazon_restock", {
        "report_date": moment.day,
        "sku": table.text("sku"),
        "recommended_quantity": number_text(
            base.counts(table, "recommended_quantity", "recommended_quantity", failures)),
        "recommended_ship_date": base.dates(table, "recommended_ship_date", "recommended_ship_date", failures),
        "recommended_action": table.text("recommended_action"),
        "alert": table.text("alert"),
        "available": number_text(base.counts(table, "available", "available", failures)),
        "inbound": number_text(base.counts(table, "inbound", "inbound", failures)),
        "units_sold_30d": number_text(base.counts(table, "units_sold_30d", "units_sold_30d", failures)),
        "days_of_supply": number_text(base.amounts(table, "days_of_supply", "days_of_supply", failures)),
        "reported_at": moment.moment,
    }, roles={"location_id": table.text("country").str.upper().map(lambda c: role("amazon_fc", c))})
    merchant = (table.text("fulfilled_by").str.lower() == MERCHANT).to_numpy()
    warnings = []
    if merchant.any():
        out = out[~merchant].reset_index(drop=True)
        warnings.append(f"{int(merchant.sum())} merchant-fulfilled rows (Fulfilled by Merchant) are about "
                        "your own stock, not FBA, and were left out")
    sources = {"sku": "Merchant SKU", "recommended_quantity": "Recommended replenishment qty",
               "recommended_ship_date": "Recommended ship date", "available": "Available",
               "inbound": "Inbound", "units_sold_30d": "Units Sold Last 30 Days",
               "days_of_supply": "Total Days of Supply (including units from open shipments)"}
    return base.Translation(out, sources, failures, warnings=warnings, read_as=moment.describe())


ADAPTER = ReportAdapter(
    name="amazon_restock_inventory",
    title="Amazon Restock Inventory report",
    feed="amazon_restock",
    columns=COLUMNS,
    translate=translate,
    quoting=False,
    mappings=(
        Mapping("report_date", "a date in the file name, else the file's modification time"),
        Mapping("location_id", "the FBA location of `Country`"),
        Mapping("sku", "`Merchant SKU`"),
        Mapping("recommended_quantity", "`Recommended replenishment qty`"),
        Mapping("recommended_ship_date", "`Recommended ship date` (empty or N/A when none)"),
        Mapping("recommended_action", "`Recommended action`"),
        Mapping("alert", "`Alert`"),
        Mapping("available", "`Available`"),
        Mapping("inbound", "`Inbound` (working + shipped + receiving)"),
        Mapping("units_sold_30d", "`Units Sold Last 30 Days`"),
        Mapping("days_of_supply", "`Total Days of Supply (including units from open shipments)`"),
        Mapping("reported_at", "the file's modification time when it falls on report_date, else its start"),
    ),
    notes=(
        "Rows `Fulfilled by` Merchant are Amazon's advice on the seller's own stock: left out "
        "(counted in the run's warnings).",
        "Only the latest report matters: `marts.restock_comparison` compares it with Stockpilot's plan.",
    ),
)
