"""Contract rules applied to rows: types, minimums, allowed values, plausible dates, defaults."""

from __future__ import annotations

from datetime import date, datetime

from pipelines import contract
from pipelines.ingest import ingest_feed, ingest_reference
from tests.unit.conftest import NOW

HEADER = "order_id,ordered_at,channel,listing_sku,quantity,status"


def load_orders(con, landing, *rows, header=HEADER, timezone="UTC"):
    (landing / "orders").mkdir(exist_ok=True)
    (landing / "orders" / "a.csv").write_text(header + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return ingest_feed(con, landing, contract.ORDERS, timezone, NOW)


def reasons(con, feed="orders"):
    return [r[0] for r in con.execute(f"SELECT reason FROM quarantine.{feed} ORDER BY _row_number").fetchall()]


def test_mixed_file_keeps_every_good_row_and_quarantines_each_bad_one_with_its_reason(
        references, landing):
    report = load_orders(
        references, landing,
        "O-1,2026-05-01,amazon,A-1,1,paid",
        "O-2,2026-05-01,amazon,A-1,-2,paid",
        "O-3,2026-05-02,amazon,B-1,4,shipped",
        "O-4,someday,amazon,A-1,1,paid",
        "O-5,2026-05-03,shopify,A-1,2,pending",
    )
    assert references.execute("SELECT order_id, _row_number FROM raw.orders ORDER BY 2").fetchall() == [
        ("O-1", 1), ("O-3", 3), ("O-5", 5)]
    assert references.execute("SELECT _row_number, reason FROM quarantine.orders ORDER BY 1").fetchall() == [
        (2, "quantity: '-2' is below the minimum 1"),
        (4, "ordered_at: 'someday' is not an ISO-8601 timestamp"),
    ]
    assert (report.rows_loaded, report.rows_quarantined) == (3, 2)
    assert report.reasons == {"minimum": 1, "timestamp": 1}
    assert "orders/a.csv row 2: quantity: '-2' is below the minimum 1" in report.errors


def test_negative_quantity_is_quarantined(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,-2,paid")
    assert reasons(references) == ["quantity: '-2' is below the minimum 1"]


def test_zero_quantity_is_quarantined(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,0,paid")
    assert reasons(references) == ["quantity: '0' is below the minimum 1"]


def test_whole_number_written_with_decimals_is_an_integer(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,3.0,paid")
    assert references.execute("SELECT quantity FROM raw.orders").fetchall() == [(3,)]


def test_fractional_or_text_quantity_is_not_an_integer(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,3.5,paid", "O-2,2026-05-01,amazon,A-1,abc,paid")
    assert reasons(references) == ["quantity: '3.5' is not an integer", "quantity: 'abc' is not an integer"]


def test_missing_required_value_is_quarantined(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,,paid")
    assert reasons(references) == ["quantity: required value missing"]


def test_unparseable_date_is_quarantined(references, landing):
    load_orders(references, landing, "O-1,2026-02-30,amazon,A-1,1,paid", "O-2,01/05/2026,amazon,A-1,1,paid")
    assert reasons(references) == ["ordered_at: '2026-02-30' is not an ISO-8601 timestamp",
                                   "ordered_at: '01/05/2026' is not an ISO-8601 timestamp"]


def test_date_in_1900_is_implausible(references, landing):
    load_orders(references, landing, "O-1,1900-01-01,amazon,A-1,1,paid")
    assert reasons(references) == ["ordered_at: '1900-01-01' is before 2000-01-01 (implausible)"]


def test_order_five_years_in_the_future_is_implausible(references, landing):
    load_orders(references, landing, "O-1,2031-06-01,amazon,A-1,1,paid")
    assert reasons(references) == [
        "ordered_at: '2031-06-01' is more than 2 days after the load time (implausible)"]


def test_order_one_day_ahead_is_within_the_clock_slack(references, landing):
    report = load_orders(references, landing, "O-1,2026-06-02T20:00:00,amazon,A-1,1,paid")
    assert report.rows_loaded == 1


def test_planned_arrival_a_year_ahead_is_plausible(references, landing, drop):
    drop("shipments/a.csv", "shipment_id,sku,quantity,origin_id,destination_id,mode,shipped_at,eta,status\n"
                            "S-1,A,100,SUP-1,FBA-EAST,sea,2026-05-20,2027-06-01,in_transit\n")
    report = ingest_feed(references, landing, contract.SHIPMENTS, now=NOW)
    assert report.rows_loaded == 1


def test_timestamp_with_offset_is_converted_to_the_business_time_zone(references, landing):
    load_orders(references, landing, "O-1,2026-05-01T23:30:00Z,amazon,A-1,1,paid",
                "O-2,2026-05-01 12:00:00.250+02:00,amazon,A-1,1,paid", timezone="America/New_York")
    assert references.execute("SELECT ordered_at FROM raw.orders ORDER BY _row_number").fetchall() == [
        (datetime(2026, 5, 1, 19, 30),), (datetime(2026, 5, 1, 6, 0, 0, 250000),)]


def test_timestamp_without_offset_is_taken_as_business_time(references, landing):
    load_orders(references, landing, "O-1,2026-05-01T23:30:00,amazon,A-1,1,paid", timezone="America/New_York")
    assert references.execute("SELECT ordered_at FROM raw.orders").fetchall() == [(datetime(2026, 5, 1, 23, 30),)]


def test_date_column_takes_the_date_of_a_timestamp(references, landing, drop):
    drop("stock_snapshots/a.csv", "snapshot_date,location_id,sku,on_hand\n2026-05-01T00:00:00Z,FBA-EAST,A,10\n")
    ingest_feed(references, landing, contract.STOCK_SNAPSHOTS, now=NOW)
    assert references.execute("SELECT snapshot_date, unsellable FROM raw.stock_snapshots").fetchall() == [
        (date(2026, 5, 1), 0)]


def test_enum_matches_case_insensitively_and_is_stored_lowercase(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,1,PAID", "O-2,2026-05-01,amazon,A-1,1,Shipped",
                "O-3,2026-05-01,amazon,A-1,1,lost")
    assert references.execute("SELECT status FROM raw.orders ORDER BY _row_number").fetchall() == [
        ("paid",), ("shipped",)]
    assert reasons(references) == [
        "status: 'lost' is not one of pending, paid, shipped, delivered, cancelled, returned"]


def test_optional_columns_get_their_defaults(references, landing):
    load_orders(references, landing, "O-1,2026-05-01T10:00:00,amazon,A-1,1,paid")
    assert references.execute("SELECT line_id, updated_at, currency, unit_price, fulfilled_from FROM raw.orders"
                              ).fetchall() == [("A-1", datetime(2026, 5, 1, 10, 0), "USD", None, None)]


def test_empty_optional_values_get_defaults_but_given_values_are_kept(references, landing):
    load_orders(references, landing, "O-1,2026-05-01T10:00:00,amazon,A-1,1,paid,,,",
                "O-2,2026-05-01T10:00:00,amazon,A-1,1,paid,L-9,2026-05-02T08:00:00,EUR",
                header=HEADER + ",line_id,updated_at,currency")
    assert references.execute("SELECT line_id, updated_at, currency FROM raw.orders ORDER BY _row_number"
                              ).fetchall() == [("A-1", datetime(2026, 5, 1, 10, 0), "USD"),
                                               ("L-9", datetime(2026, 5, 2, 8, 0), "EUR")]


def test_shipment_updated_at_defaults_to_shipped_at(references, landing, drop):
    drop("shipments/a.csv", "shipment_id,sku,quantity,origin_id,destination_id,mode,shipped_at,eta,status\n"
                            "S-1,A,100,SUP-1,FBA-EAST,SEA,2026-05-20T08:00,2026-07-01,in_transit\n")
    ingest_feed(references, landing, contract.SHIPMENTS, now=NOW)
    assert references.execute("SELECT mode, updated_at FROM raw.shipments").fetchall() == [
        ("sea", datetime(2026, 5, 20, 8, 0))]


def test_every_problem_of_a_row_is_listed(references, landing):
    report = load_orders(references, landing, "O-1,1900-01-01,amazon,A-1,0,lost")
    assert reasons(references) == ["ordered_at: '1900-01-01' is before 2000-01-01 (implausible); "
                                   "quantity: '0' is below the minimum 1; "
                                   "status: 'lost' is not one of pending, paid, shipped, delivered, cancelled, returned"]
    assert references.execute("SELECT failed_columns, retryable FROM quarantine.orders").fetchall() == [
        ("ordered_at,quantity,status", False)]
    assert report.reasons == {"plausible_date": 1, "minimum": 1, "allowed_values": 1}


def test_quarantined_record_keeps_the_original_values_by_header_name(references, landing):
    load_orders(references, landing, "O-1,2026-05-01,amazon,A-1,-1,paid",
                header="Order_ID,ordered_at,channel,listing_sku,quantity,status")
    record = references.execute("SELECT json_extract_string(record, '$.Order_ID'), "
                                "json_extract_string(record, '$.quantity') FROM quarantine.orders").fetchone()
    assert record == ("O-1", "-1")


def test_list_items_are_stripped(con, landing, drop):
    drop("reference/locations.csv", "location_id,type,operator,region,channels\n"
                                    "FBA-EAST,FC,amazon,east, amazon | shopify \n")
    ingest_reference(con, landing, now=NOW)
    assert con.execute("SELECT type, channels, country FROM raw.locations").fetchall() == [
        ("fc", "amazon|shopify", "US")]


def test_integer_above_2_to_the_53_is_stored_exactly(references, landing, drop):
    drop("orders/a.csv", "order_id,ordered_at,channel,listing_sku,quantity,status\n"
                         "O-1,2026-05-01,amazon,A-1,9007199254740993,paid\n"
                         "O-2,2026-05-01,amazon,A-1,9223372036854775807,paid\n"
                         "O-3,2026-05-01,amazon,A-1,9223372036854775808,paid\n")
    ingest_feed(references, landing, contract.ORDERS, now=NOW)
    assert references.execute("SELECT order_id, quantity FROM raw.orders ORDER BY 1").fetchall() == [
        ("O-1", 9007199254740993), ("O-2", 9223372036854775807)]
    assert reasons(references) == ["quantity: '9223372036854775808' is not an integer"]
