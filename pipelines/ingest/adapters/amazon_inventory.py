"""Amazon's FBA stock reports → stock snapshots of the FBA location.

- Manage FBA Inventory (``GET_FBA_MYI_UNSUPPRESSED_INVENTORY_DATA``), in its 18-column (2018),
  21-column and 26-column (current) versions.
- Inventory Ledger, summary view (``GET_LEDGER_SUMMARY_VIEW_DATA``), daily or monthly.
"""

from __future__ import annotations

import pandas as pd

from pipelines.ingest.adapters import base
from pipelines.ingest.adapters.base import Mapping, ReportAdapter, ReportColumn, SourceFailure
from pipelines.ingest.adapters.locations import role
from pipelines.ingest.adapters.values import month_end, number_text, parse_dates

# --- Manage FBA Inventory ---------------------------------------------------------------------

FBA_COLUMNS = (
    ReportColumn("sku", ("sku", "seller-sku"), required=True),
    ReportColumn("fulfillable", ("afn-fulfillable-quantity",), required=True),
    ReportColumn("unsellable", ("afn-unsellable-quantity",), required=True),
    ReportColumn("reserved", ("afn-reserved-quantity",), required=True),
    ReportColumn("warehouse", ("afn-warehouse-quantity",)),
    ReportColumn("inbound_working", ("afn-inbound-working-quantity",)),
    ReportColumn("inbound_shipped", ("afn-inbound-shipped-quantity",)),
    ReportColumn("inbound_receiving", ("afn-inbound-receiving-quantity",)),
    ReportColumn("afn_listing", ("afn-listing-exists",)),
    ReportColumn("researching", ("afn-researching-quantity",)),
    ReportColumn("local", ("afn-fulfillable-quantity-local",)),
    ReportColumn("store", ("store",)),
)

SNAPSHOT_QUANTITIES = ["on_hand", "reserved", "unsellable", "inbound", "inbound_planned"]


def fba_version(found: set[str]) -> str:
    if "afn_fulfillable_quantity_local" in found or "store" in found:
        return "26 columns"
    if "afn_researching_quantity" in found:
        return "21 columns"
    return "18 columns"


def _sum_present(*columns: pd.Series) -> pd.Series:
    """Row sums that stay NaN only where every part is missing."""
    return pd.concat(columns, axis=1).sum(axis=1, min_count=1)


