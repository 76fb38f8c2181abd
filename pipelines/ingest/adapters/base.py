"""What every marketplace-report adapter is made of, and how a report is recognised.

An adapter names the report it reads, the columns that recognise it (matched by name, never by
position: lower-case, BOM and surrounding spaces stripped, ``-``, ``_`` and spaces equivalent),
the contract feed it writes, a ``translate`` function from the report's rows to that feed's
columns (as text, so the ordinary contract validation types and checks them), and the
documentation of every mapping, rendered into docs/data-contract.md.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.config import AdaptersConfig
from pipelines.ingest.adapters import values as parse
from pipelines.ingest.adapters.file_dates import FileMoment, file_moment

_SEPARATORS = re.compile(r"[\s\-_]+")
#: Column of a translated frame: the report row (position in the report's data) it came from.
POSITION = "_position"
#: Prefix of translated-frame columns holding location roles (see ``locations``).
ROLE_PREFIX = "@"


def normalise(name: str) -> str:
    """A header name as recognition compares it: ``"Merchant SKU "`` → ``"merchant_sku"``."""
    return _SEPARATORS.sub("_", name.replace("\ufeff", "").strip().strip('"').lower()).strip("_")


@dataclass(frozen=True)
class ReportColumn:
    """A column of a report: its key in the adapter and the header names it goes by."""

    key: str
    names: tuple[str, ...]
    required: bool = False

    @property
    def shown(self) -> str:
        return self.names[0]


@dataclass(frozen=True)
class Mapping:
    """Documentation of one contract column: where its value comes from, in words."""

    target: str
    rule: str


@dataclass
class Recognition:
    """How a header lines up with one adapter."""

    adapter: ReportAdapter
    #: Column key → the header name holding it.
    columns: dict[str, str]
    #: Required columns not found, by the report's own name.
    missing: list[str]

    @property
    def complete(self) -> bool:
        return not self.missing

    @property
    def version(self) -> str:
        found = {normalise(name) for name in self.columns.values()}
        return self.adapter.version(found) if self.adapter.version else ""

    def describe(self) -> str:
        return self.adapter.title + (f" ({self.version})" if self.version else "")


@dataclass
class ReportTable:
    """A report read as text, with the recognised columns."""

    data: pd.DataFrame
    row_numbers: np.ndarray
    columns: dict[str, str]

    def __len__(self) -> int:
        return len(self.data)

    def has(self, key: str) -> bool:
        return key in self.columns

    def text(self, key: str) -> pd.Series:
        """The column's values, trimmed, ``""`` for every row when the report lacks it."""
        if key not in self.columns:
            return pd.Series("", index=self.data.index, dtype="object")
        return self.data[self.columns[key]].astype("str").str.strip()


@dataclass
class ReportContext:
    """What an adapter may know besides the rows: the file, the business time zone, the config."""

    file_name: str
    mtime: float
    timezone: str
    config: AdaptersConfig

    def file_moment(self) -> FileMoment:
        return file_moment(self.file_name, self.mtime, self.timezone)

    def channel(self, marketplace: str) -> str:
        """The seller's channel id for a marketplace (``adapters.channels``, else its name)."""
        return self.config.channels.get(marketplace, marketplace)

    def ship_region(self, state: pd.Series, country: pd.Series) -> pd.Series:
        """Region of each ship-to state (or country) per ``adapters.ship_regions``; ``""`` when
        unlisted, so the fulfilling location's region applies."""
        lookup: dict[str, str] = {}
        for region, codes in self.config.ship_regions.items():
            for code in codes:
                lookup.setdefault(str(code).strip().upper(), region)
        state_key = state.astype("str").str.strip().str.upper()
        country_key = country.astype("str").str.strip().str.upper()
        region = (country_key + "-" + state_key).map(lookup)
        for fallback in (state_key.map(lookup), country_key.map(lookup)):
            region = region.where(region.notna(), fallback)
        return region.where(region.notna(), "").astype("object")


@dataclass
class SourceFailure:
    """Failures found on report rows: ``mask`` over the report's rows, one message per failing
    row (or one for all), the contract column it concerns and the rule counted."""

    mask: np.ndarray
    messages: np.ndarray | str
    column: str
    rule: str


@dataclass
class Translation:
    """A report turned into one contract feed's columns, as text.

    ``frame`` holds the feed's columns (``""`` where the report has nothing), ``POSITION`` (the
    report row each output row comes from; a report row left out, such as a summary line, has
    none) and, for location columns the adapter cannot name itself, ``@<column>`` role keys.
    ``sources`` names the report column(s) behind each contract column, for quarantine reasons.
    """

    frame: pd.DataFrame
    sources: dict[str, str]
    failures: list[SourceFailure] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    read_as: str = ""
    #: Output rows sharing these columns (after locations are resolved) are summed into one:
    #: (key columns, quantity columns). Several report rows can describe one contract row
    #: (an FBA SKU in two conditions, two ship nodes of one location).
    sum_by: tuple[list[str], list[str]] | None = None


