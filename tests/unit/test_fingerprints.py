"""Planning steps keep their tables only when their inputs are the same (pipelines.fingerprints)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import duckdb
import pandas as pd

from pipelines.config import AllocationConfig
from pipelines.fingerprints import (
    forget_fingerprint,
    inputs_fingerprint,
    record_fingerprint,
    stored_fingerprint,
)


@dataclass
class Inputs:
    as_of: date
    stock: pd.DataFrame
    forecast: pd.DataFrame | None = None


def stock(units=(5, 7)) -> pd.DataFrame:
    return pd.DataFrame({"sku": ["A", "B"], "units": list(units)})


def test_the_same_inputs_in_another_row_order_have_the_same_fingerprint():
    shuffled = stock().iloc[::-1].reset_index(drop=True)
    assert inputs_fingerprint(Inputs(date(2026, 1, 1), stock())) == \
        inputs_fingerprint(Inputs(date(2026, 1, 1), shuffled))


def test_one_changed_value_changes_the_fingerprint():
    assert inputs_fingerprint(Inputs(date(2026, 1, 1), stock())) != \
        inputs_fingerprint(Inputs(date(2026, 1, 1), stock((5, 8))))


def test_a_new_as_of_date_changes_the_fingerprint():
    assert inputs_fingerprint(Inputs(date(2026, 1, 1), stock())) != \
        inputs_fingerprint(Inputs(date(2026, 1, 2), stock()))


def test_a_changed_setting_changes_the_fingerprint():
    inputs = Inputs(date(2026, 1, 1), stock())
    assert inputs_fingerprint(inputs, AllocationConfig()) != \
        inputs_fingerprint(inputs, AllocationConfig(velocity_days=14))


def test_a_column_of_another_type_changes_the_fingerprint():
    as_float = stock().astype({"units": float})
    assert inputs_fingerprint(Inputs(date(2026, 1, 1), stock())) != \
        inputs_fingerprint(Inputs(date(2026, 1, 1), as_float))


def test_a_recorded_fingerprint_is_read_back_with_its_outcome_and_forgotten_before_a_rewrite():
    con = duckdb.connect()
    assert stored_fingerprint(con, "plan") is None
    record_fingerprint(con, "plan", "abc", date(2026, 1, 1), {"checks": [{"passed": True}]})
    stored = stored_fingerprint(con, "plan")
    assert stored.fingerprint == "abc" and stored.outcome == {"checks": [{"passed": True}]}
    forget_fingerprint(con, "plan")
    assert stored_fingerprint(con, "plan") is None


def test_floats_that_differ_only_in_the_last_bits_have_the_same_fingerprint():
    summed = pd.DataFrame({"sku": ["A"], "units": [0.1 + 0.2]})
    exact = pd.DataFrame({"sku": ["A"], "units": [0.3]})
    assert inputs_fingerprint(Inputs(date(2026, 1, 1), summed)) == inputs_fingerprint(Inputs(date(2026, 1, 1), exact))
