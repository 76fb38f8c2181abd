"""marts.fct_location_stockouts: the days a location could not serve a SKU, so the plan does not
read the orders re-routed away from it as a loss of its demand."""

from datetime import date, timedelta


def out_days(query, sku, location_id):
    rows = query("SELECT date FROM marts.fct_location_stockouts WHERE sku = ? AND location_id = ? ORDER BY date",
                 sku, location_id)
    return [r["date"] for r in rows]


def days(first: str, last: str) -> list[date]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


def test_empty_snapshot_marks_its_day_and_the_silent_days_after_it(query):
    # WH-MAIN: 5 on 11-01, 0 on 11-02, nothing on 11-03, 3 all unsellable on 11-04, 0 on 11-10
    assert out_days(query, "SKU-OUT", "WH-MAIN") == days("2026-11-02", "2026-11-10")


def test_unsellable_units_do_not_count_as_stock(query):
    assert date(2026, 11, 4) in out_days(query, "SKU-OUT", "WH-MAIN")


def test_location_with_sellable_stock_is_not_out_and_a_stale_snapshot_is_unknown(query):
    # STORE-1 had 2 units on 11-01 and sent nothing since: in stock, then unknown — never listed
    assert out_days(query, "SKU-OUT", "STORE-1") == []


def test_empty_snapshot_counts_for_at_most_seven_days_after_it(query):
    # STORE-1 reported 0 of SKU-RCV on 11-01 only: out 11-01 … 11-08, unknown from 11-09
    assert out_days(query, "SKU-RCV", "STORE-1") == days("2026-11-01", "2026-11-08")
