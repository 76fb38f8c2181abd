"""What one ingest call did to one feed, for asset metadata, logs and the CLI."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class LoadReport:
    """Outcome of loading one feed (or one reference table).

    ``files_skipped`` counts files not read because their content was already loaded (under any
    name) or, for reference tables, because a newer file supersedes them. ``rows_quarantined``
    counts data rows; a rejected file's single quarantine row counts in ``files_rejected``.
    ``reasons`` counts quarantined rows per rule (a row breaking two rules counts under both).
    """

    feed: str
    files_found: int = 0
    files_loaded: int = 0
    files_skipped: int = 0
    files_rejected: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    rows_released: int = 0
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    reasons: dict[str, int] = field(default_factory=dict)
    #: Inbox only: (file, what it was read as, the feed that loads it) per recognised file.
    recognised: list[tuple[str, str, str]] = field(default_factory=list)

    def count_reasons(self, counts: dict[str, int]) -> None:
        for rule, n in counts.items():
            self.reasons[rule] = self.reasons.get(rule, 0) + n

    @property
    def summary(self) -> str:
        """One line such as ``orders: 3 files (2 loaded, 1 skipped, 0 rejected), 1,000 rows loaded, ...``."""
        text = (
            f"{self.feed}: {self.files_found} files ({self.files_loaded} loaded, "
            f"{self.files_skipped} skipped, {self.files_rejected} rejected), "
            f"{self.rows_loaded:,} rows loaded, {self.rows_quarantined:,} quarantined"
        )
        if self.reasons:
            text += " (" + ", ".join(f"{rule} {n:,}" for rule, n in sorted(self.reasons.items())) + ")"
        text += f", {self.rows_released:,} released"
        if self.warnings:
            text += f", {len(self.warnings)} warning{'s' if len(self.warnings) != 1 else ''}"
        if self.errors:
            text += f", {len(self.errors)} error{'s' if len(self.errors) != 1 else ''}"
        return text

    def __str__(self) -> str:
        return self.summary
