"""Copying the warehouse's ``marts`` tables to a BI database named by a SQLAlchemy URL.

Each table is replaced in ONE transaction of the target database with a ``_published_at``
column, so a dashboard sees the old table or the new one, never half of one:

- when the target table already has exactly the columns (names, order and types) being
  published, its rows are deleted and the new ones loaded (``in_place``): views a BI user built
  on it keep working, and PostgreSQL readers keep reading the old rows until the commit;
- otherwise the rows are loaded into a staging table that then replaces the target (drop and
  rename, ``swapped``). PostgreSQL, SQLite and most servers run DDL inside transactions.
  Dropping needs the table to itself, so it waits for readers that have it open, and readers
  arriving meanwhile queue behind the drop: on PostgreSQL each try waits at most
  ``SWAP_LOCK_TIMEOUT_MS``, and after ``SWAP_ATTEMPTS`` tries the publish gives up with the old
  table untouched rather than stall every dashboard behind one long query.

The row count in the target is checked against the warehouse before the commit. Rows travel in
batches of ``chunk_rows``: PostgreSQL takes them through ``COPY`` (CSV written by pyarrow), any
other database through ``executemany`` inserts.
"""

from __future__ import annotations

import io
import time
from dataclasses import dataclass
from datetime import datetime

import duckdb
import pyarrow as pa
import pyarrow.csv as pacsv
import sqlalchemy as sa

PUBLISHED_AT = "_published_at"
#: The longest a reader of a table whose columns changed waits for the swap, and how often the
#: swap is tried (with a pause growing by a second between tries) before the publish gives up.
SWAP_LOCK_TIMEOUT_MS = 2000
SWAP_ATTEMPTS = 5
#: PostgreSQL's SQLSTATE for "lock_timeout expired" (lock_not_available)
_LOCK_NOT_AVAILABLE = "55P03"


@dataclass(frozen=True)
class PublishedTable:
    table: str
    rows: int
    method: str  # in_place or swapped
    seconds: float


def bi_engine(url: str) -> sa.Engine:
    """An engine for ``url``; a bare ``postgresql://`` URL uses psycopg 3 (the driver installed).

    A URL that does not parse raises ValueError without repeating the URL, which may hold a
    password (SQLAlchemy's and Python's own messages may quote it).
    """
    try:
        parsed = sa.make_url(url)
    except Exception:
        raise ValueError("the BI database URL is not a SQLAlchemy URL (expected "
                         "dialect+driver://user:password@host:port/database)") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return sa.create_engine(parsed)


#: Query parameters that carry credentials (libpq's ``?password=``, ``sslpassword``, tokens).
SECRET_QUERY_KEYS = ("password", "passwd", "pwd", "sslpassword", "secret", "token", "api_key", "apikey",
                     "access_token", "key")


def masked_url(url: str | sa.URL) -> str:
    """The URL with its password, and any query parameter carrying a secret, replaced by ***,
    for logs and metadata. An unparseable URL is shown as ``***`` whole."""
    try:
        parsed = sa.make_url(url)
    except Exception:
        return "***"
    secret = {k: "***" for k in parsed.query if k.lower() in SECRET_QUERY_KEYS}
    return parsed.update_query_dict(secret).render_as_string(hide_password=True).replace("%2A%2A%2A", "***")


