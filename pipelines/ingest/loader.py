"""Loading landing files into raw.<feed> and quarantine.<feed>, once per file content.

Each file is written in one transaction together with its registry row in raw._loaded_files, so
a crash never leaves a file half loaded and a re-run reads only what is new. Event feeds are
append-only; a reference table is replaced whole when its current file changes.
"""

from __future__ import annotations

import errno
import io
import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.json as pa_json

from pipelines import contract
from pipelines.config import AdaptersConfig
from pipelines.ingest import inbox, validation
from pipelines.ingest.adapters.loading import ADAPTER_KEY, retry_frame, translate_file
from pipelines.ingest.adapters.locations import LocationDirectory
from pipelines.ingest.adapters.reading import is_json, is_parquet
from pipelines.ingest.landing import (
    DATA_SUFFIXES,
    REPORT_SUFFIXES,
    LandingFile,
    LandingNotice,
    LandingScan,
    OutsideLanding,
    newest_first,
    read_confined,
    reference_table_of,
    scan_folder,
    sha256_of,
)
from pipelines.ingest.readers import UnreadableFile, read_landing_file
from pipelines.ingest.references import ReferenceValues, load_reference_values, reference_load_order
from pipelines.ingest.report import LoadReport
from pipelines.ingest.tables import REGISTRY_TABLE, ensure_tables, refuse_paths

#: Quarantined rows listed one by one in a report's errors, per file; the rest are counted.
ROW_ERRORS_PER_FILE = 20


@dataclass
class _FileOutcome:
    """A file read and validated, ready to be written."""

    status: str  # "loaded" or "rejected"
    good: pd.DataFrame | None = None
    bad: pd.DataFrame | None = None
    rule_counts: dict[str, int] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    reject_reason: str = ""
    reject_columns: str = ""
    #: The format the file was read as (raw._loaded_files.read_as).
    read_as: str = "landing contract"


def ingest_feed(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    feed: contract.Feed,
    timezone: str = "UTC",
    now: datetime | None = None,
    adapters: AdaptersConfig | None = None,
) -> LoadReport:
    """Load new files of ``<landing_root>/<feed>/`` into raw.<feed>, bad rows into quarantine.<feed>,
    together with the marketplace reports for the feed found in the inbox or another feed folder
    (and, in the inbox, contract files of the feed), recognised by their header.

    First releases quarantined rows whose missing references have arrived since. ``now`` (UTC) is
    the load time stamped on rows and the end of the plausible-date window. ``adapters`` says
    which locations and channels reports stand for (``pipelines.ingest.adapters.locations``).
    """
    now = now or datetime.now(UTC)
    if feed.reference:
        scan = scan_folder(landing_root, feed.landing_folder)
        files = [f for f in scan.files if reference_table_of(f.relative) == feed.name]
        return _ingest_reference_table(con, feed, files, _notices_for(feed.name, scan.refused),
                                       _notices_for(feed.name, scan.ignored), timezone, now)

    loaded_at = _utc_naive(now)
    ensure_tables(con, feed)
    report = LoadReport(feed.name)
    directory = LocationDirectory.load(con, adapters or AdaptersConfig())
    report.rows_released = _release_retryable(con, feed, timezone, now, loaded_at, directory)
    references = load_reference_values(con, feed)
    own = LandingScan() if feed.report_only else scan_folder(landing_root, feed.landing_folder, REPORT_SUFFIXES)
    refuse_paths(con, feed.name, own.refused, report, loaded_at)
    report.warnings.extend(str(n) for n in own.ignored)
    candidates = [(file, None) for file in own.files] + inbox.files_elsewhere(landing_root, feed)
    seen = _registered_hashes(con, feed)
    for file, classified in candidates:
        content = _read(file, report, con, feed.name, loaded_at)
        if content is None:
            report.files_found += 1
            continue
        if classified is None:
            classified = _classify_own(feed, file, content)
            if classified is None:
                continue
            if classified.kind not in (inbox.REPORT, inbox.NEAR_REPORT) and is_json(file.path.name):
                report.warnings.append(f"{file.relative}: not a data file ({', '.join(DATA_SUFFIXES)}) "
                                       "nor a report Stockpilot reads, ignored")
                continue
        report.files_found += 1
        sha = sha256_of(content)
        if sha in seen:
            report.files_skipped += 1
            continue
        outcome = _outcome(feed, file, content, classified, references, directory, timezone, now)
        _in_transaction(con, partial(_append_file, con, feed, file, sha, outcome, loaded_at))
        seen.add(sha)
        _account(report, file, outcome, feed)
    return report


