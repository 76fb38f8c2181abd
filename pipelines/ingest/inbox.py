"""Recognising files by their header: contract files, marketplace reports, and unknown files.

Sellers drop the reports they download into ``<landing>/inbox/`` (or into a feed folder). Each
feed's ingest reads, besides its own folder, every file elsewhere that is a report for it (or,
in the inbox, a contract file of it). Who answers for a file that cannot be loaded whole:

- in a feed folder: that folder's feed (as for any contract file);
- in the inbox, a file that looks like a known report but lacks required columns: the feed the
  report is for;
- in the inbox, anything else (an unknown or unreadable file): ``ingest_inbox``, which
  quarantines it in ``quarantine.inbox`` with the list of formats Stockpilot reads.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pandas as pd

from pipelines import contract
from pipelines.ingest import validation
from pipelines.ingest.adapters import Recognition, formats_read, recognise
from pipelines.ingest.adapters.reading import SNIFF_BYTES, header_of, is_json, is_parquet
from pipelines.ingest.landing import (
    REPORT_SUFFIXES,
    LandingFile,
    read_confined,
    read_head,
    scan_folder,
    sha256_of,
)
from pipelines.ingest.readers import UnreadableFile
from pipelines.ingest.report import LoadReport
from pipelines.ingest.tables import REGISTRY_TABLE, ensure_inbox_tables, refuse_paths

INBOX = contract.INBOX_FOLDER

CONTRACT = "contract"
REPORT = "report"
NEAR_REPORT = "near_report"
UNKNOWN = "unknown"
UNREADABLE = "unreadable"


@dataclass
class Classified:
    """What a file is: a contract file of ``feed``, a report (``recognition``), a file that looks
    like a report but lacks columns, an unknown file, or an unreadable one (``problem`` says why)."""

    kind: str
    feed: str | None = None
    recognition: Recognition | None = None
    problem: str = ""

    def describe(self) -> str:
        if self.kind == CONTRACT:
            return f"landing contract ({self.feed})"
        if self.recognition is not None:
            return self.recognition.describe()
        return self.kind


def _contract_feed(header: list[str], feeds: tuple[contract.Feed, ...]) -> str | None:
    """The event feed whose required columns the header holds (the most columns wins)."""
    best, best_count = None, 0
    for feed in feeds:
        match = validation.match_header(feed, header)
        if match.problem() is None and len(match.columns) > best_count:
            best, best_count = feed.name, len(match.columns)
    return best


def classify(name: str, content: bytes, own_feed: contract.Feed | None = None) -> Classified:
    """Recognise a file from its header (``content`` may be its first SNIFF_BYTES, or all of it
    for JSON and Parquet). ``own_feed``: the feed whose folder holds it; None for the inbox."""
    try:
        header = header_of(name, content)
    except UnreadableFile as exc:
        return Classified(UNREADABLE, problem=str(exc))
    feeds = (own_feed,) if own_feed is not None else contract.EVENT_FEEDS
    feed = _contract_feed(header, feeds)
    if feed is not None:
        return Classified(CONTRACT, feed=feed)
    recognition = recognise(header)
    if recognition is None:
        return Classified(UNKNOWN, problem=unknown_reason(header))
    kind = REPORT if recognition.complete else NEAR_REPORT
    return Classified(kind, feed=recognition.adapter.feed, recognition=recognition,
                      problem="" if recognition.complete else near_report_reason(recognition))


def formats_we_read() -> str:
    feeds = ", ".join(f.name for f in contract.EVENT_FEEDS)
    return (f"Stockpilot reads the landing contract ({feeds}; reference tables go to reference/) "
            f"and these reports: {formats_read()}")


def unknown_reason(header: list[str]) -> str:
    shown = ", ".join(header[:8]) + (", ..." if len(header) > 8 else "")
    return f"not a format Stockpilot reads (header: {shown}). {formats_we_read()}"


def near_report_reason(recognition: Recognition) -> str:
    missing = recognition.missing
    return (f"looks like the {recognition.describe()} but lacks the required column"
            f"{'s' if len(missing) > 1 else ''} {', '.join(missing)}")


def sniff(file: LandingFile) -> Classified:
    """Classify a file without reading all of it (JSON and Parquet are read whole)."""
    name = file.path.name
    try:
        whole = is_json(name) or name.lower().endswith(".parquet")
        content = read_confined(file) if whole else read_head(file, SNIFF_BYTES)
    except OSError as exc:
        return Classified(UNREADABLE, problem=f"cannot be read ({exc.strerror or exc})")
    return classify(name, content)


def files_elsewhere(landing_root: Path, feed: contract.Feed) -> list[tuple[LandingFile, Classified]]:
    """Files outside the feed's own folder that the feed must load: reports for it anywhere, and,
    in the inbox, contract files of it and files that look like its reports but lack columns."""
    found = []
    own = None if feed.report_only else feed.landing_folder
    folders = [INBOX] + [f.landing_folder for f in contract.EVENT_FEEDS if f.landing_folder != own]
    for folder in folders:
        for file in scan_folder(landing_root, folder, REPORT_SUFFIXES).files:
            in_inbox = folder == INBOX
            if not in_inbox and is_parquet(file.path.name, b""):
                continue  # reports are text or JSON; a Parquet file here is that folder's own
            classified = sniff(file)
            if classified.feed != feed.name:
                continue
            if classified.kind == REPORT or (in_inbox and classified.kind in (CONTRACT, NEAR_REPORT)):
                found.append((file, classified))
    return found


def ingest_inbox(con: duckdb.DuckDBPyConnection, landing_root: Path, now: datetime | None = None) -> LoadReport:
    """Quarantine, once per content, the inbox files no feed can read; count the others.

    ``files_loaded`` counts files recognised (each is loaded by the feed it belongs to; the
    report's ``recognised`` lists what each was read as), ``files_rejected`` unknown or
    unreadable files quarantined now, ``files_skipped`` those quarantined before.
    """
    now = now or datetime.now(UTC)
    loaded_at = now.astimezone(UTC).replace(tzinfo=None) if now.tzinfo else now
    ensure_inbox_tables(con)
    report = LoadReport(INBOX)
    scan = scan_folder(landing_root, INBOX, suffixes=None)
    refuse_paths(con, INBOX, scan.refused, report, loaded_at)
    report.files_found += len(scan.files)
    seen = {r[0] for r in con.execute(f'SELECT sha256 FROM raw."{REGISTRY_TABLE}" WHERE feed = ?',
                                      [INBOX]).fetchall()}
    for file in scan.files:
        suffix_known = file.path.name.lower().endswith(REPORT_SUFFIXES)
        classified = sniff(file) if suffix_known else Classified(
            UNKNOWN, problem=f"not a file type Stockpilot reads ({', '.join(REPORT_SUFFIXES)}; save "
                             f"spreadsheets as CSV). {formats_we_read()}")
        if classified.kind in (CONTRACT, REPORT, NEAR_REPORT):
            report.files_loaded += 1
            report.recognised.append((file.relative, classified.describe(), classified.feed or ""))
            continue
        try:
            sha = sha256_of(read_confined(file))
        except OSError as exc:
            report.errors.append(f"{file.relative}: cannot be read ({exc.strerror or exc}), refused")
            continue
        if sha in seen:
            report.files_skipped += 1
            continue
        reason = f"{file.relative}: {classified.problem}"
        rule = validation.RULE_UNREADABLE if classified.kind == UNREADABLE else validation.RULE_UNKNOWN_FORMAT
        _quarantine_file(con, file, sha, reason, loaded_at)
        seen.add(sha)
        report.files_rejected += 1
        report.errors.append(reason)
        report.count_reasons({rule: 1})
    return report


def _quarantine_file(con: duckdb.DuckDBPyConnection, file: LandingFile, sha: str, reason: str,
                     loaded_at: datetime) -> None:
    row = pd.DataFrame({"_source_file": [file.relative], "reason": [reason]})
    con.execute("BEGIN TRANSACTION")
    try:
        con.register("_inbox_rejected", row)
        con.execute(f'INSERT INTO quarantine."{INBOX}" SELECT _source_file, NULL, ?, reason, \'\', FALSE, NULL '
                    "FROM _inbox_rejected", [loaded_at])
        con.unregister("_inbox_rejected")
        con.execute(
            f'INSERT INTO raw."{REGISTRY_TABLE}" (path, feed, sha256, size_bytes, status, rows_loaded, '
            "rows_quarantined, loaded_at, read_as) VALUES (?, ?, ?, ?, 'rejected', 0, 0, ?, 'unknown')",
            [file.relative, INBOX, sha, file.size_bytes, loaded_at])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise
