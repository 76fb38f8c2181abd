"""Writing landing files: reference tables, and event feeds month by month.

Event records are buffered per month of their moment and written once no later record can land
in that month, so memory holds a few months at a time. From ``daily_from_day`` on (optional),
records go to one file per feed and day instead (``orders_2026-11-01.csv``), as a connector
dropping each day's files would write them: a benchmark holds the last day back to replay an
incremental night. Formats, chosen to exercise every reader the contract allows: stock snapshots as Parquet (typed by the contract), the first adjustments
file and the last returns file tab-separated (``.tsv``), ``reference/skus.csv`` with a UTF-8 BOM,
everything else comma-separated UTF-8 CSV.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

from pipelines import contract
from pipelines.demo.bad_rows import BadRowSpec
from pipelines.demo.clock import DAY, Clock

#: Days after a month's end before its file is complete (the longest gap between a record's
#: creation and its moment: purchase order to receipt for shipments, return disposal for returns).
COMPLETE_AFTER_DAYS = {"orders": 45, "returns": 95, "shipments": 200, "stock_snapshots": 0, "adjustments": 0}
ARROW_TYPES = {"string": pa.string(), "integer": pa.int64(), "number": pa.float64(),
               "date": pa.date32(), "timestamp": pa.timestamp("s"), "enum": pa.string(), "list": pa.string()}


class BadRow(NamedTuple):
    """A deliberately bad row: its file (relative to the landing root), 1-based data row
    (header not counted), the bad column and what is wrong with it."""

    file: str
    row: int
    column: str
    problem: str


def _parquet_table(feed: contract.Feed, frame: pd.DataFrame) -> pa.Table:
    """Text columns cast to the contract's types; empty text becomes null."""
    arrays, fields = [], []
    for name in frame.columns:
        kind = feed.column(name).type
        text = pa.array(frame[name].to_numpy(dtype=object), type=pa.string())
        text = pa.compute.if_else(pa.compute.equal(text, ""), pa.scalar(None, pa.string()), text)
        arrays.append(text.cast(ARROW_TYPES[kind]))
        fields.append(pa.field(name, ARROW_TYPES[kind]))
    return pa.Table.from_arrays(arrays, schema=pa.schema(fields))