def warehouse_tables(con: duckdb.DuckDBPyConnection, schema: str = "marts") -> list[str]:
    return [r[0] for r in con.execute(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = ? ORDER BY 1", [schema]).fetchall()]


def _sa_type(duck_type: str) -> tuple[sa.types.TypeEngine, bool]:
    """(SQLAlchemy type, True when the value travels as text: nested and exotic types)."""
    t = duck_type.upper()
    simple = {
        "BOOLEAN": sa.Boolean(), "TINYINT": sa.SmallInteger(), "SMALLINT": sa.SmallInteger(),
        "INTEGER": sa.Integer(), "BIGINT": sa.BigInteger(), "UTINYINT": sa.SmallInteger(),
        "USMALLINT": sa.Integer(), "UINTEGER": sa.BigInteger(), "UBIGINT": sa.Numeric(20, 0),
        "HUGEINT": sa.Numeric(38, 0), "DOUBLE": sa.Double(), "FLOAT": sa.Float(24), "REAL": sa.Float(24),
        "VARCHAR": sa.Text(), "DATE": sa.Date(), "TIMESTAMP": sa.DateTime(), "TIMESTAMP_NS": sa.DateTime(),
        "TIMESTAMP_MS": sa.DateTime(), "TIMESTAMP_S": sa.DateTime(),
        "TIMESTAMP WITH TIME ZONE": sa.DateTime(timezone=True), "TIME": sa.Time(),
    }
    if t in simple:
        return simple[t], False
    if t.startswith("DECIMAL"):
        precision, scale = (int(x) for x in t[t.index("(") + 1:t.index(")")].split(","))
        return sa.Numeric(precision, scale), False
    return sa.Text(), True  # LIST, STRUCT, MAP, JSON, UUID, INTERVAL, BLOB ...: their text form


def _columns(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> list[tuple[str, sa.types.TypeEngine, str]]:
    """(name, SQLAlchemy type, DuckDB select expression) per column, plus ``_published_at``."""
    out = []
    for name, duck_type, *_ in con.execute(f'DESCRIBE {schema}."{table}"').fetchall():
        sa_type, as_text = _sa_type(duck_type)
        quoted = '"' + name.replace('"', '""') + '"'
        out.append((name, sa_type, f"CAST({quoted} AS VARCHAR) AS {quoted}" if as_text else quoted))
    return out


def _batches(con: duckdb.DuckDBPyConnection, schema: str, table: str, select: list[str], published_at: datetime,
             chunk_rows: int):
    relation = con.sql(f"SELECT {', '.join(select)}, CAST(? AS TIMESTAMPTZ) AS {PUBLISHED_AT} "
                       f'FROM {schema}."{table}"', params=[published_at.isoformat()])
    # DuckDB 2 names it to_arrow_reader, 1.x fetch_arrow_reader
    reader = getattr(relation, "to_arrow_reader", None) or relation.fetch_arrow_reader
    yield from reader(chunk_rows)


def _same_columns(conn: sa.Connection, target: sa.Table) -> bool:
    inspector = sa.inspect(conn)
    if not inspector.has_table(target.name, schema=target.schema):
        return False
    existing = inspector.get_columns(target.name, schema=target.schema)
    if [c["name"] for c in existing] != [c.name for c in target.columns]:
        return False
    dialect = conn.dialect
    return all(str(e["type"].compile(dialect=dialect)) == str(c.type.compile(dialect=dialect))
               for e, c in zip(existing, target.columns, strict=True))


def _copy_postgres(conn: sa.Connection, table: sa.Table, batches) -> int:
    """COPY the batches into ``table`` on the transaction's own psycopg connection."""
    preparer = conn.dialect.identifier_preparer
    name = preparer.format_table(table)
    columns = ", ".join(preparer.quote(c.name) for c in table.columns)
    raw = conn.connection.driver_connection
    rows = 0
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        for batch in batches:
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch]), buffer, pacsv.WriteOptions(include_header=False))
            copy.write(buffer.getvalue())
            rows += batch.num_rows
    return rows


def _insert_generic(conn: sa.Connection, table: sa.Table, batches) -> int:
    rows = 0
    for batch in batches:
        records = batch.to_pylist()
        if records:
            conn.execute(table.insert(), records)
        rows += batch.num_rows
    return rows


