"""The fixture warehouse of the dbt tests and how the tests run dbt on it.

Every scenario lives on its own sku (its name says which test reads it), so scenarios never
interfere. The as-of day is 2026-11-10; the position is taken at its end. All timestamps are
naive business-time timestamps, as ingestion writes them.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import duckdb

from pipelines import contract

REPO_ROOT = Path(__file__).resolve().parents[2]
DBT_PROJECT_DIR = REPO_ROOT / "dbt_project"
AS_OF = "2026-11-10"

#: When every fixture row was loaded unless a scenario says otherwise.
DEFAULT_LOADED_AT = "2026-11-12 06:00:00"


def dbt_executable() -> str:
    beside_python = Path(sys.executable).parent / "dbt"
    return str(beside_python) if beside_python.exists() else (shutil.which("dbt") or "dbt")


def run_dbt(args: list[str], warehouse: Path, work_dir: Path) -> subprocess.CompletedProcess[str]:
    """Run one dbt command on ``warehouse``; target/ and logs/ go to ``work_dir``, not the repo."""
    env = {
        **os.environ,
        "STOCKPILOT_WAREHOUSE": str(warehouse),
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
    }
    command = [
        dbt_executable(), *args,
        "--project-dir", str(DBT_PROJECT_DIR),
        "--profiles-dir", str(DBT_PROJECT_DIR),
        "--target-path", str(work_dir / "target"),
        "--log-path", str(work_dir / "logs"),
    ]
    return subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)


def create_raw_tables(path: Path) -> None:
    """An empty warehouse exactly as ingestion lays it out."""
    with duckdb.connect(str(path)) as con:
        for schema in ("raw", "quarantine", "staging", "intermediate", "marts"):
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
        for feed in contract.ALL_FEEDS + contract.REPORT_FEEDS:
            con.execute(contract.raw_table_ddl(feed))


def insert(con: duckdb.DuckDBPyConnection, feed_name: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into raw.<feed>, filling absent columns with their contract default (as
    ingestion does) and lineage columns with a fixture file, row number and load time."""
    feed = contract.FEEDS_BY_NAME[feed_name]
    columns = feed.column_names + ["_source_file", "_row_number", "_loaded_at"]
    placeholders = ", ".join("?" for _ in columns)
    quoted = ", ".join(f'"{c}"' for c in columns)
    for row_number, row in enumerate(rows, start=1):
        values = [
            row[c.name] if row.get(c.name) is not None
            else row.get(c.default_from) if c.default_from else c.default
            for c in feed.columns
        ]
        values += [
            row.get("_source_file", f"{feed.landing_folder}/fixture.csv"),
            row.get("_row_number", row_number),
            row.get("_loaded_at", DEFAULT_LOADED_AT),
        ]
        con.execute(f'INSERT INTO raw."{feed_name}" ({quoted}) VALUES ({placeholders})', values)


# --- reference data ---------------------------------------------------------------------------

LOCATIONS = [
    {"location_id": "FBA-EAST", "type": "fc", "operator": "amazon", "region": "east",
     "channels": "amazon"},
    {"location_id": "AWD-EAST", "type": "upstream", "operator": "amazon", "region": "east",
     "channels": ""},
    {"location_id": "WH-MAIN", "type": "warehouse", "operator": "seller", "region": "central",
     "channels": "shopify|ebay|walmart"},
    {"location_id": "STORE-1", "type": "store", "operator": "seller", "region": "west",
     "channels": "store"},
    {"location_id": "SUP-CN", "type": "supplier", "operator": "supplier", "region": "cn",
     "channels": ""},
]

CHANNELS = ["amazon", "shopify", "ebay", "walmart", "store", "b2b"]

# shopify's rank 2 is listed first: the lowest rank must win, not the first row
ROUTING_RULES = [
    ("amazon", 1, "FBA-EAST"),
    ("shopify", 2, "STORE-1"),
    ("shopify", 1, "WH-MAIN"),
    ("ebay", 1, "WH-MAIN"),
    ("walmart", 1, "WH-MAIN"),
    ("store", 1, "STORE-1"),
    # b2b has no routing rule: its lines have no location unless fulfilled_from says so
]

LANES = [
    ("SUP-CN", "WH-MAIN", "sea", 30.0, "active"),
    ("AWD-EAST", "FBA-EAST", "truck", 5.0, "disrupted"),
    ("WH-MAIN", "STORE-1", "truck", 2.0, "active"),
]