def translate_fba(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    moment = ctx.file_moment()
    fulfillable = base.counts(table, "fulfillable", "on_hand", failures)
    unsellable = base.counts(table, "unsellable", "unsellable", failures)
    reserved = base.counts(table, "reserved", "reserved", failures)
    # afn-warehouse-quantity = fulfillable + unsellable + reserved (units physically at Amazon).
    on_hand = (base.counts(table, "warehouse", "on_hand", failures) if table.has("warehouse")
               else _sum_present(fulfillable, unsellable, reserved))
    working = base.counts(table, "inbound_working", "inbound_planned", failures)
    in_transit = _sum_present(base.counts(table, "inbound_shipped", "inbound", failures),
                              base.counts(table, "inbound_receiving", "inbound", failures))
    store = table.text("store").str.upper()
    out = base.frame(table, "stock_snapshots", {
        "snapshot_date": moment.day,
        "sku": table.text("sku"),
        "on_hand": number_text(on_hand),
        "reserved": number_text(reserved),
        "unsellable": number_text(unsellable),
        "snapshot_at": moment.moment,
        "inbound": number_text(in_transit),
        "inbound_planned": number_text(working),
    }, roles={"location_id": store.map(lambda market: role("amazon_fc", market))})
    # Listings Amazon does not fulfil appear with empty FBA figures: they are not FBA stock.
    merchant_only = (table.text("afn_listing").str.lower() == "no").to_numpy()
    warnings = []
    if merchant_only.any():
        out = out[~merchant_only].reset_index(drop=True)
        warnings.append(f"{int(merchant_only.sum())} merchant-fulfilled listing rows (afn-listing-exists No) "
                        "are not FBA stock and were left out")
    sources = {"sku": "sku", "on_hand": "afn-warehouse-quantity", "reserved": "afn-reserved-quantity",
               "unsellable": "afn-unsellable-quantity", "inbound": "afn-inbound-shipped/receiving-quantity",
               "inbound_planned": "afn-inbound-working-quantity"}
    return base.Translation(out, sources, failures, warnings=warnings, read_as=moment.describe(),
                            sum_by=(["snapshot_date", "location_id", "sku"], SNAPSHOT_QUANTITIES))


FBA_INVENTORY = ReportAdapter(
    name="amazon_fba_inventory",
    title="Amazon Manage FBA Inventory report",
    feed="stock_snapshots",
    columns=FBA_COLUMNS,
    translate=translate_fba,
    quoting=False,
    version=fba_version,
    mappings=(
        Mapping("snapshot_date", "a date in the file name, else the file's modification time"),
        Mapping("location_id", "the FBA location (of the marketplace in `store`, 26-column version)"),
        Mapping("sku", "`sku`"),
        Mapping("on_hand", "`afn-warehouse-quantity` (= fulfillable + unsellable + reserved), else the "
                           "sum of those three"),
        Mapping("reserved", "`afn-reserved-quantity`"),
        Mapping("unsellable", "`afn-unsellable-quantity`"),
        Mapping("snapshot_at", "the file's modification time when it falls on snapshot_date, else its start"),
        Mapping("inbound", "`afn-inbound-shipped-quantity` + `afn-inbound-receiving-quantity`"),
        Mapping("inbound_planned", "`afn-inbound-working-quantity`"),
    ),
    notes=(
        "Versions: 18 columns (2018), 21 (adds `afn-researching-quantity`, `afn-reserved-future-supply`, "
        "`afn-future-supply-buyable`) and 26 (adds local/remote fulfillable, `afn-fc-transfer-quantity`, "
        "`afn-onhand-buyable-quantity`, `store`). The added columns are not needed: units under research "
        "are not in the warehouse quantity, FC transfers are inside the reserved one.",
        "Rows with `afn-listing-exists` No are merchant-fulfilled listings, not FBA stock: left out "
        "(counted in the run's warnings). `mfn-fulfillable-quantity` is the seller's own stock, which "
        "comes from the seller's own snapshots.",
        "Several rows of one SKU (conditions) are summed.",
    ),
)

# --- Inventory Ledger, summary view -------------------------------------------------------------

LEDGER_COLUMNS = (
    ReportColumn("date", ("Date",), required=True),
    ReportColumn("sku", ("MSKU", "Merchant SKU"), required=True),
    ReportColumn("disposition", ("Disposition",), required=True),
    ReportColumn("ending", ("EndingWarehouseBalance", "Ending Warehouse Balance"), required=True),
    ReportColumn("location", ("Location",)),
)
SELLABLE = "SELLABLE"


def translate_ledger(table: base.ReportTable, ctx: base.ReportContext) -> base.Translation:
    failures: list[SourceFailure] = []
    raw_date = table.text("date")
    months = month_end(raw_date).values
    days = parse_dates(raw_date.where(months.isna(), ""), day_first=False)
    day = months.fillna(days.values).fillna("")
    bad_date = days.bad & months.isna().to_numpy()
    if bad_date.any():
        failures.append(base.bad_value_failure("snapshot_date", raw_date, bad_date, "a date this report uses",
                                               "date"))
    ending = base.counts(table, "ending", "on_hand", failures)
    sellable = (table.text("disposition").str.upper() == SELLABLE).to_numpy()
    unsellable = ending.where(~sellable, 0.0)
    market = table.text("location").str.upper()
    # The balance at the end of the day (or month) the row describes.
    snapshot_at = day.where(day == "", day + "T23:59:59")
    out = base.frame(table, "stock_snapshots", {
        "snapshot_date": day,
        "sku": table.text("sku"),
        "on_hand": number_text(ending),
        "unsellable": number_text(unsellable),
        "snapshot_at": snapshot_at,
    }, roles={"location_id": market.map(lambda m: role("amazon_fc", m))})
    sources = {"snapshot_date": "Date", "sku": "MSKU", "on_hand": "EndingWarehouseBalance",
               "unsellable": "EndingWarehouseBalance"}
    return base.Translation(out, sources, failures, read_as="dated by its Date column (end of day)",
                            sum_by=(["snapshot_date", "location_id", "sku"], ["on_hand", "unsellable"]))


INVENTORY_LEDGER = ReportAdapter(
    name="amazon_inventory_ledger",
    title="Amazon Inventory Ledger summary report",
    feed="stock_snapshots",
    columns=LEDGER_COLUMNS,
    translate=translate_ledger,
    quoting=False,
    excluded_by=("EventType", "ReferenceID"),
    mappings=(
        Mapping("snapshot_date", "`Date` (MM/DD/YYYY; a monthly summary's MM/YYYY is its last day)"),
        Mapping("location_id", "the FBA location of `Location` (a country such as US, or an FC code)"),
        Mapping("sku", "`MSKU`"),
        Mapping("on_hand", "`EndingWarehouseBalance`, summed over dispositions"),
        Mapping("unsellable", "`EndingWarehouseBalance` of dispositions other than SELLABLE"),
        Mapping("snapshot_at", "the end of `Date` (23:59:59): the balance after the day's movements"),
    ),
    notes=(
        "The detail view of the Ledger (`EventType`, `ReferenceID` …) is another report, not read.",
        "The summary has no reserved figure: reservations come from open orders (or from the "
        "Reserved Inventory report). Units moving between Amazon's own centres "
        "(`InTransitBetweenWarehouses`) are not counted.",
    ),
)
