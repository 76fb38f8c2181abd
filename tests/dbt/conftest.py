"""Builds the dbt project once, as of AS_OF, on the fixture warehouse of fixture_warehouse.py."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import duckdb
import pytest

from .fixture_warehouse import AS_OF, load_fixture, run_dbt

Rows = list[dict[str, Any]]


@pytest.fixture(scope="session")
def dbt_work_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("dbt")


@pytest.fixture(scope="session")
def warehouse(dbt_work_dir: Path) -> Path:
    """The fixture warehouse after one `dbt build` as of AS_OF (models and data tests)."""
    path = dbt_work_dir / "fixture.duckdb"
    load_fixture(path)
    result = run_dbt(["build", "--vars", f'{{"as_of": "{AS_OF}"}}'], path, dbt_work_dir)
    assert result.returncode == 0, result.stdout + result.stderr
    return path


@pytest.fixture(scope="session")
def query(warehouse: Path) -> Iterator[Callable[..., Rows]]:
    """query(sql, *params) -> rows as dicts, read from the built fixture warehouse."""
    con = duckdb.connect(str(warehouse), read_only=True)

    def run(sql: str, *params: Any) -> Rows:
        cursor = con.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]

    yield run
    con.close()


@pytest.fixture(scope="session")
def position(query: Callable[..., Rows]) -> Callable[[str, str], dict[str, Any]]:
    """position(sku, location_id) -> the inventory_position row (fails when absent)."""

    def get(sku: str, location_id: str) -> dict[str, Any]:
        rows = query("SELECT * FROM marts.inventory_position WHERE sku = ? AND location_id = ?",
                     sku, location_id)
        assert len(rows) == 1, f"expected one position for {sku} at {location_id}, got {rows}"
        return rows[0]

    return get