#: sku -> (unit_cost, unit_price); every sku is listed 1:1 on every channel.
SKUS = {
    "SKU-SHIP": (10.0, 20.0),
    "SKU-EOD": (10.0, 20.0),
    "SKU-OUT": (10.0, 20.0),
    "SKU-COUNT": (10.0, 20.0),
    "SKU-STATUS": (10.0, 20.0),
    "SKU-CANCEL": (10.0, 20.0),
    "SKU-TIE": (10.0, 20.0),
    "SKU-E": (4.0, 10.0),
    "SKU-F": (12.0, 30.0),
    "SKU-NOPRICE": (10.0, 25.0),
    "SKU-AMZ": (10.0, 20.0),
    "SKU-AMZ-SHIPPED": (10.0, 20.0),
    "SKU-OVERSOLD": (10.0, 20.0),
    "SKU-RET": (10.0, 20.0),
    "SKU-SEA": (10.0, 20.0),
    "SKU-AWD": (10.0, 20.0),
    "SKU-RCV": (10.0, 20.0),
    "SKU-ROUTE": (10.0, 20.0),
    "SKU-REG": (10.0, 20.0),
    "SKU-LATE": (10.0, 20.0),
    "SKU-REDELIVER": (10.0, 20.0),
    "SKU-IDLE": (10.0, 20.0),
    "SKU-EARLY": (10.0, 20.0),
    "SKU-RET-LOST": (10.0, 20.0),
    "SKU-RES-NEW": (10.0, 20.0),
    "SKU-RES-GONE": (10.0, 20.0),
    "SKU-INB": (10.0, 20.0),
}

#: BUNDLE-EF on shopify = 2 x SKU-E + 1 x SKU-F.
BUNDLES = [("shopify", "BUNDLE-EF", "SKU-E", 2), ("shopify", "BUNDLE-EF", "SKU-F", 1)]


def order(order_id: str, listing_sku: str, channel: str, quantity: int, status: str,
          ordered_at: str, updated_at: str | None = None, **extra: Any) -> dict[str, Any]:
    return {"order_id": order_id, "listing_sku": listing_sku, "channel": channel,
            "quantity": quantity, "status": status, "ordered_at": ordered_at,
            "updated_at": updated_at, **extra}


def snapshot(day: str, location_id: str, sku: str, on_hand: int, **extra: Any) -> dict[str, Any]:
    return {"snapshot_date": day, "location_id": location_id, "sku": sku, "on_hand": on_hand,
            **extra}


def shipment(shipment_id: str, sku: str, quantity: int, origin_id: str, destination_id: str,
             mode: str, status: str, shipped_at: str, eta: str, updated_at: str | None,
             **extra: Any) -> dict[str, Any]:
    return {"shipment_id": shipment_id, "sku": sku, "quantity": quantity, "origin_id": origin_id,
            "destination_id": destination_id, "mode": mode, "status": status,
            "shipped_at": shipped_at, "eta": eta, "updated_at": updated_at, **extra}


# --- scenarios (one sku each) -----------------------------------------------------------------

