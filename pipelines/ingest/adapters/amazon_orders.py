"""Amazon's All Orders report (flat file, by order date or last update) → orders."""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import number_text
from pipelines.ingest.validation import RULE_REPORT_ROW

#: Amazon order and item statuses → contract status. The item status (one line) wins over the
#: order status (the whole order) where the report gives it.
STATUSES = {
    "pending": "pending",
    "unshipped": "pending",
    "pendingavailability": "pending",
    "pending - waiting for pick up": "pending",
    "shipping": "shipped",
    "shipped": "shipped",
    "shipped - picked up": "shipped",
    "shipped - out for delivery": "shipped",
    "shipped - delivered to buyer": "delivered",
    "delivered": "delivered",
    "shipped - returning to seller": "returned",
    "shipped - returned to seller": "returned",
    "shipped - rejected by buyer": "returned",
    "cancelled": "cancelled",
    "canceled": "cancelled",
}

#: Amazon sales channels (marketplace domains) → ISO country, for the FBA location of a market.
MARKETPLACE_COUNTRIES = {
    "amazon.com": "US", "amazon.ca": "CA", "amazon.com.mx": "MX", "amazon.com.br": "BR",
    "amazon.co.uk": "GB", "amazon.de": "DE", "amazon.fr": "FR", "amazon.it": "IT", "amazon.es": "ES",
    "amazon.nl": "NL", "amazon.se": "SE", "amazon.pl": "PL", "amazon.com.be": "BE",
    "amazon.com.tr": "TR", "amazon.ae": "AE", "amazon.sa": "SA", "amazon.eg": "EG", "amazon.in": "IN",
    "amazon.co.jp": "JP", "amazon.com.au": "AU", "amazon.sg": "SG",
}
#: The sales channel of multi-channel fulfilment orders (sold elsewhere, shipped by FBA).
NON_AMAZON = "non-amazon"

COLUMNS = (
    ReportColumn("order_id", ("amazon-order-id",), required=True),
    ReportColumn("purchase_date", ("purchase-date",), required=True),
    ReportColumn("order_status", ("order-status",), required=True),
    ReportColumn("sku", ("sku",), required=True),
    ReportColumn("quantity", ("quantity", "quantity-purchased"), required=True),
    ReportColumn("last_updated", ("last-updated-date",)),
    ReportColumn("item_status", ("item-status",)),
    ReportColumn("order_item_id", ("order-item-id",)),
    ReportColumn("fulfillment_channel", ("fulfillment-channel",)),
    ReportColumn("sales_channel", ("sales-channel",)),
    ReportColumn("currency", ("currency",)),
    ReportColumn("item_price", ("item-price",)),
    ReportColumn("ship_state", ("ship-state",)),
    ReportColumn("ship_country", ("ship-country",)),
)


