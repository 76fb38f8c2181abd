"""marts.fct_daily_demand and marts.dim_sku as of 2026-11-10."""

from datetime import date


def demand(query, sku):
    return query(
        "SELECT date, channel, region, units, order_lines, revenue FROM marts.fct_daily_demand "
        "WHERE sku = ? ORDER BY date, channel, region", sku,
    )


def test_cancelled_line_releases_reservation_and_is_not_demand(query, position):
    # the cancelled 11-09 line is gone from demand and from reservations
    assert demand(query, "SKU-CANCEL") == [
        {"date": date(2026, 11, 10), "channel": "ebay", "region": "central", "units": 1,
         "order_lines": 1, "revenue": 20.0},
    ]
    assert position("SKU-CANCEL", "WH-MAIN")["reserved"] == 1


def test_status_updates_count_one_demand_line(query):
    assert demand(query, "SKU-STATUS") == [
        {"date": date(2026, 11, 9), "channel": "shopify", "region": "NY", "units": 2,
         "order_lines": 1, "revenue": 40.0},
    ]


def test_bundle_demand_in_component_units_with_revenue_split_by_value(query):
    # 3 bundles at 60 = 180, split by list value 20 : 30
    assert demand(query, "SKU-E") == [
        {"date": date(2026, 11, 9), "channel": "shopify", "region": "CA", "units": 6,
         "order_lines": 1, "revenue": 72.0},
    ]
    assert demand(query, "SKU-F") == [
        {"date": date(2026, 11, 9), "channel": "shopify", "region": "CA", "units": 3,
         "order_lines": 1, "revenue": 108.0},
    ]


def test_missing_unit_price_uses_sku_price(query):
    assert demand(query, "SKU-NOPRICE")[0]["revenue"] == 2 * 25.0


def test_demand_region_falls_back_to_location_region(query):
    rows = {(r["channel"], r["region"]): r["units"] for r in demand(query, "SKU-REG")}
    assert rows == {("amazon", "east"): 1, ("shopify", "TX"): 2, ("b2b", "unknown"): 4}


def test_demand_stops_at_as_of(query):
    assert [r["date"] for r in demand(query, "SKU-LATE")] == [date(2026, 11, 10)]


def test_dim_sku_order_dates_ignore_cancelled_lines(query):
    rows = query("SELECT first_order_date, last_order_date FROM marts.dim_sku WHERE sku = 'SKU-CANCEL'")
    assert rows == [{"first_order_date": date(2026, 11, 10), "last_order_date": date(2026, 11, 10)}]


def test_dim_location_fulfils_customers_when_channels_listed(query):
    rows = query("SELECT location_id FROM marts.dim_location WHERE fulfils_customers ORDER BY 1")
    assert [r["location_id"] for r in rows] == ["FBA-EAST", "STORE-1", "WH-MAIN"]