SNAPSHOTS = [
    # test_snapshot_minus_units_shipped_after_it
    snapshot("2026-11-08", "WH-MAIN", "SKU-SHIP", 100),
    # test_fct_daily_stock_*: the warehouse reports most days, the store only on 11-01
    snapshot("2026-11-01", "WH-MAIN", "SKU-OUT", 5),
    snapshot("2026-11-01", "STORE-1", "SKU-OUT", 2),
    snapshot("2026-11-02", "WH-MAIN", "SKU-OUT", 0),
    snapshot("2026-11-04", "WH-MAIN", "SKU-OUT", 3, unsellable=3),
    snapshot("2026-11-10", "WH-MAIN", "SKU-OUT", 0),
    # test_end_of_day_snapshot_includes_movements_before_its_moment
    snapshot("2026-11-09", "WH-MAIN", "SKU-EOD", 60, snapshot_at="2026-11-09 23:59:00"),
    # test_count_after_snapshot_replaces_system_figure / test_adjustment_variance_...
    snapshot("2026-11-05", "WH-MAIN", "SKU-COUNT", 50),
    # test_status_update_latest_record_wins_never_counted_twice
    snapshot("2026-11-09", "WH-MAIN", "SKU-STATUS", 20),
    # test_cancelled_line_releases_reservation_and_is_not_demand
    snapshot("2026-11-09", "WH-MAIN", "SKU-CANCEL", 10),
    # test_same_updated_at_later_loaded_record_wins
    snapshot("2026-11-09", "WH-MAIN", "SKU-TIE", 10),
    # test_bundle_explodes_to_component_units
    snapshot("2026-11-09", "WH-MAIN", "SKU-E", 50),
    snapshot("2026-11-09", "WH-MAIN", "SKU-F", 50),
    # test_amazon_snapshot_reserved_not_counted_twice: the older snapshot is superseded
    snapshot("2026-11-09", "FBA-EAST", "SKU-AMZ", 31, reserved=4, unsellable=1),
    snapshot("2026-11-10", "FBA-EAST", "SKU-AMZ", 30, reserved=5, unsellable=2),
    # test_line_shipped_after_amazon_snapshot_leaves_its_reserved_figure: both lines open at it
    snapshot("2026-11-10", "FBA-EAST", "SKU-AMZ-SHIPPED", 20, reserved=3),
    # test_oversold_location_stays_negative_and_is_not_netted_in_sellable
    snapshot("2026-11-10", "STORE-1", "SKU-OVERSOLD", 1),
    snapshot("2026-11-10", "WH-MAIN", "SKU-OVERSOLD", 5),
    # test_returns_pending_not_on_hand / test_restocked_return_adds_back
    snapshot("2026-11-01", "WH-MAIN", "SKU-RET", 10),
    # test_requested_damaged_and_disposed_returns_never_come_back_on_hand
    snapshot("2026-11-01", "WH-MAIN", "SKU-RET-LOST", 10),
    # test_departing_shipment_leaves_upstream_origin
    snapshot("2026-11-08", "AWD-EAST", "SKU-AWD", 200),
    # test_received_transfer_moves_stock_between_locations
    snapshot("2026-11-01", "WH-MAIN", "SKU-RCV", 50),
    snapshot("2026-11-01", "STORE-1", "SKU-RCV", 0),
    # test_as_of_in_the_past_ignores_later_records: the 11-11 snapshot is after the as-of day
    snapshot("2026-11-09", "WH-MAIN", "SKU-LATE", 10),
    snapshot("2026-11-11", "WH-MAIN", "SKU-LATE", 3),
    # test_redelivered_snapshot_replaces_earlier_delivery
    snapshot("2026-11-09", "WH-MAIN", "SKU-REDELIVER", 7,
             _source_file="stock_snapshots/a.csv", _loaded_at="2026-11-09 06:00:00"),
    snapshot("2026-11-09", "WH-MAIN", "SKU-REDELIVER", 9,
             _source_file="stock_snapshots/a.csv", _loaded_at="2026-11-09 08:00:00"),
    # test_reserved_report_newer_than_snapshot_replaces_its_figure: snapshot reserved 6, the
    # 11-10 08:00 Reserved Inventory report says 4
    snapshot("2026-11-09", "FBA-EAST", "SKU-RES-NEW", 20, reserved=6),
    # test_sku_left_out_of_latest_reserved_report_has_none_reserved
    snapshot("2026-11-08", "FBA-EAST", "SKU-RES-GONE", 10, reserved=3),
    # test_reported_inbound_holds_shipments_known_at_the_snapshot: Amazon says 50 inbound and
    # 20 in working shipments at 11-10 06:00
    snapshot("2026-11-10", "FBA-EAST", "SKU-INB", 10, snapshot_at="2026-11-10 06:00:00", inbound=50,
             inbound_planned=20),
]

#: Amazon Reserved Inventory reports at FBA-EAST: 11-09 08:00 and the latest, 11-10 08:00.
RESERVED_REPORTS = [
    {"report_date": "2026-11-09", "reported_at": "2026-11-09 08:00:00", "location_id": "FBA-EAST",
     "sku": "SKU-RES-GONE", "reserved": 3},
    {"report_date": "2026-11-10", "reported_at": "2026-11-10 08:00:00", "location_id": "FBA-EAST",
     "sku": "SKU-RES-NEW", "reserved": 4, "reserved_customer_orders": 3, "reserved_fc_transfers": 1},
]

