"""A seller's first hour: every export dropped into one inbox, each read by the feed it belongs to,
through the same validation, quarantine and load-once path as contract files."""

from __future__ import annotations

import pytest

from pipelines import contract
from pipelines.ingest.inbox import ingest_inbox
from pipelines.ingest.landing import landing_files
from tests.unit.marketplace_seller import NOW, REPORTS, drop_report, load, load_seller, rows

INBOX_REPORTS = (
    "amazon_all_orders_2026-05-20.txt", "amazon_fba_inventory_26col_20260520.txt",
    "amazon_inventory_ledger_summary.txt", "amazon_reserved_inventory_2026-05-20.txt",
    "amazon_awd_inventory_2026-05-20.json", "amazon_restock_inventory_2026-05-20.txt", "ebay_orders_report.csv",
    "ebay_orders_report_cp1252.csv", "shopify_orders_export.csv", "walmart_us_inventory_2026-05-20.csv",
    "amazon_all_orders_missing_sku.txt", "amazon_afn_inventory_unsupported.txt",
)
FEEDS = ("orders", "stock_snapshots", "shipments", "returns", "adjustments", "amazon_reserved", "amazon_restock")


@pytest.fixture
def seller(con, landing):
    return load_seller(con, landing)


@pytest.fixture
def mixed_inbox(seller, landing):
    for name in INBOX_REPORTS:
        drop_report(landing, name)
    (landing / "inbox" / "inventory.xlsx").write_bytes(b"PK\x03\x04 a spreadsheet")
    (landing / "inbox" / "my_orders.csv").write_text(
        "order_id,ordered_at,channel,listing_sku,quantity,status\nW-1,2026-05-19T10:00:00,walmart,MUG-01,2,paid\n",
        encoding="utf-8")
    return seller


def load_all(con, landing) -> dict:
    return {feed: load(con, landing, feed) for feed in FEEDS}


def test_every_report_in_a_mixed_inbox_lands_in_its_feed(mixed_inbox, landing):
    reports = load_all(mixed_inbox, landing)
    counts = {feed: (r.files_loaded, r.rows_loaded) for feed, r in reports.items()}
    assert counts == {
        # Amazon 4 + eBay 4 + eBay (cp1252) 2 + Shopify 5 + the contract file 1
        "orders": (5, 16),
        # FBA 2 + ledger 2 + AWD 2 + Walmart 3
        "stock_snapshots": (4, 9),
        "shipments": (0, 0), "returns": (0, 0), "adjustments": (0, 0),
        "amazon_reserved": (1, 2),
        "amazon_restock": (1, 2),
    }
    assert rows(mixed_inbox, "SELECT path, read_as FROM raw._loaded_files WHERE feed = 'orders' ORDER BY path") == [
        {"path": "inbox/amazon_all_orders_2026-05-20.txt", "read_as": "Amazon All Orders report"},
        {"path": "inbox/amazon_all_orders_missing_sku.txt", "read_as": "Amazon All Orders report"},
        {"path": "inbox/ebay_orders_report.csv", "read_as": "eBay Seller Hub orders report"},
        {"path": "inbox/ebay_orders_report_cp1252.csv", "read_as": "eBay Seller Hub orders report"},
        {"path": "inbox/my_orders.csv", "read_as": "landing contract"},
        {"path": "inbox/shopify_orders_export.csv", "read_as": "Shopify orders export"},
    ]


def test_known_report_missing_a_required_column_is_quarantined_whole_by_its_feed(mixed_inbox, landing):
    report = load(mixed_inbox, landing, "orders")
    assert report.files_rejected == 1
    assert rows(mixed_inbox, "SELECT _row_number, reason, failed_columns FROM quarantine.orders "
                             "WHERE _source_file = 'inbox/amazon_all_orders_missing_sku.txt'") == [
        {"_row_number": None, "failed_columns": "sku",
         "reason": "inbox/amazon_all_orders_missing_sku.txt: looks like the Amazon All Orders report but lacks the "
                   "required column sku"}]