class LandingWriter:
    """Buffers event records by month and writes each month's file when it is complete."""

    def __init__(self, out: Path, clock: Clock, renderers: dict[str, Callable[[dict], pd.DataFrame]],
                 moment_column: dict[str, tuple[str, int]], bad_rows: list[BadRowSpec],
                 daily_from_day: int | None = None) -> None:
        self.out = out
        self.clock = clock
        self.renderers = renderers
        self.moment_column = moment_column
        self.bad_specs = bad_rows
        self.buffers: dict[str, dict[int, list[dict]]] = {f: defaultdict(list) for f in renderers}
        #: Records on or after ``daily_from_day``, per feed and day index; written by ``close``.
        self.daily_from_day = daily_from_day
        self.daily: dict[str, dict[int, list[dict]]] = {f: defaultdict(list) for f in renderers}
        self.flushed: dict[str, int] = {f: -1 for f in renderers}
        self.files: list[Path] = []
        self.rows: dict[str, int] = defaultdict(int)
        self.bad_rows: list[BadRow] = []
        self.last_month = int(clock.month_index(np.array([clock.last_second]))[0])

    # --- reference tables ---

    def write_reference(self, feed: contract.Feed, frame: pd.DataFrame, bom: bool = False) -> None:
        path = self.out / feed.landing_folder / f"{feed.name}.csv"
        self._write_csv(path, frame, ",", bom)
        self.rows[feed.name] += len(frame)

    # --- event feeds ---

    def add(self, feed: str, records: dict[str, np.ndarray]) -> None:
        column, unit = self.moment_column[feed]
        moment = records[column]
        if len(moment) == 0:
            return
        if self.daily_from_day is not None:
            day = (moment * unit) // DAY
            # Moments after the last day (planned records) follow the month rule, as without.
            daily = (day >= self.daily_from_day) & (day < self.clock.days)
            for d in np.unique(day[daily]):
                mine = day == d
                self.daily[feed][int(d)].append({k: v[mine] for k, v in records.items()})
            monthly = ~daily
            records = {k: v[monthly] for k, v in records.items()}
            moment = records[column]
            if len(moment) == 0:
                return
        month = self.clock.month_index(moment * unit)
        for m in np.unique(month):
            if m <= self.flushed[feed]:
                raise RuntimeError(f"{feed}: a record arrived for month {m} after its file was written")
            mine = month == m
            self.buffers[feed][int(m)].append({k: v[mine] for k, v in records.items()})

    def advance(self, day: int) -> None:
        """Write every month that no record created after ``day`` can reach."""
        for feed, lag in COMPLETE_AFTER_DAYS.items():
            month = self.flushed[feed] + 1
            while month <= self.last_month and self.clock.month_last_day(month) + lag <= day:
                self._flush(feed, month)
                month += 1

    def close(self) -> None:
        for feed in self.renderers:
            for month in range(self.flushed[feed] + 1, self.last_month + 1):
                self._flush(feed, month)
            for day in sorted(self.daily[feed]):
                self._write_records(contract.FEEDS_BY_NAME[feed], self.daily[feed].pop(day), [],
                                    f"{feed}_{self.clock.date_of_day(day).isoformat()}", month=-1)
        self.files.sort()
        self.bad_rows.sort()

    def _flush(self, feed_name: str, month: int) -> None:
        feed = contract.FEEDS_BY_NAME[feed_name]
        parts = self.buffers[feed_name].pop(month, [])
        self.flushed[feed_name] = month
        specs = sorted((s for s in self.bad_specs if s.feed == feed_name and s.month == month),
                       key=lambda s: s.position)
        if not parts and not specs:
            return
        self._write_records(feed, parts, specs, f"{feed.name}_{self.clock.month_label(month)}", month)

    def _write_records(self, feed: contract.Feed, parts: list[dict], specs: list[BadRowSpec],
                       stem: str, month: int) -> None:
        feed_name = feed.name
        if parts:
            records = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
            column, _ = self.moment_column[feed_name]
            order = np.argsort(records[column], kind="stable")
            frame = self.renderers[feed_name]({k: v[order] for k, v in records.items()})
        else:
            frame = pd.DataFrame({c: pd.Series(dtype=object) for c in feed.column_names})
        if feed_name == contract.STOCK_SNAPSHOTS.name:
            suffix, sep = "parquet", None
        elif (feed_name, month) in ((contract.ADJUSTMENTS.name, 0), (contract.RETURNS.name, self.last_month)):
            suffix, sep = "tsv", "\t"
        else:
            suffix, sep = "csv", ","
        relative = f"{feed.landing_folder}/{stem}.{suffix}"
        frame = self._insert_bad_rows(frame, specs, relative)
        path = self.out / relative
        if sep is None:
            path.parent.mkdir(parents=True, exist_ok=True)
            pq.write_table(_parquet_table(feed, frame), path, compression="zstd")
            self.files.append(path)
        else:
            self._write_csv(path, frame, sep, bom=False)
        self.rows[feed_name] += len(frame)

    def _insert_bad_rows(self, frame: pd.DataFrame, specs: list[BadRowSpec], relative: str) -> pd.DataFrame:
        if not specs:
            return frame
        n = len(frame)
        pieces, start = [], 0
        for i, spec in enumerate(specs):
            cut = min(n, int(spec.position * n))
            pieces.append(frame.iloc[start:cut])
            pieces.append(pd.DataFrame([{c: spec.row.get(c, "") for c in frame.columns}]))
            self.bad_rows.append(BadRow(relative, cut + i + 1, spec.column, spec.problem))
            start = cut
        pieces.append(frame.iloc[start:])
        return pd.concat(pieces, ignore_index=True)

    def _write_csv(self, path: Path, frame: pd.DataFrame, sep: str, bom: bool) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        if bom:
            frame.to_csv(path, sep=sep, index=False, encoding="utf-8-sig", lineterminator="\n")
        else:
            # Arrow's writer is many times faster than pandas on month files of millions of rows;
            # quoting "none" raises rather than write a value that would need quotes.
            # "string" dtype renders a missing value as empty on pandas 2 and 3 alike (astype(str)
            # writes "<NA>" for nullable integers on pandas 2).
            table = pa.Table.from_pandas(frame.astype("string").fillna(""), preserve_index=False)
            options = pa_csv.WriteOptions(delimiter=sep, quoting_style="none", include_header=False)
            with path.open("wb") as handle:
                handle.write((sep.join(frame.columns) + "\n").encode("utf-8"))
                pa_csv.write_csv(table, handle, options)
        self.files.append(path)