ORDERS = [
    # SKU-SHIP: a line shipped before the snapshot is inside it; one shipped after is deducted
    order("O-SHIP-1", "SKU-SHIP", "ebay", 5, "paid", "2026-11-07 10:00:00"),
    order("O-SHIP-1", "SKU-SHIP", "ebay", 5, "shipped", "2026-11-07 10:00:00", "2026-11-07 15:00:00"),
    order("O-SHIP-2", "SKU-SHIP", "ebay", 3, "paid", "2026-11-08 10:00:00"),
    order("O-SHIP-2", "SKU-SHIP", "ebay", 3, "shipped", "2026-11-08 10:00:00", "2026-11-09 12:00:00"),
    # SKU-EOD: the 11-09 export was taken at 23:59, after O-EOD-1 shipped (inside it); O-EOD-2
    # ships on 11-10 and is deducted
    order("O-EOD-1", "SKU-EOD", "ebay", 4, "shipped", "2026-11-09 09:00:00", "2026-11-09 15:00:00"),
    order("O-EOD-2", "SKU-EOD", "ebay", 2, "shipped", "2026-11-10 09:00:00", "2026-11-10 11:00:00"),
    # SKU-COUNT: 2 shipped between snapshot and count, 4 after the count
    order("O-COUNT-1", "SKU-COUNT", "ebay", 2, "shipped", "2026-11-06 09:00:00", "2026-11-06 10:00:00"),
    order("O-COUNT-2", "SKU-COUNT", "ebay", 4, "shipped", "2026-11-08 09:00:00", "2026-11-08 10:00:00"),
    # SKU-STATUS: four records of one line, spread over three files
    order("O-STATUS-1", "SKU-STATUS", "shopify", 2, "pending", "2026-11-09 09:00:00",
          ship_region="NY", _source_file="orders/a.csv"),
    order("O-STATUS-1", "SKU-STATUS", "shopify", 2, "paid", "2026-11-09 09:00:00",
          "2026-11-09 10:00:00", ship_region="NY", _source_file="orders/a.csv"),
    order("O-STATUS-1", "SKU-STATUS", "shopify", 2, "shipped", "2026-11-09 09:00:00",
          "2026-11-09 15:00:00", ship_region="NY", _source_file="orders/b.csv"),
    order("O-STATUS-1", "SKU-STATUS", "shopify", 2, "delivered", "2026-11-09 09:00:00",
          "2026-11-10 08:00:00", ship_region="NY", _source_file="orders/c.csv"),
    # SKU-CANCEL: a paid line cancelled later, and one pending line
    order("O-CANCEL-1", "SKU-CANCEL", "ebay", 4, "paid", "2026-11-09 11:00:00"),
    order("O-CANCEL-1", "SKU-CANCEL", "ebay", 4, "cancelled", "2026-11-09 11:00:00",
          "2026-11-09 12:00:00"),
    order("O-CANCEL-2", "SKU-CANCEL", "ebay", 1, "pending", "2026-11-10 09:00:00"),
    # SKU-TIE: same updated_at; the cancelled record was loaded later (the paid one sits in a
    # file whose name sorts later, so _loaded_at must decide before _source_file)
    order("O-TIE-1", "SKU-TIE", "ebay", 3, "paid", "2026-11-09 12:00:00", "2026-11-09 12:00:00",
          _source_file="orders/z.csv", _loaded_at="2026-11-09 13:00:00"),
    order("O-TIE-1", "SKU-TIE", "ebay", 3, "cancelled", "2026-11-09 12:00:00",
          "2026-11-09 12:00:00", _source_file="orders/a.csv", _loaded_at="2026-11-09 14:00:00"),
    # BUNDLE-EF: 3 bundles at 60 = 180; list values E 2x10=20, F 1x30=30 -> 72 / 108
    order("O-BUNDLE-1", "BUNDLE-EF", "shopify", 3, "paid", "2026-11-09 10:00:00",
          unit_price=60.0, ship_region="CA"),
    # SKU-NOPRICE: no unit_price -> catalogue price 25 x 2 units
    order("O-NOPRICE-1", "SKU-NOPRICE", "ebay", 2, "paid", "2026-11-09 11:00:00", ship_region="CA"),
    # SKU-AMZ: one line before the 11-10 snapshot (inside its reserved figure), one after
    order("O-AMZ-1", "SKU-AMZ", "amazon", 2, "pending", "2026-11-09 23:00:00"),
    order("O-AMZ-2", "SKU-AMZ", "amazon", 1, "paid", "2026-11-10 09:00:00"),
    # SKU-AMZ-SHIPPED: 2 + 1 units open at the 11-10 snapshot (reserved 3); the 2 ship on 11-10
    order("O-AMZS-1", "SKU-AMZ-SHIPPED", "amazon", 2, "paid", "2026-11-09 15:00:00"),
    order("O-AMZS-1", "SKU-AMZ-SHIPPED", "amazon", 2, "shipped", "2026-11-09 15:00:00",
          "2026-11-10 10:00:00"),
    order("O-AMZS-2", "SKU-AMZ-SHIPPED", "amazon", 1, "pending", "2026-11-09 16:00:00"),
    # SKU-OVERSOLD: 3 reserved at a store holding 1
    order("O-OVER-1", "SKU-OVERSOLD", "store", 3, "pending", "2026-11-10 10:00:00"),
    # SKU-RET: the order the returns come from, shipped before the snapshot
    order("O-RET-1", "SKU-RET", "ebay", 5, "shipped", "2026-10-25 10:00:00", "2026-10-26 10:00:00",
          fulfilled_from="WH-MAIN"),
    # SKU-RET-LOST: the order its returns come from, shipped before the snapshot
    order("O-LOST-1", "SKU-RET-LOST", "ebay", 4, "shipped", "2026-10-25 10:00:00", "2026-10-26 10:00:00",
          fulfilled_from="WH-MAIN"),
    # SKU-ROUTE: no fulfilled_from -> shopify's rank 1 (WH-MAIN), not the first row (STORE-1)
    order("O-ROUTE-1", "SKU-ROUTE", "shopify", 2, "paid", "2026-11-09 10:00:00"),
    # SKU-REG: region from ship_region, else the location's region, else unknown
    order("O-REG-1", "SKU-REG", "amazon", 1, "shipped", "2026-11-09 10:00:00", "2026-11-09 12:00:00",
          fulfilled_from="FBA-EAST"),
    order("O-REG-2", "SKU-REG", "shopify", 2, "paid", "2026-11-09 10:00:00", ship_region="TX"),
    order("O-REG-3", "SKU-REG", "b2b", 4, "paid", "2026-11-09 10:00:00"),
    # SKU-LATE: shipped only after the as-of day; a second line is ordered after it
    order("O-LATE-1", "SKU-LATE", "ebay", 1, "paid", "2026-11-10 10:00:00"),
    order("O-LATE-1", "SKU-LATE", "ebay", 1, "shipped", "2026-11-10 10:00:00", "2026-11-11 09:00:00"),
    order("O-LATE-2", "SKU-LATE", "ebay", 2, "paid", "2026-11-11 10:00:00"),
    # SKU-RES-NEW: open before the report (inside it), open after it (added), and one inside it
    # that shipped after it (taken off): greatest(4 - 1, 0) + 1 = 4
    order("O-RESN-1", "SKU-RES-NEW", "amazon", 2, "paid", "2026-11-09 10:00:00"),
    order("O-RESN-2", "SKU-RES-NEW", "amazon", 1, "pending", "2026-11-10 09:00:00"),
    order("O-RESN-3", "SKU-RES-NEW", "amazon", 1, "paid", "2026-11-09 12:00:00"),
    order("O-RESN-3", "SKU-RES-NEW", "amazon", 1, "shipped", "2026-11-09 12:00:00", "2026-11-10 12:00:00"),
]

