"""dbt runs that need their own warehouse: the default as-of day, and an empty warehouse."""

import shutil
from datetime import date

import duckdb

from .fixture_warehouse import create_raw_tables, run_dbt

MARTS = ("inventory_position", "inventory_pool", "in_transit", "fct_daily_demand", "dim_sku",
         "dim_location", "inventory_adjustments", "lane_lead_times")


def test_as_of_defaults_to_latest_date_in_data(warehouse, dbt_work_dir):
    # the latest event in the fixture is S-LATE-1's receipt on 11-12 (the planned December
    # departure and etas are plans, not events)
    copy = dbt_work_dir / "default_as_of.duckdb"
    shutil.copy(warehouse, copy)
    result = run_dbt(["run", "--select", "int_as_of"], copy, dbt_work_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute("SELECT as_of FROM intermediate.int_as_of").fetchall() == [
            (date(2026, 11, 12),)
        ]


def test_build_succeeds_on_empty_warehouse(dbt_work_dir):
    path = dbt_work_dir / "empty.duckdb"
    create_raw_tables(path)
    result = run_dbt(["build"], path, dbt_work_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    with duckdb.connect(str(path), read_only=True) as con:
        for mart in MARTS:
            assert con.execute(f"SELECT count(*) FROM marts.{mart}").fetchone() == (0,), mart
