"""Throughput of ingest on a synthetic orders file: ``python -m pipelines.ingest.benchmark [rows]``.

Writes reference tables and one orders CSV of ``rows`` lines (default 1,000,000, with 0.1 % bad
rows) into a temporary landing folder, then times reading, validation and loading.
"""

from __future__ import annotations

import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.ingest import ingest_feed, ingest_reference
from pipelines.warehouse import connect

SKUS = 10_000


def write_landing(root: Path, rows: int, seed: int = 7) -> Path:
    rng = np.random.default_rng(seed)
    (root / "reference").mkdir(parents=True)
    (root / "orders").mkdir()
    skus = [f"SKU-{i:05d}" for i in range(SKUS)]
    pd.DataFrame({"location_id": ["FBA-EAST", "SUP-1"], "type": ["fc", "supplier"],
                  "operator": ["amazon", "acme"], "region": ["east", "cn"]}
                 ).to_csv(root / "reference" / "locations.csv", index=False)
    pd.DataFrame({"channel": ["amazon", "shopify"], "buffer_pct": [5, 0], "buffer_units": [0, 0],
                  "fulfillment_cost_per_unit": [3.2, 5.0], "commission_pct": [15, 2]}
                 ).to_csv(root / "reference" / "channels.csv", index=False)
    pd.DataFrame({"sku": skus, "title": skus, "category": "widgets", "unit_cost": 4.0, "unit_price": 9.5,
                  "supplier_id": "SUP-1"}).to_csv(root / "reference" / "skus.csv", index=False)
    pd.DataFrame({"channel": np.repeat(["amazon", "shopify"], SKUS), "listing_sku": skus * 2, "sku": skus * 2}
                 ).to_csv(root / "reference" / "listings.csv", index=False)
    ordered = pd.Timestamp("2026-01-01") + pd.to_timedelta(rng.integers(0, 300 * 86400, rows), unit="s")
    orders = pd.DataFrame({
        "order_id": np.char.add("O-", np.arange(rows).astype(str)),
        "ordered_at": ordered.strftime("%Y-%m-%dT%H:%M:%S+00:00"),
        "channel": rng.choice(["amazon", "shopify"], rows),
        "listing_sku": np.asarray(skus)[rng.integers(0, SKUS, rows)],
        "quantity": rng.integers(1, 5, rows).astype(str),
        "status": rng.choice(list(contract.ORDER_STATUSES), rows),
        "unit_price": np.round(rng.uniform(5, 50, rows), 2).astype(str),
        "currency": "USD",
        "ship_region": rng.choice(["CA", "NY", "TX"], rows),
    })
    bad = rng.choice(rows, rows // 1000, replace=False)
    orders.loc[bad, "quantity"] = "-1"
    path = root / "orders" / "orders.csv"
    orders.to_csv(path, index=False)
    return path


def main(rows: int = 1_000_000) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "landing"
        path = write_landing(root, rows)
        size_mb = path.stat().st_size / 1e6
        now = datetime(2026, 12, 1, tzinfo=UTC)
        with connect(Path(tmp) / "warehouse.duckdb") as con:
            ingest_reference(con, root, "America/New_York", now)
            start = time.perf_counter()
            report = ingest_feed(con, root, contract.ORDERS, "America/New_York", now)
            elapsed = time.perf_counter() - start
        print(report.summary)
        print(f"{rows:,} rows ({size_mb:.0f} MB) in {elapsed:.1f} s = {rows / elapsed:,.0f} rows/s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