SHIPMENTS = [
    # SKU-INB at FBA-EAST, reported inbound 50 at 11-10 06:00: S-INB-1 departed before (inside
    # it), S-INB-2 after (added), S-INB-3 was inside it and arrived after (taken off); planned
    # S-INB-4 recorded after the snapshot (added), S-INB-5 before (inside the working figure)
    shipment("S-INB-1", "SKU-INB", 30, "SUP-CN", "FBA-EAST", "sea", "in_transit",
             "2026-11-08 00:00:00", "2026-11-15 00:00:00", "2026-11-08 00:00:00"),
    shipment("S-INB-2", "SKU-INB", 12, "SUP-CN", "FBA-EAST", "air", "in_transit",
             "2026-11-10 08:00:00", "2026-11-13 00:00:00", "2026-11-10 08:00:00"),
    shipment("S-INB-3", "SKU-INB", 8, "SUP-CN", "FBA-EAST", "air", "in_transit",
             "2026-11-07 00:00:00", "2026-11-10 00:00:00", "2026-11-07 00:00:00"),
    shipment("S-INB-3", "SKU-INB", 8, "SUP-CN", "FBA-EAST", "air", "received",
             "2026-11-07 00:00:00", "2026-11-10 00:00:00", "2026-11-10 09:00:00",
             received_at="2026-11-10 09:00:00"),
    shipment("S-INB-4", "SKU-INB", 5, "SUP-CN", "FBA-EAST", "sea", "planned",
             "2026-11-20 00:00:00", "2026-12-20 00:00:00", "2026-11-10 07:00:00"),
    shipment("S-INB-5", "SKU-INB", 9, "SUP-CN", "FBA-EAST", "sea", "planned",
             "2026-11-25 00:00:00", "2026-12-25 00:00:00", "2026-11-09 07:00:00"),
    # SKU-SEA: eta moved from 11-05 to 11-12 -> 7 days late
    shipment("S-SEA-1", "SKU-SEA", 100, "SUP-CN", "WH-MAIN", "sea", "in_transit",
             "2026-10-20 00:00:00", "2026-11-05 00:00:00", "2026-10-20 00:00:00"),
    shipment("S-SEA-1", "SKU-SEA", 100, "SUP-CN", "WH-MAIN", "sea", "at_port",
             "2026-10-20 00:00:00", "2026-11-12 00:00:00", "2026-11-03 00:00:00"),
    # SKU-SEA: eta 11-08 passed without receipt -> expected 11-11, 3 days late, overdue
    shipment("S-SEA-2", "SKU-SEA", 50, "SUP-CN", "WH-MAIN", "sea", "in_transit",
             "2026-10-15 00:00:00", "2026-11-08 00:00:00", "2026-10-15 00:00:00"),
    # SKU-SEA: on time
    shipment("S-SEA-3", "SKU-SEA", 20, "SUP-CN", "WH-MAIN", "sea", "in_transit",
             "2026-11-01 00:00:00", "2026-11-20 00:00:00", "2026-11-01 00:00:00"),
    # SKU-AWD: upstream -> FBA on a disrupted lane, eta unchanged and not yet due
    shipment("S-AWD-1", "SKU-AWD", 40, "AWD-EAST", "FBA-EAST", "truck", "in_transit",
             "2026-11-09 08:00:00", "2026-11-14 00:00:00", "2026-11-09 08:00:00"),
    # SKU-RCV: a transfer received on 11-05 (received_at before the record's updated_at)
    shipment("S-RCV-1", "SKU-RCV", 10, "WH-MAIN", "STORE-1", "truck", "in_transit",
             "2026-11-03 08:00:00", "2026-11-05 00:00:00", "2026-11-03 08:00:00"),
    shipment("S-RCV-1", "SKU-RCV", 10, "WH-MAIN", "STORE-1", "truck", "received",
             "2026-11-03 08:00:00", "2026-11-05 00:00:00", "2026-11-05 09:00:00",
             received_at="2026-11-05 08:00:00"),
    # SKU-RCV: a planned purchase order without updated_at (planned departure in December)
    shipment("S-RCV-2", "SKU-RCV", 500, "SUP-CN", "WH-MAIN", "sea", "planned",
             "2026-12-01 00:00:00", "2026-12-31 00:00:00", None),
    # SKU-EARLY: an undated plan (departure 11-20) that actually left early, on 11-08
    shipment("S-EARLY-1", "SKU-EARLY", 60, "SUP-CN", "WH-MAIN", "sea", "planned",
             "2026-11-20 00:00:00", "2026-12-20 00:00:00", None),
    shipment("S-EARLY-1", "SKU-EARLY", 60, "SUP-CN", "WH-MAIN", "sea", "in_transit",
             "2026-11-08 00:00:00", "2026-12-08 00:00:00", "2026-11-08 00:00:00"),
    # SKU-LATE: received only after the as-of day -> still inbound as of 11-10
    shipment("S-LATE-1", "SKU-LATE", 30, "SUP-CN", "WH-MAIN", "air", "in_transit",
             "2026-11-05 00:00:00", "2026-11-11 00:00:00", "2026-11-05 00:00:00"),
    shipment("S-LATE-1", "SKU-LATE", 30, "SUP-CN", "WH-MAIN", "air", "received",
             "2026-11-05 00:00:00", "2026-11-11 00:00:00", "2026-11-12 09:00:00",
             received_at="2026-11-12 09:00:00"),
]

