"""The demo's landing files: contract headers and values, formats, determinism, bad rows."""

from __future__ import annotations

import atexit
import functools
import shutil
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import contract
from pipelines.demo import DemoSummary, generate_demo

END = date(2026, 10, 31)


@functools.cache
def small_demo(skus: int = 30, days: int = 120, seed: int = 11) -> DemoSummary:
    """One small demo per set of arguments, shared by the demo test modules."""
    out = Path(tempfile.mkdtemp(prefix="stockpilot-demo-"))
    atexit.register(shutil.rmtree, out, ignore_errors=True)
    return generate_demo(out, skus=skus, days=days, seed=seed, end=END)


def read_file(path: Path) -> pd.DataFrame:
    """A landing file as text, as the contract allows it: Parquet, or CSV/TSV with or without BOM."""
    if path.suffix == ".parquet":
        table = pq.read_table(path)
        return pd.DataFrame({name: table[name].cast(pa.string()).fill_null("").to_numpy(zero_copy_only=False)
                             for name in table.column_names})
    sep = "\t" if path.suffix == ".tsv" else ","
    return pd.read_csv(path, sep=sep, dtype=str, keep_default_na=False, encoding="utf-8-sig")


def read_feed(summary: DemoSummary, feed: contract.Feed, good_only: bool = True) -> pd.DataFrame:
    """Every row of a feed with ``_file`` (relative path) and ``_row`` (1-based data row)."""
    frames = []
    for path in summary.files:
        relative = path.relative_to(summary.out).as_posix()
        if relative.split("/")[0] != feed.landing_folder or not path.name.startswith(feed.name):
            continue
        frame = read_file(path)
        frame["_file"] = relative
        frame["_row"] = range(1, len(frame) + 1)
        frames.append(frame)
    rows = pd.concat(frames, ignore_index=True)
    if good_only:
        bad = {(b.file, b.row) for b in summary.bad_rows}
        rows = rows[[(f, r) not in bad for f, r in zip(rows["_file"], rows["_row"], strict=True)]]
    return rows.reset_index(drop=True)


def test_same_arguments_write_byte_identical_files(tmp_path):
    first = generate_demo(tmp_path / "a", skus=12, days=70, seed=5, end=END)
    second = generate_demo(tmp_path / "b", skus=12, days=70, seed=5, end=END)
    names = [p.relative_to(first.out) for p in first.files]
    assert names == [p.relative_to(second.out) for p in second.files]
    for name in names:
        assert (first.out / name).read_bytes() == (second.out / name).read_bytes(), name
    assert first.bad_rows == second.bad_rows


def test_another_seed_writes_another_seller(tmp_path):
    first = generate_demo(tmp_path / "a", skus=12, days=70, seed=5, end=END)
    other = generate_demo(tmp_path / "b", skus=12, days=70, seed=6, end=END)
    assert (first.out / "reference/skus.csv").read_bytes() != (other.out / "reference/skus.csv").read_bytes()


def test_every_reference_table_is_written_under_reference_by_its_name():
    summary = small_demo()
    for feed in contract.REFERENCE_TABLES:
        assert (summary.out / "reference" / f"{feed.name}.csv").is_file()
        assert summary.rows_per_feed[feed.name] > 0


def test_event_feeds_are_split_into_monthly_files_named_after_the_feed():
    summary = small_demo()
    for feed in contract.EVENT_FEEDS:
        names = sorted(p.name for p in (summary.out / feed.landing_folder).iterdir())
        months = {n.split("_")[-1].split(".")[0] for n in names}
        assert {"2026-07", "2026-08", "2026-09", "2026-10"} <= months, feed.name
        assert all(n.startswith(f"{feed.name}_") for n in names)


def test_every_header_uses_only_contract_columns_and_every_required_one():
    summary = small_demo()
    for path in summary.files:
        folder = path.relative_to(summary.out).parts[0]
        feed = next(f for f in contract.ALL_FEEDS if f.landing_folder == folder and path.name.startswith(f.name))
        columns = list(read_file(path).columns)
        assert set(columns) <= set(feed.column_names), path
        assert set(feed.required_columns) <= set(columns), path


def test_good_rows_respect_allowed_values_and_minimums():
    summary = small_demo()
    for feed in contract.ALL_FEEDS:
        rows = read_feed(summary, feed)
        for column in feed.columns:
            if column.name not in rows:
                assert not column.required, (feed.name, column.name)
                continue
            values = rows[column.name]
            if column.allowed:
                assert values.isin(column.allowed).all(), (feed.name, column.name)
            if column.minimum is not None:
                numbers = pd.to_numeric(values[values != ""])
                assert (numbers >= column.minimum).all(), (feed.name, column.name)
            if column.required:
                assert (values != "").all(), (feed.name, column.name)


def test_readers_are_exercised_by_tsv_bom_and_parquet_files():
    summary = small_demo()
    suffixes = {p.suffix for p in summary.files}
    assert {".csv", ".tsv", ".parquet"} <= suffixes
    assert (summary.out / "reference/skus.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert not (summary.out / "reference/lanes.csv").read_bytes().startswith(b"\xef\xbb\xbf")


def test_some_timestamps_carry_a_utc_offset_and_the_rest_are_naive_local_time():
    orders = read_feed(small_demo(), contract.ORDERS)
    with_offset = orders["updated_at"].str.match(r".*T\d\d:\d\d:\d\d[+-]\d\d:\d\d$")
    assert 0 < with_offset.sum() < 0.1 * len(orders)
    assert orders.loc[~with_offset, "updated_at"].str.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d").all()


def test_each_listed_bad_row_is_in_its_file_at_its_row_number():
    summary = small_demo()
    assert 10 <= len(summary.bad_rows) <= 20
    for bad in summary.bad_rows:
        row = read_file(summary.out / bad.file).iloc[bad.row - 1]
        value = row[bad.column]
        column = next(f for f in contract.EVENT_FEEDS if bad.file.startswith(f.landing_folder + "/")).column(bad.column)
        if "missing" in bad.problem:
            assert value == "", bad
        elif "quantity" in bad.problem or "negative" in bad.problem or "zero" in bad.problem:
            assert int(value) <= 0, bad
        elif "timestamp" in bad.problem:
            assert pd.isna(pd.to_datetime(value, errors="coerce", format="ISO8601")), bad
        elif "status" in bad.problem:
            assert value not in column.allowed, bad
        elif "location" in bad.problem:
            locations = pd.read_csv(summary.out / "reference/locations.csv", dtype=str)
            assert value not in set(locations["location_id"]), bad
        else:
            listings = pd.read_csv(summary.out / "reference/listings.csv", dtype=str)
            assert value not in set(listings["listing_sku"]), bad


def test_bad_rows_reach_every_event_feed():
    summary = small_demo()
    folders = {b.file.split("/")[0] for b in summary.bad_rows}
    assert folders == {f.landing_folder for f in contract.EVENT_FEEDS}


def test_rows_per_feed_counts_every_data_row_written():
    summary = small_demo()
    for feed in contract.ALL_FEEDS:
        assert summary.rows_per_feed[feed.name] == len(read_feed(summary, feed, good_only=False))
