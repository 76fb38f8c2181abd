"""Publishing the marts to a real PostgreSQL server that this module starts: every table
arrives whole (row counts and checksums equal to DuckDB's), replaced in one transaction."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest
import sqlalchemy as sa

from pipelines.publish import PUBLISHED_AT, bi_engine, masked_url, publish_marts
from pipelines.publish import bi as bi_module
from tests.postgres_server import PASSWORD, start_or_skip

PUBLISHED = datetime(2026, 11, 1, 2, 30, tzinfo=UTC)


@pytest.fixture(scope="module")
def postgres():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture
def engine(postgres):
    engine = bi_engine(postgres.url)
    with engine.begin() as conn:
        conn.execute(sa.text("DROP SCHEMA IF EXISTS marts CASCADE"))
    yield engine
    engine.dispose()


@pytest.fixture
def warehouse(tmp_path: Path):
    """A warehouse whose marts hold every column type the project writes, awkward values and a
    table larger than one batch."""
    con = duckdb.connect(str(tmp_path / "wh.duckdb"))
    con.execute("CREATE SCHEMA marts")
    con.execute("""
        CREATE TABLE marts.awkward AS SELECT * FROM (VALUES
            ('SKU-1', 'plain', 1::BIGINT, 1.5::DOUBLE, 12.34::DECIMAL(18,2), DATE '2026-10-31',
             TIMESTAMP '2026-10-31 23:59:59.123456', true, ['a', 'b']),
            ('SKU-2', '', NULL, NULL, NULL, NULL, NULL, NULL, NULL),
            ('SKU-3', 'comma, "quote" and
newline', -9007199254740993::BIGINT, 0.1 + 0.2, -0.01::DECIMAL(18,2), DATE '1999-01-01',
             TIMESTAMP '2000-02-29 00:00:00', false, []),
            ('SKU-4', 'ünïcödé → ✓', 0::BIGINT, 1e-300::DOUBLE, 0::DECIMAL(18,2), DATE '2026-01-01',
             TIMESTAMP '2026-01-01 00:00:00', NULL, ['x'])
        ) AS t(sku, note, units, rate, amount, day, moment, flag, tags)""")
    con.execute("""
        CREATE TABLE marts.big AS
        SELECT 'SKU-' || (i % 997) AS sku, DATE '2026-01-01' + CAST(i % 365 AS INTEGER) AS date,
               i AS n, i / 7.0 AS p50, i % 3 = 0 AS even
        FROM range(0, 120000) AS r(i)""")
    yield con
    con.close()


def _canonical(value) -> str:
    if value is None:
        return "∅"
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, Decimal):
        return format(value.normalize(), "f")
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def checksum(rows) -> tuple[int, str]:
    """(rows, md5 over the sorted md5 of each row's canonical text)."""
    digests = sorted(hashlib.md5("\x1f".join(map(_canonical, row)).encode()).hexdigest() for row in rows)
    return len(digests), hashlib.md5("".join(digests).encode()).hexdigest()


def duckdb_checksum(con, table: str) -> tuple[int, str]:
    types = dict(con.execute(f"SELECT column_name, data_type FROM information_schema.columns "
                             f"WHERE table_schema = 'marts' AND table_name = '{table}' ORDER BY ordinal_position")
                 .fetchall())
    # nested types travel as their text form (pipelines.publish.bi)
    select = ", ".join(f"CAST({c} AS VARCHAR)" if t.endswith("[]") else c for c, t in types.items())
    return checksum(con.execute(f"SELECT {select} FROM marts.{table}").fetchall())


def postgres_checksum(engine, table: str) -> tuple[int, str]:
    with engine.connect() as conn:
        columns = [c["name"] for c in sa.inspect(conn).get_columns(table, schema="marts")]
        assert columns[-1] == PUBLISHED_AT
        select = ", ".join(f'"{c}"' for c in columns[:-1])
        return checksum(conn.execute(sa.text(f"SELECT {select} FROM marts.{table}")).fetchall())


def test_every_table_arrives_with_the_same_rows_and_checksum(warehouse, engine):
    published = publish_marts(warehouse, engine, PUBLISHED, chunk_rows=10_000)

    assert {p.table for p in published} == {"awkward", "big"}
    for table in ("awkward", "big"):
        assert postgres_checksum(engine, table) == duckdb_checksum(warehouse, table)
    assert {p.table: p.rows for p in published} == {"awkward": 4, "big": 120_000}


def test_types_survive_the_trip(warehouse, engine):
    publish_marts(warehouse, engine, PUBLISHED, tables=["awkward"])
    with engine.connect() as conn:
        rows = {r.sku: r for r in conn.execute(sa.text("SELECT * FROM marts.awkward"))}
        types = {c["name"]: str(c["type"]) for c in sa.inspect(conn).get_columns("awkward", schema="marts")}
    assert rows["SKU-2"].note == "" and rows["SKU-2"].units is None  # empty text is not NULL
    assert rows["SKU-3"].note == 'comma, "quote" and\nnewline'
    assert rows["SKU-3"].units == -9007199254740993
    assert rows["SKU-1"].amount == Decimal("12.34") and rows["SKU-1"].flag is True
    assert rows["SKU-1"].moment == datetime(2026, 10, 31, 23, 59, 59, 123456)
    assert rows["SKU-1"].tags == "[a, b]"
    assert rows["SKU-4"].note == "ünïcödé → ✓"
    assert types["units"] == "BIGINT" and types["day"] == "DATE" and types["amount"] == "NUMERIC(18, 2)"
    assert rows["SKU-1"]._published_at == PUBLISHED


def test_republishing_replaces_rows_in_place_and_keeps_views_on_the_table(warehouse, engine):
    publish_marts(warehouse, engine, PUBLISHED, tables=["awkward"])
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE VIEW marts.awkward_skus AS SELECT sku FROM marts.awkward"))
    warehouse.execute("DELETE FROM marts.awkward WHERE sku = 'SKU-4'")

    later = datetime(2026, 11, 2, 2, 30, tzinfo=UTC)
    (result,) = publish_marts(warehouse, engine, later, tables=["awkward"])

    assert result.method == "in_place"
    with engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM marts.awkward_skus")).scalar_one() == 3
        stamps = conn.execute(sa.text(f"SELECT DISTINCT {PUBLISHED_AT} FROM marts.awkward")).scalars().all()
    assert stamps == [later]


def test_a_changed_table_is_swapped_in(warehouse, engine):
    publish_marts(warehouse, engine, PUBLISHED, tables=["awkward"])
    warehouse.execute("ALTER TABLE marts.awkward ADD COLUMN extra INTEGER DEFAULT 7")

    (result,) = publish_marts(warehouse, engine, PUBLISHED, tables=["awkward"])

    assert result.method == "swapped"
    assert postgres_checksum(engine, "awkward") == duckdb_checksum(warehouse, "awkward")
    with engine.connect() as conn:
        names = sa.inspect(conn).get_table_names(schema="marts")
    assert names == ["awkward"]  # no staging table left behind


def test_a_failed_publish_leaves_yesterdays_table_whole(warehouse, engine, monkeypatch):
    publish_marts(warehouse, engine, PUBLISHED, tables=["big"], chunk_rows=10_000)
    before = postgres_checksum(engine, "big")
    warehouse.execute("DELETE FROM marts.big WHERE n % 2 = 0")
    real_copy = bi_module._copy_postgres

    def copy_then_fail(conn, table, batches):
        real_copy(conn, table, batches)
        raise ConnectionError("network dropped mid-publish")

    monkeypatch.setattr(bi_module, "_copy_postgres", copy_then_fail)
    with pytest.raises(ConnectionError):
        publish_marts(warehouse, engine, PUBLISHED, tables=["big"], chunk_rows=10_000)

    assert postgres_checksum(engine, "big") == before


def test_the_password_never_shows_in_the_url_we_print(postgres):
    shown = masked_url(postgres.url)
    assert PASSWORD not in shown and "***" in shown