def _classify_own(feed: contract.Feed, file: LandingFile, content: bytes) -> inbox.Classified | None:
    """What a file of the feed's own folder is; None for another feed's report (that feed loads
    it). Parquet files are contract files."""
    if is_parquet(file.path.name, content):
        return inbox.Classified(inbox.CONTRACT, feed=feed.name)
    classified = inbox.classify(file.path.name, content, own_feed=feed)
    if classified.kind == inbox.REPORT and classified.feed != feed.name:
        return None
    return classified


def _outcome(feed: contract.Feed, file: LandingFile, content: bytes, classified: inbox.Classified,
             references: ReferenceValues, directory: LocationDirectory, timezone: str,
             now: datetime) -> _FileOutcome:
    if classified.kind == inbox.REPORT:
        return _read_and_translate(feed, file, content, classified, references, directory, timezone, now)
    if classified.kind == inbox.NEAR_REPORT:
        return _FileOutcome("rejected", reject_reason=f"{file.relative}: {classified.problem}",
                            reject_columns=",".join(classified.recognition.missing),
                            rule_counts={validation.RULE_HEADER: 1}, read_as=classified.describe())
    outcome = _read_and_validate(feed, file, content, references, timezone, now)
    if outcome.reject_reason.startswith(f"{file.relative}: header has no {feed.name} column"):
        outcome.reject_reason += f"; nor is it a marketplace report Stockpilot reads ({inbox.formats_read()})"
    return outcome


def ingest_reference(
    con: duckdb.DuckDBPyConnection,
    landing_root: Path,
    timezone: str = "UTC",
    now: datetime | None = None,
) -> list[LoadReport]:
    """Load the current file of every reference table from ``<landing_root>/reference/``.

    Tables load in dependency order (locations before the SKUs whose supplier is a location), so
    one call settles references between reference tables. One report per table.
    """
    now = now or datetime.now(UTC)
    scan = scan_folder(landing_root, "reference")
    by_table: dict[str, list[LandingFile]] = {}
    unrecognised: list[LandingNotice] = []
    for file in scan.files:
        table = reference_table_of(file.relative)
        if table is None:
            unrecognised.append(LandingNotice(file.relative, "not named after a reference table "
                                              f"({', '.join(f.name for f in contract.REFERENCE_TABLES)}), ignored"))
        else:
            by_table.setdefault(table, []).append(file)
    reports = []
    for i, feed in enumerate(reference_load_order()):
        refused = _notices_for(feed.name, scan.refused)
        ignored = _notices_for(feed.name, scan.ignored)
        if i == 0:
            # Paths no table claims still need to reach someone; the first report carries them.
            refused += _notices_for(None, scan.refused)
            ignored += unrecognised + _notices_for(None, scan.ignored)
        reports.append(_ingest_reference_table(con, feed, by_table.get(feed.name, []), refused, ignored,
                                               timezone, now))
    return reports


def _ingest_reference_table(con: duckdb.DuckDBPyConnection, feed: contract.Feed, files: list[LandingFile],
                            refused: list[LandingNotice], ignored: list[LandingNotice], timezone: str,
                            now: datetime) -> LoadReport:
    loaded_at = _utc_naive(now)
    ensure_tables(con, feed)
    report = LoadReport(feed.name, files_found=len(files))
    refuse_paths(con, feed.name, refused, report, loaded_at)
    report.warnings.extend(str(n) for n in ignored)
    if not files:
        if not _row_count(con, "raw", feed.name):
            report.warnings.append(f"reference/: no file for {feed.name} (expected {feed.name}.csv, "
                                   f"{feed.name}_<date>.csv or .parquet)")
        report.rows_released = _release_retryable(con, feed, timezone, now, loaded_at)
        return report
    current, *superseded = newest_first(files)
    report.files_skipped += len(superseded)
    content = _read(current, report, con, feed.name, loaded_at)
    sha = sha256_of(content) if content is not None else None
    if sha is None or sha in _current_reference_hashes(con, feed):
        if sha is not None:
            report.files_skipped += 1
        report.rows_released = _release_retryable(con, feed, timezone, now, loaded_at)
        return report
    references = load_reference_values(con, feed)
    outcome = _read_and_validate(feed, current, content, references, timezone, now)
    if outcome.status == "loaded":
        previous = _row_count(con, "raw", feed.name)
        _in_transaction(con, partial(_replace_reference, con, feed, current, sha, outcome, loaded_at))
        if previous and outcome.good is not None and outcome.good.empty:
            report.warnings.append(f"{current.relative}: no valid rows; raw.{feed.name} is now empty "
                                   f"(it held {previous} rows)")
    else:
        # A broken new file must not empty a table the planning depends on: keep the old rows.
        _in_transaction(con, partial(_append_file, con, feed, current, sha, outcome, loaded_at))
    _account(report, current, outcome, feed)
    return report


