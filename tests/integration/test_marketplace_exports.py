"""`stockpilot run` on a folder of marketplace exports builds the same marts as contract files.

Two landing folders share the seller's reference data (tests/fixtures/marketplace_seller): one
holds an inbox of the reports sellers download (tests/fixtures/marketplace), the other the rows
those reports stand for, written by hand in the landing contract (fixtures/marketplace_as_contract).
Both run as of 2026-05-20 with the repository's config (New York time, the US state regions).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from orchestration.cli import main
from pipelines.warehouse import connect

pytestmark = pytest.mark.integration

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REFERENCE = FIXTURES / "marketplace_seller" / "reference"
REPORTS = FIXTURES / "marketplace"
AS_CONTRACT = Path(__file__).parent / "fixtures" / "marketplace_as_contract"
AS_OF = "2026-05-20"

INBOX = (
    "amazon_all_orders_2026-05-20.txt", "amazon_fba_inventory_26col_20260520.txt",
    "amazon_inventory_ledger_summary.txt", "amazon_reserved_inventory_2026-05-20.txt",
    "amazon_awd_inventory_2026-05-20.json", "amazon_restock_inventory_2026-05-20.txt", "ebay_orders_report.csv",
    "ebay_orders_report_cp1252.csv", "shopify_orders_export.csv", "walmart_us_inventory_2026-05-20.csv",
    "amazon_all_orders_missing_sku.txt", "amazon_afn_inventory_unsupported.txt",
)
POSITION = ("SELECT sku, location_id, on_hand, reserved, unsellable, available, inbound, inbound_planned, "
            "last_snapshot_date FROM marts.inventory_position ORDER BY sku, location_id")
DEMAND = "SELECT * FROM marts.fct_daily_demand ORDER BY ALL"


def _run(landing: Path, warehouse: Path) -> int:
    return main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--as-of", AS_OF,
                 "--log-level", "ERROR"])


@pytest.fixture(scope="module")
def exports(tmp_path_factory) -> tuple[int, Path]:
    root = tmp_path_factory.mktemp("exports")
    shutil.copytree(REFERENCE, root / "landing" / "reference")
    (root / "landing" / "inbox").mkdir()
    for name in INBOX:
        shutil.copyfile(REPORTS / name, root / "landing" / "inbox" / name)
    return _run(root / "landing", root / "wh.duckdb"), root / "wh.duckdb"


@pytest.fixture(scope="module")
def contract_files(tmp_path_factory) -> tuple[int, Path]:
    root = tmp_path_factory.mktemp("contract")
    shutil.copytree(AS_CONTRACT, root / "landing")
    shutil.copytree(REFERENCE, root / "landing" / "reference")
    return _run(root / "landing", root / "wh.duckdb"), root / "wh.duckdb"


def query(warehouse: Path, sql: str) -> list[tuple]:
    with connect(warehouse, read_only=True) as con:
        return con.execute(sql).fetchall()


def test_both_runs_succeed(exports, contract_files):
    assert (exports[0], contract_files[0]) == (0, 0)


def test_demand_from_exports_equals_demand_from_contract_files(exports, contract_files):
    from_exports = query(exports[1], DEMAND)
    assert from_exports == query(contract_files[1], DEMAND)
    # Amazon's 2 mugs ordered 14:03 UTC on 05-18, shipped to New York (east)
    assert ("2026-05-18", "MUG-01", "amazon", "east", 2) in [
        (str(r[0]), r[1], r[2], r[3], r[4]) for r in query(
            exports[1], "SELECT date, sku, channel, region, units FROM marts.fct_daily_demand")]


def test_position_from_exports_equals_position_from_contract_files(exports, contract_files):
    assert query(exports[1], POSITION) == query(contract_files[1], POSITION)


def test_position_follows_the_documented_rules(exports):
    rows = {(r[0], r[1]): r[2:8] for r in query(exports[1], POSITION)}
    # FBA report of 05-20: 32 on hand (two conditions), Amazon's own 3 reserved hold the pending
    # order of 05-19; 20 shipped + 4 receiving inbound
    assert rows[("MUG-01", "FBA-US")] == (32, 3, 2, 27, 24, 0)
    # AWD: 40 reserved for a replenishment being prepared, 500 on their way to AWD
    assert rows[("MUG-01", "AWD-US")] == (300, 40, 0, 260, 500, 0)
    # WFS: Walmart's own 3 reserved
    assert rows[("MUG-01", "WFS-US")] == (36, 3, 0, 33, 0, 0)
    # the seller's node "Main warehouse": open eBay (1 + 2) and Shopify (2) mugs are reserved
    assert rows[("MUG-01", "WH-1")] == (12, 5, 0, 7, 0, 0)


def test_bad_rows_and_unknown_files_are_quarantined_with_their_reason(exports):
    orders = query(exports[1], "SELECT _source_file, _row_number, reason FROM quarantine.orders ORDER BY 1, 2")
    assert [(f, n) for f, n, _ in orders] == [
        ("inbox/amazon_all_orders_2026-05-20.txt", 5), ("inbox/amazon_all_orders_2026-05-20.txt", 6),
        ("inbox/amazon_all_orders_missing_sku.txt", None)]
    assert orders[1][2] == "unit_price (from 'item-price'): '19.9O' is not a number"
    assert "lacks the required column sku" in orders[2][2]
    inbox = query(exports[1], "SELECT _source_file, reason FROM quarantine.inbox")
    assert [f for f, _ in inbox] == ["inbox/amazon_afn_inventory_unsupported.txt"]
    assert "Amazon Restock Inventory report" in inbox[0][1]
    node = query(exports[1], "SELECT reason, retryable FROM quarantine.stock_snapshots")
    assert node == [("location_id (from 'Ship Node ID'): Walmart ship node '880001' (3PL Dallas) is not one of "
                     "your locations: map it in adapters.walmart_ship_nodes in config/stockpilot.yaml or give the "
                     "location that id in reference/locations", True)]


def test_restock_comparison_sets_amazons_recommendation_next_to_the_plan(exports):
    rows = query(exports[1], "SELECT sku, amazon_quantity, amazon_ship_date, stockpilot_quantity, "
                             "quantity_difference, difference_reason FROM marts.restock_comparison "
                             "WHERE sku IN ('MUG-01', 'TEA-02') ORDER BY sku")
    assert [(r[0], r[1], str(r[2]) if r[2] else None) for r in rows] == [
        ("MUG-01", 150, "2026-05-22"), ("TEA-02", 0, None)]
    planned = dict(query(exports[1], "SELECT sku, sum(quantity) FROM marts.transfer_orders "
                                     "WHERE to_location = 'FBA-US' GROUP BY sku"))
    for sku, amazon, _, ours, difference, reason in rows:
        # ours is tonight's transfers to FBA-US (the seller reaches it by truck from AWD-US and WH-1)
        assert ours == planned.get(sku, 0)
        assert difference == ours - amazon
        assert reason
