"""marts.inventory_adjustments as of 2026-11-10."""

from datetime import datetime

import pytest


def test_adjustment_variance_against_system_quantity(query):
    # snapshot 50 on 11-05, 2 shipped on 11-06: the system expects 48 when 45 are counted
    rows = query("SELECT * FROM marts.inventory_adjustments WHERE sku = 'SKU-COUNT'")
    assert len(rows) == 1
    row = rows[0]
    assert row["counted_at"] == datetime(2026, 11, 7, 12, 0)
    assert (row["counted_quantity"], row["system_quantity"], row["variance"]) == (45, 48, -3)
    assert row["variance_pct"] == pytest.approx(-3 / 48)
    assert row["variance_value"] == pytest.approx(-30.0)
    assert (row["reason"], row["counted_by"]) == ("cycle count", "ana")


def test_count_after_as_of_is_not_reported(query):
    assert query("SELECT * FROM marts.inventory_adjustments WHERE sku = 'SKU-LATE'") == []
