"""Amazon's Reserved Inventory report → raw.amazon_reserved (the FBA location's reserved units).

The models use it as the location's reported reserved figure when it is more recent than the
latest snapshot's (``int_stock_reservations``), exactly as a snapshot's own ``reserved``.
"""

from __future__ import annotations

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import number_text

COLUMNS = (
    ReportColumn("sku", ("sku",), required=True),
    ReportColumn("reserved", ("reserved_qty",), required=True),
    ReportColumn("customer_orders", ("reserved_customerorders",)),
    ReportColumn("fc_transfers", ("reserved_fc-transfers",)),
    ReportColumn("fc_processing", ("reserved_fc-processing",)),
)
QUANTITIES = ["reserved", "reserved_customer_orders", "reserved_fc_transfers", "reserved_fc_processing"]


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    moment = ctx.file_moment()
    out = base.frame(table, "amazon_reserved", {
        "report_date": moment.day,
        "sku": table.text("sku"),
        "reserved": number_text(base.counts(table, "reserved", "reserved", failures)),
        "reserved_customer_orders": number_text(
            base.counts(table, "customer_orders", "reserved_customer_orders", failures)),
        "reserved_fc_transfers": number_text(base.counts(table, "fc_transfers", "reserved_fc_transfers", failures)),
        "reserved_fc_processing": number_text(
            base.counts(table, "fc_processing", "reserved_fc_processing", failures)),
        "reported_at": moment.moment,
    }, roles={"location_id": role("amazon_fc", "")})
    sources = {"sku": "sku", "reserved": "reserved_qty", "reserved_customer_orders": "reserved_customerorders",
               "reserved_fc_transfers": "reserved_fc-transfers", "reserved_fc_processing": "reserved_fc-processing"}
    return base.Translation(out, sources, failures, read_as=moment.describe(),
                            sum_by=(["report_date", "location_id", "sku"], QUANTITIES))


ADAPTER = ReportAdapter(
    name="amazon_reserved_inventory",
    title="Amazon Reserved Inventory report",
    feed="amazon_reserved",
    columns=COLUMNS,
    translate=translate,
    quoting=False,
    mappings=(
        Mapping("report_date", "a date in the file name, else the file's modification time"),
        Mapping("location_id", "the FBA location"),
        Mapping("sku", "`sku`"),
        Mapping("reserved", "`reserved_qty`"),
        Mapping("reserved_customer_orders", "`reserved_customerorders`"),
        Mapping("reserved_fc_transfers", "`reserved_fc-transfers`"),
        Mapping("reserved_fc_processing", "`reserved_fc-processing`"),
        Mapping("reported_at", "the file's modification time when it falls on report_date, else its start"),
    ),
    notes=(
        "Reservations: the latest figure per SKU at the FBA location — from this report or from "
        "the latest snapshot's `reserved`, whichever describes the later moment — holds the orders "
        "open at that moment; orders placed after it are added, orders closed since are taken off "
        "(`marts.inventory_position.reserved`). A SKU the latest report leaves out has none reserved.",
    ),
)
