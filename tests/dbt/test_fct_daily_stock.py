"""marts.fct_daily_stock: when a SKU had nothing to sell, so zero sales are not zero demand."""

from datetime import date


def stock(query, sku):
    rows = query("SELECT date, locations_reporting, sellable_units, is_stockout "
                 "FROM marts.fct_daily_stock WHERE sku = ? ORDER BY date", sku)
    return {r["date"]: (r["locations_reporting"], r["sellable_units"], r["is_stockout"]) for r in rows}


def test_sellable_stock_sums_every_fulfilling_location(query):
    assert stock(query, "SKU-OUT")[date(2026, 11, 1)] == (2, 7, False)


def test_silent_location_counts_with_its_recent_snapshot(query):
    # the store sent nothing on 11-02 and 11-04: its 2 units of 11-01 still count
    assert stock(query, "SKU-OUT")[date(2026, 11, 2)] == (1, 2, False)
    assert stock(query, "SKU-OUT")[date(2026, 11, 4)] == (1, 2, False)


def test_unsellable_units_do_not_count_as_stock(query):
    # on 11-04 the warehouse holds 3 damaged units: only the store's 2 are sellable
    assert stock(query, "SKU-OUT")[date(2026, 11, 4)][1] == 2


def test_stale_snapshot_counts_nothing_so_the_day_is_a_stockout(query):
    # on 11-10 the store's last snapshot is 9 days old (over 7): unknown, counts nothing
    assert stock(query, "SKU-OUT")[date(2026, 11, 10)] == (1, 0, True)


def test_day_without_any_snapshot_is_not_a_stockout(query):
    assert date(2026, 11, 3) not in stock(query, "SKU-OUT")
