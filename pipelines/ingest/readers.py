"""Reading a landing file (delimited text or Parquet) into a table of trimmed strings.

Every value is read as text so that validation, not the reader, decides what a value means:
``"NA"`` stays ``"NA"``, ``"007"`` stays ``"007"`` and an empty field stays ``""``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv
import pyarrow.parquet as pq

UTF8_BOM = b"\xef\xbb\xbf"
PARQUET_MAGIC = b"PAR1"
# The csv module's default limit (128 KiB a field) would reject a whole file for one huge
# value; validation quarantines such a row instead. Arrow, the fast path, has no such limit.
csv.field_size_limit(max(csv.field_size_limit(), 1 << 28))
#: Candidate delimiters, in the order that wins a tie in the header line.
DELIMITERS = (",", "\t", ";")


#: Why a data row could not be read (the rule counted in reports and documented in
#: docs/data-contract.md): more or fewer fields than the header, or bytes that are not text.
FIELD_COUNT = "field_count"
UNDECODABLE = "undecodable_row"
UNCLOSED_QUOTE = "unclosed_quote"


class UnreadableFile(Exception):
    """The file as a whole cannot be read as a table; the message says why."""


@dataclass
class MalformedRow:
    """A data row the reader could not line up with the header, or not decode as text.

    ``values`` are the row's fields by header name; bytes that were not text are shown as
    ``\\xNN`` escapes, so the record keeps everything the file held.
    """

    row_number: int
    reason: str
    values: dict[str, str]
    rule: str = FIELD_COUNT


@dataclass
class LandingTable:
    """A landing file as strings.

    ``data`` has one column per header name (trimmed, made unique) holding trimmed strings, ``""``
    for empty or NULL. ``row_numbers`` is the 1-based data row of each row of ``data`` (the header
    is row 0; blank lines are not counted).
    """

    header: list[str]
    data: pd.DataFrame
    row_numbers: np.ndarray
    malformed: list[MalformedRow] = field(default_factory=list)

    @property
    def repeated_names(self) -> list[str]:
        """Header names given more than once (their copies are renamed in ``header``)."""
        return sorted({name.split(_REPEAT_MARK, 1)[0] for name in self.header if name.endswith(_REPEAT_MARK)})


#: Text encodings tried in turn for marketplace reports: European exports from spreadsheets are
#: often Windows-1252 (``12,99 €``); Latin-1 decodes any byte, so it comes last.
LEGACY_ENCODINGS = ("utf-8", "cp1252", "latin-1")


def read_landing_file(name: str, content: bytes, *, encodings: tuple[str, ...] = ("utf-8",),
                      quoting: bool = True) -> LandingTable:
    """Read ``content`` (the bytes of the file called ``name``); raises UnreadableFile.

    Contract files are UTF-8; ``encodings`` lets marketplace reports fall back to legacy ones.
    ``quoting=False`` reads ``"`` as an ordinary character (Amazon's tab-separated flat files
    never quote, and their product names hold inch marks such as ``5.9"x 4.7"``).
    """
    if not content:
        raise UnreadableFile("empty file (0 bytes)")
    if name.lower().endswith(".parquet") or content.startswith(PARQUET_MAGIC):
        return _read_parquet(content)
    return _read_delimited(content, encodings, quoting)


def decode_text(content: bytes, encodings: tuple[str, ...] = ("utf-8",)) -> tuple[str, str]:
    """The text of ``content`` without a UTF-8 byte order mark, and the encoding that read it.

    Raises UnreadableFile naming the first undecodable byte when no encoding fits.
    """
    offset = len(UTF8_BOM) if content.startswith(UTF8_BOM) else 0
    first_error: UnicodeDecodeError | None = None
    for encoding in encodings:
        try:
            return content[offset:].decode(encoding), encoding
        except UnicodeDecodeError as exc:
            first_error = first_error or exc
    at = first_error.start + offset
    raise UnreadableFile(f"not UTF-8 text (byte 0x{content[at]:02x} at offset {at})") from first_error


def delimiter_of(header_line: str) -> str:
    """The separator of a header line: the most frequent of comma, tab and semicolon."""
    return max(DELIMITERS, key=lambda d: (header_line.count(d), -DELIMITERS.index(d)))


def _read_parquet(content: bytes) -> LandingTable:
    try:
        table = pq.read_table(pa.BufferReader(content))
    except (pa.ArrowException, OSError) as exc:
        raise UnreadableFile(f"not a readable Parquet file ({exc})") from exc
    header = _unique_names([str(name).strip() for name in table.column_names])
    columns = {name: _as_trimmed_strings(table.column(i)) for i, name in enumerate(header)}
    return _finish(header, pa.table(columns))


def _as_trimmed_strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    try:
        text = pc.cast(column, pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        # Nested or binary values have no Arrow cast to text; their Python form is still legible.
        text = pa.chunked_array([pa.array([None if v is None else str(v) for v in column.to_pylist()],
                                           pa.string())])
    return pc.utf8_trim_whitespace(pc.fill_null(text, ""))


def _read_delimited(content: bytes, encodings: tuple[str, ...], quoting: bool) -> LandingTable:
    offset = len(UTF8_BOM) if content.startswith(UTF8_BOM) else 0
    try:
        text, encoding = decode_text(content, encodings)
        damaged = "\x00" in text
    except UnreadableFile as exc:
        # A few bad bytes (a row pasted from a Windows-1252 spreadsheet, a truncated copy) must
        # not cost the file's good rows: keep the bytes as lone surrogates and quarantine just
        # the rows holding them, unless the header itself is not text.
        text, encoding, damaged = content[offset:].decode("utf-8", "surrogateescape"), "utf-8", True
        first_line = text.lstrip("\r\n").split("\n", 1)[0]
        if _NOT_TEXT.search(first_line) or not first_line.strip():
            raise exc
    body = text.lstrip("\r\n")
    if not body.strip():
        raise UnreadableFile("no header row (the file holds only blank lines)")
    header_line = body.split("\n", 1)[0].rstrip("\r")
    nul = header_line.find("\x00")
    if nul >= 0:
        raise UnreadableFile(f"binary data, not delimited text (NUL byte at offset "
                             f"{nul + offset + len(text) - len(body)})")
    delimiter = delimiter_of(header_line)
    header = _unique_names([name.strip() for name in next(csv.reader([header_line], delimiter=delimiter,
                                                                      **_csv_quoting(quoting)))])
    if damaged:
        return _parse_with_csv_module(body, header, delimiter, quoting, damaged=True)
    # Arrow parses the bytes directly (multi-threaded); the text was only needed for checks.
    data = body.encode("utf-8") if len(body) != len(text) or encoding != "utf-8" else content[offset:]
    try:
        table = _parse_with_arrow(data, header, delimiter, quoting)
    except pa.ArrowInvalid:
        # A row with the wrong number of fields: re-read slowly to quarantine just those rows.
        return _parse_with_csv_module(body, header, delimiter, quoting)
    if quoting and b'"' in data and _has_newline(table):
        # A value spanning lines is legal when quoted, and is also what a quote left open does
        # to the rows after it: the slow path tells the two apart.
        return _parse_with_csv_module(body, header, delimiter, quoting)
    return _finish(header, table)


def _has_newline(table: pa.Table) -> bool:
    return any(pc.any(pc.match_substring(column, "\n")).as_py() for column in table.columns)


def _csv_quoting(quoting: bool) -> dict:
    return {} if quoting else {"quoting": csv.QUOTE_NONE}


def _parse_with_arrow(data: bytes, header: list[str], delimiter: str, quoting: bool = True) -> pa.Table:
    positional = [f"c{i}" for i in range(len(header))]
    table = pa_csv.read_csv(
        io.BytesIO(data),
        read_options=pa_csv.ReadOptions(column_names=positional, skip_rows=1, block_size=16 << 20),
        parse_options=pa_csv.ParseOptions(
            delimiter=delimiter,
            quote_char='"' if quoting else False,
            # Quoted newlines force a slower single-threaded split; only pay for it when needed.
            newlines_in_values=quoting and b'"' in data,
            ignore_empty_lines=True,
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={name: pa.string() for name in positional},
            strings_can_be_null=False,
            quoted_strings_can_be_null=False,
        ),
    )
    return pa.table({name: pc.utf8_trim_whitespace(table.column(i)) for i, name in enumerate(header)})


def _parse_with_csv_module(body: str, header: list[str], delimiter: str, quoting: bool = True,
                           damaged: bool = False) -> LandingTable:
    """The slow path: rows with the wrong number of fields, rows whose quote never closes and
    (``damaged``: the text holds NUL bytes or undecodable bytes as surrogates) rows that are not
    text become ``malformed``."""
    rows: list[list[str]] = []
    numbers: list[int] = []
    malformed: list[MalformedRow] = []
    number = 0
    try:
        for fields, quote_problem in _records(body, delimiter, quoting):
            if len(fields) <= 1 and not "".join(fields).strip():
                continue  # a blank line, as Arrow skips them
            number += 1
            fields = [value.strip() for value in fields]
            names = header + [f"_extra_{i}" for i in range(1, len(fields) - len(header) + 1)]
            problem = _not_text(header, fields) if damaged else None
            if problem:
                malformed.append(MalformedRow(number, problem, dict(zip(names, map(_legible, fields), strict=False)),
                                              UNDECODABLE))
                continue
            if quote_problem:
                malformed.append(MalformedRow(number, quote_problem, dict(zip(names, fields, strict=False)),
                                              UNCLOSED_QUOTE))
                continue
            if len(fields) == len(header):
                rows.append(fields)
                numbers.append(number)
                continue
            malformed.append(MalformedRow(
                number,
                f"row has {len(fields)} field{'s' if len(fields) != 1 else ''}, the header has {len(header)}",
                dict(zip(names, fields, strict=False)),
            ))
    except csv.Error as exc:
        raise UnreadableFile(f"malformed delimited text after data row {number} ({exc})") from exc
    data = pd.DataFrame(rows, columns=header, dtype="str") if rows else _empty_frame(header)
    table = LandingTable(header, data.reset_index(drop=True), np.asarray(numbers, dtype=np.int64), malformed)
    return _drop_trailing_empty_rows(table)


def _records(body: str, delimiter: str, quoting: bool):
    """The data records of ``body`` (after its header) as (fields, problem).

    A quote opened and never properly closed would swallow every later line into one value
    (rows lost without a word). Records are read strictly; one that fails after spanning several
    lines is taken as its first line alone, quotes as plain characters, with a problem to
    quarantine it, and reading resumes on the next line. A one-line sloppy quote (``"ab"c``)
    is read leniently, as the csv module always has.
    """
    lines = io.StringIO(body, newline="").readlines()
    options = _csv_quoting(quoting)
    head = csv.reader(lines, delimiter=delimiter, **options)
    next(head, None)
    start = head.line_num
    while start < len(lines):
        reader = csv.reader(lines[start:], delimiter=delimiter, strict=quoting, **options)
        done = 0
        try:
            for fields in reader:
                done = reader.line_num
                yield fields, None
            return
        except csv.Error as exc:
            if "field larger than field limit" in str(exc):
                raise
            first = start + done
            if reader.line_num - done > 1:
                fields = next(csv.reader([lines[first]], delimiter=delimiter, quoting=csv.QUOTE_NONE))
                yield fields, ("row has a quote (\") that is never closed: read up to the end of its line, "
                               "the next line starts the next row")
            else:
                yield next(csv.reader([lines[first]], delimiter=delimiter, **options)), None
            start = first + 1


#: Undecodable bytes (kept as lone surrogates by ``surrogateescape``) and NUL bytes.
_NOT_TEXT = re.compile("[\x00\udc80-\udcff]")


def _not_text(header: list[str], fields: list[str]) -> str | None:
    """Why a row is not text, naming the first column holding a bad byte; None when it is text."""
    for i, value in enumerate(fields):
        found = _NOT_TEXT.search(value)
        if found:
            column = header[i] if i < len(header) else f"extra field {i + 1 - len(header)}"
            char = found.group()
            if char == "\x00":
                return f"row holds a NUL byte (binary data) in column {column}"
            return f"row is not UTF-8 text (byte 0x{ord(char) - 0xDC00:02x} in column {column})"
    return None


def _legible(value: str) -> str:
    """``value`` with undecodable bytes written as ``\\xNN``: valid text that keeps every byte."""
    return value.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")


def _finish(header: list[str], table: pa.Table) -> LandingTable:
    data = table.to_pandas() if table.num_rows else _empty_frame(header)
    data.columns = header
    return _drop_trailing_empty_rows(
        LandingTable(header, data, np.arange(1, len(data) + 1, dtype=np.int64))
    )


def _drop_trailing_empty_rows(table: LandingTable) -> LandingTable:
    """Drop rows of only empty fields at the end (spreadsheet exports pad files with ``,,,``)."""
    if table.data.empty:
        return table
    filled = np.flatnonzero((table.data != "").any(axis=1).to_numpy())
    keep = int(filled[-1]) + 1 if len(filled) else 0
    if keep == len(table.data):
        return table
    table.data = table.data.iloc[:keep]
    table.row_numbers = table.row_numbers[:keep]
    return table


def _empty_frame(header: list[str]) -> pd.DataFrame:
    return pd.DataFrame({name: pd.Series([], dtype="str") for name in header})


#: Suffix marking the second and later copies of a repeated header name.
_REPEAT_MARK = " (repeated)"


def base_name(name: str) -> str:
    """The header name as the file wrote it, for a copy ``_unique_names`` renamed."""
    while name.endswith(_REPEAT_MARK):
        name = name[: -len(_REPEAT_MARK)]
    return name


def _unique_names(names: list[str]) -> list[str]:
    """Header names made unique (``a``, ``a (repeated)``), unnamed columns named by position."""
    unique: list[str] = []
    for i, name in enumerate(names, start=1):
        name = name or f"(unnamed column {i})"
        while name in unique:
            name += _REPEAT_MARK
        unique.append(name)
    return unique
