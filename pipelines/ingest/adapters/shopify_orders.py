"""Shopify orders export (CSV) → orders."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import currencies, number_text

COLUMNS = (
    ReportColumn("name", ("Name",), required=True),
    ReportColumn("created_at", ("Created at",), required=True),
    ReportColumn("quantity", ("Lineitem quantity",), required=True),
    ReportColumn("sku", ("Lineitem sku",), required=True),
    ReportColumn("financial_status", ("Financial Status",)),
    ReportColumn("paid_at", ("Paid at",)),
    ReportColumn("fulfillment_status", ("Fulfillment Status",)),
    ReportColumn("fulfilled_at", ("Fulfilled at",)),
    ReportColumn("line_fulfillment", ("Lineitem fulfillment status",)),
    ReportColumn("cancelled_at", ("Cancelled at",)),
    ReportColumn("price", ("Lineitem price",)),
    ReportColumn("currency", ("Currency",)),
    ReportColumn("province", ("Shipping Province",)),
    ReportColumn("country", ("Shipping Country",)),
    ReportColumn("location", ("Location",)),
)
#: Columns Shopify fills on an order's first row only; later rows of the order inherit them.
ORDER_LEVEL = ("created_at", "financial_status", "paid_at", "fulfillment_status", "fulfilled_at",
               "cancelled_at", "currency", "province", "country", "location")

#: Financial Status → the status of a line that is neither fulfilled nor cancelled.
FINANCIAL = {
    "pending": "pending", "authorized": "pending", "": "pending",
    "paid": "paid", "partially_paid": "paid", "partially_refunded": "paid",
    "refunded": "cancelled", "voided": "cancelled", "expired": "cancelled",
}


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    name = table.text("name")
    level = {}
    for key in ORDER_LEVEL:
        values = table.text(key).mask(lambda v: v == "")
        level[key] = values.groupby(name).ffill().fillna("")
    quantity = base.counts(table, "quantity", "quantity", failures)
    order_table = base.ReportTable(pd.DataFrame({k: v for k, v in level.items()}), table.row_numbers,
                                   {k: k for k in level})
    created = base.timestamps(order_table, "created_at", "ordered_at", failures)
    paid_at = base.timestamps(order_table, "paid_at", "updated_at", failures)
    fulfilled_at = base.timestamps(order_table, "fulfilled_at", "updated_at", failures)
    cancelled_at = base.timestamps(order_table, "cancelled_at", "updated_at", failures)

    financial = level["financial_status"].str.lower()
    open_status = base.mapped(financial, FINANCIAL, "status", "Financial Status", failures)
    line_state = table.text("line_fulfillment").str.lower()
    fulfilled = np.where(line_state != "", line_state == "fulfilled",
                         level["fulfillment_status"].str.lower() == "fulfilled")
    cancelled = (cancelled_at != "").to_numpy()
    refunded = (financial == "refunded").to_numpy()
    status = np.select(
        [fulfilled & refunded, cancelled, fulfilled],
        ["returned", "cancelled", "shipped"],
        default=open_status.to_numpy(dtype=object),
    )
    updated = np.select(
        [cancelled & ~(fulfilled & refunded), fulfilled & (fulfilled_at != "").to_numpy(),
         (status == "paid") & (paid_at != "").to_numpy()],
        [cancelled_at, fulfilled_at, paid_at],
        default=created.to_numpy(dtype=object),
    )
    price_raw = table.text("price")
    currency = level["currency"].str.upper()
    out = base.frame(table, "orders", {
        "order_id": name,
        "ordered_at": created,
        "channel": ctx.channel("shopify"),
        "listing_sku": table.text("sku"),
        "quantity": number_text(quantity),
        "status": pd.Series(status, index=table.data.index),
        "updated_at": pd.Series(updated, index=table.data.index),
        "unit_price": number_text(base.amounts(table, "price", "unit_price", failures)),
        "currency": currency.where(currency != "", currencies(price_raw)),
        "ship_region": ctx.ship_region(level["province"], level["country"]),
    }, roles={"fulfilled_from": level["location"].map(lambda text: role("named", text) if text else "")})
    sources = {"order_id": "Name", "ordered_at": "Created at", "listing_sku": "Lineitem sku",
               "quantity": "Lineitem quantity", "status": "Financial Status", "updated_at": "Paid at/Fulfilled at",
               "unit_price": "Lineitem price", "ship_region": "Shipping Province"}
    return base.Translation(out, sources, failures)


ADAPTER = ReportAdapter(
    name="shopify_orders",
    title="Shopify orders export",
    feed="orders",
    columns=COLUMNS,
    translate=translate,
    mappings=(
        Mapping("order_id", "`Name` (#1001)"),
        Mapping("ordered_at", "`Created at` (2024-03-15 10:22:01 -0400, converted to the business time zone)"),
        Mapping("channel", "`shopify` (or `adapters.channels.shopify`)"),
        Mapping("listing_sku", "`Lineitem sku`"),
        Mapping("quantity", "`Lineitem quantity`"),
        Mapping("status", "fulfilled and `Financial Status` refunded → returned; `Cancelled at` given → "
                          "cancelled; line fulfilled (`Lineitem fulfillment status`, else the order's "
                          "`Fulfillment Status`) → shipped; else by `Financial Status`: paid, "
                          "partially_paid, partially_refunded → paid; pending, authorized → pending; "
                          "refunded, voided, expired → cancelled"),
        Mapping("updated_at", "`Cancelled at`, `Fulfilled at` or `Paid at` for those statuses, else `Created at`"),
        Mapping("unit_price", "`Lineitem price`"),
        Mapping("currency", "`Currency`, else the currency mark of the price"),
        Mapping("ship_region", "`Shipping Province` (or `Shipping Country`) through `adapters.ship_regions`"),
        Mapping("fulfilled_from", "`Location` when it is the id or name of one of your locations, else "
                                  "the channel's first routing rule"),
    ),
    notes=(
        "Shopify writes the order's own columns (status, dates, currency, address) on its first row "
        "only: the order's other line rows take them from it.",
    ),
)
