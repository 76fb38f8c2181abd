"""Finding landing files: which are read, which are ignored and which are refused."""

from __future__ import annotations

import os

from pipelines import contract
from pipelines.ingest import ingest_feed
from pipelines.ingest.landing import landing_files, reference_table_of, scan_folder
from tests.unit.conftest import NOW

ORDERS = "order_id,ordered_at,channel,listing_sku,quantity,status\nO-1,2026-05-01,amazon,A-1,2,paid\n"


def test_hidden_and_partly_copied_files_are_ignored(landing, drop):
    drop("orders/.~lock.a.csv", ORDERS)
    drop("orders/.staging/b.csv", ORDERS)
    drop("orders/c.csv.part", ORDERS)
    drop("orders/d.csv.tmp", ORDERS)
    drop("orders/e.csv", ORDERS)
    assert [f.relative for f in scan_folder(landing, "orders").files] == ["orders/e.csv"]


def test_files_in_sub_folders_are_read_in_sorted_path_order(landing, drop):
    drop("orders/z.csv", ORDERS)
    drop("orders/2026/05/a.CSV", ORDERS)
    drop("orders/b.parquet", b"")
    assert [f.relative for f in scan_folder(landing, "orders").files] == [
        "orders/2026/05/a.CSV", "orders/b.parquet", "orders/z.csv"]


def test_file_of_another_type_is_ignored_with_a_warning(references, landing, drop):
    drop("orders/orders.xlsx", b"PK\x03\x04")
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.files_found == 0
    assert report.warnings == ["orders/orders.xlsx: not a data file (.csv, .tsv, .txt, .parquet), ignored"]


def test_symlink_is_refused_and_not_read(references, landing, drop, tmp_path):
    outside = tmp_path / "secret.csv"
    outside.write_text(ORDERS, encoding="utf-8")
    (landing / "orders").mkdir()
    os.symlink(outside, landing / "orders" / "link.csv")
    os.symlink(tmp_path, landing / "orders" / "linked_folder")
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.errors == ["orders/link.csv: symbolic link refused", "orders/linked_folder: symbolic link refused"]
    # Found, and recorded as rejected files; nothing of them read.
    assert (report.files_found, report.files_rejected, report.rows_loaded) == (2, 2, 0)


def test_reference_files_are_recognised_by_name():
    assert reference_table_of("reference/skus.csv") == "skus"
    assert reference_table_of("reference/SKUS_2026-11-01.csv") == "skus"
    assert reference_table_of("reference/routing_rules-export.parquet") == "routing_rules"
    assert reference_table_of("reference/skus2.csv") is None
    assert reference_table_of("reference/notes.txt") is None


def test_landing_files_lists_what_ingestion_would_read_in_every_feed_folder(landing, drop):
    drop("orders/a.csv", ORDERS)
    drop("orders/b.csv.part", ORDERS)
    drop("reference/skus.csv", "sku\n")
    drop("reference/notes.csv", "x\n")
    drop("unknown_feed/c.csv", ORDERS)
    assert [p.relative_to(landing).as_posix() for p in landing_files(landing)] == [
        "orders/a.csv", "reference/skus.csv"]