def test_unknown_files_are_quarantined_with_the_formats_we_read(mixed_inbox, landing):
    report = ingest_inbox(mixed_inbox, landing, NOW)
    assert (report.files_found, report.files_loaded, report.files_rejected) == (14, 12, 2)
    rejected = rows(mixed_inbox, "SELECT _source_file, _row_number, reason FROM quarantine.inbox ORDER BY 1")
    assert [r["_source_file"] for r in rejected] == ["inbox/amazon_afn_inventory_unsupported.txt",
                                                     "inbox/inventory.xlsx"]
    assert all(r["_row_number"] is None for r in rejected)
    assert rejected[0]["reason"].startswith(
        "inbox/amazon_afn_inventory_unsupported.txt: not a format Stockpilot reads (header: seller-sku, ")
    assert "Amazon Restock Inventory report; eBay Seller Hub orders report;" in rejected[0]["reason"]
    assert rejected[1]["reason"].startswith("inbox/inventory.xlsx: not a file type Stockpilot reads (.csv, .tsv, "
                                            ".txt, .parquet, .json; save spreadsheets as CSV)")
    recognised = dict((file, (read_as, feed)) for file, read_as, feed in report.recognised)
    assert recognised["inbox/walmart_us_inventory_2026-05-20.csv"] == (
        "Walmart Marketplace inventory report (US)", "stock_snapshots")
    assert recognised["inbox/my_orders.csv"] == ("landing contract (orders)", "orders")


def test_running_again_loads_nothing_twice(mixed_inbox, landing):
    load_all(mixed_inbox, landing)
    ingest_inbox(mixed_inbox, landing, NOW)
    counts = {feed: rows(mixed_inbox, f'SELECT count(*) AS n FROM raw."{feed}"')[0]["n"] for feed in FEEDS}
    again = load_all(mixed_inbox, landing)
    inbox = ingest_inbox(mixed_inbox, landing, NOW)
    assert all(r.files_loaded == 0 and r.rows_loaded == 0 for r in again.values())
    assert again["orders"].files_skipped == 6
    assert (inbox.files_rejected, inbox.files_skipped) == (0, 2)
    assert {feed: rows(mixed_inbox, f'SELECT count(*) AS n FROM raw."{feed}"')[0]["n"] for feed in FEEDS} == counts


def test_report_dropped_in_a_feed_folder_is_recognised_there_too(seller, landing):
    drop_report(landing, "amazon_all_orders_2026-05-20.txt", folder="orders")
    drop_report(landing, "amazon_fba_inventory_21col.txt", folder="orders")  # in the wrong folder
    orders = load(seller, landing, "orders")
    snapshots = load(seller, landing, "stock_snapshots")
    assert (orders.files_loaded, orders.rows_loaded, orders.files_rejected) == (1, 4, 0)
    assert (snapshots.files_loaded, snapshots.rows_loaded) == (1, 2)
    assert rows(seller, "SELECT DISTINCT _source_file FROM raw.stock_snapshots") == [
        {"_source_file": "orders/amazon_fba_inventory_21col.txt"}]


def test_awd_json_in_a_feed_folder_loads_and_other_json_is_still_ignored(seller, landing):
    drop_report(landing, "amazon_awd_inventory_2026-05-20.json", folder="stock_snapshots")
    (landing / "stock_snapshots" / "notes.json").write_text('{"note": "not data"}', encoding="utf-8")
    report = load(seller, landing, "stock_snapshots")
    assert report.rows_loaded == 2
    assert report.warnings == ["stock_snapshots/notes.json: not a data file (.csv, .tsv, .txt, .parquet) nor a "
                               "report Stockpilot reads, ignored"]


def test_contract_file_in_a_feed_folder_keeps_its_old_message(seller, landing):
    (landing / "orders").mkdir()
    (landing / "orders" / "x.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    report = load(seller, landing, "orders")
    assert report.errors[0].startswith("orders/x.csv: header has no orders column (found: a, b; expected: ")
    assert report.errors[0].endswith("; nor is it a marketplace report Stockpilot reads (Amazon All Orders report; "
                                     "Amazon Manage FBA Inventory report; Amazon Inventory Ledger summary report; "
                                     "Amazon Reserved Inventory report; Amazon AWD inventory (SP-API listInventory); "
                                     "Amazon Restock Inventory report; eBay Seller Hub orders report; Shopify orders "
                                     "export; Walmart Marketplace inventory report)")


def test_landing_sensor_watches_the_inbox(landing):
    drop_report(landing, "shopify_orders_export.csv")
    drop_report(landing, "amazon_awd_inventory_2026-05-20.json")
    assert [p.relative_to(landing).as_posix() for p in landing_files(landing)] == [
        "inbox/amazon_awd_inventory_2026-05-20.json", "inbox/shopify_orders_export.csv"]


def test_report_only_tables_have_no_folder_of_their_own():
    assert {f.landing_folder for f in contract.REPORT_FEEDS} == {contract.INBOX_FOLDER}
    assert (REPORTS / "amazon_restock_inventory_2026-05-20.txt").exists()
