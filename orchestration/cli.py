"""The ``stockpilot`` command: demo-data, run, ui, contract."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.table import Table

from pipelines import config

# Piped output (make, cron, CI logs) is not a terminal: give tables room instead of 80 columns.
console = Console(width=None if sys.stdout.isatty() else 120)


def _table(title: str, df, columns: list[str] | None = None) -> Table:
    table = Table(title=title, title_justify="left", show_edge=False)
    columns = columns or list(df.columns)
    for i, col in enumerate(columns):
        table.add_column(col, justify="left" if i == 0 else "right")
    for row in df[columns].itertuples(index=False):
        table.add_row(*["" if v is None or v != v else f"{v:,}" if isinstance(v, int) else str(v)
                        for v in row])
    return table


def cmd_demo_data(args: argparse.Namespace) -> int:
    from pipelines.demo import generate_demo

    out = config.landing_root(args.out)
    console.print(f"Generating demo data: {args.skus} SKUs x {args.days} days, seed {args.seed} → {out}")
    summary = generate_demo(out, skus=args.skus, days=args.days, seed=args.seed,
                            end=date.fromisoformat(args.end), progress=True)
    table = Table(title="Demo landing files", title_justify="left", show_edge=False)
    table.add_column("feed")
    table.add_column("rows", justify="right")
    for feed, rows in summary.rows_per_feed.items():
        table.add_row(feed, f"{rows:,}")
    console.print(table)
    console.print(f"{len(summary.files)} files in {out} "
                  f"({len(summary.bad_rows)} deliberately bad rows to show quarantine at work)")
    return 0


def _landing_is_empty(landing: Path) -> bool:
    return not landing.exists() or not any(p.is_file() for p in landing.rglob("*"))


def cmd_run(args: argparse.Namespace) -> int:
    from orchestration.resources import StockpilotResource
    from orchestration.runner import run_pipeline

    stockpilot = StockpilotResource.from_env(args.landing, args.warehouse, args.as_of)
    landing = Path(stockpilot.landing)
    if _landing_is_empty(landing):
        console.print(f"[red]The landing folder {landing} has no files.[/red] "
                      "Create demo data with `stockpilot demo-data`, or point --landing at your files.")
        return 2
    console.print(f"Running the pipeline: landing {landing}, warehouse {stockpilot.warehouse}, "
                  f"as of {stockpilot.as_of or 'the latest date in the data'}")
    summary = run_pipeline(stockpilot, log_level=args.log_level)
    console.print()
    console.print(_table("Ingested by this run, per feed", summary.feeds.rename(columns={
        "files_loaded": "files loaded", "files_skipped_already_loaded": "skipped (seen)",
        "files_rejected": "rejected", "rows_loaded": "rows loaded",
        "rows_quarantined": "quarantined", "rows_released_from_quarantine": "released"})))
    console.print()
    console.print(_table("Tables built", summary.tables))
    console.print()
    console.print(_table("Time per step (seconds)", summary.steps))
    console.print()
    if summary.failed_checks:
        console.print("[red]Failed asset checks (plans downstream were not built):[/red]")
        for check in summary.failed_checks:
            console.print(f"  - {check}")
    status = "[green]succeeded[/green]" if summary.success else "[red]failed[/red]"
    console.print(f"Run {summary.run_id[:8]} {status} in {summary.seconds}s, as of {summary.as_of or '-'}.")
    console.print(f"Warehouse (DuckDB): {summary.warehouse}  — tables raw.*, quarantine.*, marts.*")
    console.print("Open it with `duckdb " + str(summary.warehouse) + "` or browse with `make ui` "
                  "(http://127.0.0.1:3000).")
    return 0 if summary.success else 1


def cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.runner import prepare_dagster_home

    home = Path(os.environ.get("DAGSTER_HOME") or config.PROJECT_ROOT / ".dagster")
    prepare_dagster_home(home)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = Path(sys.executable).with_name("dagster")
    console.print(f"Dagster UI on http://{args.host}:{args.port} (instance in {home}); Ctrl-C stops it.")
    return subprocess.call(
        [str(dagster), "dev", "-w", str(config.PROJECT_ROOT / "workspace.yaml"),
         "-h", args.host, "-p", str(args.port)],
        env=env, cwd=config.PROJECT_ROOT,
    )


def cmd_contract(args: argparse.Namespace) -> int:
    from pipelines.contract import render_markdown

    sys.stdout.write(render_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockpilot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write a seeded demo seller's landing files")
    demo.add_argument("--skus", type=int, default=300)
    demo.add_argument("--days", type=int, default=730)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", default="2026-10-31", help="last day of history (YYYY-MM-DD)")
    demo.add_argument("--out", default=None, help="landing folder (default $STOCKPILOT_LANDING or data/landing)")
    demo.set_defaults(func=cmd_demo_data)

    run = sub.add_parser("run", help="run the whole pipeline in-process and print a summary")
    run.add_argument("--landing", default=None, help="default $STOCKPILOT_LANDING or data/landing")
    run.add_argument("--warehouse", default=None, help="default $STOCKPILOT_WAREHOUSE or data/warehouse.duckdb")
    run.add_argument("--as-of", default=None, help="YYYY-MM-DD; default $STOCKPILOT_AS_OF or the latest date in the data")
    run.add_argument("--log-level", default="WARNING", help="Dagster log level printed while running")
    run.set_defaults(func=cmd_run)

    ui = sub.add_parser("ui", help="start the Dagster UI")
    ui.add_argument("--host", default="127.0.0.1", help="bind address (default loopback only)")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    contract = sub.add_parser("contract", help="print the landing contract as markdown")
    contract.set_defaults(func=cmd_contract)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
