"""Applying the landing contract to a table of strings: typed good rows, bad rows with reasons.

Every rule is driven by ``pipelines.contract``; no column is named here except the few optional
columns whose default is another column of the same row (``DEFAULTS_FROM_COLUMN``). Checks are
vectorised over whole columns, so a file of millions of rows costs a few column operations per
contract column, whether its rows pass or fail.

Rules counted in reports are the ``RULE_*`` names below plus the column types (``integer``,
``number``, ``date``, ``timestamp``) for values that do not parse.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.ingest import readers
from pipelines.ingest.readers import MalformedRow
from pipelines.ingest.references import ReferenceValues

#: Optional columns that default to another column of the same row (``Column.default_from``).
DEFAULTS_FROM_COLUMN: dict[str, dict[str, str]] = {
    feed.name: {c.name: c.default_from for c in feed.columns if c.default_from}
    for feed in contract.ALL_FEEDS + contract.REPORT_FEEDS
    if any(c.default_from for c in feed.columns)
}

#: The rule names counted in ``LoadReport.reasons``.
RULE_REQUIRED = "required"
RULE_ALLOWED = "allowed_values"
RULE_MINIMUM = "minimum"
RULE_PLAUSIBLE = "plausible_date"
RULE_REFERENCE = "reference"
RULE_DUPLICATE_KEY = "duplicate_key"
RULE_FIELD_COUNT = readers.FIELD_COUNT
#: A column the header names twice whose copies hold different values in the row.
RULE_REPEATED = "repeated_column"
#: A data row holding bytes that are not UTF-8 text, or a NUL byte (the rest of its file loads).
RULE_UNDECODABLE = readers.UNDECODABLE
#: A data row whose opening quote never closes (read up to the end of its line; later rows load).
RULE_UNCLOSED_QUOTE = readers.UNCLOSED_QUOTE
#: Whole-file rules (one quarantine row with no row number).
RULE_UNREADABLE = "unreadable_file"
RULE_HEADER = "header"
#: A path refused unread: a symbolic link, or a path leading outside the landing root.
RULE_REFUSED = "refused_path"
#: A marketplace-report row that is not this feed's to load (an Amazon multi-channel
#: fulfilment order belongs to the channel that sold it).
RULE_REPORT_ROW = "report_row"
#: A file in the inbox that is neither a contract file nor a report Stockpilot reads.
RULE_UNKNOWN_FORMAT = "unknown_format"
#: Rows failing only these rules are retried once the missing reference rows arrive.
RETRYABLE_RULES = frozenset({RULE_REFERENCE})

# ISO-8601 date, optionally with a time (``T`` or space), fractional seconds and a UTC offset.
_ISO_TIMESTAMP = r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?)?"
_HAS_OFFSET = r"[T ]\d{2}:\d{2}.*(?:Z|[+-]\d{2}(?::?\d{2})?)$"
_LIST_SPACING = re.compile(r"\s*" + re.escape(contract.LIST_SEPARATOR) + r"\s*")
_INT64_LIMIT = 2**63
_FLOAT_EXACT = 2.0**53


@dataclass
class HeaderMatch:
    """How a file's header lines up with a feed's contract columns."""

    #: Contract column name → the file's header name holding it.
    columns: dict[str, str]
    extra: list[str]
    missing_required: list[str]
    #: Contract columns the header names more than once.
    repeated: list[str]
    feed: contract.Feed
    #: Contract column → the header names of its further copies. A row whose copies disagree is
    #: quarantined (``RULE_REPEATED``); the rows where they agree load.
    copies: dict[str, list[str]] = field(default_factory=dict)

    def problem(self) -> str | None:
        """Why the whole file must be rejected, or None."""
        if not self.columns:
            return (f"header has no {self.feed.name} column (found: {', '.join(self.extra) or 'nothing'}; "
                    f"expected: {', '.join(self.feed.column_names)})")
        if self.missing_required:
            return f"missing required column{'s' if len(self.missing_required) > 1 else ''}: " + ", ".join(
                self.missing_required)
        return None


def match_header(feed: contract.Feed, header: list[str], repeated_names: list[str] = ()) -> HeaderMatch:
    """Match header names to contract columns, ignoring case and surrounding spaces.

    A contract column named twice (``quantity`` and ``Quantity``, or a copy the reader renamed
    ``quantity (repeated)``) is read from its first copy; the others are kept in ``copies``.
    ``repeated_names`` is accepted for callers that list them; the names themselves tell.
    """
    known = set(feed.column_names)
    columns: dict[str, str] = {}
    extra: list[str] = []
    copies: dict[str, list[str]] = {}
    for name in header:
        key = readers.base_name(name).strip().lower()
        if key in known and key in columns:
            copies.setdefault(key, []).append(name)
        elif key in known and name.strip().lower() == key:
            columns[key] = name
        elif key in known:
            copies.setdefault(key, []).append(name)  # a renamed copy before its first: kept aside
        else:
            extra.append(name)
    missing = [c for c in feed.required_columns if c not in columns]
    return HeaderMatch(columns, extra, missing, sorted(copies), feed, copies)


@dataclass
class PriorFailure:
    """A failure found before validation, by whoever turned a file into contract columns (a
    marketplace-report adapter that could not parse a price or a date). ``mask`` selects the
    failing rows; ``messages`` is one text, or one per selected row, starting ``"<column>: "``.
    The column's own checks skip these rows, so a value is never reported twice."""

    mask: np.ndarray
    messages: pd.Series | np.ndarray | str
    column: str
    rule: str


