"""Loading: once per file content, retries of missing references, reference table replacement."""

from __future__ import annotations

import os
from datetime import datetime, timedelta

import pytest

from pipelines import contract
from pipelines.ingest import LoadReport, ingest_feed, ingest_reference, loader
from pipelines.warehouse import table_exists
from tests.unit.conftest import NOW

HEADER = "order_id,ordered_at,channel,listing_sku,quantity,status"
ORDERS = HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\nO-2,2026-05-01,amazon,B-1,1,paid\n"


def count(con, table):
    return con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def set_mtime(path, seconds_ago):
    stamp = NOW.timestamp() - seconds_ago
    os.utime(path, (stamp, stamp))


def test_every_raw_and_quarantine_table_exists_even_without_files(con, landing):
    ingest_reference(con, landing, now=NOW)
    for feed in contract.EVENT_FEEDS:
        ingest_feed(con, landing, feed, now=NOW)
    for feed in contract.ALL_FEEDS:
        assert table_exists(con, "raw", feed.name)
        assert table_exists(con, "quarantine", feed.name)
    assert table_exists(con, "raw", "_loaded_files")


def test_raw_table_has_contract_columns_then_lineage(references, landing, drop):
    drop("orders/2026/may.csv", ORDERS)
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    columns = [r[0] for r in references.execute("DESCRIBE raw.orders").fetchall()]
    assert columns == contract.ORDERS.column_names + ["_source_file", "_row_number", "_loaded_at"]
    assert references.execute("SELECT DISTINCT _source_file, _loaded_at FROM raw.orders").fetchall() == [
        ("orders/2026/may.csv", NOW.replace(tzinfo=None))]


def test_same_file_dropped_twice_under_another_name_loads_once(references, landing, drop):
    drop("orders/a.csv", ORDERS)
    drop("orders/copy of a.csv", ORDERS)
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert (report.files_found, report.files_loaded, report.files_skipped) == (2, 1, 1)
    assert count(references, "raw.orders") == 2


def test_rerun_adds_nothing(references, landing, drop):
    drop("orders/a.csv", ORDERS)
    drop("orders/b.csv", HEADER + "\nO-3,2026-05-01,amazon,A-1,-1,paid\n")
    drop("orders/c.csv", b"\x00\x01binary")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    before = (count(references, "raw.orders"), count(references, "quarantine.orders"),
              count(references, "raw._loaded_files"))
    again = ingest_feed(references, landing, contract.ORDERS, now=NOW + timedelta(hours=1))
    after = (count(references, "raw.orders"), count(references, "quarantine.orders"),
             count(references, "raw._loaded_files"))
    assert before == after == (2, 2, count(references, "raw._loaded_files"))
    assert (again.files_skipped, again.files_loaded, again.rows_loaded) == (3, 0, 0)


def test_registry_records_each_file_with_its_outcome(references, landing, drop):
    drop("orders/a.csv", ORDERS)
    drop("orders/b.csv", b"")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    rows = references.execute("SELECT path, status, rows_loaded, rows_quarantined, size_bytes, length(sha256) "
                              "FROM raw._loaded_files WHERE feed = 'orders' ORDER BY path").fetchall()
    assert rows == [("orders/a.csv", "loaded", 2, 0, len(ORDERS), 64), ("orders/b.csv", "rejected", 0, 0, 0, 64)]


def test_unknown_listing_is_quarantined_as_retryable(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,C-1,2,paid\n")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert references.execute("SELECT reason, failed_columns, retryable FROM quarantine.orders").fetchall() == [
        ("channel, listing_sku: ('amazon', 'C-1') not found in listings (channel, listing_sku)",
         "channel,listing_sku", True)]


