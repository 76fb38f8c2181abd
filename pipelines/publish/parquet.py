"""Parquet copies of the ``marts`` tables, one file per table, for tools that read files.

Each file is written beside its final name and then renamed over it, so a reader opens either
last night's file or tonight's, never a half-written one. ``_manifest.json`` lists the files of
the export with their row counts and the as-of date.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

import duckdb

from pipelines.publish.bi import warehouse_tables


@dataclass(frozen=True)
class ExportedFile:
    table: str
    path: str
    rows: int
    bytes: int


def export_parquet(con: duckdb.DuckDBPyConnection, out_dir: Path, exported_at: datetime,
                   tables: list[str] | None = None, schema: str = "marts") -> list[ExportedFile]:
    out_dir.mkdir(parents=True, exist_ok=True)
    files = []
    for table in tables if tables is not None else warehouse_tables(con, schema):
        final = out_dir / f"{table}.parquet"
        partial = out_dir / f".{table}.parquet.partial"
        # The path is a parameter: a folder named like /srv/o'brien/ must not break (or extend) the SQL.
        con.execute(f'COPY (SELECT * FROM {schema}."{table}") TO ? (FORMAT parquet, COMPRESSION zstd)',
                    [partial.as_posix()])
        os.replace(partial, final)
        rows = con.execute(f'SELECT count(*) FROM {schema}."{table}"').fetchall()[0][0]
        files.append(ExportedFile(table=table, path=str(final), rows=int(rows), bytes=final.stat().st_size))
    manifest = {"exported_at": exported_at.isoformat(), "schema": schema,
                "files": [{**asdict(f), "path": Path(f.path).name} for f in files]}
    partial = out_dir / "._manifest.json.partial"
    partial.write_text(json.dumps(manifest, indent=2), encoding="utf-8")
    os.replace(partial, out_dir / "_manifest.json")
    return files
