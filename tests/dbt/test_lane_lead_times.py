"""marts.lane_lead_times on a tiny warehouse of its own (as of 2026-11-10, default vars: the
last 365 days of receipts, the stated lane worth k = 5 shipments, receipts more than 3 times off
the stated transit ignored), so every figure can be computed by hand.

- SUP → WH by sea, stated 30 ± 2 days: five shipments received after exactly 40 days (S-1
  carries two SKU lines), plus what must not count: one received after 150 days (more than
  3 × 30), one "received" before it left, one still in transit, one cancelled, one received
  before the look-back, one received only after the as-of day.
- SUP → WH by air, stated 7 ± 1 days: no receipt.
- WH → FC by truck, stated 3 ± 0.5 days: two receipts, after 1.5 and 2.5 days.
"""

from __future__ import annotations

import math
from pathlib import Path

import duckdb
import pytest
import yaml

from orchestration import backtest, replenishment
from pipelines.config import ReplenishmentConfig, load_config

from .fixture_warehouse import DBT_PROJECT_DIR, create_raw_tables, insert, run_dbt, shipment

AS_OF = "2026-11-10"


def _received(shipment_id: str, sku: str, origin: str, destination: str, mode: str, shipped_at: str,
              received_at: str) -> list[dict]:
    """A shipment line's two records: in transit from its departure, received at its arrival."""
    return [
        shipment(shipment_id, sku, 10, origin, destination, mode, "in_transit", shipped_at, received_at,
                 shipped_at),
        shipment(shipment_id, sku, 10, origin, destination, mode, "received", shipped_at, received_at,
                 received_at, received_at=received_at),
    ]


def _shipments() -> list[dict]:
    rows = []
    # five sea shipments of exactly 40 days, departing September 1-5
    for day in range(1, 6):
        rows += _received(f"S-{day}", "A", "SUP", "WH", "sea", f"2026-09-0{day} 00:00:00",
                          f"2026-10-{10 + day} 00:00:00")
    # a second SKU line on S-1: one shipment, counted once
    rows += _received("S-1", "B", "SUP", "WH", "sea", "2026-09-01 00:00:00", "2026-10-11 00:00:00")
    rows += [
        *_received("S-SLOW", "A", "SUP", "WH", "sea", "2026-04-01 00:00:00", "2026-08-29 00:00:00"),
        shipment("S-BACKWARDS", "A", 10, "SUP", "WH", "sea", "received", "2026-10-20 00:00:00",
                 "2026-11-01 00:00:00", "2026-10-25 00:00:00", received_at="2026-10-10 00:00:00"),
        shipment("S-MOVING", "A", 10, "SUP", "WH", "sea", "in_transit", "2026-10-01 00:00:00",
                 "2026-11-20 00:00:00", "2026-10-01 00:00:00"),
        shipment("S-CANCELLED", "A", 10, "SUP", "WH", "sea", "cancelled", "2026-08-01 00:00:00",
                 "2026-09-01 00:00:00", "2026-08-10 00:00:00"),
        *_received("S-OLD", "A", "SUP", "WH", "sea", "2025-09-01 00:00:00", "2025-10-01 00:00:00"),
        *_received("S-AFTER", "A", "SUP", "WH", "sea", "2026-10-01 00:00:00", "2026-11-12 00:00:00"),
        # truck transfers of 1.5 and 2.5 days
        *_received("T-1", "A", "WH", "FC", "truck", "2026-11-01 08:00:00", "2026-11-02 20:00:00"),
        *_received("T-2", "A", "WH", "FC", "truck", "2026-11-03 08:00:00", "2026-11-05 20:00:00"),
    ]
    return rows


def _rows(path: Path, sql: str) -> list[dict]:
    with duckdb.connect(str(path), read_only=True) as con:
        cursor = con.execute(sql)
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("lead_times_dbt")
    path = work / "lead_times.duckdb"
    create_raw_tables(path)
    with duckdb.connect(str(path)) as con:
        insert(con, "locations", [
            {"location_id": "SUP", "type": "supplier", "operator": "supplier", "region": "cn", "channels": ""},
            {"location_id": "WH", "type": "warehouse", "operator": "seller", "region": "east", "channels": ""},
            {"location_id": "FC", "type": "fc", "operator": "amazon", "region": "east", "channels": "amazon"},
        ])
        insert(con, "lanes", [
            {"origin_id": o, "destination_id": d, "mode": m, "transit_days": t, "transit_days_std": s,
             "cost_per_unit": 1.0, "status": "active"}
            for o, d, m, t, s in (("SUP", "WH", "sea", 30.0, 2.0), ("SUP", "WH", "air", 7.0, 1.0),
                                  ("WH", "FC", "truck", 3.0, 0.5))
        ])
        insert(con, "shipments", _shipments())
    result = run_dbt(["build", "--select", "+lane_lead_times", "--indirect-selection", "cautious",
                      "--vars", f'{{"as_of": "{AS_OF}"}}'], path, work)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture(scope="module")
