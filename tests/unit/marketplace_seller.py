"""A small seller who drops the reports they download: reference data, report fixtures, helpers.

The reports in tests/fixtures/marketplace were written from the real headers (one file per report
and version). The seller (tests/fixtures/marketplace_seller/reference) has one FBA, one AWD and
one WFS location, a warehouse WH-1 named "Main warehouse", the channels amazon, walmart, ebay and
shopify, and lists every SKU 1:1 on every channel. The business time zone is New York (EDT,
UTC-4, in May).
"""

from __future__ import annotations

import os
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from pipelines import contract
from pipelines.config import AdaptersConfig
from pipelines.ingest import LoadReport, ingest_feed, ingest_reference

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORTS = FIXTURES / "marketplace"
REFERENCE = FIXTURES / "marketplace_seller" / "reference"

TIMEZONE = "America/New_York"
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
#: When the test "downloaded" its reports: 2026-05-20 15:30 in New York.
DOWNLOADED = datetime(2026, 5, 20, 19, 30, tzinfo=UTC).timestamp()

CONFIG = AdaptersConfig(
    amazon_merchant_fulfilled_from="WH-1",
    ship_regions={"east": ["NY", "NJ", "GA"], "west": ["CA", "WA"], "central": ["TX"]},
)


def drop_report(landing: Path, name: str, folder: str = "inbox", as_name: str | None = None,
                mtime: float = DOWNLOADED) -> Path:
    """Copy a report fixture into the landing folder, dated as downloaded at ``mtime``."""
    target = landing / folder / (as_name or name)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(REPORTS / name, target)
    os.utime(target, (mtime, mtime))
    return target


def load(con: duckdb.DuckDBPyConnection, landing: Path, feed: str,
         config: AdaptersConfig = CONFIG) -> LoadReport:
    return ingest_feed(con, landing, contract.FEEDS_BY_NAME[feed], timezone=TIMEZONE, now=NOW, adapters=config)


def rows(con: duckdb.DuckDBPyConnection, sql: str, *params: Any) -> list[dict[str, Any]]:
    cursor = con.execute(sql, list(params))
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def load_seller(con: duckdb.DuckDBPyConnection, landing: Path) -> duckdb.DuckDBPyConnection:
    """The warehouse with the seller's reference data loaded (``landing/reference``)."""
    shutil.copytree(REFERENCE, landing / "reference")
    ingest_reference(con, landing, now=NOW)
    return con
