"""Benchmark: generate a demo seller and time a full run, then an incremental re-run.

Usage: python -m benchmarks.pipeline [--skus 300] [--days 730] [--seed 7] [--workdir DIR]
Prints a markdown table of wall time per step and peak memory, for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import dagster as dg

from orchestration.resources import StockpilotResource
from orchestration.runner import run_pipeline
from pipelines.demo import generate_demo


def _peak_rss_gb() -> float:
    # ru_maxrss is in KiB on Linux; children covers the dbt subprocess.
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024**2


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=300)
    parser.add_argument("--days", type=int, default=730)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", default=None)
    args = parser.parse_args()
    work = Path(args.workdir or tempfile.mkdtemp(prefix="stockpilot-bench-"))

    started = time.monotonic()
    summary = generate_demo(work / "landing", skus=args.skus, days=args.days, seed=args.seed,
                            end=date(2026, 10, 31))
    generate_s = time.monotonic() - started
    stockpilot = StockpilotResource(landing=str(work / "landing"), warehouse=str(work / "wh.duckdb"))
    full = run_pipeline(stockpilot, instance=dg.DagsterInstance.ephemeral(), log_level="ERROR")
    again = run_pipeline(stockpilot, instance=dg.DagsterInstance.ephemeral(), log_level="ERROR")

    rows = sum(summary.rows_per_feed.values())
    print(f"## {args.skus} SKUs x {args.days} days (seed {args.seed}) — {platform.node()}, "
          f"{platform.processor() or platform.machine()}\n")
    print(f"- demo data: {rows:,} rows in {len(summary.files)} files, generated in {generate_s:.1f} s")
    print(f"- full run: {full.seconds:.1f} s ({'ok' if full.success else 'FAILED'}); "
          f"re-run with no new files: {again.seconds:.1f} s")
    print(f"- peak memory (process or dbt subprocess): {_peak_rss_gb():.2f} GB\n")
    print("| step | full run (s) | re-run (s) |\n|---|---:|---:|")
    rerun = dict(zip(again.steps["step"], again.steps["seconds"], strict=False))
    for step, seconds in zip(full.steps["step"], full.steps["seconds"], strict=False):
        print(f"| {step} | {seconds} | {rerun.get(step, '')} |")


if __name__ == "__main__":
    main()
