"""Shared fixtures: a landing folder, a warehouse file and a small loaded reference set."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from pipelines.ingest import ingest_reference
from pipelines.warehouse import connect

#: The load time every ingest test uses, so plausibility windows are hand-checkable.
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)

REFERENCE_FILES = {
    "reference/locations.csv": (
        "location_id,type,operator,region,channels\n"
        "FBA-EAST,fc,amazon,east,amazon|shopify\n"
        "SUP-1,supplier,acme,cn,\n"
    ),
    "reference/channels.csv": (
        "channel,buffer_pct,buffer_units,fulfillment_cost_per_unit,commission_pct\n"
        "amazon,5,2,3.5,15\n"
        "shopify,0,0,4.0,2\n"
    ),
    "reference/skus.csv": (
        "sku,title,category,unit_cost,unit_price,supplier_id\n"
        "A,Apple,fruit,1.0,2.5,SUP-1\n"
        "B,Banana,fruit,0.5,1.5,SUP-1\n"
    ),
    "reference/listings.csv": (
        "channel,listing_sku,sku\n"
        "amazon,A-1,A\n"
        "amazon,B-1,B\n"
        "shopify,A-1,A\n"
    ),
}


@pytest.fixture
def landing(tmp_path: Path) -> Path:
    root = tmp_path / "landing"
    root.mkdir()
    return root


@pytest.fixture
def drop(landing: Path) -> Callable[[str, str | bytes], Path]:
    """Write a file into the landing folder: drop("orders/a.csv", "order_id,...\\n...")."""

    def write(relative: str, content: str | bytes) -> Path:
        path = landing / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(content, encoding="utf-8")
        else:
            path.write_bytes(content)
        return path

    return write


@pytest.fixture
def con(tmp_path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with connect(tmp_path / "warehouse.duckdb") as connection:
        yield connection


@pytest.fixture
def references(con, landing, drop) -> duckdb.DuckDBPyConnection:
    """The warehouse with locations, channels, SKUs A and B and their listings loaded."""
    for relative, text in REFERENCE_FILES.items():
        drop(relative, text)
    ingest_reference(con, landing, now=NOW)
    return con
