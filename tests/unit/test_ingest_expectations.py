"""The raw tables' great-expectations suites validate only what a night loaded, unless a change
could have made old rows invalid (a reference value removed, the contract changed)."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pytest

from pipelines import contract
from pipelines.ingest import expectations
from pipelines.ingest.expectations import validate_new_rows, validate_raw_table
from tests.dbt.fixture_warehouse import create_raw_tables, insert

NOW = datetime(2026, 11, 12, 6, 0)
FIRST_LOAD = "2026-11-10 06:00:00"
SECOND_LOAD = "2026-11-11 06:00:00"


@pytest.fixture
def con(tmp_path: Path):
    path = tmp_path / "wh.duckdb"
    create_raw_tables(path)
    with duckdb.connect(str(path)) as con:
        insert(con, "locations", [{"location_id": "SUP", "type": "supplier", "operator": "own",
                                   "region": "asia"}])
        insert(con, "skus", [{"sku": sku, "title": sku, "category": "toys", "unit_cost": 1,
                              "unit_price": 2, "supplier_id": "SUP"} for sku in ("S1", "S2", "S3")])
        insert(con, "channels", [{"channel": "amazon", "buffer_pct": 0, "buffer_units": 0,
                                  "fulfillment_cost_per_unit": 0, "commission_pct": 0}])
        insert(con, "listings", [{"channel": "amazon", "listing_sku": "A-1", "sku": "S1"},
                                 {"channel": "amazon", "listing_sku": "A-2", "sku": "S2"}])
        yield con


def _orders(con, loaded_at: str, count: int, listing_sku: str = "A-1", quantity: int = 1) -> None:
    """``count`` order lines of one load, ``<load date>-<n>``, one unit of ``listing_sku`` each."""
    con.execute(
        "INSERT INTO raw.orders (order_id, ordered_at, channel, listing_sku, quantity, status, line_id, "
        "updated_at, unit_price, currency, _source_file, _row_number, _loaded_at) "
        "SELECT ? || '-' || range, TIMESTAMP '2026-11-01 10:00', 'amazon', ?, ?, 'paid', ?, "
        "TIMESTAMP '2026-11-01 10:00', 9.5, 'USD', 'orders/' || ? || '.csv', range + 1, CAST(? AS TIMESTAMP) "
        "FROM range(?)", [loaded_at[:10], listing_sku, quantity, listing_sku, loaded_at[:10], loaded_at, count])


def test_first_check_validates_every_row(con):
    _orders(con, FIRST_LOAD, 3)
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert outcome.success
    assert (outcome.rows_checked, outcome.rows_in_table) == (3, 3)
    assert outcome.scope.startswith("whole table")


def test_next_check_validates_only_the_rows_loaded_since(con):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    _orders(con, SECOND_LOAD, 2)
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert outcome.success
    assert (outcome.rows_checked, outcome.rows_in_table) == (2, 5)
    assert outcome.scope == "rows of 1 load(s) since the last passing validation"


def test_check_with_nothing_new_reads_no_rows(con):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert outcome.success
    assert (outcome.rows_checked, outcome.rows_in_table) == (0, 3)


def test_rows_added_under_an_already_validated_load_moment_are_validated_again(con):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    _orders(con, FIRST_LOAD, 1, listing_sku="A-2")
    assert validate_new_rows(con, contract.ORDERS, NOW).rows_checked == 4


def test_a_failing_new_load_stays_unvalidated_until_it_is_fixed(con):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    _orders(con, SECOND_LOAD, 2, quantity=0)
    first, again = (validate_new_rows(con, contract.ORDERS, NOW) for _ in range(2))
    assert not first.success and not again.success
    assert again.rows_checked == 2
    failed = again.failed.set_index("column")
    assert failed.loc["quantity", "unexpected_count"] == 2
    assert set(again.failing_rows["row_number"]) == {1, 2}
    assert set(again.failing_rows["source_file"]) == {"orders/2026-11-11.csv"}


def test_a_removed_reference_value_validates_the_old_rows_again(con):
    _orders(con, FIRST_LOAD, 3)
    _orders(con, SECOND_LOAD, 2, listing_sku="A-2")
    validate_new_rows(con, contract.ORDERS, NOW)
    con.execute("DELETE FROM raw.listings WHERE listing_sku = 'A-2'")
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert not outcome.success
    assert outcome.rows_checked == 5
    assert outcome.scope == "whole table: values removed from listings.channel+listing_sku (1)"
    assert outcome.failed.set_index("column").loc["channel+listing_sku", "unexpected_count"] == 2


def test_an_added_reference_value_keeps_the_check_incremental(con):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    insert(con, "listings", [{"channel": "amazon", "listing_sku": "A-3", "sku": "S3"}])
    _orders(con, SECOND_LOAD, 2, listing_sku="A-3")
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert outcome.success
    assert outcome.rows_checked == 2


def test_a_changed_contract_validates_the_whole_table_again(con, monkeypatch):
    _orders(con, FIRST_LOAD, 3)
    validate_new_rows(con, contract.ORDERS, NOW)
    _orders(con, SECOND_LOAD, 2)
    monkeypatch.setattr(expectations, "SUITE_VERSION", expectations.SUITE_VERSION + 1)
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert outcome.rows_checked == 5
    assert outcome.scope.startswith("whole table: the contract's expectations changed")


def test_a_reference_table_is_validated_whole_when_reloaded(con):
    assert validate_new_rows(con, contract.LISTINGS, NOW).success
    insert(con, "listings", [{"channel": "amazon", "listing_sku": "A-1", "sku": "S1",
                              "_loaded_at": SECOND_LOAD}])
    outcome = validate_new_rows(con, contract.LISTINGS, NOW)
    assert not outcome.success
    assert outcome.rows_checked == 3
    assert outcome.failed["expectation"].tolist() == ["expect_compound_columns_to_be_unique"]


def test_validation_in_chunks_counts_what_one_batch_would(con, monkeypatch):
    # 5,000 rows, 700 of them bad, spread over three chunks of 2,048 rows
    _orders(con, FIRST_LOAD, 4300)
    _orders(con, SECOND_LOAD, 700, quantity=0)
    whole = validate_raw_table(con, contract.ORDERS, NOW)
    monkeypatch.setattr(expectations, "CHUNK_ROWS", 2048)
    chunked = validate_raw_table(con, contract.ORDERS, NOW)
    assert chunked.rows_checked == whole.rows_checked == 5000
    assert chunked.expectations.equals(whole.expectations)
    assert chunked.failed.set_index("column").loc["quantity", "unexpected_count"] == 700
    assert len(chunked.failing_rows) == expectations.FAILING_ROWS_SHOWN


def test_timestamps_reach_the_suite_in_nanoseconds_and_out_of_span_ones_still_fail():
    # DuckDB gives microseconds; great-expectations checks ranges vectorised only on nanoseconds
    values = pd.Series(pd.to_datetime(["2026-11-01 10:00", None]).astype("datetime64[us]"))
    assert str(expectations.as_nanosecond_timestamps(values).dtype) == "datetime64[ns]"
    far = pd.Series(np.array(["2999-01-01", "1500-06-30", "2026-11-01"], dtype="datetime64[us]"))
    shown = expectations.as_nanosecond_timestamps(far)
    assert shown.iloc[0] > pd.Timestamp("2262-01-01") and shown.iloc[1] < pd.Timestamp("1678-01-01")
    assert shown.iloc[2] == pd.Timestamp("2026-11-01")


def test_an_order_dated_beyond_what_nanoseconds_hold_fails_the_date_check(con):
    _orders(con, FIRST_LOAD, 3)
    con.execute("UPDATE raw.orders SET ordered_at = TIMESTAMP '2999-01-01 10:00' WHERE _row_number = 2")
    outcome = validate_new_rows(con, contract.ORDERS, NOW)
    assert not outcome.success
    assert outcome.failed.set_index("column").loc["ordered_at", "unexpected_count"] == 1
