"""Amazon Warehousing and Distribution inventory (the SP-API AWD ``listInventory`` fields,
2024-05-09) → stock snapshots of the AWD (upstream) location.

Read from the API's JSON response (``{"inventory": [...]}``) or from a table whose columns are
the field names, with or without the ``inventoryDetails.`` prefix.
"""

from __future__ import annotations

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import number_text

COLUMNS = (
    ReportColumn("sku", ("sku",), required=True),
    ReportColumn("on_hand", ("totalOnhandQuantity",), required=True),
    ReportColumn("inbound", ("totalInboundQuantity",)),
    ReportColumn("reserved", ("inventoryDetails.reservedDistributableQuantity", "reservedDistributableQuantity")),
)


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    moment = ctx.file_moment()
    out = base.frame(table, "stock_snapshots", {
        "snapshot_date": moment.day,
        "sku": table.text("sku"),
        "on_hand": number_text(base.counts(table, "on_hand", "on_hand", failures)),
        "reserved": number_text(base.counts(table, "reserved", "reserved", failures)),
        "snapshot_at": moment.moment,
        "inbound": number_text(base.counts(table, "inbound", "inbound", failures)),
    }, roles={"location_id": role("amazon_upstream")})
    sources = {"sku": "sku", "on_hand": "totalOnhandQuantity", "inbound": "totalInboundQuantity",
               "reserved": "reservedDistributableQuantity"}
    return base.Translation(out, sources, failures, read_as=moment.describe(),
                            sum_by=(["snapshot_date", "location_id", "sku"], ["on_hand", "reserved", "inbound"]))


ADAPTER = ReportAdapter(
    name="amazon_awd_inventory",
    title="Amazon AWD inventory (SP-API listInventory)",
    feed="stock_snapshots",
    columns=COLUMNS,
    translate=translate,
    mappings=(
        Mapping("snapshot_date", "a date in the file name, else the file's modification time"),
        Mapping("location_id", "the AWD location (operator amazon, type upstream)"),
        Mapping("sku", "`sku`"),
        Mapping("on_hand", "`totalOnhandQuantity`"),
        Mapping("reserved", "`inventoryDetails.reservedDistributableQuantity` (held for a replenishment "
                            "order being prepared)"),
        Mapping("snapshot_at", "the file's modification time when it falls on snapshot_date, else its start"),
        Mapping("inbound", "`totalInboundQuantity` (on its way to AWD)"),
    ),
    notes=(
        "`replenishmentQuantity` (on its way from AWD to FBA) is not loaded: Amazon's FBA inventory "
        "report counts those units as inbound at FBA. `availableDistributableQuantity` is on hand "
        "minus reserved; `expirationDetails` are not used.",
        "A `.json` file is read as the API response; the records are the first list of objects in it.",
    ),
)