def _drop_when_free(conn: sa.Connection, target: sa.Table) -> None:
    """Drop ``target`` inside the publish transaction, waiting a bounded time for its readers."""
    if conn.dialect.name != "postgresql":
        target.drop(conn, checkfirst=True)
        return
    for attempt in range(1, SWAP_ATTEMPTS + 1):
        savepoint = conn.begin_nested()  # a lock timeout rolls back to here: the staging rows stay
        try:
            conn.execute(sa.text(f"SET LOCAL lock_timeout = '{int(SWAP_LOCK_TIMEOUT_MS)}ms'"))
            target.drop(conn, checkfirst=True)
            conn.execute(sa.text("SET LOCAL lock_timeout = DEFAULT"))
            savepoint.commit()
            return
        except sa.exc.OperationalError as exc:
            savepoint.rollback()
            if getattr(exc.orig, "sqlstate", None) != _LOCK_NOT_AVAILABLE:
                raise
            if attempt == SWAP_ATTEMPTS:
                raise RuntimeError(
                    f"publishing {target.name}: its columns changed, and readers kept {target.fullname} "
                    f"open through {SWAP_ATTEMPTS} tries of {SWAP_LOCK_TIMEOUT_MS} ms to replace it; the "
                    "old table is left as it was. Publish again when they are done (the next run does).") from exc
            time.sleep(attempt)


def publish_table(con: duckdb.DuckDBPyConnection, engine: sa.Engine, table: str, published_at: datetime,
                  source_schema: str = "marts", target_schema: str | None = "marts",
                  chunk_rows: int = 100_000) -> PublishedTable:
    """Replace ``target_schema.table`` in the BI database with ``source_schema.table`` of the
    warehouse plus ``_published_at``, in one transaction."""
    started = time.monotonic()
    if engine.dialect.name == "sqlite":
        target_schema = None  # SQLite has no schemas (only attached databases)
    columns = _columns(con, source_schema, table)
    metadata = sa.MetaData()
    target = sa.Table(table, metadata, *[sa.Column(n, t) for n, t, _ in columns],
                      sa.Column(PUBLISHED_AT, sa.DateTime(timezone=True)), schema=target_schema)
    expected = con.execute(f'SELECT count(*) FROM {source_schema}."{table}"').fetchall()[0][0]
    batches = _batches(con, source_schema, table, [s for *_, s in columns], published_at, chunk_rows)
    load = _copy_postgres if engine.dialect.name == "postgresql" else _insert_generic
    with engine.begin() as conn:
        if target_schema and engine.dialect.name == "postgresql":
            conn.execute(sa.schema.CreateSchema(target_schema, if_not_exists=True))
        if _same_columns(conn, target):
            conn.execute(target.delete())
            rows = load(conn, target, batches)
            method = "in_place"
        else:
            staging_name = f"_{table}__staging"[:63]
            staging = sa.Table(staging_name, metadata, *[sa.Column(c.name, c.type) for c in target.columns],
                               schema=target_schema)
            staging.drop(conn, checkfirst=True)
            staging.create(conn)
            rows = load(conn, staging, batches)
            _drop_when_free(conn, target)
            preparer = conn.dialect.identifier_preparer
            conn.execute(sa.text(f"ALTER TABLE {preparer.format_table(staging)} "
                                 f"RENAME TO {preparer.quote(table)}"))
            method = "swapped"
        landed = conn.execute(sa.select(sa.func.count()).select_from(target)).scalar_one()
        if landed != expected or rows != expected:
            raise RuntimeError(f"publishing {table}: {expected} rows in the warehouse, {landed} in the target; "
                               "rolled back")
    return PublishedTable(table=table, rows=int(expected), method=method,
                          seconds=round(time.monotonic() - started, 2))


def publish_marts(con: duckdb.DuckDBPyConnection, engine: sa.Engine, published_at: datetime,
                  tables: list[str] | None = None, target_schema: str | None = "marts",
                  chunk_rows: int = 100_000, source_schema: str = "marts") -> list[PublishedTable]:
    """Publish every ``marts`` table (or ``tables``), each in its own transaction.

    ``source_schema="raw", target_schema="raw"`` copies the landing tables instead: what the dbt
    models read when they build on a PostgreSQL server (docs/operations.md)."""
    names = tables if tables is not None else warehouse_tables(con, source_schema)
    return [publish_table(con, engine, name, published_at, source_schema=source_schema,
                          target_schema=target_schema, chunk_rows=chunk_rows)
            for name in names]