RETURNS = [
    # SKU-RET-LOST: received then found damaged, disposed, and only requested: none is pending
    # and none comes back on hand
    {"return_id": "R-LOST-1", "order_id": "O-LOST-1", "channel": "ebay", "listing_sku": "SKU-RET-LOST",
     "quantity": 2, "status": "received", "updated_at": "2026-11-03 10:00:00"},
    {"return_id": "R-LOST-1", "order_id": "O-LOST-1", "channel": "ebay", "listing_sku": "SKU-RET-LOST",
     "quantity": 2, "status": "damaged", "updated_at": "2026-11-04 10:00:00"},
    {"return_id": "R-LOST-2", "order_id": "O-LOST-1", "channel": "ebay", "listing_sku": "SKU-RET-LOST",
     "quantity": 1, "status": "disposed", "updated_at": "2026-11-05 10:00:00"},
    {"return_id": "R-LOST-3", "order_id": "O-LOST-1", "channel": "ebay", "listing_sku": "SKU-RET-LOST",
     "quantity": 1, "status": "requested", "updated_at": "2026-11-09 10:00:00"},
    # SKU-RET: 2 units on their way back, location from the original order line
    {"return_id": "R-1", "order_id": "O-RET-1", "channel": "ebay", "listing_sku": "SKU-RET",
     "quantity": 2, "status": "in_transit", "updated_at": "2026-11-08 10:00:00"},
    # SKU-RET: 3 units received then restocked on 11-06 (after the 11-01 snapshot)
    {"return_id": "R-2", "order_id": "O-RET-1", "channel": "ebay", "listing_sku": "SKU-RET",
     "quantity": 3, "status": "received", "updated_at": "2026-11-05 10:00:00",
     "location_id": "WH-MAIN"},
    {"return_id": "R-2", "order_id": "O-RET-1", "channel": "ebay", "listing_sku": "SKU-RET",
     "quantity": 3, "status": "restocked", "updated_at": "2026-11-06 10:00:00",
     "location_id": "WH-MAIN"},
]

