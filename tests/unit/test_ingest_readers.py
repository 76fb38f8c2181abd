"""Reading landing files: delimiters, encodings, Parquet, quoting and files that cannot be read."""

from __future__ import annotations

import pandas as pd

from pipelines import contract
from pipelines.ingest import ingest_feed
from pipelines.ingest.readers import read_landing_file
from tests.unit.conftest import NOW

HEADER = "order_id,ordered_at,channel,listing_sku,quantity,status"


def load(con, landing):
    return ingest_feed(con, landing, contract.ORDERS, now=NOW)


def loaded(con, columns="order_id, quantity"):
    return con.execute(f"SELECT {columns} FROM raw.orders ORDER BY _source_file, _row_number").fetchall()


def quarantined(con):
    return con.execute("SELECT _source_file, _row_number, reason, failed_columns, retryable "
                       "FROM quarantine.orders ORDER BY _source_file, _row_number").fetchall()


def test_tab_separated_file_loads(references, landing, drop):
    drop("orders/a.tsv", HEADER.replace(",", "\t") + "\nO-1\t2026-05-01\tamazon\tA-1\t2\tpaid\n")
    load(references, landing)
    assert loaded(references) == [("O-1", 2)]


def test_semicolon_separated_file_loads(references, landing, drop):
    drop("orders/a.csv", HEADER.replace(",", ";") + "\nO-1;2026-05-01;amazon;A-1;2;paid\n")
    load(references, landing)
    assert loaded(references) == [("O-1", 2)]


