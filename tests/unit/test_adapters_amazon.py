"""Amazon reports into the contract, row by row (New York time: EDT, UTC-4, in May)."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from pipelines.config import AdaptersConfig
from tests.unit.marketplace_seller import CONFIG, drop_report, load, load_seller, rows


@pytest.fixture
def seller(con, landing):
    return load_seller(con, landing)

ORDER_COLUMNS = ("order_id, line_id, ordered_at, channel, listing_sku, quantity, status, updated_at, unit_price, "
                 "currency, ship_region, fulfilled_from, _row_number")
SNAPSHOT_COLUMNS = "location_id, sku, snapshot_date, snapshot_at, on_hand, reserved, unsellable, inbound, inbound_planned"


def orders(warehouse):
    return rows(warehouse, f"SELECT {ORDER_COLUMNS} FROM raw.orders ORDER BY _row_number")


def snapshots(warehouse):
    return rows(warehouse, f"SELECT {SNAPSHOT_COLUMNS} FROM raw.stock_snapshots ORDER BY location_id, sku, snapshot_date")


def order(order_id, sku, quantity, status, ordered_at, updated_at, price, region, fulfilled_from, row):
    return {"order_id": order_id, "line_id": sku, "ordered_at": datetime.fromisoformat(ordered_at), "channel": "amazon",
            "listing_sku": sku, "quantity": quantity, "status": status, "updated_at": datetime.fromisoformat(updated_at),
            "unit_price": price, "currency": "USD", "ship_region": region, "fulfilled_from": fulfilled_from,
            "_row_number": row}


def test_all_orders_report_maps_each_line(seller, landing):
    drop_report(landing, "amazon_all_orders_2026-05-20.txt")
    report = load(seller, landing, "orders")
    assert (report.files_loaded, report.rows_loaded, report.rows_quarantined) == (1, 4, 2)
    assert orders(seller) == [
        # Shipped by FBA; item-price 25.98 is the line total for 2 units; 14:03 UTC = 10:03 EDT
        order("114-3941689-8772232", "MUG-01", 2, "shipped", "2026-05-18 10:03:00", "2026-05-19 05:15:00", 12.99,
              "east", "FBA-US", 1),
        # Pending / Unshipped → pending
        order("114-5520183-1093861", "MUG-01", 1, "pending", "2026-05-19 18:41:10", "2026-05-19 18:41:10", 12.99,
              "west", "FBA-US", 2),
        # the order shipped but this line's item-status is Cancelled: the line wins
        order("114-0000183-5590021", "TEA-02", 1, "cancelled", "2026-05-17 04:04:21", "2026-05-18 18:07:59", 8.5,
              "east", "FBA-US", 3),
        # merchant-fulfilled: ships from adapters.amazon_merchant_fulfilled_from
        order("114-7781220-3310455", "TEA-02", 3, "pending", "2026-05-19 12:30:00", "2026-05-19 12:30:00", 8.5,
              "central", "WH-1", 4),
    ]


def test_multi_channel_fulfilment_row_is_quarantined_as_another_channels_order(seller, landing):
    drop_report(landing, "amazon_all_orders_2026-05-20.txt")
    load(seller, landing, "orders")
    bad = rows(seller, "SELECT _source_file, _row_number, reason, failed_columns, retryable, record "
                       "FROM quarantine.orders ORDER BY _row_number")
    mcf, price = bad
    assert (mcf["_source_file"], mcf["_row_number"], mcf["retryable"]) == (
        "inbox/amazon_all_orders_2026-05-20.txt", 5, False)
    assert mcf["reason"].startswith("channel: sales-channel 'Non-Amazon' is a multi-channel fulfilment order")
    assert json.loads(mcf["record"])["merchant-order-id"] == "#1002"


def test_unreadable_price_names_the_report_column_and_keeps_the_report_row(seller, landing):
    drop_report(landing, "amazon_all_orders_2026-05-20.txt")
    load(seller, landing, "orders")
    bad = rows(seller, "SELECT _row_number, reason, failed_columns, record FROM quarantine.orders "
                       "WHERE _row_number = 6")[0]
    assert bad["reason"] == "unit_price (from 'item-price'): '19.9O' is not a number"
    assert bad["failed_columns"] == "unit_price"
    record = json.loads(bad["record"])
    assert (record["amazon-order-id"], record["item-price"], record["sku"]) == ("114-6650911-2209118", "19.9O", "BAG-03")


def test_fba_inventory_18_column_version_with_the_real_rows(seller, landing):
    drop_report(landing, "amazon_fba_inventory_18col_2018-11-02.txt")
    report = load(seller, landing, "stock_snapshots")
    assert (report.rows_loaded, report.rows_quarantined) == (4, 0)
    day, start = date(2018, 11, 2), datetime(2018, 11, 2)
    assert snapshots(seller) == [
        # inbound = shipped + receiving, inbound_planned = working (7 / 8 / 0 in the real row)
        {"location_id": "FBA-US", "sku": "ABAG-D006-02-EU6-PAN", "snapshot_date": day, "snapshot_at": start,
         "on_hand": 0, "reserved": 0, "unsellable": 0, "inbound": 8, "inbound_planned": 7},
        {"location_id": "FBA-US", "sku": "ABAG-N002-B-02-EU6-PAN", "snapshot_date": day, "snapshot_at": start,
         "on_hand": 0, "reserved": 0, "unsellable": 0, "inbound": 2, "inbound_planned": 0},
        {"location_id": "FBA-US", "sku": "ABAG-N002-C-02-EU6-PAN", "snapshot_date": day, "snapshot_at": start,
         "on_hand": 0, "reserved": 0, "unsellable": 0, "inbound": 3, "inbound_planned": 0},
        # on_hand = afn-warehouse-quantity 45 (= 40 fulfillable + 2 unsellable + 3 reserved)
        {"location_id": "FBA-US", "sku": "MUG-01", "snapshot_date": day, "snapshot_at": start,
         "on_hand": 45, "reserved": 3, "unsellable": 2, "inbound": 20, "inbound_planned": 10},
    ]


def test_fba_inventory_21_column_version_is_dated_by_its_download(seller, landing):
    drop_report(landing, "amazon_fba_inventory_21col.txt")
    load(seller, landing, "stock_snapshots")
    downloaded = datetime(2026, 5, 20, 15, 30)
    assert [(r["sku"], r["snapshot_date"], r["snapshot_at"], r["on_hand"], r["reserved"], r["unsellable"])
            for r in snapshots(seller)] == [
        ("MUG-01", date(2026, 5, 20), downloaded, 45, 3, 2),
        # afn-researching-quantity (1) is not in the warehouse quantity and is not counted
        ("TEA-02", date(2026, 5, 20), downloaded, 25, 1, 0),
    ]
    read_as = rows(seller, "SELECT read_as FROM raw._loaded_files WHERE feed = 'stock_snapshots'")[0]["read_as"]
    assert read_as == ("Amazon Manage FBA Inventory report (21 columns); "
                       "dated 2026-05-20 from the file's modification time")


def test_fba_inventory_26_column_version_sums_conditions_and_leaves_out_merchant_listings(seller, landing):
    drop_report(landing, "amazon_fba_inventory_26col_20260520.txt")
    report = load(seller, landing, "stock_snapshots")
    assert [(r["sku"], r["on_hand"], r["reserved"], r["unsellable"], r["inbound"], r["inbound_planned"])
            for r in snapshots(seller)] == [
        # New (30, 3 reserved, 20 + 4 inbound) + Used - Very Good (2 unsellable)
        ("MUG-01", 32, 3, 2, 24, 0),
        ("TEA-02", 25, 1, 0, 0, 0),
    ]
    assert report.warnings == ["inbox/amazon_fba_inventory_26col_20260520.txt: 1 merchant-fulfilled listing rows "
                               "(afn-listing-exists No) are not FBA stock and were left out"]


def test_inventory_ledger_summary_is_the_balance_at_the_end_of_its_day(seller, landing):
    drop_report(landing, "amazon_inventory_ledger_summary.txt")
    load(seller, landing, "stock_snapshots")
    end_of_day = datetime(2026, 5, 19, 23, 59, 59)
    assert [(r["sku"], r["snapshot_date"], r["snapshot_at"], r["on_hand"], r["unsellable"], r["reserved"])
            for r in snapshots(seller)] == [
        # 40 sellable + 2 customer-damaged; no reserved figure in the ledger
        ("MUG-01", date(2026, 5, 19), end_of_day, 42, 2, None),
        ("TEA-02", date(2026, 5, 19), end_of_day, 15, 0, None),
    ]


def test_monthly_ledger_summary_describes_the_last_day_of_its_month(seller, landing):
    text = (landing.parent / "ledger.txt")
    header = "Date\tFNSKU\tASIN\tMSKU\tTitle\tDisposition\tStartingWarehouseBalance\tEndingWarehouseBalance\tLocation"
    text.write_text(header + "\n04/2026\tX1\tB1\tMUG-01\tMug\tSELLABLE\t50\t38\tUS\n", encoding="utf-8")
    (landing / "inbox").mkdir()
    text.rename(landing / "inbox" / "ledger.txt")
    load(seller, landing, "stock_snapshots")
    assert [(r["snapshot_date"], r["on_hand"]) for r in snapshots(seller)] == [(date(2026, 4, 30), 38)]


def test_reserved_inventory_report_loads_its_breakdown(seller, landing):
    drop_report(landing, "amazon_reserved_inventory_2026-05-20.txt")
    load(seller, landing, "amazon_reserved")
    assert rows(seller, "SELECT report_date, reported_at, location_id, sku, reserved, reserved_customer_orders, "
                        "reserved_fc_transfers, reserved_fc_processing FROM raw.amazon_reserved ORDER BY sku") == [
        {"report_date": date(2026, 5, 20), "reported_at": datetime(2026, 5, 20, 15, 30), "location_id": "FBA-US",
         "sku": "MUG-01", "reserved": 3, "reserved_customer_orders": 2, "reserved_fc_transfers": 1,
         "reserved_fc_processing": 0},
        {"report_date": date(2026, 5, 20), "reported_at": datetime(2026, 5, 20, 15, 30), "location_id": "FBA-US",
         "sku": "TEA-02", "reserved": 1, "reserved_customer_orders": 1, "reserved_fc_transfers": 0,
         "reserved_fc_processing": 0},
    ]


def test_awd_inventory_api_response_is_stock_at_the_upstream_warehouse(seller, landing):
    drop_report(landing, "amazon_awd_inventory_2026-05-20.json")
    load(seller, landing, "stock_snapshots")
    assert [(r["location_id"], r["sku"], r["on_hand"], r["reserved"], r["inbound"]) for r in snapshots(seller)] == [
        # replenishmentQuantity (24, on its way to FBA) is left to FBA's own inbound figure
        ("AWD-US", "MUG-01", 300, 40, 500),
        ("AWD-US", "TEA-02", 120, 0, 0),
    ]


def test_awd_inventory_as_a_table_of_the_api_fields_reads_the_same(seller, landing):
    drop_report(landing, "amazon_awd_inventory_fields.csv", as_name="awd_2026-05-20.csv")
    load(seller, landing, "stock_snapshots")
    assert [(r["sku"], r["on_hand"], r["reserved"], r["inbound"]) for r in snapshots(seller)] == [
        ("MUG-01", 300, 40, 500), ("TEA-02", 120, 0, 0)]


def test_restock_report_keeps_amazons_recommendation_for_fba_skus(seller, landing):
    drop_report(landing, "amazon_restock_inventory_2026-05-20.txt")
    report = load(seller, landing, "amazon_restock")
    assert rows(seller, "SELECT location_id, sku, recommended_quantity, recommended_ship_date, alert, "
                        "recommended_action, available, inbound, units_sold_30d, days_of_supply "
                        "FROM raw.amazon_restock ORDER BY sku") == [
        {"location_id": "FBA-US", "sku": "MUG-01", "recommended_quantity": 150,
         "recommended_ship_date": date(2026, 5, 22), "alert": "Reorder now", "recommended_action": "Create shipping plan",
         "available": 40, "inbound": 30, "units_sold_30d": 120, "days_of_supply": 18.5},
        # "N/A" ship date: none
        {"location_id": "FBA-US", "sku": "TEA-02", "recommended_quantity": 0, "recommended_ship_date": None,
         "alert": None, "recommended_action": "No action required", "available": 24, "inbound": 0,
         "units_sold_30d": 12, "days_of_supply": 62.5},
    ]
    assert "1 merchant-fulfilled rows (Fulfilled by Merchant)" in report.warnings[0]


def test_several_fba_locations_need_the_config_and_rows_wait_for_it(seller, landing):
    seller.execute("INSERT INTO raw.locations (location_id, type, operator, region, channels, country) "
                   "VALUES ('FBA-WEST', 'fc', 'amazon', 'west', 'amazon', 'US')")
    drop_report(landing, "amazon_reserved_inventory_2026-05-20.txt")
    report = load(seller, landing, "amazon_reserved")
    assert (report.rows_loaded, report.rows_quarantined) == (0, 2)
    reason, retryable = seller.execute("SELECT reason, retryable FROM quarantine.amazon_reserved LIMIT 1").fetchone()
    assert reason == ("location_id: several Amazon FBA locations (FBA-US, FBA-WEST): name the one Amazon's reports "
                      "describe in adapters.amazon_fba_locations in config/stockpilot.yaml")
    assert retryable
    # the seller names it; the next run releases the rows without the file being dropped again
    named = AdaptersConfig(**{**CONFIG.model_dump(), "amazon_fba_locations": {"US": "FBA-WEST"}})
    again = load(seller, landing, "amazon_reserved", config=named)
    assert (again.rows_released, again.files_skipped) == (2, 1)
    assert rows(seller, "SELECT DISTINCT location_id FROM raw.amazon_reserved") == [{"location_id": "FBA-WEST"}]
    assert rows(seller, "SELECT count(*) AS n FROM quarantine.amazon_reserved") == [{"n": 0}]
