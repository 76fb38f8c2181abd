"""Dead stock: units whose first-in-first-out age at a location reached dead_stock_days (180),
their cost, and whether to promote, move or liquidate them (as of 2026-10-31)."""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd
import pytest

from pipelines.config import HealthConfig
from pipelines.health import DeadStockInputs, dead_stock

AS_OF = date(2026, 10, 31)
CFG = HealthConfig()
LOCATIONS = pd.DataFrame({
    "location_id": ["AWD-1", "FC-1", "FC-2"],
    "location_type": ["upstream", "fc", "fc"],
    "fulfils_customers": [False, True, True],
    "storage_cost_per_unit_month": [0.10, 0.30, 0.30],
})


def layer(sku: str, location: str, age_days: int, units: int, source: str = "receipt",
          basis: str | None = None) -> dict:
    """An int_inventory_layers row; an opening layer is dated by ``basis`` (default first_known)."""
    opening = source == "opening"
    return dict(sku=sku, location_id=location, layer_date=AS_OF - timedelta(days=age_days), layer_source=source,
                age_basis=(basis or "first_known") if opening else "received", age_is_lower_bound=opening,
                units=units, age_days=age_days)


def run(layers: list[dict], skus: list[dict] | None = None, shipped: list[dict] | None = None,
        rates: dict[str, float] | None = None, cfg: HealthConfig = CFG) -> pd.DataFrame:
    frame = pd.DataFrame(layers)
    names = sorted(frame["sku"].unique())
    sku_rows = pd.DataFrame(skus) if skus else pd.DataFrame(
        {"sku": names, "unit_cost": 4.0, "sku_status": "active", "last_order_date": AS_OF - timedelta(days=1)})
    return dead_stock(DeadStockInputs(
        as_of=AS_OF, layers=frame, locations=LOCATIONS, skus=sku_rows,
        shipped=pd.DataFrame(shipped or [], columns=["sku", "location_id", "units"]),
        supply=pd.DataFrame({"sku": names, "daily_sales_rate": [(rates or {}).get(n, 1.0) for n in names]}),
    ), cfg)


def test_units_aged_exactly_180_days_are_dead():
    result = run([layer("A", "FC-1", 180, 7)])
    assert result[["sku", "location_id", "dead_units"]].to_dict("records") == [
        {"sku": "A", "location_id": "FC-1", "dead_units": 7}]


def test_units_aged_179_days_are_not_dead():
    assert run([layer("A", "FC-1", 179, 7)]).empty


def test_only_the_old_layers_of_a_location_are_dead():
    row = run([layer("A", "FC-1", 10, 5), layer("A", "FC-1", 200, 3), layer("A", "FC-1", 400, 2, "opening")]).iloc[0]
    assert row["dead_units"] == 5 and row["on_hand"] == 10
    assert row["oldest_age_days"] == 400
    assert row["mean_dead_age_days"] == pytest.approx((3 * 200 + 2 * 400) / 5)


def test_received_units_have_a_known_age():
    row = run([layer("A", "FC-1", 200, 3)]).iloc[0]
    assert not row["age_is_lower_bound"]
    assert row["reason"].startswith("3 units unsold for at least 180 days (oldest 200); ")


def test_units_no_receipt_explains_are_at_least_as_old_as_the_last_sale_and_say_so():
    # the seller's first snapshot (today) holds 50 units of a SKU last sold 181 days ago
    skus = [{"sku": "A", "unit_cost": 4.0, "sku_status": "active", "last_order_date": AS_OF - timedelta(days=181)}]
    row = run([layer("A", "FC-1", 181, 50, "opening", "last_sale")], skus=skus).iloc[0]
    assert row["dead_units"] == 50 and row["age_is_lower_bound"]
    assert row["reason"].startswith("50 units unsold for at least 180 days (oldest at least 181 days: no sale since "
                                    "2026-05-03, and no receipt explains them); ")


