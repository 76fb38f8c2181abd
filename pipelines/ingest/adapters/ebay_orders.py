"""eBay Seller Hub orders report (CSV) → orders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.values import currencies, number_text

COLUMNS = (
    ReportColumn("order_number", ("Order Number",), required=True),
    ReportColumn("custom_label", ("Custom Label",), required=True),
    ReportColumn("quantity", ("Quantity",), required=True),
    ReportColumn("sale_date", ("Sale Date",), required=True),
    ReportColumn("item_number", ("Item Number",)),
    ReportColumn("transaction_id", ("Transaction ID",)),
    ReportColumn("sold_for", ("Sold For",)),
    ReportColumn("paid_on", ("Paid On Date",)),
    ReportColumn("shipped_on", ("Shipped On Date",)),
    ReportColumn("ship_state", ("Ship To State",)),
    ReportColumn("ship_country", ("Ship To Country",)),
    ReportColumn("buyer_state", ("Buyer State",)),
    ReportColumn("buyer_country", ("Buyer Country",)),
)


def is_furniture(values: list[str]) -> bool:
    """eBay ends the report with ``N record(s) downloaded`` and ``Seller ID: ...`` lines."""
    text = " ".join(values).strip().lower()
    return "record(s) downloaded" in text or text.startswith("seller id")


#: Order-level columns a multi-item order fills on its summary row; its item rows inherit them.
ORDER_LEVEL = ("sale_date", "paid_on", "shipped_on", "ship_state", "ship_country", "buyer_state",
               "buyer_country")


def _inherit_order_columns(table: base.ReportTable) -> base.ReportTable:
    order_number = table.text("order_number")
    data = table.data.copy()
    for key in ORDER_LEVEL:
        if table.has(key):
            column = table.columns[key]
            values = table.text(key).mask(lambda v: v == "")
            data[column] = values.groupby(order_number).ffill().fillna("")
    return base.ReportTable(data, table.row_numbers, table.columns)


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    table = _inherit_order_columns(table)
    order_number = table.text("order_number")
    label, item = table.text("custom_label"), table.text("item_number")
    quantity_raw = table.text("quantity")
    # A multi-item order has one summary row (no item) before its item rows; blank and footer
    # rows carry no order at all.
    repeated = order_number.duplicated(keep=False) & (order_number != "")
    summary = (repeated & (item == "") & (label == "")).to_numpy()
    blank = ((order_number == "") & (label == "") & (quantity_raw == "")).to_numpy()

    quantity = base.counts(table, "quantity", "quantity", failures)
    ordered_at = base.timestamps(table, "sale_date", "ordered_at", failures)
    paid_at = base.timestamps(table, "paid_on", "updated_at", failures)
    shipped_at = base.timestamps(table, "shipped_on", "updated_at", failures)
    shipped, paid = (shipped_at != "").to_numpy(), (paid_at != "").to_numpy()
    status = np.where(shipped, "shipped", np.where(paid, "paid", "pending"))
    updated_at = shipped_at.where(shipped, paid_at.where(paid, ordered_at))
    price = base.amounts(table, "sold_for", "unit_price", failures)
    state = table.text("ship_state").where(table.text("ship_state") != "", table.text("buyer_state"))
    country = table.text("ship_country").where(table.text("ship_country") != "", table.text("buyer_country"))
    out = base.frame(table, "orders", {
        "order_id": order_number,
        "ordered_at": ordered_at,
        "channel": ctx.channel("ebay"),
        "listing_sku": label,
        "quantity": number_text(quantity),
        "status": pd.Series(status, index=table.data.index),
        "line_id": table.text("transaction_id").where(table.text("transaction_id") != "", item),
        "updated_at": updated_at,
        "unit_price": number_text(price),
        "currency": currencies(table.text("sold_for")),
        "ship_region": ctx.ship_region(state, country),
    })
    out = out[~(summary | blank)].reset_index(drop=True)
    sources = {"order_id": "Order Number", "ordered_at": "Sale Date", "listing_sku": "Custom Label",
               "quantity": "Quantity", "line_id": "Transaction ID", "updated_at": "Shipped On Date/Paid On Date",
               "unit_price": "Sold For", "ship_region": "Ship To State"}
    return base.Translation(out, sources, failures)


ADAPTER = ReportAdapter(
    name="ebay_orders",
    title="eBay Seller Hub orders report",
    feed="orders",
    columns=COLUMNS,
    translate=translate,
    is_furniture=is_furniture,
    mappings=(
        Mapping("order_id", "`Order Number`"),
        Mapping("ordered_at", "`Sale Date` (Mar-15-24, 15-Mar-24, with a time zone when given)"),
        Mapping("channel", "`ebay` (or `adapters.channels.ebay`)"),
        Mapping("listing_sku", "`Custom Label` (the seller's SKU on the listing)"),
        Mapping("quantity", "`Quantity`"),
        Mapping("status", "`Shipped On Date` given → shipped; else `Paid On Date` given → paid; else pending"),
        Mapping("line_id", "`Transaction ID`, else `Item Number`"),
        Mapping("updated_at", "`Shipped On Date`, else `Paid On Date`, else `Sale Date`"),
        Mapping("unit_price", "`Sold For` (the item price; `$12.99`, `12,99 €`)"),
        Mapping("currency", "the currency mark of `Sold For`, else USD"),
        Mapping("ship_region", "`Ship To State` (else `Buyer State`) through `adapters.ship_regions`"),
        Mapping("fulfilled_from", "empty: the channel's first routing rule"),
    ),
    notes=(
        "A multi-item order's item rows take the order's dates and address from its summary row "
        "where they leave them empty.",
        "A multi-item order's summary row (no `Item Number`, no `Custom Label`), blank rows and the "
        "closing `N record(s) downloaded` / `Seller ID` lines are report layout, not order lines: "
        "left out.",
    ),
)
