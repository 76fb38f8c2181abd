"""Benchmark: the nightly run at several catalogue sizes, a full night and an incremental one.

For each SKU count the demo seller is generated with one day more than ``--days``, that last day
written as one file per feed (as a connector drops a day's files); those files are held back.
The full run reads the ``--days`` days of history into an empty warehouse; then the held-back
day lands and the nightly job runs again: the incremental night.

Usage: python -m benchmarks.pipeline [--skus 1000,3000,10000] [--days 730] [--seed 7]
                                     [--workdir DIR] [--json FILE]

Prints markdown for docs/benchmarks.md: per size, wall time and peak memory per Dagster step
for both nights, and how each step's time grows with the catalogue. Memory is the resident set
of this process plus every process it started (dbt, forecast shards), sampled every 0.2 s, so
a step's peak is the largest total seen while it ran. Summing resident sets counts pages shared
between a parent and its children twice: the figure errs high.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pandas as pd

from orchestration.resources import StockpilotResource
from orchestration.runner import run_pipeline
from pipelines.demo import generate_demo

#: The full run's last day of history; the incremental night brings the day after.
HISTORY_END = date(2026, 10, 31)
SAMPLE_SECONDS = 0.2
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _tree_rss_bytes(root: int) -> int:
    """Resident bytes of ``root`` and all its descendants, from /proc (Linux).

    Written here rather than taking psutil as a dependency for one benchmark: it is a walk of
    /proc/<pid>/task/*/children and a read of /proc/<pid>/statm.
    """
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        try:
            total += int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
            for task in Path(f"/proc/{pid}/task").iterdir():
                stack += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError, ValueError):
            continue  # the process ended between two reads
    return total


class MemorySampler:
    """Samples the process tree's resident memory in a thread: (monotonic seconds, bytes)."""

    def __init__(self) -> None:
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        pid = os.getpid()
        while not self._stop.is_set():
            self.samples.append((time.time(), _tree_rss_bytes(pid)))
            self._stop.wait(SAMPLE_SECONDS)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    def peak_gb(self, start: float, end: float) -> float:
        inside = [b for t, b in self.samples if start <= t <= end]
        return round(max(inside, default=0) / 1024**3, 2)


@dataclass
class Night:
    seconds: float
    success: bool
    peak_gb: float
    rows_loaded: int
    steps: list[dict] = field(default_factory=list)  # step, seconds, peak_gb


@dataclass
class SizeResult:
    skus: int
    days: int
    demo_rows: int
    demo_files: int
    generate_seconds: float
    new_day_files: int
    new_day_rows: int
    full: Night
    incremental: Night
    load_average: str


def _step_windows(instance: dg.DagsterInstance, run_id: str) -> dict[str, tuple[float, float]]:
    """Start and end (epoch seconds) of every step of a run, from its event log."""
    starts, windows = {}, {}
    for entry in instance.all_logs(run_id):
        event = entry.dagster_event
        if event is None or not entry.step_key:
            continue
        if event.event_type_value == "STEP_START":
            starts[entry.step_key] = entry.timestamp
        elif event.event_type_value in ("STEP_SUCCESS", "STEP_FAILURE"):
            windows[entry.step_key] = (starts.get(entry.step_key, entry.timestamp), entry.timestamp)
    return windows


def _night(stockpilot: StockpilotResource) -> Night:
    instance = dg.DagsterInstance.ephemeral()
    with MemorySampler() as memory:
        started = time.time()
        summary = run_pipeline(stockpilot, instance=instance, log_level="ERROR")
        ended = time.time()
    windows = _step_windows(instance, summary.run_id)
    steps = []
    for row in summary.steps.itertuples():
        start, end = windows.get(row.step, (started, started))
        steps.append({"step": row.step, "seconds": row.seconds, "peak_gb": memory.peak_gb(start, end)})
    return Night(seconds=summary.seconds, success=summary.success, peak_gb=memory.peak_gb(started, ended),
                 rows_loaded=int(summary.feeds["rows_loaded"].sum() + summary.feeds.get(
                     "rows_released_from_quarantine", pd.Series(dtype=int)).sum()),
                 steps=steps)


def _load_average() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def run_size(skus: int, days: int, seed: int, work: Path) -> SizeResult:
    landing, held_back = work / "landing", work / "next-day"
    new_day = HISTORY_END + timedelta(days=1)
    started = time.monotonic()
    summary = generate_demo(landing, skus=skus, days=days + 1, seed=seed, end=new_day,
                            daily_files_from=new_day)
    generate_seconds = time.monotonic() - started
    # Hold the new day's files back until the full run has read the history.
    moved = []
    for path in summary.files:
        if path.stem.endswith(new_day.isoformat()):
            target = held_back / path.relative_to(landing)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(path, target)
            moved.append(path)
    stockpilot = StockpilotResource(landing=str(landing), warehouse=str(work / "wh.duckdb"))
    load_before = _load_average()
    full = _night(stockpilot)
    for path in moved:
        shutil.move(held_back / path.relative_to(landing), path)
    incremental = _night(stockpilot)
    return SizeResult(
        skus=skus, days=days, demo_rows=sum(summary.rows_per_feed.values()), demo_files=len(summary.files),
        generate_seconds=round(generate_seconds, 1), new_day_files=len(moved),
        new_day_rows=incremental.rows_loaded, full=full, incremental=incremental,
        load_average=f"{load_before} before, {_load_average()} after",
    )


def markdown(results: list[SizeResult]) -> str:
    lines = [f"Machine: {platform.node()}, {os.cpu_count()} cores, Python {platform.python_version()}.", ""]
    for r in results:
        ratio = r.incremental.seconds / r.full.seconds if r.full.seconds else float("nan")
        lines += [
            f"### {r.skus:,} SKUs x {r.days} days",
            "",
            f"- demo data: {r.demo_rows:,} rows in {r.demo_files} files, generated in {r.generate_seconds} s",
            f"- full run: **{r.full.seconds:.0f} s** ({'ok' if r.full.success else 'FAILED'}), "
            f"peak memory **{r.full.peak_gb:.2f} GB**",
            f"- incremental night ({r.new_day_files} files, {r.new_day_rows:,} rows of one new day): "
            f"**{r.incremental.seconds:.0f} s** ({'ok' if r.incremental.success else 'FAILED'}), "
            f"{ratio:.0%} of the full run, peak memory {r.incremental.peak_gb:.2f} GB",
            f"- load average (1, 5, 15 min): {r.load_average}",
            "",
            "| step | full (s) | full peak (GB) | incremental (s) | incremental peak (GB) |",
            "|---|---:|---:|---:|---:|",
        ]
        incremental = {s["step"]: s for s in r.incremental.steps}
        for s in r.full.steps:
            inc = incremental.get(s["step"], {})
            lines.append(f"| {s['step']} | {s['seconds']} | {s['peak_gb']} | {inc.get('seconds', '')} | "
                         f"{inc.get('peak_gb', '')} |")
        lines.append("")
    if len(results) > 1:
        lines += _growth(results)
    return "\n".join(lines)


def _growth(results: list[SizeResult]) -> list[str]:
    """Full-run seconds per step at each size, and the growth factor from the smallest size."""
    first = results[0]
    header = " | ".join(f"{r.skus:,} SKUs (s)" for r in results)
    lines = ["### Growth of the full run with the catalogue", "",
             f"| step | {header} | x from {first.skus:,} to {results[-1].skus:,} |",
             "|---|" + "---:|" * (len(results) + 1)]
    per_size = [{s["step"]: s["seconds"] for s in r.full.steps} for r in results]
    for step in per_size[0]:
        values = [p.get(step) for p in per_size]
        growth = (f"{values[-1] / values[0]:.1f}" if values[0] and values[-1] is not None else "")
        lines.append(f"| {step} | " + " | ".join("" if v is None else str(v) for v in values)
                     + f" | {growth} |")
    totals = [r.full.seconds for r in results]
    lines.append("| **whole run** | " + " | ".join(f"{t:.0f}" for t in totals)
                 + f" | {totals[-1] / totals[0]:.1f} |")
    return lines + [""]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--skus", default="1000,3000,10000", help="comma-separated SKU counts")
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None, help="kept after the run (default: a temporary folder)")
    parser.add_argument("--json", default=None, help="also write the figures to this file")
    args = parser.parse_args()
    root = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="stockpilot-bench-"))
    results = []
    for skus in (int(s) for s in args.skus.split(",")):
        work = root / f"skus-{skus}"
        if work.exists():
            shutil.rmtree(work)
        results.append(run_size(skus, args.days, args.seed, work))
        print(markdown(results[-1:]), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps([asdict(r) for r in results], indent=2))
    if len(results) > 1:
        print("\n".join(_growth(results)))
    if not args.workdir:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
