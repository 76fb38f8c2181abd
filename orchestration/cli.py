"""The ``stockpilot`` command: demo-data, run, report, backtest, ui, contract."""

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
from pipelines.warehouse_lock import WarehouseBusy, warehouse_lock

#: Exit code of a run in which a planning step failed: the plan is not tonight's.
FAILED_EXIT_CODE = 1
#: Exit code of a command that found nothing to work on (no landing files, no warehouse, an
#: as-of date the warehouse cannot serve).
NOTHING_TO_DO_EXIT_CODE = 2
#: Exit code of a run in which only report-only steps failed (the nightly backtest, the HTML
#: report): tonight's plan tables were written.
REPORT_FAILED_EXIT_CODE = 3
#: Exit code of a run that found the warehouse in use by another run (EX_TEMPFAIL: try later).
BUSY_EXIT_CODE = 75
EXIT_CODES = f"""exit codes:
  0   every step succeeded
  {FAILED_EXIT_CODE}   a planning step failed (ingest, checks, dbt, forecast, plans, health, Parquet or BI
      publishing): the summary names it; the tables it and the steps after it write are not tonight's
  {NOTHING_TO_DO_EXIT_CODE}   nothing to run on: no landing files, no warehouse, or an --as-of after the warehouse's
  {REPORT_FAILED_EXIT_CODE}   only report-only steps failed (policy_backtest, reports__planning_report): tonight's
      plan tables were written; the summary names the step and its error
  {BUSY_EXIT_CODE}  the warehouse is in use by another run (--wait SECONDS waits for it)"""

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
        return NOTHING_TO_DO_EXIT_CODE
    console.print(f"Running the pipeline: landing {landing}, warehouse {stockpilot.warehouse}, "
                  f"as of {stockpilot.as_of or 'the latest date in the data'}")
    try:
        summary = run_pipeline(stockpilot, log_level=args.log_level, wait_seconds=args.wait,
                               on_wait=console.print)
    except WarehouseBusy as exc:
        console.print(f"[red]{exc}[/red]")
        return BUSY_EXIT_CODE
    for run_id in summary.recovered_runs:
        console.print(f"[yellow]Run {run_id[:8]} had died mid-run (its process is gone): marked failed; "
                      "its half-done steps were rolled back and this run rebuilt them.[/yellow]")
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
    if len(summary.forecast_fallbacks):
        console.print(f"[yellow]Forecast fell back to a simpler method for "
                      f"{summary.forecast_fallbacks['sku'].nunique()} SKUs whose model raised:[/yellow]")
        for row in summary.forecast_fallbacks.itertuples(index=False):
            console.print(f"  - {row.sku} ({row.stage}): {row.error}")
        console.print()
    if summary.failed_checks:
        console.print("[red]Failed asset checks (plans downstream were not built):[/red]")
        for check in summary.failed_checks:
            console.print(f"  - {check}")
    _print_failures(summary)
    if summary.success:
        status = "[green]succeeded[/green]"
    elif summary.plan_written:
        status = "[yellow]wrote tonight's plan; a report-only step failed[/yellow]"
    else:
        status = "[red]failed[/red]"
    console.print(f"Run {summary.run_id[:8]} {status} in {summary.seconds}s, as of {summary.as_of or '-'}.")
    console.print(f"Warehouse (DuckDB): {summary.warehouse}  — tables raw.*, quarantine.*, marts.*")
    console.print("Open it with `duckdb " + str(summary.warehouse) + "` or browse with `make ui` "
                  "(http://127.0.0.1:3000).")
    for label, where in summary.outputs.items():
        console.print(f"{label}: {where}")
    return run_exit_code(summary)


def run_exit_code(summary) -> int:
    """0, ``REPORT_FAILED_EXIT_CODE`` when only report-only steps failed, else ``FAILED_EXIT_CODE``."""
    if summary.success:
        return 0
    return REPORT_FAILED_EXIT_CODE if summary.plan_written else FAILED_EXIT_CODE


#: Tables the summary names before it says how many more were not written.
NOT_BUILT_SHOWN = 12


def _print_failures(summary) -> None:
    """Which steps failed and why, and whether tonight's plan tables were written."""
    if summary.success:
        return
    for failure in summary.failures:
        colour = "yellow" if failure.report_only else "red"
        kind = "report only" if failure.report_only else "planning step"
        console.print(f"[{colour}]{failure} ({kind})[/{colour}]")
    if summary.plan_written:
        console.print("Tonight's plan tables were written: only report-only steps failed.")
    else:
        shown = summary.plan_not_built[:NOT_BUILT_SHOWN]
        more = len(summary.plan_not_built) - len(shown)
        console.print("[red]The plan is not tonight's:[/red] "
                      + (f"{len(summary.plan_not_built)} planning tables were not written by this run and hold "
                         f"the last complete run's rows: {', '.join(shown)}" + (f" and {more} more" if more else "")
                         if summary.plan_not_built else "a planning step failed")
                      + ". `make ui` shows the run's log.")
    console.print()