def _notices_for(table: str | None, notices: list[LandingNotice]) -> list[LandingNotice]:
    return [n for n in notices if reference_table_of(n.relative) == table]


# --- reading and validating one file ---------------------------------------------------------


def _read(file: LandingFile, report: LoadReport, con: duckdb.DuckDBPyConnection, feed: str,
          at: datetime) -> bytes | None:
    """The file's bytes, or None when it cannot be read (reported; refused paths recorded)."""
    try:
        return read_confined(file)
    except OutsideLanding as exc:
        # The file or a folder above it was swapped for a link after the scan.
        notice = LandingNotice(file.relative, str(exc).split(": ", 1)[1])
        refuse_paths(con, feed, [notice], report, at, count_found=False)
    except OSError as exc:
        if exc.errno == errno.ELOOP:  # O_NOFOLLOW: the file itself is now a link
            refuse_paths(con, feed, [LandingNotice(file.relative, "symbolic link refused")], report, at,
                         count_found=False)
        else:  # gone or unreadable since the scan: tried again next run
            report.errors.append(f"{file.relative}: cannot be read ({exc.strerror or exc}), refused")
    return None


def _read_and_validate(feed: contract.Feed, file: LandingFile, content: bytes,
                       references: ReferenceValues, timezone: str, now: datetime | None) -> _FileOutcome:
    try:
        table = read_landing_file(file.path.name, content)
    except UnreadableFile as exc:
        return _FileOutcome("rejected", reject_reason=f"{file.relative}: {exc}",
                            rule_counts={validation.RULE_UNREADABLE: 1})
    match = validation.match_header(feed, table.header, table.repeated_names)
    problem = match.problem()
    if problem:
        return _FileOutcome("rejected", reject_reason=f"{file.relative}: {problem}",
                            reject_columns=",".join(match.missing_required),
                            rule_counts={validation.RULE_HEADER: 1})
    warnings = []
    if match.extra:
        warnings.append(f"{file.relative}: extra column{'s' if len(match.extra) > 1 else ''} ignored: "
                        + ", ".join(match.extra))
    if match.repeated:
        warnings.append(f"{file.relative}: column given more than once: {', '.join(match.repeated)} "
                        "(read from the first copy; rows whose copies differ are quarantined)")
    result = validation.validate(feed, table.data, table.row_numbers, match, references,
                                 timezone=timezone, now=now, malformed=table.malformed)
    return _FileOutcome("loaded", result.good, result.bad, result.rule_counts, warnings)


def _read_and_translate(feed: contract.Feed, file: LandingFile, content: bytes, classified: inbox.Classified,
                        references: ReferenceValues, directory: LocationDirectory, timezone: str,
                        now: datetime | None) -> _FileOutcome:
    """A marketplace report: translated by its adapter, then validated like any contract file."""
    read_as = classified.describe()
    try:
        translated = translate_file(classified.recognition, file.path.name, content, file.mtime, timezone,
                                    directory)
    except UnreadableFile as exc:
        return _FileOutcome("rejected", reject_reason=f"{file.relative}: {exc}",
                            rule_counts={validation.RULE_UNREADABLE: 1}, read_as=read_as)
    match = validation.match_header(feed, list(translated.data.columns))
    result = validation.validate(feed, translated.data, translated.row_numbers, match, references,
                                 timezone=timezone, now=now, malformed=translated.malformed,
                                 prior=translated.prior)
    warnings = [f"{file.relative}: {warning}" for warning in translated.warnings]
    return _FileOutcome("loaded", result.good, translated.describe_bad(result.bad), result.rule_counts,
                        warnings, read_as=translated.read_as)