@dataclass
class ValidationResult:
    """Rows of one file (or of re-validated quarantine records) split by the contract.

    ``good``: the contract columns in contract order, typed for ``contract.DUCKDB_TYPES``, then
    ``_row_number``. ``bad``: ``_row_number``, ``reason``, ``failed_columns``, ``retryable``,
    ``record`` (JSON of the row's values keyed by header name). Both are indexed by the row's
    position in the input, so callers can map rows back to where they came from.
    """

    good: pd.DataFrame
    bad: pd.DataFrame
    rule_counts: dict[str, int] = field(default_factory=dict)


@dataclass
class _Failures:
    """Failures found so far: one entry per (rule, column) check, over the rows that failed it."""

    size: int
    positions: list[np.ndarray] = field(default_factory=list)
    messages: list[np.ndarray] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    rules: list[str] = field(default_factory=list)
    by_column: dict[str, np.ndarray] = field(default_factory=dict)

    def add(self, mask: np.ndarray, messages: pd.Series | str, column: str, rule: str,
            columns: tuple[str, ...] = ()) -> None:
        if not mask.any():
            return
        positions = np.flatnonzero(mask)
        if isinstance(messages, str):
            text = np.full(len(positions), messages, dtype=object)
        else:
            text = np.asarray(messages, dtype=object)
        self.positions.append(positions)
        self.messages.append(text)
        self.columns.append(column)
        self.rules.append(rule)
        for name in columns or (column,):
            self.by_column[name] = self.failed_in(name) | mask

    def failed_in(self, column: str) -> np.ndarray:
        return self.by_column.get(column, np.zeros(self.size, dtype=bool))

    def any_row(self) -> np.ndarray:
        failed = np.zeros(self.size, dtype=bool)
        for positions in self.positions:
            failed[positions] = True
        return failed