def test_quarantined_row_loads_once_its_listing_is_added_and_leaves_quarantine(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,1,paid\nO-2,2026-05-01,amazon,C-1,2,paid\n")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    newer = drop("reference/listings_2026-06-01.csv", "channel,listing_sku,sku\namazon,A-1,A\namazon,C-1,B\n")
    set_mtime(landing / "reference" / "listings.csv", 3600)
    set_mtime(newer, 0)
    ingest_reference(references, landing, now=NOW)

    report = ingest_feed(references, landing, contract.ORDERS, now=NOW + timedelta(hours=1))

    assert report.rows_released == 1
    assert count(references, "quarantine.orders") == 0
    assert references.execute("SELECT order_id, _source_file, _row_number FROM raw.orders ORDER BY 1").fetchall() == [
        ("O-1", "orders/a.csv", 1), ("O-2", "orders/a.csv", 2)]


def test_row_failing_other_rules_besides_a_reference_is_not_retryable(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,etsy,A-1,0,paid\n")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert references.execute("SELECT retryable FROM quarantine.orders").fetchall() == [(False,)]


def test_row_still_missing_its_reference_stays_quarantined(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,C-1,2,paid\n")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.rows_released == 0
    assert count(references, "quarantine.orders") == 1


def test_reference_file_replaced_by_a_newer_one_replaces_the_table(references, landing, drop):
    newer = drop("reference/skus_2026-06-01.csv", "sku,title,category,unit_cost,unit_price,supplier_id\n"
                                                  "C,Cherry,fruit,2,5,SUP-1\n")
    set_mtime(landing / "reference" / "skus.csv", 3600)
    set_mtime(newer, 0)
    reports = {r.feed: r for r in ingest_reference(references, landing, now=NOW)}
    assert references.execute("SELECT sku, _source_file FROM raw.skus").fetchall() == [
        ("C", "reference/skus_2026-06-01.csv")]
    assert (reports["skus"].files_loaded, reports["skus"].files_skipped) == (1, 1)
    assert reports["locations"].files_skipped == 1


def test_unchanged_reference_file_is_not_reloaded(references, landing):
    reports = ingest_reference(references, landing, now=NOW + timedelta(hours=1))
    assert sum(r.files_loaded for r in reports) == 0
    assert references.execute("SELECT DISTINCT _loaded_at FROM raw.skus").fetchall() == [(NOW.replace(tzinfo=None),)]


def test_reference_duplicate_key_is_quarantined_after_the_first(con, landing, drop):
    drop("reference/channels.csv", "channel,buffer_pct,buffer_units,fulfillment_cost_per_unit,commission_pct\n"
                                   "amazon,5,2,3.5,15\nebay,0,0,1,10\namazon,9,9,9,9\n")
    report = next(r for r in ingest_reference(con, landing, now=NOW) if r.feed == "channels")
    assert con.execute("SELECT channel, buffer_pct FROM raw.channels ORDER BY 1").fetchall() == [
        ("amazon", 5.0), ("ebay", 0.0)]
    assert con.execute("SELECT _row_number, reason, retryable FROM quarantine.channels").fetchall() == [
        (3, "channel: duplicate key 'amazon', first at row 1", False)]
    assert report.reasons == {"duplicate_key": 1}


def test_broken_new_reference_file_keeps_the_previous_table(references, landing, drop):
    newer = drop("reference/skus_2026-06-01.csv", "sku,title\nC,Cherry\n")
    set_mtime(newer, 0)
    set_mtime(landing / "reference" / "skus.csv", 3600)
    report = next(r for r in ingest_reference(references, landing, now=NOW) if r.feed == "skus")
    assert report.files_rejected == 1
    assert count(references, "raw.skus") == 2
    again = next(r for r in ingest_reference(references, landing, now=NOW) if r.feed == "skus")
    assert again.files_rejected == 0
    assert count(references, "quarantine.skus") == 1


def test_reference_rows_released_once_the_referenced_table_has_them(references, landing, drop):
    drop("reference/skus.csv", "sku,title,category,unit_cost,unit_price,supplier_id\nA,Apple,fruit,1,2,SUP-2\n")
    ingest_reference(references, landing, now=NOW)
    assert count(references, "raw.skus") == 0
    drop("reference/locations.csv", "location_id,type,operator,region\nSUP-2,supplier,acme,cn\n")
    reports = {r.feed: r for r in ingest_reference(references, landing, now=NOW)}
    assert reports["skus"].rows_released == 1
    assert references.execute("SELECT sku FROM raw.skus").fetchall() == [("A",)]


def test_summary_is_one_line():
    report = LoadReport("orders", files_found=2, files_loaded=1, files_skipped=1, rows_loaded=10,
                        rows_quarantined=2, reasons={"minimum": 2}, warnings=["w"])
    assert report.summary == ("orders: 2 files (1 loaded, 1 skipped, 0 rejected), 10 rows loaded, "
                              "2 quarantined (minimum 2), 0 released, 1 warning")


def test_failure_while_writing_a_file_leaves_no_part_of_it(references, landing, drop, monkeypatch):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\nO-2,2026-05-01,amazon,A-1,-1,paid\n")

    def crash(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader, "_register", crash)
    with pytest.raises(RuntimeError):
        ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert (count(references, "raw.orders"), count(references, "quarantine.orders")) == (0, 0)
    monkeypatch.undo()
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 1)


def test_snapshot_without_snapshot_at_describes_the_start_of_its_day(references, landing, drop):
    drop("stock_snapshots/s.csv", "snapshot_date,location_id,sku,on_hand\n2026-05-30,FBA-EAST,A,7\n")
    ingest_feed(references, landing, contract.STOCK_SNAPSHOTS, now=NOW)
    moment = references.execute("SELECT snapshot_at FROM raw.stock_snapshots").fetchone()[0]
    assert moment == datetime(2026, 5, 30, 0, 0)


def test_raw_table_from_an_older_contract_gains_new_columns_and_keeps_its_rows(references, landing, drop):
    # the table as an earlier contract made it: no snapshot_at column
    references.execute("""CREATE TABLE raw.stock_snapshots (snapshot_date DATE, location_id VARCHAR,
        sku VARCHAR, on_hand BIGINT, reserved BIGINT, unsellable BIGINT, _source_file VARCHAR,
        _row_number BIGINT, _loaded_at TIMESTAMP)""")
    references.execute("INSERT INTO raw.stock_snapshots VALUES "
                       "('2026-05-29', 'FBA-EAST', 'A', 5, NULL, 0, 'old.csv', 1, '2026-05-29')")
    drop("stock_snapshots/s.csv", "snapshot_date,location_id,sku,on_hand,snapshot_at\n"
                                  "2026-05-30,FBA-EAST,A,7,2026-05-30T23:59:00\n")
    ingest_feed(references, landing, contract.STOCK_SNAPSHOTS, now=NOW)
    rows = references.execute(
        "SELECT on_hand, snapshot_at FROM raw.stock_snapshots ORDER BY snapshot_date").fetchall()
    # the old row gets the default a new load would give it: the start of its day
    assert rows == [(5, datetime(2026, 5, 29, 0, 0)), (7, datetime(2026, 5, 30, 23, 59))]
