"""Publishing the marts to a real PostgreSQL server that this module starts: every table
arrives whole (row counts and checksums equal to DuckDB's), replaced in one transaction."""

from __future__ import annotations

import hashlib
import threading
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


def _dashboard(url: str, isolation_level: str = "READ COMMITTED") -> sa.Connection:
    """A BI reader that fails rather than waits: any lock wait over 100 ms is an error."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    conn = engine.connect().execution_options(isolation_level=isolation_level)
    conn.execute(sa.text("SET lock_timeout = '100ms'"))
    conn.execute(sa.text("SET statement_timeout = '10s'"))
    conn.commit()
    return conn


def _rows(conn: sa.Connection, table: str) -> int:
    return conn.execute(sa.text(f"SELECT count(*) FROM marts.{table}")).scalar_one()


@pytest.fixture
def publisher(postgres):
    """The publishing engine, failing after 20 s of lock wait instead of hanging the test."""
    engine = sa.create_engine(postgres.url, connect_args={"options": "-c lock_timeout=20000"})
    yield engine
    engine.dispose()


def test_readers_keep_reading_the_old_rows_without_waiting_while_a_table_is_republished(
        warehouse, engine, publisher, postgres, monkeypatch):
    publish_marts(warehouse, publisher, PUBLISHED, tables=["big"], chunk_rows=10_000)
    warehouse.execute("DELETE FROM marts.big WHERE n % 2 = 0")  # tonight: 60,000 rows
    holder = _dashboard(postgres.url, "REPEATABLE READ")
    assert _rows(holder, "big") == 120_000  # a long report, its transaction left open
    looping = _dashboard(postgres.url)
    seen_mid_publish = []
    real_copy = bi_module._copy_postgres

    def copy_then_read(conn, table, batches):
        rows = real_copy(conn, table, batches)
        # old rows deleted and the new ones loaded, not committed: the readers go on unblocked
        for _ in range(5):
            seen_mid_publish.append(_rows(looping, "big"))
            looping.commit()
        seen_mid_publish.append(_rows(holder, "big"))
        return rows

    monkeypatch.setattr(bi_module, "_copy_postgres", copy_then_read)
    (result,) = publish_marts(warehouse, publisher, PUBLISHED, tables=["big"], chunk_rows=10_000)

    assert result.method == "in_place"
    assert seen_mid_publish == [120_000] * 6
    assert _rows(holder, "big") == 120_000  # its snapshot holds until it ends...
    holder.commit()
    assert _rows(holder, "big") == 60_000  # ...and the next one sees tonight's table
    assert _rows(looping, "big") == 60_000
    for conn in (holder, looping):
        conn.close()


def test_readers_in_a_loop_never_wait_for_a_publish(warehouse, engine, publisher, postgres):
    publish_marts(warehouse, publisher, PUBLISHED, chunk_rows=10_000)
    warehouse.execute("DELETE FROM marts.big WHERE n % 3 = 0")
    reader = _dashboard(postgres.url)
    errors, counts, done = [], [], threading.Event()

    def read_in_a_loop():
        while not done.is_set():
            try:
                counts.append(_rows(reader, "big"))
                reader.commit()
            except sa.exc.DBAPIError as exc:  # a lock wait over 100 ms, or a statement timeout
                errors.append(str(exc.orig))
                reader.rollback()

    thread = threading.Thread(target=read_in_a_loop)
    thread.start()
    try:
        for _ in range(3):
            publish_marts(warehouse, publisher, PUBLISHED, chunk_rows=10_000)
    finally:
        done.set()
        thread.join(timeout=60)
    reader.close()
    assert errors == []
    assert len(counts) > 3 and set(counts) <= {120_000, 80_000}


def test_a_swap_gives_up_rather_than_queue_readers_behind_a_long_query(warehouse, engine, publisher, postgres,
                                                                        monkeypatch):
    publish_marts(warehouse, publisher, PUBLISHED, tables=["awkward"])
    before = postgres_checksum(engine, "awkward")
    holder = _dashboard(postgres.url, "REPEATABLE READ")
    assert _rows(holder, "awkward") == 4  # holds the table open
    warehouse.execute("ALTER TABLE marts.awkward ADD COLUMN extra INTEGER DEFAULT 7")
    monkeypatch.setattr(bi_module, "SWAP_ATTEMPTS", 2)
    monkeypatch.setattr(bi_module, "SWAP_LOCK_TIMEOUT_MS", 200)

    with pytest.raises(RuntimeError, match="readers kept marts.awkward open through 2 tries"):
        publish_marts(warehouse, publisher, PUBLISHED, tables=["awkward"])

    other = _dashboard(postgres.url)
    assert _rows(other, "awkward") == 4  # nobody queued behind the swap
    other.commit()
    holder.commit()
    assert postgres_checksum(engine, "awkward") == before
    (result,) = publish_marts(warehouse, publisher, PUBLISHED, tables=["awkward"])
    assert result.method == "swapped"
    for conn in (holder, other):
        conn.close()
