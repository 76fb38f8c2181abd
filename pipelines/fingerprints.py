"""Whether a planning step's inputs changed since its outputs were written.

A planning step (replenishment, allocation, health) is a pure function of the frames it reads
and its settings, so when those are the same as when its tables were last written, recomputing
would write the same rows: the step keeps its tables instead. The fingerprint is a SHA-256 over
each input frame's columns and dtypes and the sorted 64-bit hashes of its rows
(``pandas.util.hash_pandas_object``: row order, which SQL without ORDER BY does not fix, does not
matter; floats rounded to ``FLOAT_DECIMALS``), plus the settings and any scalar inputs (the as-of date).

Every row of those outputs depends on the as-of date (projected stockout and order-by dates,
``as_of`` columns), so a night with a new as-of date always recomputes them; the fingerprint
saves the work on re-runs, on landing refreshes that brought nothing new for a step, and on
nights whose data did not move.

Fingerprints live in ``state.input_fingerprints`` (step, fingerprint, as_of, written_at,
outcome: JSON the step reports again when it keeps its tables, e.g. its check results). A step
deletes its fingerprint before replacing its tables and records the new one after: a crash in
between leaves no fingerprint, so the next run recomputes rather than trusting stale tables.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Mapping
from datetime import UTC, datetime

import duckdb
import numpy as np
import pandas as pd
from pydantic import BaseModel

SCHEMA = "state"
TABLE = f"{SCHEMA}.input_fingerprints"


#: Decimals floats are rounded to before hashing: the dbt models aggregate floats in parallel,
#: so the same data can come back differing in the last bits from one build to the next.
FLOAT_DECIMALS = 6


def _frame_digest(df: pd.DataFrame) -> bytes:
    head = json.dumps([[str(c), str(t)] for c, t in df.dtypes.items()]).encode()
    floats = df.select_dtypes("floating").columns
    if len(floats):  # + 0.0 turns -0.0 into 0.0, which hashes differently
        df = df.assign(**{str(c): df[c].round(FLOAT_DECIMALS) + 0.0 for c in floats})
    rows = np.sort(pd.util.hash_pandas_object(df, index=False).to_numpy()) if len(df) else np.zeros(0, np.uint64)
    return hashlib.sha256(head + rows.tobytes()).digest()


def inputs_fingerprint(inputs: object, settings: BaseModel | Mapping | None = None) -> str:
    """Fingerprint of ``inputs`` (a dataclass or a mapping of frames and scalars) and ``settings``."""
    # not dataclasses.asdict: it deep-copies every frame
    values = ({f.name: getattr(inputs, f.name) for f in dataclasses.fields(inputs)}
              if dataclasses.is_dataclass(inputs) else dict(inputs))
    h = hashlib.sha256()
    for name in sorted(values):
        value = values[name]
        h.update(name.encode() + b"\0")
        if isinstance(value, pd.DataFrame):
            h.update(_frame_digest(value))
        else:
            h.update(repr(value).encode())
        h.update(b"\0")
    if settings is not None:
        dump = settings.model_dump() if isinstance(settings, BaseModel) else dict(settings)
        h.update(json.dumps(dump, sort_keys=True, default=str).encode())
    return h.hexdigest()


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(f"CREATE SCHEMA IF NOT EXISTS {SCHEMA}")
    con.execute(f"CREATE TABLE IF NOT EXISTS {TABLE} (step VARCHAR PRIMARY KEY, fingerprint VARCHAR, "
                "as_of DATE, written_at TIMESTAMP, outcome VARCHAR)")


@dataclasses.dataclass(frozen=True)
class Stored:
    """What a step recorded with its tables: ``outcome`` is whatever the step wants to report
    again when it keeps them (its check results)."""

    fingerprint: str
    written_at: str
    outcome: dict


def stored_fingerprint(con: duckdb.DuckDBPyConnection, step: str) -> Stored | None:
    """What the step last recorded, or None."""
    exists = con.execute("SELECT count(*) FROM information_schema.tables WHERE table_schema = ? "
                         "AND table_name = 'input_fingerprints'", [SCHEMA]).fetchone()[0]
    if not exists:
        return None
    row = con.execute(f"SELECT fingerprint, written_at, outcome FROM {TABLE} WHERE step = ?", [step]).fetchone()
    return Stored(row[0], str(row[1]), json.loads(row[2] or "{}")) if row else None


def forget_fingerprint(con: duckdb.DuckDBPyConnection, step: str) -> None:
    """Called before a step replaces its tables."""
    _ensure(con)
    con.execute(f"DELETE FROM {TABLE} WHERE step = ?", [step])


def record_fingerprint(con: duckdb.DuckDBPyConnection, step: str, fingerprint: str, as_of,
                       outcome: dict | None = None) -> None:
    """Called after a step's tables were replaced."""
    _ensure(con)
    con.execute(f"INSERT OR REPLACE INTO {TABLE} VALUES (?, ?, ?, ?, ?)",
                [step, fingerprint, as_of, datetime.now(UTC).replace(tzinfo=None),
                 json.dumps(outcome or {}, default=str)])
