"""The demo can write its last days as one file per feed and day (what a benchmark holds back to
replay an incremental night) without changing a single record."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pipelines import contract
from pipelines.demo import generate_demo

END = date(2026, 10, 31)


def _records(root: Path, feed: contract.Feed) -> pd.DataFrame:
    frames = []
    for path in sorted((root / feed.landing_folder).iterdir()):
        if path.suffix == ".parquet":
            frames.append(pd.read_parquet(path).astype("string"))
        else:
            frames.append(pd.read_csv(path, sep="\t" if path.suffix == ".tsv" else ",", dtype="string",
                                      keep_default_na=False))
    frame = pd.concat(frames, ignore_index=True).fillna("")
    return frame.sort_values(list(frame.columns)).reset_index(drop=True)


@pytest.fixture(scope="module")
def demos(tmp_path_factory):
    root = tmp_path_factory.mktemp("daily")
    monthly = generate_demo(root / "monthly", skus=12, days=70, seed=5, end=END)
    daily = generate_demo(root / "daily", skus=12, days=70, seed=5, end=END, daily_files_from=END)
    return monthly, daily


def test_last_day_goes_to_one_file_per_event_feed(demos):
    _, daily = demos
    names = {p.relative_to(daily.out).as_posix() for p in daily.files}
    assert "orders/orders_2026-10-31.csv" in names
    assert "stock_snapshots/stock_snapshots_2026-10-31.parquet" in names
    day_orders = pd.read_csv(daily.out / "orders" / "orders_2026-10-31.csv", dtype="string")
    assert day_orders["updated_at"].str.startswith("2026-10-31").all()


def test_daily_files_hold_the_same_records_as_the_month_files(demos):
    monthly, daily = demos
    assert monthly.rows_per_feed == daily.rows_per_feed
    for feed in contract.EVENT_FEEDS:
        pd.testing.assert_frame_equal(_records(daily.out, feed), _records(monthly.out, feed))