def _account(report: LoadReport, file: LandingFile, outcome: _FileOutcome, feed: contract.Feed) -> None:
    report.warnings.extend(outcome.warnings)
    if outcome.status == "rejected":
        report.files_rejected += 1
        report.errors.append(outcome.reject_reason)
        return
    report.files_loaded += 1
    report.rows_loaded += len(outcome.good)
    report.rows_quarantined += len(outcome.bad)
    report.count_reasons(outcome.rule_counts)
    listed = outcome.bad.head(ROW_ERRORS_PER_FILE)
    report.errors.extend(f"{file.relative} row {n}: {reason}"
                         for n, reason in zip(listed["_row_number"], listed["reason"], strict=True))
    if len(outcome.bad) > len(listed):
        report.errors.append(f"{file.relative}: {len(outcome.bad) - len(listed)} more quarantined rows "
                             f"(see quarantine.{feed.name})")


# --- writing ---------------------------------------------------------------------------------


def _in_transaction(con: duckdb.DuckDBPyConnection, write) -> None:
    con.execute("BEGIN TRANSACTION")
    try:
        write()
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _append_file(con, feed: contract.Feed, file: LandingFile, sha: str, outcome: _FileOutcome,
                 loaded_at: datetime) -> None:
    if outcome.status == "loaded":
        _insert_raw(con, feed, outcome.good.assign(_source_file=file.relative), loaded_at)
        _insert_quarantine(con, feed, outcome.bad.assign(_source_file=file.relative), loaded_at)
    else:
        _insert_quarantine(con, feed, _rejection_row(file, outcome), loaded_at)
    _register(con, feed, file, sha, outcome, loaded_at)


def _replace_reference(con, feed: contract.Feed, file: LandingFile, sha: str, outcome: _FileOutcome,
                       loaded_at: datetime) -> None:
    con.execute(f'DELETE FROM raw."{feed.name}"')
    con.execute(f'DELETE FROM quarantine."{feed.name}"')
    _append_file(con, feed, file, sha, outcome, loaded_at)


def _insert_raw(con, feed: contract.Feed, good: pd.DataFrame, loaded_at: datetime) -> None:
    """Append typed rows (contract columns, _row_number, _source_file) to raw.<feed>."""
    if good.empty:
        return
    typed = ", ".join(f'CAST("{c.name}" AS {c.duckdb_type})' for c in feed.columns)
    # Target columns by name: a table evolved by an additive contract change has the new
    # columns after the lineage ones.
    target = ", ".join(f'"{c.name}"' for c in feed.columns)
    con.register("_ingest_good", good)
    try:
        con.execute(f'INSERT INTO raw."{feed.name}" ({target}, "_source_file", "_row_number", "_loaded_at") '
                    f'SELECT {typed}, "_source_file", "_row_number", ? FROM _ingest_good', [loaded_at])
    finally:
        con.unregister("_ingest_good")


def _insert_quarantine(con, feed: contract.Feed, bad: pd.DataFrame, quarantined_at: datetime) -> None:
    if bad.empty:
        return
    con.register("_ingest_bad", bad)
    try:
        con.execute(f'INSERT INTO quarantine."{feed.name}" SELECT "_source_file", '
                    'CAST("_row_number" AS BIGINT), ?, "reason", "failed_columns", '
                    'CAST("retryable" AS BOOLEAN), "record" FROM _ingest_bad', [quarantined_at])
    finally:
        con.unregister("_ingest_bad")


def _rejection_row(file: LandingFile, outcome: _FileOutcome) -> pd.DataFrame:
    return pd.DataFrame({
        "_source_file": [file.relative],
        "_row_number": pd.array([None], dtype="Int64"),
        "reason": [outcome.reject_reason],
        "failed_columns": [outcome.reject_columns],
        "retryable": [False],
        "record": pd.array([None], dtype="str"),
    })


def _register(con, feed: contract.Feed, file: LandingFile, sha: str, outcome: _FileOutcome,
              loaded_at: datetime) -> None:
    loaded = outcome.status == "loaded"
    con.execute(
        f'INSERT INTO raw."{REGISTRY_TABLE}" (path, feed, sha256, size_bytes, status, rows_loaded, '
        "rows_quarantined, loaded_at, read_as) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [file.relative, feed.name, sha, file.size_bytes, outcome.status,
         len(outcome.good) if loaded else 0, len(outcome.bad) if loaded else 0, loaded_at,
         outcome.read_as],
    )


