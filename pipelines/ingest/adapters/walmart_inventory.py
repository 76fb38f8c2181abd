"""Walmart Marketplace inventory report (US and Canada) → stock snapshots per ship node."""

from __future__ import annotations

import numpy as np

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import number_text

COLUMNS = (
    ReportColumn("sku", ("SKU", "Seller SKU"), required=True),
    ReportColumn("quantity", ("Input Quantity", "Inventory Count"), required=True),
    ReportColumn("item_id", ("Item ID", "Walmart SKU ID", "Offer ID"), required=True),
    ReportColumn("available", ("AvailToSell Quantity", "Available To Sell Quantity")),
    ReportColumn("node_id", ("Ship Node ID",)),
    ReportColumn("node_name", ("Ship Node Name",)),
)


def version(found: set[str]) -> str:
    return "US" if "input_quantity" in found else "Canada"


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    moment = ctx.file_moment()
    on_hand = base.counts(table, "quantity", "on_hand", failures)
    reserved = on_hand - base.counts(table, "available", "reserved", failures)
    # Input quantity includes units sold and not yet shipped; available to sell excludes them.
    negative = (reserved < 0).to_numpy()
    if negative.any():
        messages = ("reserved: AvailToSell Quantity exceeds Input Quantity ("
                    + table.text("available")[negative] + " > " + table.text("quantity")[negative] + ")")
        failures.append(SourceFailure(negative, messages.to_numpy(dtype=object), "reserved", "minimum"))
    node_id, node_name = table.text("node_id"), table.text("node_name")
    roles = [role("walmart_node", i, n) for i, n in zip(node_id, node_name, strict=True)]
    # Walmart's reserved units are Walmart's own orders: the location's whole reservation only at
    # WFS. At the seller's own node every channel's open orders are reserved instead.
    wfs = (((node_id == "") & (node_name == "")) | (node_id + " " + node_name).str.lower().str.contains("wfs")).to_numpy()
    out = base.frame(table, "stock_snapshots", {
        "snapshot_date": moment.day,
        "sku": table.text("sku"),
        "on_hand": number_text(on_hand),
        "reserved": number_text(reserved.where(~np.asarray(negative) & wfs)),
        "snapshot_at": moment.moment,
    }, roles={"location_id": roles})
    sources = {"sku": "SKU", "on_hand": "Input Quantity", "reserved": "AvailToSell Quantity",
               "location_id": "Ship Node ID"}
    return base.Translation(out, sources, failures, read_as=moment.describe(),
                            sum_by=(["snapshot_date", "location_id", "sku"], ["on_hand", "reserved"]))


ADAPTER = ReportAdapter(
    name="walmart_inventory",
    title="Walmart Marketplace inventory report",
    feed="stock_snapshots",
    columns=COLUMNS,
    translate=translate,
    version=version,
    mappings=(
        Mapping("snapshot_date", "a date in the file name, else the file's modification time"),
        Mapping("location_id", "`Ship Node ID` / `Ship Node Name`: `adapters.walmart_ship_nodes`, else the "
                               "location with that id or name; a WFS node (or none) → the Walmart WFS "
                               "location (operator walmart, type fc)"),
        Mapping("sku", "`SKU` (US) or `Seller SKU` (Canada)"),
        Mapping("on_hand", "`Input Quantity` (US) or `Inventory Count` (Canada)"),
        Mapping("reserved", "at WFS: `Input Quantity` − `AvailToSell Quantity` (sold, not shipped yet); "
                            "empty without AvailToSell, and at the seller's own nodes, where every "
                            "channel's open orders are reserved instead of Walmart's alone"),
        Mapping("snapshot_at", "the file's modification time when it falls on snapshot_date, else its start"),
    ),
    notes=(
        "Versions: US (`SKU`, `Item ID`, `Input Quantity`, `AvailToSell Quantity`, ship node id and "
        "name) and Canada (`Seller SKU`, `Offer ID`, `Walmart SKU ID`, `Inventory Count`, ship node "
        "id). Several nodes of one location are summed.",
    ),
)
