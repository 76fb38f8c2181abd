"""Ageing, days of inventory and KPI arithmetic on a tiny warehouse of its own (as of 2026-11-10,
a 3-day KPI window), so every figure can be computed by hand.

- SKU A (cost 10) at FC-1 (fc, 0.30 per unit-month): 10 units at the 01-01 snapshot, 5 received
  on 05-14 (exactly 180 days before the as-of date), 20 received on 11-01; 5 shipped in June,
  4 on 11-08, 3 on 11-10: 23 on hand, snapshots 30 on 11-08 and 26 on 11-10.
- SKU B (cost 4) at AWD-1 (upstream, 0.10): 50 units since the 2025-10-01 snapshot, never sold;
  10 more flying from the supplier to FC-1 since 11-07.
- SKU C (cost 5) at FC-1: sold 1 on 11-02, none left at the 11-09 snapshot (a stockout).
Orders: 11-08 A 4 shipped; 11-09 A 2 cancelled and A 3 shipped on 11-10; 11-10 A 1 pending.

A second warehouse (FIRST_NIGHT) is a seller's first night: orders since 05-13, one snapshot.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines import contract
from pipelines.config import HealthConfig, load_config

from .fixture_warehouse import create_raw_tables, insert, order, run_dbt, shipment, snapshot

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"
AS_OF = "2026-11-10"


def _orders():
    def line(order_id, sku, quantity, status, ordered_at, updated_at=None):
        return order(order_id, sku, "amazon", quantity, status, ordered_at, updated_at, fulfilled_from="FC-1")

    return [
        line("O-0", "A", 5, "paid", "2026-06-01 10:00:00"),
        line("O-0", "A", 5, "shipped", "2026-06-01 10:00:00", "2026-06-02 10:00:00"),
        line("O-1", "A", 4, "shipped", "2026-11-08 09:00:00", "2026-11-08 15:00:00"),
        line("O-2", "A", 2, "cancelled", "2026-11-09 09:00:00", "2026-11-09 10:00:00"),
        line("O-3", "A", 3, "paid", "2026-11-09 11:00:00"),
        line("O-3", "A", 3, "shipped", "2026-11-09 11:00:00", "2026-11-10 09:00:00"),
        line("O-4", "A", 1, "pending", "2026-11-10 08:00:00"),
        line("O-5", "C", 1, "shipped", "2026-11-02 09:00:00", "2026-11-02 12:00:00"),
    ]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("health_dbt")
    path = work / "health.duckdb"
    create_raw_tables(path)
    with duckdb.connect(str(path)) as con:
        for feed in contract.FEEDS_BY_NAME.values():  # every raw table the sources name, empty
            con.execute(contract.raw_table_ddl(feed))
        insert(con, "locations", [
            {"location_id": "FC-1", "type": "fc", "operator": "amazon", "region": "east", "channels": "amazon",
             "storage_cost_per_unit_month": 0.30},
            {"location_id": "AWD-1", "type": "upstream", "operator": "amazon", "region": "east", "channels": "",
             "storage_cost_per_unit_month": 0.10},
            {"location_id": "SUP", "type": "supplier", "operator": "supplier", "region": "cn", "channels": ""},
        ])
        insert(con, "channels", [{"channel": "amazon", "buffer_pct": 0.0, "buffer_units": 0,
                                  "fulfillment_cost_per_unit": 0.0, "commission_pct": 0.0}])
        insert(con, "routing_rules", [{"channel": "amazon", "rank": 1, "location_id": "FC-1"}])
        insert(con, "skus", [{"sku": s, "title": s, "category": "test", "unit_cost": c, "unit_price": 2 * c,
                              "supplier_id": "SUP"} for s, c in (("A", 10.0), ("B", 4.0), ("C", 5.0))])
        insert(con, "listings", [{"channel": "amazon", "listing_sku": s, "sku": s} for s in ("A", "B", "C")])
        insert(con, "stock_snapshots", [
            snapshot("2026-01-01", "FC-1", "A", 10),
            snapshot("2026-11-08", "FC-1", "A", 30),
            snapshot("2026-11-10", "FC-1", "A", 26),
            snapshot("2025-10-01", "AWD-1", "B", 50),
            snapshot("2026-11-05", "AWD-1", "B", 50),
            snapshot("2026-11-09", "FC-1", "C", 0),
        ])
        insert(con, "orders", _orders())
        insert(con, "shipments", [
            shipment("S-1", "A", 5, "SUP", "FC-1", "sea", "received", "2026-04-10 00:00:00",
                     "2026-05-14 00:00:00", "2026-05-14 09:00:00", received_at="2026-05-14 09:00:00"),
            shipment("S-2", "A", 20, "SUP", "FC-1", "sea", "received", "2026-10-01 00:00:00",
                     "2026-11-01 00:00:00", "2026-11-01 09:00:00", received_at="2026-11-01 09:00:00"),
            shipment("S-3", "B", 10, "SUP", "FC-1", "air", "in_transit", "2026-11-07 00:00:00",
                     "2026-11-12 00:00:00", "2026-11-07 00:00:00"),
        ])
    # only these models and what they read; tests whose every parent is built ("cautious")
    result = run_dbt(["build", "--select", "+inventory_age", "+kpi_summary", "+int_sku_supply",
                      "--indirect-selection", "cautious",
                      "--vars", f'{{"as_of": "{AS_OF}", "kpi_history_days": 3}}'], path, work)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture(scope="module")
def query(built):
    con = duckdb.connect(str(built), read_only=True)

    def run(sql: str) -> list[dict]:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    yield run
    con.close()


def test_dbt_var_defaults_equal_the_health_config():
    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    for cfg in (HealthConfig(), load_config().health):
        assert project_vars["sales_rate_days"] == cfg.sales_rate_days
        assert project_vars["excess_days_of_inventory"] == cfg.excess_days_of_inventory
        assert project_vars["kpi_history_days"] == cfg.kpi_history_days


def test_fifo_keeps_the_newest_receipts_on_hand(query):
    (a,) = query("SELECT * FROM marts.inventory_age WHERE sku = 'A'")
    # 23 on hand = the 20 received on 11-01 (9 days) + 3 of the 5 received on 05-14 (180 days)
    assert a["on_hand"] == 23
    assert (a["units_0_90"], a["units_91_180"], a["units_181_270"]) == (20, 3, 0)
    assert a["oldest_age_days"] == 180
    assert a["mean_age_days"] == pytest.approx(round((20 * 9 + 3 * 180) / 23, 1))
    assert a["opening_units"] == 0
    assert a["value_at_cost"] == pytest.approx(230.0)
    assert a["storage_cost_per_month"] == pytest.approx(23 * 0.30)


def test_units_no_receipt_explains_are_aged_from_the_first_snapshot(query):
    (b,) = query("SELECT * FROM marts.inventory_age WHERE sku = 'B'")
    assert b["units_over_365"] == 50 and b["opening_units"] == 50
    assert b["oldest_age_days"] == 405  # 2025-10-01 to 2026-11-10
    assert b["value_over_180_days"] == pytest.approx(200.0)


def test_the_layers_add_up_to_on_hand(query):
    rows = query("""SELECT l.sku, l.location_id, sum(l.units) AS layered, any_value(p.on_hand) AS on_hand
                    FROM intermediate.int_inventory_layers l JOIN marts.inventory_position p USING (sku, location_id)
                    GROUP BY 1, 2""")
    assert rows and all(r["layered"] == r["on_hand"] for r in rows)


def test_dead_stock_boundary_on_the_built_layers(built):
    from orchestration.health import read_dead_stock_inputs
    from pipelines.health import dead_stock

    with duckdb.connect(str(built), read_only=True) as con:
        dead = dead_stock(read_dead_stock_inputs(con, HealthConfig()), HealthConfig())
    assert dict(zip(dead["sku"], dead["dead_units"], strict=True)) == {"A": 3, "B": 50}
    assert dead_stock(read_dead_stock_inputs(duckdb.connect(str(built), read_only=True), HealthConfig()),
                      HealthConfig(dead_stock_days=181))["sku"].tolist() == ["B"]


FIRST_NIGHT = {  # sku: (units in the one snapshot, launch date, last order date)
    "D": (50, None, "2026-05-13"),  # 181 days before the as-of date, the first day of the order data
    "E": (20, None, None),  # never sold
    "F": (10, "2026-09-01", None),  # never sold since its launch, which the order data reaches back to
    "G": (5, None, "2026-11-09"),  # sold yesterday
}


@pytest.fixture(scope="module")
def first_night(tmp_path_factory) -> Path:
    """A seller's first night as of 2026-11-10: a year of orders, but only today's stock snapshot."""
    work = tmp_path_factory.mktemp("first_night_dbt")
    path = work / "first_night.duckdb"
    create_raw_tables(path)
    with duckdb.connect(str(path)) as con:
        insert(con, "locations", [
            {"location_id": "FC-1", "type": "fc", "operator": "amazon", "region": "east", "channels": "amazon",
             "storage_cost_per_unit_month": 0.30},
            {"location_id": "SUP", "type": "supplier", "operator": "supplier", "region": "cn", "channels": ""},
        ])
        insert(con, "channels", [{"channel": "amazon", "buffer_pct": 0.0, "buffer_units": 0,
                                  "fulfillment_cost_per_unit": 0.0, "commission_pct": 0.0}])
        insert(con, "routing_rules", [{"channel": "amazon", "rank": 1, "location_id": "FC-1"}])
        insert(con, "skus", [{"sku": s, "title": s, "category": "test", "unit_cost": 2.0, "unit_price": 4.0,
                              "supplier_id": "SUP", "launch_date": launch}
                             for s, (_, launch, _) in FIRST_NIGHT.items()])
        insert(con, "listings", [{"channel": "amazon", "listing_sku": s, "sku": s} for s in FIRST_NIGHT])
        insert(con, "stock_snapshots", [snapshot(AS_OF, "FC-1", s, units) for s, (units, _, _) in FIRST_NIGHT.items()])
        insert(con, "orders", [
            order(f"O-{s}", s, "amazon", 1, "shipped", f"{sold} 09:00:00", f"{sold} 15:00:00", fulfilled_from="FC-1")
            for s, (_, _, sold) in FIRST_NIGHT.items() if sold])
    result = run_dbt(["build", "--select", "+int_inventory_layers", "+dim_sku", "+dim_location", "+int_sku_supply",
                      "--indirect-selection", "cautious", "--vars", f'{{"as_of": "{AS_OF}"}}'], path, work)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


def test_with_one_snapshot_units_no_receipt_explains_are_at_least_as_old_as_the_last_sale(first_night):
    with duckdb.connect(str(first_night), read_only=True) as con:
        layers = {r[0]: r[1:] for r in con.execute(
            "SELECT sku, age_days, age_basis, age_is_lower_bound, layer_source FROM intermediate.int_inventory_layers"
        ).fetchall()}
    assert layers == {
        "D": (181, "last_sale", True, "opening"),
        "E": (181, "order_data_start", True, "opening"),  # never sold: from the first day of the order data
        "F": (70, "launch", True, "opening"),
        "G": (1, "last_sale", True, "opening"),
    }


def test_with_one_snapshot_a_sku_unsold_for_180_days_is_dead_stock_at_least_that_old(first_night):
    from orchestration.health import read_dead_stock_inputs
    from pipelines.health import dead_stock

    with duckdb.connect(str(first_night), read_only=True) as con:
        dead = dead_stock(read_dead_stock_inputs(con, HealthConfig()), HealthConfig()).set_index("sku")
    assert sorted(dead.index) == ["D", "E"]
    assert dead.loc["D", "dead_units"] == 50 and dead.loc["D", "age_is_lower_bound"]
    assert "(oldest at least 181 days: no sale since 2026-05-13, and no receipt explains them)" in dead.loc["D", "reason"]
    assert "never sold since the order data begins on 2026-05-13" in dead.loc["E", "reason"]


def test_days_of_inventory_and_excess_units(query):
    rows = {r["sku"]: r for r in query("SELECT * FROM intermediate.int_sku_supply")}
    # A: 8 units ordered in 90 days (cancelled ones are not demand): 23 / (8 / 90) days
    assert rows["A"]["units_sold"] == 8
    assert rows["A"]["days_of_inventory"] == pytest.approx(258.8)  # 258.75, one decimal
    assert rows["A"]["excess_units"] == 23 - 8
    assert rows["B"]["days_of_inventory"] is None and rows["B"]["excess_units"] == 50
    assert rows["C"]["excess_units"] == 0
    # A's units are all at the fulfilment centre; B's 50 sit upstream (AWD), outside the selling scope
    assert rows["A"]["on_hand_selling"] == 23 and rows["A"]["days_of_inventory_selling"] == pytest.approx(258.8)
    assert rows["A"]["excess_units_selling"] == 15
    assert rows["B"]["on_hand_selling"] == 0 and rows["B"]["excess_units_selling"] == 0


def test_kpi_daily_arithmetic(query):
    days = {str(r["date"]): r for r in query("SELECT * FROM marts.kpi_daily")}
    assert sorted(days) == ["2026-11-08", "2026-11-09", "2026-11-10"]
    d8, d9, d10 = days["2026-11-08"], days["2026-11-09"], days["2026-11-10"]
    assert (d8["units_ordered"], d8["units_shipped"], d8["fill_rate"], d8["cogs"]) == (4, 4, 1.0, 40.0)
    assert (d9["units_ordered"], d9["units_shipped"], d9["units_cancelled"], d9["fill_rate"]) == (5, 3, 2, 0.6)
    assert (d10["units_open"], d10["fill_rate"], d10["cogs"]) == (1, None, 30.0)
    # start of day: A's 11-08 snapshot (30 x 10) carried to 11-09, B's 11-05 snapshot (50 x 4)
    assert (d8["inventory_value"], d8["inventory_value_fc"], d8["inventory_value_upstream"]) == (500.0, 300.0, 200.0)
    assert d9["inventory_value"] == 500.0 and d10["inventory_value"] == 460.0
    assert d8["in_transit_value"] == 40.0 and d8["in_transit_units"] == 10
    assert d8["storage_cost"] == pytest.approx(round((30 * 0.30 + 50 * 0.10) * 12 / 365, 2))
    # C out of stock on 11-09 after selling on 11-02; A expected on 11-10 (sold on 11-08), not on 11-08
    assert (d8["sku_days_demand_expected"], d9["sku_days_stockout"], d9["stockout_rate"]) == (0, 1, 1.0)
    assert (d10["sku_days_demand_expected"], d10["sku_days_stockout"]) == (1, 0)
    mean_inventory = (500 + 500 + 460) / 3
    assert d10["inventory_turnover"] == pytest.approx(round(70 * 365 / 3 / mean_inventory, 3))
    assert d10["days_of_inventory"] == pytest.approx(round(mean_inventory * 3 / 70, 1))


def test_kpi_summary_arithmetic(query):
    kpi = {(r["kpi"], r["scope"]): r["value"] for r in query("SELECT * FROM marts.kpi_summary")}
    mean_inventory = (500 + 500 + 460) / 3
    assert kpi[("inventory_turnover", "network")] == pytest.approx(70 * 365 / 3 / mean_inventory, abs=1e-4)
    assert kpi[("days_of_inventory", "network")] == pytest.approx(mean_inventory * 3 / 70, abs=1e-4)
    assert kpi[("fill_rate", "network")] == pytest.approx(7 / 9, abs=1e-4)
    assert kpi[("stockout_rate", "network")] == pytest.approx(0.5)
    assert kpi[("cost_of_goods_sold", "network")] == pytest.approx(70.0)
    assert kpi[("excess_units", "network")] == 15 + 50
    assert kpi[("excess_value", "network")] == pytest.approx(15 * 10 + 50 * 4)
    assert kpi[("inventory_value", "fc")] == pytest.approx(230.0)
    assert kpi[("inventory_value", "upstream")] == pytest.approx(200.0)
    assert kpi[("inventory_value", "network")] == pytest.approx(430.0)
    assert kpi[("in_transit_value", "network")] == pytest.approx(40.0)
    assert kpi[("storage_cost_per_month", "network")] == pytest.approx(23 * 0.30 + 50 * 0.10)
    assert kpi[("storage_cost", "network")] == pytest.approx(0.46 + 0.46 + 0.42)