def test_a_sku_never_sold_is_at_least_as_old_as_the_order_data_and_says_so():
    skus = [{"sku": "A", "unit_cost": 4.0, "sku_status": "active", "last_order_date": None}]
    row = run([layer("A", "FC-1", 200, 5, "opening", "order_data_start")], skus=skus).iloc[0]
    assert row["age_is_lower_bound"]
    assert "(oldest at least 200 days: never sold since the order data begins on 2026-04-14" in row["reason"]
    assert row["recommendation"] == "liquidate" and "never sold" in row["reason"]


def test_value_and_storage_cost_so_far_and_per_month():
    row = run([layer("A", "FC-1", 200, 3), layer("A", "FC-1", 400, 2)]).iloc[0]
    assert row["value_at_cost"] == 5 * 4.0
    # unit-days x cost per unit-month / (365 / 12) days per month
    assert row["storage_cost_to_date"] == pytest.approx(round((3 * 200 + 2 * 400) * 0.30 * 12 / 365, 2))
    assert row["storage_cost_per_month"] == pytest.approx(5 * 0.30)


def test_a_discontinued_sku_is_liquidated():
    skus = [{"sku": "A", "unit_cost": 4.0, "sku_status": "discontinued", "last_order_date": AS_OF}]
    row = run([layer("A", "FC-1", 200, 3)], skus=skus).iloc[0]
    assert row["recommendation"] == "liquidate"
    assert "SKU discontinued" in row["reason"]


def test_no_sale_anywhere_for_a_year_is_liquidated():
    skus = [{"sku": "A", "unit_cost": 4.0, "sku_status": "active", "last_order_date": AS_OF - timedelta(days=365)}]
    row = run([layer("A", "FC-1", 400, 3)], skus=skus).iloc[0]
    assert row["recommendation"] == "liquidate"
    assert row["days_since_last_sale"] == 365


def test_dead_units_that_would_take_over_a_year_to_sell_are_liquidated():
    # 400 dead units at 1 unit/day across the network: 400 days
    row = run([layer("A", "FC-1", 200, 400)], shipped=[{"sku": "A", "location_id": "FC-1", "units": 90}]).iloc[0]
    assert row["days_to_sell"] == 400
    assert row["recommendation"] == "liquidate"


def test_dead_stock_where_another_location_sells_twice_as_fast_is_moved_there():
    shipped = [{"sku": "A", "location_id": "FC-1", "units": 9}, {"sku": "A", "location_id": "FC-2", "units": 27}]
    row = run([layer("A", "FC-1", 200, 30)], shipped=shipped).iloc[0]
    assert row["recommendation"] == "move"
    assert row["best_location_id"] == "FC-2"
    assert row["best_location_daily_sales"] == pytest.approx(0.3)
    assert row["location_daily_sales"] == pytest.approx(0.1)
    assert "move to FC-2, which ships 0.30 units/day vs 0.10 here" in row["reason"]


def test_upstream_dead_stock_moves_to_where_the_sku_sells():
    row = run([layer("A", "AWD-1", 250, 30)], shipped=[{"sku": "A", "location_id": "FC-1", "units": 45}]).iloc[0]
    assert row["recommendation"] == "move"
    assert row["best_location_id"] == "FC-1"


def test_dead_stock_at_the_best_selling_location_is_promoted():
    shipped = [{"sku": "A", "location_id": "FC-1", "units": 27}, {"sku": "A", "location_id": "FC-2", "units": 18}]
    row = run([layer("A", "FC-1", 200, 30)], shipped=shipped).iloc[0]
    assert row["recommendation"] == "promote"
    assert row["best_location_id"] == "FC-2"  # the best other location, not fast enough to move to


def test_the_threshold_comes_from_the_config():
    assert len(run([layer("A", "FC-1", 100, 3)], cfg=HealthConfig(dead_stock_days=90))) == 1
