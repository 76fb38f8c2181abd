"""Reading report files as people download them: the header for recognition, then the rows.

Text reports may be UTF-8 (with or without BOM), Windows-1252 or Latin-1, separated by tabs,
commas or semicolons, with quoted fields holding separators and newlines, and trailing blank
lines (``pipelines.ingest.readers`` does the parsing). Amazon's AWD inventory comes from an API
as JSON: its records are flattened to one column per field (``inventoryDetails.reservedDistributableQuantity``).
"""

from __future__ import annotations

import csv
import json

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines.ingest.readers import (
    LEGACY_ENCODINGS,
    PARQUET_MAGIC,
    UTF8_BOM,
    LandingTable,
    UnreadableFile,
    decode_text,
    delimiter_of,
    read_landing_file,
)

#: Bytes read to recognise a file that is not otherwise this feed's (its header is in them).
SNIFF_BYTES = 64 * 1024
JSON_SUFFIX = ".json"


def is_json(name: str) -> bool:
    return name.lower().endswith(JSON_SUFFIX)


def is_parquet(name: str, content: bytes) -> bool:
    return name.lower().endswith(".parquet") or content.startswith(PARQUET_MAGIC)


def header_of(name: str, content: bytes) -> list[str]:
    """The header names of a file (``content`` may be only its first SNIFF_BYTES for text).

    Raises UnreadableFile when there is no header to read.
    """
    if not content:
        raise UnreadableFile("empty file (0 bytes)")
    if is_json(name):
        return list(_json_table(content).columns)
    if is_parquet(name, content):
        try:
            return [str(n).strip() for n in pq.read_schema(pa.BufferReader(content)).names]
        except (pa.ArrowException, OSError) as exc:
            raise UnreadableFile(f"not a readable Parquet file ({exc})") from exc
    head = content[len(UTF8_BOM):] if content.startswith(UTF8_BOM) else content
    line = head.lstrip(b"\r\n").split(b"\n", 1)[0].rstrip(b"\r")
    if not line.strip():
        raise UnreadableFile("no header row (the file holds only blank lines)")
    text, _ = decode_text(line, LEGACY_ENCODINGS)
    if "\x00" in text:
        raise UnreadableFile("binary data, not delimited text")
    return [n.strip() for n in next(csv.reader([text], delimiter=delimiter_of(text)))]


def read_report(name: str, content: bytes, quoting: bool = True) -> LandingTable:
    """The whole report as text. ``quoting=False`` applies to tab-separated files only: a report
    re-saved as CSV by a spreadsheet quotes its fields again."""
    if is_json(name):
        data = _json_table(content)
        return LandingTable(list(data.columns), data, np.arange(1, len(data) + 1, dtype=np.int64))
    if not quoting:
        body = content[len(UTF8_BOM):] if content.startswith(UTF8_BOM) else content
        first = body.lstrip(b"\r\n").split(b"\n", 1)[0]
        quoting = delimiter_of(decode_text(first, LEGACY_ENCODINGS)[0]) != "\t"
    return read_landing_file(name, content, encodings=LEGACY_ENCODINGS, quoting=quoting)


def _json_table(content: bytes) -> pd.DataFrame:
    text, _ = decode_text(content, LEGACY_ENCODINGS)
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UnreadableFile(f"not valid JSON ({exc.msg} at line {exc.lineno})") from exc
    records = _records_in(document)
    if records is None:
        raise UnreadableFile("JSON without a list of records")
    rows = [_flatten(record) for record in records]
    header: list[str] = []
    for row in rows:
        header.extend(key for key in row if key not in header)
    return pd.DataFrame([[row.get(key, "") for key in header] for row in rows], columns=header,
                        dtype="str") if rows else pd.DataFrame(columns=header, dtype="str")


def _records_in(document) -> list[dict] | None:
    """The first list of objects in a JSON document (``{"inventory": [...]}``, or the list)."""
    if isinstance(document, list) and document and all(isinstance(r, dict) for r in document):
        return document
    if isinstance(document, dict):
        for value in document.values():
            found = _records_in(value)
            if found is not None:
                return found
    return None


def _flatten(record: dict, prefix: str = "") -> dict[str, str]:
    out: dict[str, str] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flatten(value, name + "."))
        elif isinstance(value, list):
            out[name] = json.dumps(value, ensure_ascii=False)
        elif value is None:
            out[name] = ""
        elif isinstance(value, bool):
            out[name] = "true" if value else "false"
        else:
            out[name] = str(value).strip()
    return out
