"""Values as marketplace exports write them: amounts, counts, dates with time zones, file dates."""

from __future__ import annotations

from datetime import UTC, datetime

import pandas as pd
import pytest

from pipelines.ingest.adapters.file_dates import FROM_MTIME, FROM_NAME, date_in_name, file_moment
from pipelines.ingest.adapters.values import (
    currencies,
    parse_amounts,
    parse_counts,
    parse_dates,
    parse_timestamps,
)


def amounts(*texts: str) -> list:
    parsed = parse_amounts(pd.Series(texts))
    return [None if v != v else v for v in parsed.values]


@pytest.mark.parametrize(("text", "value"), [
    ("12,99 €", 12.99),
    ("€12.99", 12.99),
    ("$1,234.56", 1234.56),
    ("1.234,56", 1234.56),
    ("1 234,56 €", 1234.56),
    ("USD 3.50", 3.5),
    ("CA$4.25", 4.25),
    ("(3.50)", -3.5),
    ("1.234.567", 1234567.0),
])
def test_amount_in_any_common_notation(text, value):
    assert amounts(text) == [value]


def test_ambiguous_thousands_follow_the_column_convention():
    # "1,234" alone could be 1.234 (German decimals) or 1234 (US thousands): the column decides
    assert amounts("1,234", "12,50") == [1.234, 12.5]
    assert amounts("1,234", "12.50") == [1234.0, 12.5]


def test_empty_and_null_tokens_are_missing_not_bad():
    parsed = parse_amounts(pd.Series(["", "N/A", "-", "abc", "12,9x €"]))
    assert parsed.bad.tolist() == [False, False, False, True, True]


def test_counts_read_thousands_and_refuse_fractions():
    parsed = parse_counts(pd.Series(["1,250", "3", "2.5"]))
    assert parsed.values.tolist()[:2] == [1250.0, 3.0]
    assert parsed.bad.tolist() == [False, False, True]


def test_currency_marks_become_iso_codes():
    assert currencies(pd.Series(["12,99 €", "$3", "CA$4", "£2", "USD 5", "7"])).tolist() == [
        "EUR", "USD", "CAD", "GBP", "USD", ""]


@pytest.mark.parametrize(("text", "iso"), [
    ("2017-06-17T08:04:21+00:00", "2017-06-17T08:04:21+00:00"),  # Amazon
    ("2024-03-15 10:22:01 -0400", "2024-03-15T10:22:01-04:00"),  # Shopify
    ("Mar-15-24", "2024-03-15"),  # eBay US
    ("Mar-15-24 10:22:01 PDT", "2024-03-15T10:22:01-07:00"),  # eBay with a zone
    ("15-Mar-24", "2024-03-15"),  # eBay UK
    ("03/15/2024", "2024-03-15"),  # Walmart, Amazon US
    ("3/5/2024 1:05 PM", "2024-03-05T13:05:00"),
    ("15.03.2024 10:22", "2024-03-15T10:22:00"),  # European
])
def test_marketplace_timestamp_formats(text, iso):
    parsed = parse_timestamps(pd.Series([text]))
    assert parsed.values.tolist() == [iso]
    assert not parsed.bad.any()


def test_day_first_dates_are_recognised_from_the_column():
    assert parse_dates(pd.Series(["15/03/2024", "01/03/2024"])).values.tolist() == ["2024-03-15", "2024-03-01"]
    assert parse_dates(pd.Series(["03/15/2024", "03/01/2024"])).values.tolist() == ["2024-03-15", "2024-03-01"]


def test_impossible_dates_and_unknown_zones_are_bad():
    parsed = parse_timestamps(pd.Series(["Mar-45-24", "2024-02-30", "2024-03-15 10:00 XYZT", "soon"]))
    assert parsed.bad.tolist() == [True, True, True, True]


@pytest.mark.parametrize(("name", "day"), [
    ("Restock_2026-05-20.txt", "2026-05-20"),
    ("fba_20260520.txt", "2026-05-20"),
    ("report_2026_05_20.csv", "2026-05-20"),
    ("Inventory+05-20-2026.txt", "2026-05-20"),
    ("bestand_20.05.2026.csv", "2026-05-20"),
    ("ledger_2026-05-01_2026-05-19.txt", "2026-05-19"),  # a range: its end
])
def test_date_in_file_name(name, day):
    assert date_in_name(name).isoformat() == day


def test_report_id_digits_are_not_a_date():
    assert date_in_name("51234567890123.txt") is None
    assert date_in_name("report_20261399.txt") is None


def test_file_moment_from_name_is_the_download_time_when_that_falls_on_the_named_day():
    downloaded = datetime(2026, 5, 20, 19, 30, tzinfo=UTC).timestamp()  # 15:30 in New York
    moment = file_moment("fba_2026-05-20.txt", downloaded, "America/New_York")
    assert (moment.day, moment.moment, moment.source) == ("2026-05-20", "2026-05-20T15:30:00", FROM_NAME)
    older = file_moment("fba_2026-05-18.txt", downloaded, "America/New_York")
    assert (older.day, older.moment) == ("2026-05-18", "2026-05-18T00:00:00")


def test_file_moment_without_a_date_in_the_name_is_the_modification_time_in_business_time():
    late_evening = datetime(2026, 5, 21, 2, 0, tzinfo=UTC).timestamp()  # 22:00 on 05-20 in New York
    moment = file_moment("51234567890123.txt", late_evening, "America/New_York")
    assert (moment.day, moment.moment, moment.source) == ("2026-05-20", "2026-05-20T22:00:00", FROM_MTIME)