def validate(
    feed: contract.Feed,
    data: pd.DataFrame,
    row_numbers: np.ndarray,
    match: HeaderMatch,
    references: ReferenceValues,
    *,
    timezone: str = "UTC",
    now: datetime | None = None,
    malformed: list[MalformedRow] = (),
    describe_bad: bool = True,
    prior: list[PriorFailure] = (),
) -> ValidationResult:
    """Check every row of ``data`` (strings, one column per header name) against the contract.

    ``now`` (UTC, naive or aware) bounds the plausible dates; timestamps with a UTC offset are
    converted to ``timezone`` and, like naive ones, kept as naive local time. With
    ``describe_bad=False`` only the good rows are returned (re-checking quarantined rows needs
    nothing else).
    """
    data = data.reset_index(drop=True).fillna("")
    size = len(data)
    now_local = _local_now(now, timezone)
    failures = _Failures(size)
    for found in prior:
        failures.add(np.asarray(found.mask, dtype=bool), found.messages, found.column, found.rule)
    typed: dict[str, pd.Series] = {}
    for column in feed.columns:
        source = match.columns.get(column.name)
        raw = data[source].astype("str") if source else pd.Series("", index=data.index, dtype="str")
        _check_copies(column.name, raw, [data[name].astype("str") for name in match.copies.get(column.name, ())],
                      failures)
        typed[column.name] = _check_column(column, raw, failures, timezone, now_local)
    _apply_defaults_from_column(feed, typed)
    _check_references(feed, typed, references, failures)
    if feed.reference:
        _check_unique_key(feed, typed, failures, row_numbers)

    failed = failures.any_row()
    good = pd.DataFrame({c.name: _storage_form(c, typed[c.name]) for c in feed.columns})
    good["_row_number"] = np.asarray(row_numbers, dtype=np.int64)
    if failed.any():
        good = good[~failed]
    if not describe_bad:
        return ValidationResult(good, _empty_bad())
    bad, counts = _bad_rows(failures, data, row_numbers)
    if malformed:
        bad, counts = _add_malformed(bad, counts, malformed, start=size)
    return ValidationResult(good, bad, counts)


def _check_copies(name: str, raw: pd.Series, copies: list[pd.Series], failures: _Failures) -> None:
    """A row whose copies of a repeated column differ is ambiguous: which value is meant?"""
    for copy in copies:
        differ = (copy != raw).to_numpy() & ~failures.failed_in(name)
        failures.add(differ, f"{name}: given more than once with different values "
                     + _quoted(raw, differ) + " and " + _quoted(copy, differ), name, RULE_REPEATED)


def _local_now(now: datetime | None, timezone: str) -> pd.Timestamp:
    now = now or datetime.now(UTC)
    stamp = pd.Timestamp(now)
    stamp = stamp.tz_localize("UTC") if stamp.tzinfo is None else stamp.tz_convert("UTC")
    return stamp.tz_convert(timezone).tz_localize(None)


def _quoted(raw: pd.Series, mask: np.ndarray) -> pd.Series:
    return "'" + raw[mask] + "'"


def _check_column(column: contract.Column, raw: pd.Series, failures: _Failures, timezone: str,
                  now_local: pd.Timestamp) -> pd.Series:
    """The column's typed values (missing where empty or invalid), recording its failures."""
    name = column.name
    present = (raw != "").to_numpy()
    if column.required:
        failures.add(~present & ~failures.failed_in(name), f"{name}: required value missing", name,
                     RULE_REQUIRED)

    if column.type in ("integer", "number"):
        numbers = pd.to_numeric(raw, errors="coerce").astype("float64")
        if column.type == "integer":
            values, valid = _exact_integers(raw, numbers)
        else:
            valid = np.isfinite(numbers.to_numpy())
            values = numbers
        invalid = present & ~valid
        article = "an integer" if column.type == "integer" else "a number"
        failures.add(invalid, f"{name}: " + _quoted(raw, invalid) + f" is not {article}", name, column.type)
        values = values.where(present & valid)
    elif column.type in ("date", "timestamp"):
        values = _parse_time(column, raw, present, timezone)
        invalid = present & values.isna().to_numpy()
        expected = "a date (YYYY-MM-DD)" if column.type == "date" else "an ISO-8601 timestamp"
        failures.add(invalid, f"{name}: " + _quoted(raw, invalid) + f" is not {expected}", name, column.type)
    elif column.type == "enum":
        values = raw.str.lower()
        invalid = present & ~values.isin(column.allowed).to_numpy()
        failures.add(invalid, f"{name}: " + _quoted(raw, invalid) + " is not one of "
                     + ", ".join(column.allowed), name, RULE_ALLOWED)
        values = values.where(present & ~invalid)
    elif column.type == "list":
        values = raw.str.replace(_LIST_SPACING, contract.LIST_SEPARATOR, regex=True).where(present)
    else:
        values = raw.where(present)

    if column.minimum is not None:
        below = (values < column.minimum).fillna(False).to_numpy(dtype=bool)
        failures.add(below, f"{name}: " + _quoted(raw, below) + f" is below the minimum {column.minimum:g}",
                     name, RULE_MINIMUM)
    if column.type in ("date", "timestamp"):
        _check_plausible(column, raw, values, failures, now_local)

    if column.default is not None:
        values = values.where(present, column.default)
    return values