def translate(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    quantity = base.counts(table, "quantity", "quantity", failures)
    ordered_at = base.timestamps(table, "purchase_date", "ordered_at", failures)
    updated_at = base.timestamps(table, "last_updated", "updated_at", failures)
    item_status, order_status = table.text("item_status"), table.text("order_status")
    status_text = item_status.where(item_status != "", order_status)
    status = base.mapped(status_text, STATUSES, "status", "item-status/order-status", failures)

    # item-price is the line's total for its quantity.
    line_price = base.amounts(table, "item_price", "unit_price", failures)
    unit_price = line_price / quantity.where(quantity > 0)

    sales_channel = table.text("sales_channel").str.lower()
    mcf = (sales_channel == NON_AMAZON).to_numpy()
    if mcf.any():
        failures.append(SourceFailure(mcf, "channel: sales-channel 'Non-Amazon' is a multi-channel "
                                           "fulfilment order: it belongs to the channel that sold it "
                                           "(load it from that channel's export)", "channel", RULE_REPORT_ROW))
    market = sales_channel.map(MARKETPLACE_COUNTRIES).fillna("")
    by_amazon = (table.text("fulfillment_channel").str.lower().isin(["amazon", "afn"])).to_numpy()
    fulfilled_roles = pd.Series("", index=table.data.index, dtype="object")
    fulfilled_roles[by_amazon] = [role("amazon_fc", m) for m in market[by_amazon]]
    fulfilled_from = pd.Series("", index=table.data.index, dtype="object")
    merchant = ~by_amazon & (table.text("fulfillment_channel") != "").to_numpy()
    fulfilled_from[merchant] = ctx.config.amazon_merchant_fulfilled_from

    out = base.frame(table, "orders", {
        "order_id": table.text("order_id"),
        "ordered_at": ordered_at,
        "channel": ctx.channel("amazon"),
        "listing_sku": table.text("sku"),
        "quantity": number_text(quantity),
        "status": status,
        "line_id": table.text("order_item_id"),
        "updated_at": updated_at,
        "unit_price": number_text(unit_price.round(4)),
        "currency": table.text("currency").str.upper(),
        "ship_region": ctx.ship_region(table.text("ship_state"), table.text("ship_country")),
        "fulfilled_from": fulfilled_from,
    }, roles={"fulfilled_from": fulfilled_roles})
    sources = {
        "order_id": "amazon-order-id", "ordered_at": "purchase-date", "listing_sku": "sku",
        "quantity": "quantity", "status": "item-status/order-status", "line_id": "order-item-id",
        "updated_at": "last-updated-date", "unit_price": "item-price", "currency": "currency",
        "ship_region": "ship-state", "fulfilled_from": "fulfillment-channel",
    }
    return base.Translation(out, sources, failures)


ADAPTER = ReportAdapter(
    name="amazon_all_orders",
    title="Amazon All Orders report",
    feed="orders",
    columns=COLUMNS,
    translate=translate,
    quoting=False,
    mappings=(
        Mapping("order_id", "`amazon-order-id`"),
        Mapping("ordered_at", "`purchase-date` (ISO-8601 with offset, converted to the business time zone)"),
        Mapping("channel", "`amazon` (or `adapters.channels.amazon`)"),
        Mapping("listing_sku", "`sku`"),
        Mapping("quantity", "`quantity`"),
        Mapping("status", "`item-status`, else `order-status`: Pending, Unshipped, PendingAvailability → "
                          "pending; Shipped, Shipping, Shipped - Picked Up / Out for Delivery → shipped; "
                          "Shipped - Delivered to Buyer → delivered; Shipped - Returning to / Returned to "
                          "Seller, Shipped - Rejected by Buyer → returned; Cancelled → cancelled; any other "
                          "value is quarantined"),
        Mapping("line_id", "`order-item-id` when the report has it, else the contract default (listing_sku)"),
        Mapping("updated_at", "`last-updated-date`, else ordered_at"),
        Mapping("unit_price", "`item-price` ÷ `quantity` (item-price is the line total)"),
        Mapping("currency", "`currency`"),
        Mapping("ship_region", "`ship-state` (or `ship-country`) through `adapters.ship_regions`"),
        Mapping("fulfilled_from", "`fulfillment-channel` Amazon → the FBA location of the marketplace in "
                                  "`sales-channel` (Amazon.com → US …); Merchant → "
                                  "`adapters.amazon_merchant_fulfilled_from`, else the channel's first "
                                  "routing rule"),
    ),
    notes=(
        "Rows whose `sales-channel` is `Non-Amazon` are multi-channel fulfilment orders sold on "
        "another channel: they are quarantined (rule `report_row`), to be loaded from the channel "
        "that sold them, so no order counts twice.",
        "Tab-separated, never quoted: a `\"` in a product name is an inch mark.",
        "A cancelled line that Amazon reports with quantity 0 breaks the contract's minimum of 1 and "
        "is quarantined (visible there); an earlier pending record of that line then stays open: it "
        "counts as demand, and as reserved until the next FBA snapshot.",
    ),
)
