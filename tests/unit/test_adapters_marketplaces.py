"""eBay, Shopify and Walmart exports into the contract, row by row, and the files people really have:
a byte order mark, Windows-1252 with semicolons and comma decimals, quoted newlines, trailing
blank lines and report footers."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest

from tests.unit.marketplace_seller import drop_report, load, load_seller, rows


@pytest.fixture
def seller(con, landing):
    return load_seller(con, landing)

ORDER_COLUMNS = ("_row_number, order_id, line_id, listing_sku, quantity, status, ordered_at, updated_at, unit_price, "
                 "currency, ship_region, fulfilled_from")


def orders(warehouse):
    return [tuple(r.values()) for r in rows(warehouse, f"SELECT {ORDER_COLUMNS} FROM raw.orders ORDER BY _row_number")]


def at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_ebay_orders_report_maps_each_item_row(seller, landing):
    drop_report(landing, "ebay_orders_report.csv")
    report = load(seller, landing, "orders")
    # the summary row of the two-item order and the two footer lines are layout, not lines
    assert (report.rows_loaded, report.rows_quarantined, report.errors) == (4, 0, [])
    assert orders(seller) == [
        (1, "12-10455-93810", "2801990011", "MUG-01", 1, "shipped", at("2026-05-18"), at("2026-05-19"), 12.99, "USD",
         "east", None),
        # item rows take the order's ship-to state (CA) from its summary row
        (3, "05-10477-11260", "2801990012", "TEA-02", 2, "paid", at("2026-05-19"), at("2026-05-19"), 8.5, "USD",
         "west", None),
        (4, "05-10477-11260", "2801990013", "MUG-01", 1, "paid", at("2026-05-19"), at("2026-05-19"), 12.99, "USD",
         "west", None),
        # not paid yet; "$1,019.90" with a thousands separator
        (5, "23-10501-00412", "2801990014", "BAG-03", 1, "pending", at("2026-05-20"), at("2026-05-20"), 1019.9, "USD",
         "central", None),
    ]


def test_ebay_export_resaved_in_windows_1252_with_semicolons_and_euro_prices(seller, landing):
    drop_report(landing, "ebay_orders_report_cp1252.csv")
    report = load(seller, landing, "orders")
    assert report.rows_loaded == 2
    assert [(r[2], r[3], r[8], r[9], r[10]) for r in orders(seller)] == [
        ("2801990101", "MUG-01", 12.99, "EUR", None),  # "12,99 €"; NRW is in no configured region
        ("2801990102", "BAG-03", 1234.5, "EUR", None),  # "1.234,50 €"
    ]


def test_windows_1252_text_survives_into_the_quarantine_record(seller, landing):
    drop_report(landing, "ebay_orders_report_cp1252.csv")
    seller.execute("DELETE FROM raw.listings WHERE channel = 'ebay' AND listing_sku = 'MUG-01'")
    load(seller, landing, "orders")
    record = json.loads(seller.execute("SELECT record FROM quarantine.orders").fetchone()[0])
    assert (record["Buyer Name"], record["Buyer City"], record["Sold For"]) == ("Jürgen Müller", "Köln", "12,99 €")


def test_shopify_export_with_bom_multi_line_orders_and_quoted_newlines(seller, landing):
    drop_report(landing, "shopify_orders_export.csv")
    report = load(seller, landing, "orders")
    assert (report.rows_loaded, report.rows_quarantined) == (5, 0)
    assert orders(seller) == [
        # paid, not fulfilled; 10:25:40 -0400 is already New York time
        (1, "#1001", "MUG-01", "MUG-01", 2, "paid", at("2026-05-18 10:22:01"), at("2026-05-18 10:25:40"), 12.99,
         "USD", "east", None),
        # the order's second line: Shopify leaves the order columns empty, they come from the first
        (2, "#1001", "TEA-02", "TEA-02", 1, "paid", at("2026-05-18 10:22:01"), at("2026-05-18 10:25:40"), 8.5, "USD",
         "east", None),
        # fulfilled from the location Shopify calls "Main warehouse" (WH-1's name)
        (3, "#1002", "MUG-01", "MUG-01", 1, "shipped", at("2026-05-18 11:00:00"), at("2026-05-19 09:30:00"), 12.99,
         "USD", "east", "WH-1"),
        (4, "#1003", "BAG-03", "BAG-03", 1, "cancelled", at("2026-05-19 18:45:12"), at("2026-05-19 20:01:00"), 19.9,
         "USD", "west", None),
        (5, "#1004", "TEA-02", "TEA-02", 4, "pending", at("2026-05-20 07:10:00"), at("2026-05-20 07:10:00"), 8.5,
         "USD", "central", None),
    ]


def test_walmart_us_report_per_ship_node(seller, landing):
    drop_report(landing, "walmart_us_inventory_2026-05-20.csv")
    report = load(seller, landing, "stock_snapshots")
    assert (report.rows_loaded, report.rows_quarantined) == (3, 1)
    assert rows(seller, "SELECT location_id, sku, snapshot_date, on_hand, reserved FROM raw.stock_snapshots "
                        "ORDER BY location_id, sku") == [
        # the WFS node is the Walmart fc location; 36 input, 33 available to sell
        {"location_id": "WFS-US", "sku": "MUG-01", "snapshot_date": date(2026, 5, 20), "on_hand": 36, "reserved": 3},
        {"location_id": "WFS-US", "sku": "TEA-02", "snapshot_date": date(2026, 5, 20), "on_hand": 18, "reserved": 0},
        # the seller's own node, named like the location WH-1: Walmart's 2 reserved units are only
        # Walmart's orders, so every channel's open orders are reserved there instead
        {"location_id": "WH-1", "sku": "MUG-01", "snapshot_date": date(2026, 5, 20), "on_hand": 12, "reserved": None},
    ]
    reason, retryable = seller.execute("SELECT reason, retryable FROM quarantine.stock_snapshots").fetchone()
    assert reason == ("location_id (from 'Ship Node ID'): Walmart ship node '880001' (3PL Dallas) is not one of your "
                      "locations: map it in adapters.walmart_ship_nodes in config/stockpilot.yaml or give the "
                      "location that id in reference/locations")
    assert retryable


def test_walmart_canada_report_without_ship_node_is_wfs_stock(seller, landing):
    drop_report(landing, "walmart_ca_inventory.csv")
    load(seller, landing, "stock_snapshots")
    assert rows(seller, "SELECT location_id, sku, on_hand, reserved FROM raw.stock_snapshots ORDER BY sku") == [
        {"location_id": "WFS-US", "sku": "MUG-01", "on_hand": 7, "reserved": None},
        {"location_id": "WFS-US", "sku": "TEA-02", "on_hand": 1250, "reserved": None},  # "1,250"
    ]


def test_missing_channel_quarantines_rows_until_the_channel_exists(seller, landing):
    seller.execute("DELETE FROM raw.listings WHERE channel = 'shopify'")
    seller.execute("DELETE FROM raw.channels WHERE channel = 'shopify'")
    drop_report(landing, "shopify_orders_export.csv")
    report = load(seller, landing, "orders")
    assert (report.rows_loaded, report.rows_quarantined) == (0, 5)
    reason, retryable = seller.execute("SELECT reason, retryable FROM quarantine.orders WHERE _row_number = 1"
                                       ).fetchone()
    assert reason.startswith("channel: 'shopify' not found in channels.channel")
    assert retryable