def lanes(built) -> dict[tuple[str, str, str], dict]:
    """(origin, destination, mode) → the lane's marts.lane_lead_times row."""
    return {(r["origin_id"], r["destination_id"], r["mode"]): r
            for r in _rows(built, "SELECT * FROM marts.lane_lead_times")}


def test_lane_without_receipts_keeps_its_stated_figures(lanes):
    row = lanes[("SUP", "WH", "air")]
    assert (row["transit_days"], row["transit_days_std"], row["basis"]) == (7.0, 1.0, "stated")
    assert (row["n_received"], row["n_ignored"], row["observed_mean"], row["observed_std"]) == (0, 0, None, None)


def test_five_receipts_of_40_days_move_a_stated_30_halfway_with_a_prior_of_5(lanes):
    row = lanes[("SUP", "WH", "sea")]
    assert row["basis"] == "learned"
    assert (row["observed_mean"], row["observed_std"]) == (40.0, 0.0)
    # (5 × 30 + 5 × 40) / 10
    assert row["transit_days"] == pytest.approx(35.0)
    assert (row["stated_transit_days"], row["stated_transit_days_std"]) == (30.0, 2.0)


def test_learned_spread_pools_stated_spread_receipts_and_the_gap_between_their_means(lanes):
    # (5 × 2² + 5 × 0² + 5 × (30 − 35)² + 5 × (40 − 35)²) / 10 = 27
    assert lanes[("SUP", "WH", "sea")]["transit_days_std"] == pytest.approx(math.sqrt(27))


def test_sku_lines_of_one_shipment_count_once(lanes):
    # S-1 has two SKU lines: six lines, five shipments
    assert lanes[("SUP", "WH", "sea")]["n_received"] == 5


def test_implausible_receipts_are_ignored_and_counted_as_such(lanes):
    # S-SLOW took 150 days (> 3 × 30), S-BACKWARDS arrived before it left
    assert lanes[("SUP", "WH", "sea")]["n_ignored"] == 2


def test_unreceived_and_out_of_window_shipments_do_not_count(lanes):
    # in transit, cancelled, received before the look-back or after the as-of day: not in n at
    # all (S-OLD and S-AFTER would have moved the mean off 40 had they counted)
    row = lanes[("SUP", "WH", "sea")]
    assert (row["n_received"], row["n_ignored"], row["observed_mean"]) == (5, 2, 40.0)


def test_transit_is_measured_in_fractional_days(lanes):
    # receipts after 1.5 and 2.5 days: mean 2, population std 0.5; learned (5 × 3 + 2 × 2) / 7;
    # variance (5 × 0.5² + 2 × 0.5² + 5 × (3 − 19/7)² + 2 × (2 − 19/7)²) / 7
    row = lanes[("WH", "FC", "truck")]
    assert (row["n_received"], row["observed_mean"], row["observed_std"]) == (2, 2.0, 0.5)
    assert row["transit_days"] == pytest.approx(19 / 7)
    variance = (5 * 0.25 + 2 * 0.25 + 5 * (3 - 19 / 7) ** 2 + 2 * (2 - 19 / 7) ** 2) / 7
    assert row["transit_days_std"] == pytest.approx(math.sqrt(variance))


def test_dbt_var_defaults_equal_the_replenishment_config():
    project_vars = yaml.safe_load((Path(DBT_PROJECT_DIR) / "dbt_project.yml").read_text())["vars"]
    for cfg in (ReplenishmentConfig(), load_config().replenishment):
        assert project_vars["lead_time_lookback_days"] == cfg.lead_time_lookback_days
        assert project_vars["lead_time_prior_shipments"] == cfg.lead_time_prior_shipments
        assert project_vars["lead_time_outlier_ratio"] == cfg.lead_time_outlier_ratio


def test_the_plan_and_the_backtest_read_the_learned_figures_with_the_lanes_costs(built):
    assert backtest.INPUT_QUERIES["lanes"] == replenishment.INPUT_QUERIES["lanes"]
    read = {(r["origin_id"], r["destination_id"], r["mode"]): r
            for r in _rows(built, replenishment.INPUT_QUERIES["lanes"])}
    sea, air = read[("SUP", "WH", "sea")], read[("SUP", "WH", "air")]
    assert (sea["transit_days"], sea["transit_days_std"], sea["n_received"]) == pytest.approx((35.0, math.sqrt(27), 5))
    assert (air["transit_days"], air["transit_days_std"], air["n_received"]) == (7.0, 1.0, 0)
    assert (sea["cost_per_unit"], sea["lane_status"]) == (1.0, "active")
    assert len(read) == 3