def _exact_integers(raw: pd.Series, numbers: pd.Series) -> tuple[pd.Series, np.ndarray]:
    """The integers of ``raw`` (Int64) and which are valid.

    A float64 holds integers exactly only below 2**53, so larger values are read again as
    decimals: 9007199254740993 stays ...993 instead of being rounded without a word. Those rows are
    rare (a unit count above 2**53 is itself a data error), so a loop over them costs nothing.
    """
    finite = np.isfinite(numbers.to_numpy())
    whole = finite & (np.floor(numbers) == numbers).to_numpy()
    valid = whole & (numbers.abs() < _FLOAT_EXACT).to_numpy()
    values = numbers.where(valid).astype("Int64")
    for i in np.flatnonzero(whole & ~valid):
        try:
            exact = Decimal(raw.iat[i])
        except InvalidOperation:
            continue
        if exact == exact.to_integral_value() and -_INT64_LIMIT <= exact < _INT64_LIMIT:
            values.iat[i] = int(exact)
            valid[i] = True
    return values, valid


def _parse_time(column: contract.Column, raw: pd.Series, present: np.ndarray, timezone: str) -> pd.Series:
    text = raw.str.upper()
    shaped = present & text.str.fullmatch(_ISO_TIMESTAMP).fillna(False).to_numpy(dtype=bool)
    values = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[us]")
    if column.type == "date":
        # A timestamp in a date column keeps the calendar date as written.
        if shaped.any():
            values[shaped] = pd.to_datetime(text[shaped].str.slice(0, 10), format="%Y-%m-%d",
                                            errors="coerce").astype("datetime64[us]")
        return values
    with_offset = shaped & text.str.contains(_HAS_OFFSET).fillna(False).to_numpy(dtype=bool)
    naive = shaped & ~with_offset
    if naive.any():
        values[naive] = pd.to_datetime(text[naive], format="ISO8601", errors="coerce").astype("datetime64[us]")
    if with_offset.any():
        aware = pd.to_datetime(text[with_offset], format="ISO8601", utc=True, errors="coerce")
        values[with_offset] = aware.dt.tz_convert(timezone).dt.tz_localize(None).astype("datetime64[us]")
    return values


def _check_plausible(column: contract.Column, raw: pd.Series, values: pd.Series, failures: _Failures,
                     now_local: pd.Timestamp) -> None:
    name = column.name
    earliest = pd.Timestamp(contract.EARLIEST_PLAUSIBLE_DATE)
    too_early = (values < earliest).fillna(False).to_numpy(dtype=bool)
    failures.add(too_early, f"{name}: " + _quoted(raw, too_early)
                 + f" is before {contract.EARLIEST_PLAUSIBLE_DATE} (implausible)", name, RULE_PLAUSIBLE)
    days = contract.EVENT_FUTURE_SLACK_DAYS if column.time_kind == "event" else contract.PLANNED_FUTURE_DAYS
    latest = now_local + timedelta(days=days)
    if column.type == "date":
        latest = latest.normalize()
    too_late = (values > latest).fillna(False).to_numpy(dtype=bool)
    failures.add(too_late, f"{name}: " + _quoted(raw, too_late)
                 + f" is more than {days} days after the load time (implausible)", name, RULE_PLAUSIBLE)


def _apply_defaults_from_column(feed: contract.Feed, typed: dict[str, pd.Series]) -> None:
    for target, source in DEFAULTS_FROM_COLUMN.get(feed.name, {}).items():
        typed[target] = typed[target].where(typed[target].notna(), typed[source])


