"""marts.fct_location_stockouts: the days a location could not serve a SKU, so the plan does not
read the orders re-routed away from it as a loss of its demand."""

from datetime import date, timedelta

from orchestration import backtest, replenishment

from .fixture_warehouse import AS_OF


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


def test_the_plan_reads_the_stockouts_of_its_window_and_the_backtest_all_of_them(query):
    def read(sql, **days):
        rows = query(sql.format(as_of=AS_OF, **days))
        return sorted(r["date"] for r in rows if (r["sku"], r["location_id"]) == ("SKU-OUT", "WH-MAIN"))

    assert read(replenishment.INPUT_QUERIES["location_stockouts"], stock_days=5) == days("2026-11-06", "2026-11-10")
    assert read(backtest.INPUT_QUERIES["location_stockouts"]) == days("2026-11-02", "2026-11-10")


def test_the_plan_reads_the_fulfilment_day_by_day_and_over_the_fallback_window(query):
    daily = query(replenishment.INPUT_QUERIES["fulfilment"].format(as_of=AS_OF, fulfilment_days=90))
    total = query(replenishment.INPUT_QUERIES["fulfilment_fallback"].format(as_of=AS_OF, fallback_days=90))
    assert daily and {"sku", "region", "location_id", "date", "units"} == set(daily[0])
    assert sum(r["units"] for r in daily) == sum(r["units"] for r in total)