@dataclass(frozen=True)
class ReportAdapter:
    """One marketplace report Stockpilot reads."""

    name: str
    title: str
    feed: str
    columns: tuple[ReportColumn, ...]
    translate: Callable[[ReportTable, ReportContext], Translation]
    mappings: tuple[Mapping, ...]
    notes: tuple[str, ...] = ()
    #: False for Amazon's tab-separated flat files, which never quote (a ``"`` is an inch mark).
    quoting: bool = True
    #: Names the version of the report from the normalised header names found.
    version: Callable[[set[str]], str] | None = None
    #: Rows the report adds around its data (eBay's "N record(s) downloaded" footer), given as
    #: a row's values: left out instead of quarantined.
    is_furniture: Callable[[list[str]], bool] | None = None
    #: Header names of other reports that share this one's columns (the Ledger's detail view
    #: shares Date, MSKU and Disposition with its summary): a header holding one is not this report.
    excluded_by: tuple[str, ...] = ()

    @property
    def target(self) -> contract.Feed:
        return contract.FEEDS_BY_NAME[self.feed]

    @property
    def required(self) -> list[ReportColumn]:
        return [c for c in self.columns if c.required]

    def match(self, header: list[str]) -> Recognition:
        by_name: dict[str, str] = {}
        for name in header:
            by_name.setdefault(normalise(name), name)
        found: dict[str, str] = {}
        for column in self.columns:
            for alias in column.names:
                if normalise(alias) in by_name:
                    found[column.key] = by_name[normalise(alias)]
                    break
        missing = [c.shown for c in self.required if c.key not in found]
        return Recognition(self, found, missing)

    def excludes(self, header: list[str]) -> bool:
        names = {normalise(name) for name in header}
        return any(normalise(other) in names for other in self.excluded_by)


# --- helpers the adapters share ---------------------------------------------------------------


def bad_value_failure(column: str, raw: pd.Series, bad: np.ndarray, expected: str, rule: str) -> SourceFailure:
    """``column: '<value>' is not <expected>`` for each bad report value."""
    messages = (f"{column}: '" + raw[bad].astype(str) + f"' is not {expected}").to_numpy(dtype=object)
    return SourceFailure(bad, messages, column, rule)


def counts(table: ReportTable, key: str, column: str, failures: list[SourceFailure]) -> pd.Series:
    """Whole numbers of a report column (NaN where empty or unreadable, which is recorded)."""
    raw = table.text(key)
    parsed = parse.parse_counts(raw)
    if parsed.bad.any():
        failures.append(bad_value_failure(column, raw, parsed.bad, "a whole number", "integer"))
    return parsed.values


def amounts(table: ReportTable, key: str, column: str, failures: list[SourceFailure]) -> pd.Series:
    raw = table.text(key)
    parsed = parse.parse_amounts(raw)
    if parsed.bad.any():
        failures.append(bad_value_failure(column, raw, parsed.bad, "a number", "number"))
    return parsed.values


def timestamps(table: ReportTable, key: str, column: str, failures: list[SourceFailure],
               day_first: bool | None = None) -> pd.Series:
    raw = table.text(key)
    parsed = parse.parse_timestamps(raw, day_first=day_first)
    if parsed.bad.any():
        failures.append(bad_value_failure(column, raw, parsed.bad, "a date or time this report uses",
                                          "timestamp"))
    return parsed.values.fillna("")


def dates(table: ReportTable, key: str, column: str, failures: list[SourceFailure],
          day_first: bool | None = None) -> pd.Series:
    raw = table.text(key)
    parsed = parse.parse_dates(raw, day_first=day_first)
    if parsed.bad.any():
        failures.append(bad_value_failure(column, raw, parsed.bad, "a date this report uses", "date"))
    return parsed.values.fillna("")


def mapped(raw: pd.Series, table: dict[str, str], column: str, report_column: str,
           failures: list[SourceFailure]) -> pd.Series:
    """Values translated through ``table`` (keys compared lower-case); unknown values fail with
    the list of values the report is known to use."""
    key = raw.astype("str").str.strip().str.lower()
    out = key.map(table)
    unknown = (key != "").to_numpy() & out.isna().to_numpy()
    if unknown.any():
        known = ", ".join(sorted({k for k in table if k}))
        messages = (f"{column}: {report_column} '" + raw[unknown].astype(str)
                    + f"' is not a value Stockpilot knows ({known})").to_numpy(dtype=object)
        failures.append(SourceFailure(unknown, messages, column, "allowed_values"))
    return out.fillna("")


def frame(table: ReportTable, feed: str, values: dict[str, pd.Series | str],
          roles: dict[str, pd.Series | str] | None = None) -> pd.DataFrame:
    """The translated frame of a report with one output row per report row."""
    columns = contract.FEEDS_BY_NAME[feed].column_names
    out = pd.DataFrame(index=table.data.index)
    for name in columns:
        value = values.get(name, "")
        out[name] = value if isinstance(value, str) else value.astype("object").where(value.notna(), "")
    out[POSITION] = np.arange(len(table.data))
    for name, role_values in (roles or {}).items():
        out[ROLE_PREFIX + name] = role_values
    return out.reset_index(drop=True)


def summed(out: pd.DataFrame, by: list[str], quantity_columns: list[str], report_rows: int
           ) -> tuple[pd.DataFrame, np.ndarray]:
    """Rows of ``out`` that share ``by`` summed into one (first row's other values), and the
    output row of each of the report's ``report_rows`` rows (-1 when not in ``out``).
    Quantities are text; empty stays empty only when all are empty."""
    keys = out[by].astype(str).agg("\x1f".join, axis=1) if by else pd.Series("", index=out.index)
    group = pd.factorize(keys)[0]
    first = out.groupby(group, sort=True).head(1).set_index(pd.Index(np.unique(group)))
    for name in quantity_columns:
        numbers = pd.to_numeric(out[name].astype(str), errors="coerce")
        totals = numbers.groupby(group).sum(min_count=1)
        first[name] = parse.number_text(totals.reindex(first.index))
    members = np.full(report_rows, -1, dtype=np.int64)
    members[out[POSITION].to_numpy()] = group
    return first.reset_index(drop=True), members