def _check_references(feed: contract.Feed, typed: dict[str, pd.Series], refs: ReferenceValues,
                      failures: _Failures) -> None:
    for column in feed.columns:
        if not column.references:
            continue
        values = typed[column.name]
        checkable = values.notna().to_numpy() & ~failures.failed_in(column.name)
        missing = checkable & ~values.isin(refs.single.get(column.references, pd.Index([]))).to_numpy()
        if missing.any():
            failures.add(missing, f"{column.name}: '" + values[missing].astype(str) + "' not found in "
                         + column.references, column.name, RULE_REFERENCE)
    for columns, table, ref_columns in feed.composite_references:
        checkable = np.ones(failures.size, dtype=bool)
        for name in columns:
            checkable &= typed[name].notna().to_numpy() & ~failures.failed_in(name)
        if not checkable.any():
            continue
        keys = pd.MultiIndex.from_arrays([typed[name][checkable].astype(str) for name in columns])
        known = refs.composite.get((table, ref_columns), pd.MultiIndex.from_arrays([[]] * len(columns)))
        missing = np.zeros(failures.size, dtype=bool)
        missing[np.flatnonzero(checkable)[~keys.isin(known)]] = True
        if missing.any():
            shown = _joined_values(typed, columns, missing)
            failures.add(missing, f"{', '.join(columns)}: " + shown + f" not found in {table} ("
                         + ", ".join(ref_columns) + ")", ",".join(columns), RULE_REFERENCE, columns)


def _check_unique_key(feed: contract.Feed, typed: dict[str, pd.Series], failures: _Failures,
                      row_numbers: np.ndarray) -> None:
    """Reference keys must be unique in the file: later copies of a key are quarantined."""
    checkable = np.ones(failures.size, dtype=bool)
    for name in feed.key:
        checkable &= typed[name].notna().to_numpy() & ~failures.failed_in(name)
    keys = pd.DataFrame({name: typed[name][checkable] for name in feed.key})
    if keys.empty:
        return
    numbers = pd.Series(np.asarray(row_numbers)[checkable], index=keys.index)
    first_row = numbers.groupby([keys[name] for name in feed.key], sort=False).transform("first")
    repeat = np.zeros(failures.size, dtype=bool)
    repeat[np.flatnonzero(checkable)[keys.duplicated(keep="first").to_numpy()]] = True
    if repeat.any():
        shown = _joined_values(typed, feed.key, repeat)
        failures.add(repeat, f"{', '.join(feed.key)}: duplicate key " + shown + ", first at row "
                     + first_row[repeat[checkable]].astype(str).to_numpy(), ",".join(feed.key),
                     RULE_DUPLICATE_KEY, feed.key)


def _joined_values(typed: dict[str, pd.Series], columns: tuple[str, ...], mask: np.ndarray) -> pd.Series:
    parts = [("'" + typed[name][mask].astype(str) + "'") for name in columns]
    joined = parts[0]
    for part in parts[1:]:
        joined = joined + ", " + part
    return joined if len(parts) == 1 else "(" + joined + ")"


def _storage_form(column: contract.Column, values: pd.Series) -> pd.Series:
    if column.type == "integer":
        return values.astype("Int64")
    if column.type == "number":
        return values.astype("float64")
    return values


def _bad_rows(failures: _Failures, data: pd.DataFrame, row_numbers: np.ndarray
              ) -> tuple[pd.DataFrame, dict[str, int]]:
    """One row per failing input row, its failures joined in check order (contract column order).

    Built with array operations rather than a groupby so that a file whose every row fails (all
    orders of a listing not yet in the catalogue) costs about as much as a clean one.
    """
    if not failures.positions:
        return _empty_bad(), {}
    check = np.concatenate([np.full(len(p), i) for i, p in enumerate(failures.positions)])
    position = np.concatenate(failures.positions)
    order = np.lexsort((check, position))
    check, position = check[order], position[order]
    message = np.concatenate(failures.messages)[order]
    column = np.asarray(failures.columns, dtype=object)[check]
    rule = np.asarray(failures.rules, dtype=object)[check]

    starts = np.flatnonzero(np.r_[True, position[1:] != position[:-1]])
    owner = np.repeat(np.arange(len(starts)), np.diff(np.r_[starts, len(position)]))
    positions = position[starts]
    first_column = ~pd.DataFrame({"p": position, "c": column}).duplicated().to_numpy()
    not_retryable = ~np.isin(rule, list(RETRYABLE_RULES))
    bad = pd.DataFrame(
        {
            "_row_number": np.asarray(row_numbers, dtype=np.int64)[positions],
            "reason": _joined_per_owner(message, owner, np.ones(len(owner), dtype=bool), "; "),
            "failed_columns": _joined_per_owner(column, owner, first_column, ","),
            "retryable": np.bincount(owner, weights=not_retryable, minlength=len(starts)) == 0,
            "record": _records(data, positions),
        },
        index=positions,
    )
    counted = pd.DataFrame({"p": position, "rule": rule}).drop_duplicates()
    counts = counted["rule"].value_counts()
    return bad, {str(name): int(n) for name, n in counts.items()}