def cmd_report(args: argparse.Namespace) -> int:
    from pipelines.reporting.report import write_report

    cfg = config.load_config()
    warehouse = config.warehouse_path(args.warehouse)
    if not warehouse.exists():
        console.print(f"[red]No warehouse at {warehouse}.[/red] Build it first with `stockpilot run`.")
        return NOTHING_TO_DO_EXIT_CODE
    out = Path(args.out).resolve() if args.out else config.beside_warehouse(cfg.report.file, warehouse)
    write_report(warehouse, out, cfg.report, cfg.health.attention_below)
    console.print(f"Planning report: {out}  (open it in a browser; it needs no network)")
    return 0


def cmd_backtest(args: argparse.Namespace) -> int:
    from orchestration.resources import StockpilotResource

    cfg = config.load_config()
    stockpilot = StockpilotResource.from_env(args.landing, args.warehouse, args.as_of)
    try:
        with warehouse_lock(stockpilot.warehouse, "stockpilot backtest", args.wait, on_wait=console.print):
            return _backtest(args, cfg, stockpilot)
    except WarehouseBusy as exc:
        console.print(f"[red]{exc}[/red]")
        return BUSY_EXIT_CODE


def _backtest(args: argparse.Namespace, cfg, stockpilot) -> int:
    from rich.progress import Progress

    from orchestration.backtest import (
        display_table,
        loss_table,
        simulate_from_warehouse,
        warehouse_ready,
        write_tables,
    )
    from orchestration.runner import run_pipeline

    if not warehouse_ready(stockpilot.warehouse):
        landing = Path(stockpilot.landing)
        if _landing_is_empty(landing):
            console.print(f"[red]No built warehouse at {stockpilot.warehouse} and no landing files in {landing}.[/red] "
                          "Run `stockpilot run` first, or point --warehouse / --landing at your data.")
            return NOTHING_TO_DO_EXIT_CODE
        console.print(f"No built warehouse at {stockpilot.warehouse}: running the pipeline on {landing} first.")
        summary = run_pipeline(stockpilot, log_level="ERROR")
        failed = "; ".join(map(str, summary.failures))
        if not summary.plan_written or not warehouse_ready(stockpilot.warehouse):
            console.print(f"[red]The pipeline failed ({failed or 'see `stockpilot run`'}); "
                          "run `stockpilot run` to see why.[/red]")
            return FAILED_EXIT_CODE
        if not summary.success:  # the nightly backtest or the report: this command does not need them
            console.print(f"[yellow]The pipeline built the warehouse; a report-only step failed ({failed}).[/yellow]")
    days = args.days or cfg.backtest.window_days
    as_of = date.fromisoformat(stockpilot.as_of) if stockpilot.as_of else None
    console.print(f"Policy backtest: {days} days ending {as_of or 'at the as-of date of the warehouse'}, "
                  f"warehouse {stockpilot.warehouse} (forecast refitted every {cfg.backtest.refit_every_days} "
                  "days, no Prophet)")
    with Progress(console=console, transient=True) as bar:
        tasks: dict[str, int] = {}

        def progress(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        try:
            result = simulate_from_warehouse(stockpilot, days, cfg, as_of, progress=progress)
        except ValueError as exc:
            console.print(f"[red]{exc}[/red]")
            return NOTHING_TO_DO_EXIT_CODE
    write_tables(stockpilot, result, written_by="stockpilot backtest")
    console.print(_table(f"Policy backtest {result.window.start} … {result.window.end} ({days} days, "
                         f"{'lost sales' if cfg.backtest.lost_sales else 'backorders'}, seed {cfg.backtest.seed})",
                         display_table(result)))
    causes = loss_table(result.loss_summary())
    if len(causes):
        console.print(_table("Why units were lost (marts.policy_backtest_losses; docs/outputs.md)", causes))
    seconds = ", ".join(f"{name} {value:.0f} s" for name, value in result.seconds.items())
    console.print(f"Took {sum(result.seconds.values()):.0f} s ({seconds}).")
    console.print("Tables marts.policy_backtest, marts.policy_backtest_daily, marts.policy_backtest_losses and "
                  f"marts.policy_backtest_status in {stockpilot.warehouse}.")
    return 0


#: The Dagster UI binds to loopback unless --host or this variable says otherwise.
UI_HOST_ENV = "STOCKPILOT_UI_HOST"
LOOPBACK = "127.0.0.1"


def cmd_ui(args: argparse.Namespace) -> int:
    from orchestration.runner import prepare_dagster_home

    home = Path(os.environ.get("DAGSTER_HOME") or config.PROJECT_ROOT / ".dagster")
    prepare_dagster_home(home)
    env = {**os.environ, "DAGSTER_HOME": str(home)}
    dagster = Path(sys.executable).with_name("dagster")
    console.print(f"Dagster UI on http://{args.host}:{args.port} (instance in {home}); Ctrl-C stops it.")
    if args.host not in (LOOPBACK, "localhost", "::1"):
        # The UI has no login: whoever reaches the address can launch runs and read every table.
        console.print(f"[yellow]The UI listens on {args.host}, beyond this machine, and has no login: "
                      "put it behind an authenticating proxy or a firewall.[/yellow]")
    return subprocess.call(
        [str(dagster), "dev", "-w", str(config.PROJECT_ROOT / "workspace.yaml"),
         "-h", args.host, "-p", str(args.port)],
        env=env, cwd=config.PROJECT_ROOT,
    )


def cmd_contract(args: argparse.Namespace) -> int:
    if args.adapters:
        from pipelines.ingest.adapters.documentation import render_markdown
    else:
        from pipelines.contract import render_markdown

    sys.stdout.write(render_markdown())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="stockpilot", description=__doc__, epilog=EXIT_CODES,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo-data", help="write a seeded demo seller's landing files")
    demo.add_argument("--skus", type=int, default=300)
    demo.add_argument("--days", type=int, default=730)
    demo.add_argument("--seed", type=int, default=7)
    demo.add_argument("--end", default="2026-10-31", help="last day of history (YYYY-MM-DD)")
    demo.add_argument("--out", default=None, help="landing folder (default $STOCKPILOT_LANDING or data/landing)")
    demo.set_defaults(func=cmd_demo_data)

    run = sub.add_parser("run", help="run the whole pipeline in-process and print a summary",
                         epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--landing", default=None, help="default $STOCKPILOT_LANDING or data/landing")
    run.add_argument("--warehouse", default=None, help="default $STOCKPILOT_WAREHOUSE or data/warehouse.duckdb")
    run.add_argument("--as-of", default=None, help="YYYY-MM-DD; default $STOCKPILOT_AS_OF or the latest date in the data")
    run.add_argument("--log-level", default="WARNING", help="Dagster log level printed while running")
    run.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                     help="when another run holds the warehouse, wait up to this long for it (default: stop at once, "
                          f"exit code {BUSY_EXIT_CODE})")
    run.set_defaults(func=cmd_run)

    report = sub.add_parser("report", help="write the HTML planning report from a built warehouse")
    report.add_argument("--warehouse", default=None, help="default $STOCKPILOT_WAREHOUSE or data/warehouse.duckdb")
    report.add_argument("--out", default=None, help="HTML file (default report.file beside the warehouse)")
    report.set_defaults(func=cmd_report)

    backtest = sub.add_parser("backtest", help="replay real demand against Stockpilot's plan and the spreadsheet rule",
                              epilog=EXIT_CODES, formatter_class=argparse.RawDescriptionHelpFormatter)
    backtest.add_argument("--days", type=int, default=None, help="days replayed, ending at the as-of date "
                          "(default backtest.window_days, 365)")
    backtest.add_argument("--landing", default=None, help="used to build the warehouse when it is not built yet")
    backtest.add_argument("--warehouse", default=None, help="default $STOCKPILOT_WAREHOUSE or data/warehouse.duckdb")
    backtest.add_argument("--as-of", default=None, help="YYYY-MM-DD: last day of the window; default "
                          "$STOCKPILOT_AS_OF or the as-of date of the warehouse")
    backtest.add_argument("--wait", type=float, default=0, metavar="SECONDS",
                          help="when another run holds the warehouse, wait up to this long for it")
    backtest.set_defaults(func=cmd_backtest)

    ui = sub.add_parser("ui", help="start the Dagster UI")
    ui.add_argument("--host", default=os.environ.get(UI_HOST_ENV, "").strip() or LOOPBACK,
                    help=f"bind address (default ${UI_HOST_ENV} or {LOOPBACK}: this machine only)")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=cmd_ui)

    contract = sub.add_parser("contract", help="print the landing contract as markdown")
    contract.add_argument("--adapters", action="store_true",
                          help="print the marketplace-report mappings instead (docs/data-contract.md)")
    contract.set_defaults(func=cmd_contract)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
