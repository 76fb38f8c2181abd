"""Landing paths stay inside the landing root: links and ``..`` are refused, said so, and
recorded as rejected files, while everything else in the folder still loads."""

from __future__ import annotations

import os

import pytest

from pipelines import contract
from pipelines.ingest import ingest_feed, ingest_reference
from pipelines.ingest.inbox import ingest_inbox
from pipelines.ingest.landing import OutsideLanding, confined, read_confined, scan_folder
from tests.unit.conftest import NOW

ORDERS = "order_id,ordered_at,channel,listing_sku,quantity,status\nO-1,2026-05-01,amazon,A-1,2,paid\n"
OTHER_ORDER = "order_id,ordered_at,channel,listing_sku,quantity,status\nO-2,2026-05-01,amazon,B-1,1,paid\n"


def rejected_files(con, feed):
    """(path, reason) of whole-file quarantine rows of ``feed`` and the registry's status for it."""
    quarantined = con.execute(f"SELECT _source_file, reason FROM quarantine.{feed} WHERE _row_number IS NULL "
                              "ORDER BY 1").fetchall()
    registry = con.execute("SELECT path, status, sha256 FROM raw._loaded_files WHERE feed = ? AND status = "
                           "'rejected' ORDER BY 1", [feed]).fetchall()
    return quarantined, registry


def test_link_to_a_file_outside_the_landing_root_is_refused_and_recorded_as_rejected(
        references, landing, drop, tmp_path):
    secret = tmp_path / "secret.csv"
    secret.write_text(ORDERS, encoding="utf-8")
    drop("orders/real.csv", OTHER_ORDER)
    os.symlink(secret, landing / "orders" / "link.csv")
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.errors == ["orders/link.csv: symbolic link refused"]
    assert (report.files_found, report.files_loaded, report.files_rejected) == (2, 1, 1)
    assert report.reasons == {"refused_path": 1}
    assert references.execute("SELECT order_id FROM raw.orders").fetchall() == [("O-2",)]
    assert rejected_files(references, "orders") == (
        [("orders/link.csv", "orders/link.csv: symbolic link refused")],
        [("orders/link.csv", "rejected", None)],
    )


def test_a_refused_link_is_recorded_once_and_reported_on_every_run(references, landing, drop, tmp_path):
    (landing / "orders").mkdir()
    os.symlink(tmp_path, landing / "orders" / "up")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    again = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert again.errors == ["orders/up: symbolic link refused"]
    assert (again.files_rejected, again.files_skipped) == (0, 1)
    assert len(rejected_files(references, "orders")[0]) == 1


def test_feed_folder_that_is_itself_a_link_is_refused(references, landing, tmp_path):
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "a.csv").write_text(ORDERS, encoding="utf-8")
    os.symlink(elsewhere, landing / "orders")
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.errors == ["orders: symbolic link refused (the feed folder must be a real folder)"]
    assert report.rows_loaded == 0
    assert rejected_files(references, "orders")[0][0][0] == "orders"


def test_link_in_the_inbox_is_recorded_as_rejected_in_quarantine_inbox(con, landing, tmp_path):
    (landing / "inbox").mkdir()
    (tmp_path / "passwd").write_text("root:x:0:0\n", encoding="utf-8")
    os.symlink(tmp_path / "passwd", landing / "inbox" / "report.csv")
    report = ingest_inbox(con, landing, now=NOW)
    assert report.errors == ["inbox/report.csv: symbolic link refused"]
    assert report.files_rejected == 1
    assert rejected_files(con, "inbox")[0] == [("inbox/report.csv", "inbox/report.csv: symbolic link refused")]


def test_link_in_the_reference_folder_is_refused_and_the_table_keeps_loading(landing, drop, con, tmp_path):
    drop("reference/locations.csv", "location_id,type,operator,region,channels\nWH-1,warehouse,me,east,\n")
    (tmp_path / "skus.csv").write_text("sku,title,category,unit_cost,unit_price\nX,X,c,1,2\n", encoding="utf-8")
    os.symlink(tmp_path / "skus.csv", landing / "reference" / "skus.csv")
    reports = {r.feed: r for r in ingest_reference(con, landing, now=NOW)}
    assert reports["skus"].errors == ["reference/skus.csv: symbolic link refused"]
    assert reports["skus"].files_rejected == 1
    assert con.execute("SELECT count(*) FROM raw.skus").fetchone()[0] == 0
    assert con.execute("SELECT location_id FROM raw.locations").fetchall() == [("WH-1",)]


@pytest.mark.parametrize("folder", ["../outside", "orders/../../outside", "/etc"])
def test_a_folder_leading_outside_the_landing_root_is_refused(landing, tmp_path, folder):
    (tmp_path / "outside").mkdir(exist_ok=True)
    (tmp_path / "outside" / "a.csv").write_text(ORDERS, encoding="utf-8")
    scan = scan_folder(landing, folder)
    assert scan.files == []
    assert [str(n) for n in scan.refused] == [
        f"{folder}: path leads outside the landing folder (absolute or '..'), refused"]


def test_confined_joins_a_plain_relative_path_and_refuses_dot_dot(landing):
    assert confined(landing, "orders/a.csv") == landing / "orders" / "a.csv"
    with pytest.raises(OutsideLanding, match=r"\.\./x: path leads outside"):
        confined(landing, "../x")


def test_folder_swapped_for_a_link_after_the_scan_is_refused_when_read(landing, drop, tmp_path):
    drop("orders/daily/a.csv", ORDERS)
    [file] = scan_folder(landing, "orders").files
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "a.csv").write_text(OTHER_ORDER, encoding="utf-8")
    os.rename(landing / "orders" / "daily", tmp_path / "moved")
    os.symlink(outside, landing / "orders" / "daily")
    with pytest.raises(OutsideLanding, match="orders/daily/a.csv: resolves outside the landing folder"):
        read_confined(file)


def test_file_swapped_for_a_link_after_the_scan_is_recorded_as_refused(references, landing, drop, tmp_path,
                                                                       monkeypatch):
    from pipelines.ingest import loader

    drop("orders/a.csv", ORDERS)
    (tmp_path / "secret.csv").write_text(OTHER_ORDER, encoding="utf-8")
    scan = loader.scan_folder

    def scan_then_swap(root, folder, *args, **kwargs):
        found = scan(root, folder, *args, **kwargs)
        if folder == "orders" and (landing / "orders" / "a.csv").is_file():
            os.remove(landing / "orders" / "a.csv")
            os.symlink(tmp_path / "secret.csv", landing / "orders" / "a.csv")
        return found

    monkeypatch.setattr(loader, "scan_folder", scan_then_swap)
    report = ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert report.errors == ["orders/a.csv: symbolic link refused"]
    assert report.files_rejected == 1
    assert references.execute("SELECT count(*) FROM raw.orders").fetchone()[0] == 0