ADJUSTMENTS = [
    # SKU-COUNT: system expects 50 - 2 = 48 just before the count
    {"counted_at": "2026-11-07 12:00:00", "location_id": "WH-MAIN", "sku": "SKU-COUNT",
     "counted_quantity": 45, "reason": "cycle count", "counted_by": "ana"},
    # SKU-LATE: counted after the as-of day
    {"counted_at": "2026-11-11 10:00:00", "location_id": "WH-MAIN", "sku": "SKU-LATE",
     "counted_quantity": 2, "reason": "cycle count"},
]


def load_fixture(path: Path) -> None:
    create_raw_tables(path)
    with duckdb.connect(str(path)) as con:
        insert(con, "locations", LOCATIONS)
        insert(con, "channels", [
            {"channel": c, "buffer_pct": 0.0, "buffer_units": 0, "fulfillment_cost_per_unit": 0.0,
             "commission_pct": 0.0} for c in CHANNELS
        ])
        insert(con, "routing_rules", [
            {"channel": c, "rank": r, "location_id": loc} for c, r, loc in ROUTING_RULES
        ])
        insert(con, "lanes", [
            {"origin_id": o, "destination_id": d, "mode": m, "transit_days": t,
             "transit_days_std": 1.0, "cost_per_unit": 1.0, "status": s}
            for o, d, m, t, s in LANES
        ])
        insert(con, "skus", [
            {"sku": sku, "title": sku, "category": "test", "unit_cost": cost, "unit_price": price,
             "supplier_id": "SUP-CN"} for sku, (cost, price) in SKUS.items()
        ])
        insert(con, "listings", [
            {"channel": c, "listing_sku": sku, "sku": sku} for sku in SKUS for c in CHANNELS
        ] + [
            {"channel": c, "listing_sku": listing, "sku": sku, "units_per_listing": n}
            for c, listing, sku, n in BUNDLES
        ])
        insert(con, "stock_snapshots", SNAPSHOTS)
        insert(con, "orders", ORDERS)
        insert(con, "shipments", SHIPMENTS)
        insert(con, "returns", RETURNS)
        insert(con, "adjustments", ADJUSTMENTS)
        insert(con, "amazon_reserved", RESERVED_REPORTS)