def test_utf8_byte_order_mark_is_not_part_of_the_first_column_name(references, landing, drop):
    drop("orders/a.csv", ("\ufeff" + HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\n").encode("utf-8"))
    report = load(references, landing)
    assert loaded(references) == [("O-1", 2)]
    assert report.warnings == []


def test_parquet_file_loads_with_values_converted_from_native_types(references, landing):
    (landing / "orders").mkdir()
    pd.DataFrame({
        "order_id": ["O-1"],
        "ordered_at": [pd.Timestamp("2026-05-01 10:30")],
        "channel": ["amazon"],
        "listing_sku": ["A-1"],
        "quantity": [3],
        "status": ["paid"],
        "unit_price": [None],
    }).to_parquet(landing / "orders" / "a.parquet")
    load(references, landing)
    assert loaded(references, "order_id, quantity, CAST(ordered_at AS VARCHAR), unit_price") == [
        ("O-1", 3, "2026-05-01 10:30:00", None)
    ]


def test_quoted_field_with_comma_and_newline_is_one_value(references, landing, drop):
    drop("orders/a.csv", HEADER + ',ship_region\nO-1,2026-05-01,amazon,A-1,2,paid,"east, coast\nUS"\n')
    load(references, landing)
    assert loaded(references, "ship_region, _row_number") == [("east, coast\nUS", 1)]


def test_values_are_text_so_na_and_leading_zeros_survive(references, landing, drop):
    drop("orders/a.csv", HEADER + ",ship_region\n007,2026-05-01,amazon,A-1,2,paid,NA\n")
    load(references, landing)
    assert loaded(references, "order_id, ship_region") == [("007", "NA")]


def test_header_names_match_ignoring_case_and_spaces(references, landing, drop):
    drop("orders/a.csv", " Order_ID , OrderED_at,CHANNEL,listing_sku ,quantity,status\n"
                         " O-1 ,2026-05-01,amazon, A-1 ,2,paid\n")
    report = load(references, landing)
    assert loaded(references, "order_id, listing_sku") == [("O-1", "A-1")]
    assert report.warnings == []


def test_trailing_empty_lines_are_ignored(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\n\n\n,,,,,\n")
    report = load(references, landing)
    assert (report.rows_loaded, report.rows_quarantined) == (1, 0)


def test_empty_file_is_rejected_whole(references, landing, drop):
    drop("orders/empty.csv", b"")
    report = load(references, landing)
    assert report.files_rejected == 1
    assert quarantined(references) == [("orders/empty.csv", None, "orders/empty.csv: empty file (0 bytes)",
                                        "", False)]


def test_header_only_file_loads_no_rows_and_is_recorded_as_loaded(references, landing, drop):
    drop("orders/a.csv", HEADER + "\n")
    report = load(references, landing)
    assert (report.files_loaded, report.rows_loaded, report.rows_quarantined) == (1, 0, 0)
    assert references.execute("SELECT status, rows_loaded FROM raw._loaded_files WHERE feed = 'orders'"
                              ).fetchall() == [("loaded", 0)]


def test_binary_file_is_rejected_whole_and_other_files_still_load(references, landing, drop):
    drop("orders/a_logo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    drop("orders/b.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\n")
    report = load(references, landing)
    assert (report.files_rejected, report.files_loaded, report.rows_loaded) == (1, 1, 1)
    assert quarantined(references)[0][:3] == (
        "orders/a_logo.csv", None, "orders/a_logo.csv: not UTF-8 text (byte 0x89 at offset 0)")


def test_missing_required_column_rejects_the_file_naming_it(references, landing, drop):
    drop("orders/a.csv", "order_id,ordered_at,channel,listing_sku,status\nO-1,2026-05-01,amazon,A-1,paid\n")
    report = load(references, landing)
    assert report.files_rejected == 1
    assert loaded(references) == []
    assert quarantined(references) == [
        ("orders/a.csv", None, "orders/a.csv: missing required column: quantity", "quantity", False)
    ]


def test_header_without_any_contract_column_rejects_the_file(references, landing, drop):
    drop("orders/a.csv", "O-1,2026-05-01,amazon,A-1,2,paid\n")
    report = load(references, landing)
    assert report.files_rejected == 1
    assert "header has no orders column" in report.errors[0]


def test_extra_column_is_ignored_with_a_warning(references, landing, drop):
    drop("orders/a.csv", HEADER + ",gift_note\nO-1,2026-05-01,amazon,A-1,2,paid,hi\n")
    report = load(references, landing)
    assert loaded(references) == [("O-1", 2)]
    assert report.warnings == ["orders/a.csv: extra column ignored: gift_note"]


def test_row_with_wrong_number_of_fields_is_quarantined_and_the_rest_loads(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\nO-2,2026-05-01,amazon\n"
                                  "O-3,2026-05-01,amazon,A-1,1,paid\n")
    load(references, landing)
    assert loaded(references, "order_id, _row_number") == [("O-1", 1), ("O-3", 3)]
    assert quarantined(references) == [("orders/a.csv", 2, "row has 3 fields, the header has 6", "", False)]


def test_reader_keeps_empty_values_empty():
    table = read_landing_file("a.csv", b"a,b\n1,\n")
    assert table.data.to_dict("records") == [{"a": "1", "b": ""}]


def test_txt_file_is_read_as_delimited_text(references, landing, drop):
    drop("orders/export.txt", HEADER.replace(",", "\t") + "\r\nO-1\t2026-05-01\tamazon\tA-1\t2\tpaid\r\n")
    load(references, landing)
    assert loaded(references) == [("O-1", 2)]


def test_row_with_bytes_that_are_not_utf8_is_quarantined_and_the_rest_loads(references, landing, drop):
    drop("orders/a.csv", (HEADER + "\nO-1,2026-05-01,amazon,A-1,2,paid\n").encode()
         + b"O-2,2026-05-01,amazon,A-1,1,p\xe9id\nO-3,2026-05-01,amazon,A-1,3,paid\n")
    report = load(references, landing)
    assert loaded(references, "order_id, _row_number") == [("O-1", 1), ("O-3", 3)]
    assert quarantined(references) == [
        ("orders/a.csv", 2, "row is not UTF-8 text (byte 0xe9 in column status)", "", False)]
    assert report.reasons == {"undecodable_row": 1}
    # The record keeps the byte, written as an escape, so nothing the file held is lost.
    record = references.execute("SELECT record FROM quarantine.orders").fetchone()[0]
    assert '"status": "p\\\\xe9id"' in record


def test_row_holding_a_nul_byte_is_quarantined_and_the_rest_loads(references, landing, drop):
    drop("orders/a.csv", HEADER + "\nO-1,2026-05-01,amazon,A-1,2,pa\x00id\nO-2,2026-05-01,amazon,A-1,1,paid\n")
    load(references, landing)
    assert loaded(references) == [("O-2", 1)]
    assert quarantined(references)[0][1:3] == (1, "row holds a NUL byte (binary data) in column status")


def test_header_that_is_not_utf8_rejects_the_file_whole(references, landing, drop):
    drop("orders/a.csv", b"order_id,ordered_at,channel,listing_sku,quantit\xe9,status\nO-1,2026-05-01,amazon,A-1,2,paid\n")
    report = load(references, landing)
    assert report.files_rejected == 1
    assert quarantined(references)[0][2] == "orders/a.csv: not UTF-8 text (byte 0xe9 at offset 47)"


def test_column_given_twice_loads_the_rows_where_both_copies_agree(references, landing, drop):
    drop("orders/a.csv", HEADER + ",Quantity\nO-1,2026-05-01,amazon,A-1,2,paid,2\nO-2,2026-05-01,amazon,A-1,2,paid,3\n")
    report = load(references, landing)
    assert loaded(references) == [("O-1", 2)]
    assert quarantined(references) == [
        ("orders/a.csv", 2, "quantity: given more than once with different values '2' and '3'", "quantity", False)]
    assert report.warnings == ["orders/a.csv: column given more than once: quantity (read from the first copy; "
                               "rows whose copies differ are quarantined)"]


def test_value_longer_than_the_csv_module_limit_does_not_reject_the_file(references, landing, drop):
    long_id = "O" * 200_000  # over csv's 128 KiB default; a short row sends the file down that path
    drop("orders/a.csv", HEADER + f"\n{long_id},2026-05-01,amazon,A-1,2,paid\nO-2,2026-05-01\n")
    report = load(references, landing)
    assert (report.files_loaded, report.rows_loaded, report.rows_quarantined) == (1, 1, 1)


def test_quote_that_never_closes_costs_its_row_only(references, landing, drop):
    drop("orders/a.csv", HEADER + '\nO-1,2026-05-01,amazon,A-1,2,"paid\nO-2,2026-05-01,amazon,A-1,1,paid\n'
                                  "O-3,2026-05-01,amazon,A-1,3,paid\n")
    report = load(references, landing)
    assert loaded(references, "order_id, _row_number") == [("O-2", 2), ("O-3", 3)]
    assert quarantined(references)[0][1:3] == (1, "row has a quote (\") that is never closed: read up to "
                                                  "the end of its line, the next line starts the next row")
    assert report.reasons == {"unclosed_quote": 1}


def test_quoted_value_spanning_lines_is_still_one_value_in_a_file_with_many_rows(references, landing, drop):
    drop("orders/a.csv", HEADER + ',ship_region\nO-1,2026-05-01,amazon,A-1,2,paid,"North\nEast"\n'
                                  'O-2,2026-05-01,amazon,A-1,1,paid,"West, far"\n')
    load(references, landing)
    assert loaded(references, "order_id, ship_region") == [("O-1", "North\nEast"), ("O-2", "West, far")]