# --- the registry ----------------------------------------------------------------------------


def _registered_hashes(con, feed: contract.Feed) -> set[str]:
    rows = con.execute(f'SELECT DISTINCT sha256 FROM raw."{REGISTRY_TABLE}" WHERE feed = ?',
                       [feed.name]).fetchall()
    return {r[0] for r in rows}


def _current_reference_hashes(con, feed: contract.Feed) -> set[str]:
    """Contents that need no reload: the one in raw.<table>, and the last one tried.

    The last one tried may have been rejected; reading it again would only repeat the rejection.
    """
    hashes = set()
    for condition in ("TRUE", "status = 'loaded'"):
        row = con.execute(
            f'SELECT sha256 FROM raw."{REGISTRY_TABLE}" WHERE feed = ? AND sha256 IS NOT NULL AND {condition} '
            # Insertion order, not loaded_at: a caller may pass an earlier ``now`` than last time.
            "ORDER BY rowid DESC LIMIT 1", [feed.name]).fetchone()
        if row:
            hashes.add(row[0])
    return hashes


def _row_count(con, schema: str, table: str) -> int:
    return con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchone()[0]


# --- retries ---------------------------------------------------------------------------------


def _release_retryable(con, feed: contract.Feed, timezone: str, now: datetime | None,
                       loaded_at: datetime, directory: LocationDirectory | None = None) -> int:
    """Move quarantined rows that only lacked references, and now pass, to raw.<feed>.

    Rows keep their original _source_file and _row_number; those still failing stay put. Rows of
    marketplace reports are re-validated from the translation kept in their record, with their
    locations resolved again (``directory``: the current locations and adapters config).
    Returns the number of rows released.
    """
    released = 0

    def release() -> None:
        nonlocal released
        pending = con.execute(
            f'SELECT rowid AS qid, _source_file, _row_number, record FROM quarantine."{feed.name}" '
            "WHERE retryable AND record IS NOT NULL ORDER BY _source_file, _row_number").df()
        if pending.empty:
            return
        references = load_reference_values(con, feed)
        goods, qids = [], []
        # Files differ in header spelling and columns, so records are re-validated file by file.
        for source, group in pending.groupby("_source_file", sort=True):
            data = _records_frame(group["record"])
            if ADAPTER_KEY in data.columns:
                data = retry_frame(data[ADAPTER_KEY], directory or LocationDirectory.load(con, AdaptersConfig()))
            match = validation.match_header(feed, list(data.columns))
            if match.problem():
                continue
            result = validation.validate(feed, data, group["_row_number"].to_numpy(), match, references,
                                         timezone=timezone, now=now, describe_bad=False)
            if result.good.empty:
                continue
            goods.append(result.good.assign(_source_file=source))
            qids.append(group["qid"].to_numpy()[result.good.index.to_numpy()])
        if not goods:
            return
        good = pd.concat(goods, ignore_index=True)
        _insert_raw(con, feed, good, loaded_at)
        ids = pd.DataFrame({"qid": np.concatenate(qids)})
        con.register("_ingest_released", ids)
        try:
            con.execute(f'DELETE FROM quarantine."{feed.name}" WHERE rowid IN (SELECT qid FROM _ingest_released)')
        finally:
            con.unregister("_ingest_released")
        released = len(good)

    _in_transaction(con, release)
    return released


def _records_frame(records: pd.Series) -> pd.DataFrame:
    """Quarantine ``record`` JSON texts of one file back into a table of strings."""
    header = list(json.loads(records.iloc[0]))
    # Every record of a file has the file's header as keys; reading them all as text keeps
    # "007" and "2026-05-01" exactly as they arrived.
    schema = pa.schema([(name, pa.string()) for name in header])
    table = pa_json.read_json(
        io.BytesIO("\n".join(records).encode("utf-8")),
        read_options=pa_json.ReadOptions(block_size=64 << 20),  # a record may not straddle two blocks
        parse_options=pa_json.ParseOptions(explicit_schema=schema, unexpected_field_behavior="ignore"),
    )
    return table.to_pandas().fillna("")


def _utc_naive(now: datetime) -> datetime:
    return now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
