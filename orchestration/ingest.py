"""Ingest assets: one per landing feed, plus one multi-asset for the reference tables."""


import dagster as dg
import pandas as pd

from orchestration.metadata import markdown_table
from orchestration.resources import DUCKDB_POOL, StockpilotResource
from pipelines import contract
from pipelines.config import load_config
from pipelines.ingest import LoadReport, ingest_feed, ingest_reference
from pipelines.ingest.inbox import ingest_inbox

GROUP = "ingest"


def raw_key(feed: contract.Feed) -> dg.AssetKey:
    """Asset key of a raw table; dbt's sources (source ``raw``) resolve to the same keys."""
    return dg.AssetKey(["raw", feed.name])


def _report_metadata(report: LoadReport, con, feed: contract.Feed) -> dict:
    total = con.execute(f'SELECT count(*) FROM raw."{feed.name}"').fetchone()[0]
    quarantined = con.execute(f'SELECT count(*) FROM quarantine."{feed.name}"').fetchone()[0]
    preview = con.execute(
        f'SELECT * FROM raw."{feed.name}" ORDER BY _loaded_at DESC, _source_file, _row_number LIMIT 10'
    ).df()
    reasons = pd.DataFrame(sorted(report.reasons.items(), key=lambda kv: -kv[1]),
                           columns=["reason", "rows"])
    latest_bad = con.execute(
        f'SELECT _source_file, _row_number, reason FROM quarantine."{feed.name}" '
        "ORDER BY _quarantined_at DESC, _source_file, _row_number LIMIT 10"
    ).df()
    return {
        "dagster/row_count": dg.MetadataValue.int(int(total)),
        "table": dg.MetadataValue.text(f"raw.{feed.name}"),
        "files_found": report.files_found,
        "files_loaded": report.files_loaded,
        "files_skipped_already_loaded": report.files_skipped,
        "files_rejected": report.files_rejected,
        "rows_loaded": report.rows_loaded,
        "rows_quarantined": report.rows_quarantined,
        "rows_released_from_quarantine": report.rows_released,
        "quarantine_table_rows": dg.MetadataValue.int(int(quarantined)),
        "quarantine_reasons": markdown_table(reasons),
        "latest_quarantined_rows": markdown_table(latest_bad),
        "preview": markdown_table(preview),
        "warnings": dg.MetadataValue.md("\n".join(f"- {w}" for w in report.warnings) or "_none_"),
    }


def _log_report(context: dg.AssetExecutionContext, report: LoadReport) -> None:
    context.log.info(report.summary)
    for warning in report.warnings:
        context.log.warning(warning)
    for error in report.errors[:50]:
        context.log.warning(error)
    if len(report.errors) > 50:
        context.log.warning(f"... and {len(report.errors) - 50} more; see quarantine.{report.feed}")


@dg.multi_asset(
    name="reference_tables",
    specs=[
        dg.AssetSpec(raw_key(feed), description=feed.description, group_name=GROUP,
                     kinds={"python", "duckdb"})
        for feed in contract.REFERENCE_TABLES
    ],
    pool=DUCKDB_POOL,
)
def reference_tables(context: dg.AssetExecutionContext, stockpilot: StockpilotResource):
    """Load the reference tables from <landing>/reference/, each replaced whole when its file changes."""
    with stockpilot.connect() as con:
        reports = ingest_reference(con, stockpilot.landing_path, timezone=load_config().timezone)
        by_feed = {r.feed: r for r in reports}
        for feed in contract.REFERENCE_TABLES:
            report = by_feed[feed.name]
            _log_report(context, report)
            yield dg.MaterializeResult(asset_key=raw_key(feed),
                                       metadata=_report_metadata(report, con, feed))


def _event_feed_asset(feed: contract.Feed) -> dg.AssetsDefinition:
    source = ("Loaded from marketplace reports found in <landing>/inbox/ or any feed folder"
              if feed.report_only else
              f"Loaded from <landing>/{feed.landing_folder}/ and from marketplace reports for it found "
              "in <landing>/inbox/ or another feed folder")

    @dg.asset(
        key=raw_key(feed),
        description=f"{feed.description} {source}; bad rows go to quarantine.{feed.name} with the reason.",
        group_name=GROUP,
        kinds={"python", "duckdb"},
        # References are checked against the reference tables, so load those first.
        deps=[raw_key(f) for f in contract.REFERENCE_TABLES],
        pool=DUCKDB_POOL,
    )
    def _ingest(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
        with stockpilot.connect() as con:
            cfg = load_config()
            report = ingest_feed(con, stockpilot.landing_path, feed, timezone=cfg.timezone,
                                 adapters=cfg.adapters)
            _log_report(context, report)
            return dg.MaterializeResult(metadata=_report_metadata(report, con, feed))

    return _ingest


INBOX_KEY = dg.AssetKey(["raw", contract.INBOX_FOLDER])


@dg.asset(
    key=INBOX_KEY,
    description="The files dropped in <landing>/inbox/: what each was recognised as (a contract feed or a "
                "marketplace report, loaded by that feed's asset). Unknown or unreadable files are "
                "quarantined whole in quarantine.inbox with the list of formats Stockpilot reads.",
    group_name=GROUP,
    kinds={"python", "duckdb"},
    pool=DUCKDB_POOL,
)
def inbox_files(context: dg.AssetExecutionContext, stockpilot: StockpilotResource) -> dg.MaterializeResult:
    with stockpilot.connect() as con:
        report = ingest_inbox(con, stockpilot.landing_path)
        _log_report(context, report)
        quarantined = con.execute(f'SELECT count(*) FROM quarantine."{contract.INBOX_FOLDER}"').fetchone()[0]
    recognised = pd.DataFrame(report.recognised, columns=["file", "read as", "loaded into"])
    return dg.MaterializeResult(metadata={
        "files_found": report.files_found,
        # Recognised files: each is loaded by the feed it belongs to (see "recognised").
        "files_loaded": report.files_loaded,
        "files_rejected": report.files_rejected,
        "files_skipped_already_loaded": report.files_skipped,
        "quarantine_table_rows": dg.MetadataValue.int(int(quarantined)),
        "recognised": markdown_table(recognised),
        "rejected": dg.MetadataValue.md("\n".join(f"- {e}" for e in report.errors) or "_none_"),
    })


event_feed_assets = [_event_feed_asset(feed) for feed in contract.EVENT_FEEDS + contract.REPORT_FEEDS]
ingest_assets = [reference_tables, *event_feed_assets, inbox_files]
