"""The reference values a feed's rows must match, read from the current raw reference tables."""

from __future__ import annotations

from dataclasses import dataclass, field
from graphlib import TopologicalSorter

import duckdb
import pandas as pd

from pipelines import contract
from pipelines.warehouse import table_exists


@dataclass
class ReferenceValues:
    """Known values per ``"table.column"`` and known key tuples per composite reference."""

    single: dict[str, pd.Index] = field(default_factory=dict)
    composite: dict[tuple[str, tuple[str, ...]], pd.MultiIndex] = field(default_factory=dict)


def load_reference_values(con: duckdb.DuckDBPyConnection, feed: contract.Feed) -> ReferenceValues:
    """Distinct values of every reference the feed names; a table not loaded yet knows none."""
    refs = ReferenceValues()
    for column in feed.columns:
        if column.references and column.references not in refs.single:
            table, ref_column = column.references.split(".")
            frame = _distinct(con, table, (ref_column,))
            refs.single[column.references] = pd.Index(frame[ref_column].dropna().astype(str))
    for _, table, ref_columns in feed.composite_references:
        frame = _distinct(con, table, ref_columns).dropna().astype(str)
        refs.composite[(table, ref_columns)] = pd.MultiIndex.from_frame(frame)
    return refs


def _distinct(con: duckdb.DuckDBPyConnection, table: str, columns: tuple[str, ...]) -> pd.DataFrame:
    if not table_exists(con, "raw", table):
        return pd.DataFrame({c: pd.Series([], dtype="str") for c in columns})
    selected = ", ".join(f'CAST("{c}" AS VARCHAR) AS "{c}"' for c in columns)
    return con.execute(f'SELECT DISTINCT {selected} FROM raw."{table}"').df()


def reference_load_order() -> list[contract.Feed]:
    """Reference tables ordered so that each loads after the tables its rows refer to."""
    graph: dict[str, set[str]] = {}
    names = {feed.name for feed in contract.REFERENCE_TABLES}
    for feed in contract.REFERENCE_TABLES:
        needs = {c.references.split(".")[0] for c in feed.columns if c.references}
        needs |= {table for _, table, _ in feed.composite_references}
        graph[feed.name] = (needs & names) - {feed.name}
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    order: list[str] = []
    contract_position = {feed.name: i for i, feed in enumerate(contract.REFERENCE_TABLES)}
    while sorter.is_active():
        ready = sorted(sorter.get_ready(), key=contract_position.__getitem__)
        order.extend(ready)
        sorter.done(*ready)
    return [contract.FEEDS_BY_NAME[name] for name in order]