def _joined_per_owner(values: np.ndarray, owner: np.ndarray, keep: np.ndarray, separator: str) -> np.ndarray:
    """Join ``values[keep]`` per owner (values sorted by owner), one string per owner."""
    values, owner = values[keep], owner[keep]
    starts = np.flatnonzero(np.r_[True, owner[1:] != owner[:-1]])
    rank = np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))
    joined = values[rank == 0].copy()
    # Rows rarely fail more than a few checks, so this loops a handful of times, not per row.
    for k in range(1, int(rank.max()) + 1 if len(rank) else 0):
        at = rank == k
        joined[owner[at]] = joined[owner[at]] + separator + values[at]
    return joined


#: Characters JSON must escape; values without any skip the escaping work.
_JSON_SPECIAL = r'["\\\x00-\x1f]'
_JSON_ESCAPES = (("\\", "\\\\"), ('"', '\\"'), ("\n", "\\n"), ("\r", "\\r"), ("\t", "\\t"))
_OTHER_CONTROL = r"[\x00-\x08\x0b\x0c\x0e-\x1f]"


def _records(data: pd.DataFrame, positions: np.ndarray) -> np.ndarray:
    """The original values of the given rows as JSON objects keyed by header name.

    Same text as ``json.dumps(dict, ensure_ascii=False)``, built column-wise.
    """
    subset = data.iloc[positions].astype("str")
    parts: list[pd.Series] = []
    for i, name in enumerate(subset.columns):
        values = subset[name]
        if values.str.contains(_JSON_SPECIAL).any():
            for char, escape in _JSON_ESCAPES:
                values = values.str.replace(char, escape, regex=False)
            odd = values.str.contains(_OTHER_CONTROL).to_numpy(dtype=bool)
            if odd.any():
                values = values.copy()
                values[odd] = [json.dumps(v, ensure_ascii=False)[1:-1] for v in subset[name][odd]]
        prefix = ("{" if i == 0 else ", ") + json.dumps(str(name), ensure_ascii=False) + ': "'
        parts.append(prefix + values + '"')
    if not parts:
        return np.full(len(positions), "{}", dtype=object)
    record = parts[0]
    for part in parts[1:]:
        record = record + part
    return (record + "}").to_numpy(dtype=object)


def _add_malformed(bad: pd.DataFrame, counts: dict[str, int], malformed: list[MalformedRow], start: int
                   ) -> tuple[pd.DataFrame, dict[str, int]]:
    extra = pd.DataFrame(
        {
            "_row_number": [m.row_number for m in malformed],
            "reason": [m.reason for m in malformed],
            "failed_columns": "",
            "retryable": False,
            "record": [json.dumps(m.values, ensure_ascii=False) for m in malformed],
        },
        index=np.arange(start, start + len(malformed)),
    )
    combined = pd.concat([bad, extra]) if len(bad) else extra
    combined = combined.sort_values("_row_number", kind="stable")
    counts = dict(counts)
    for m in malformed:
        counts[m.rule] = counts.get(m.rule, 0) + 1
    return combined, counts


def _empty_bad() -> pd.DataFrame:
    return pd.DataFrame({
        "_row_number": pd.Series([], dtype="int64"),
        "reason": pd.Series([], dtype="str"),
        "failed_columns": pd.Series([], dtype="str"),
        "retryable": pd.Series([], dtype="bool"),
        "record": pd.Series([], dtype="str"),
    })
