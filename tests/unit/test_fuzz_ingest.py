"""Fuzzed landing files (hypothesis): whatever a file holds, ingest completes, every good row
arrives exactly as written, every bad row is quarantined with its reason, and the counts add up
(rows in the file = rows loaded + rows quarantined; a file that cannot be read at all is one
whole-file quarantine row and nothing loaded).

Each example writes one orders file with a known mix of good rows and rows carrying one defect
each (wrong types, huge numbers, bad dates, unknown listings, too many or too few fields, bytes
that are not UTF-8, NUL bytes, a repeated column whose copies disagree), in a random layout
(delimiter, column order, header case and spacing, optional and extra columns, a repeated
column, BOM, line endings), with unicode and SQL-looking text in ids and SKUs. Bounded example
counts keep the suite fast; a failure prints the smallest file hypothesis found.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import hypothesis.strategies as st
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings

from pipelines import contract
from pipelines.ingest import ingest_feed, ingest_reference
from pipelines.warehouse import connect
from tests.unit.conftest import NOW, REFERENCE_FILES

SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])

#: SKUs and listing ids a SQL injection or a careless quoting would choke on; the reference
#: tables hold them, so orders for them are good rows.
HOSTILE_SKUS = (
    "'; DROP TABLE raw.orders; --",
    'Robert"); DROP TABLE marts.dim_sku;--',
    "1' OR '1'='1",
    "$$; SELECT 1; $$",
    "a,b;c\td",
    "Ünïcødé-𝔘𝔫𝔦-😀",
    "日本語-SKU",
)
#: (channel, listing_sku) pairs the reference tables know.
LISTINGS = (("amazon", "A-1"), ("amazon", "B-1"), ("shopify", "A-1")) + tuple(
    ("amazon", f"L-{sku}") for sku in HOSTILE_SKUS)

REQUIRED = ("order_id", "ordered_at", "channel", "listing_sku", "quantity", "status")
OPTIONAL = ("unit_price", "currency", "ship_region")
#: The marker a writer turns into bytes that are not UTF-8 (never a character of good text).
NOT_TEXT = "\ue000"


def _csv_field(value: str) -> str:
    """One value as the csv module quotes it (a quote inside, a separator, a newline)."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow([value])
    return out.getvalue().rstrip("\n")


def _hostile_reference_files() -> dict[str, str]:
    files = dict(REFERENCE_FILES)
    skus = "".join(f"{_csv_field(sku)},{_csv_field('Title ' + sku)},fruit,1.0,2.0,SUP-1\n" for sku in HOSTILE_SKUS)
    listings = "".join(f"amazon,{_csv_field('L-' + sku)},{_csv_field(sku)}\n" for sku in HOSTILE_SKUS)
    files["reference/skus.csv"] += skus
    files["reference/listings.csv"] += listings
    return files


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A warehouse with the reference tables (hostile SKUs included) loaded, copied per example."""
    root = tmp_path_factory.mktemp("fuzz_template")
    landing = root / "landing"
    for relative, text in _hostile_reference_files().items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_text(text, encoding="utf-8")
    warehouse = root / "warehouse.duckdb"
    with connect(warehouse) as con:
        reports = ingest_reference(con, landing, now=NOW)
        assert all(r.rows_quarantined == 0 and not r.errors for r in reports), [str(r) for r in reports]
        assert con.execute("SELECT count(*) FROM raw.listings").fetchone()[0] == len(LISTINGS)
    return warehouse


# --- generating rows and files ----------------------------------------------------------------

#: Letters, digits, symbols and punctuation of any script, and spaces inside (not at the ends:
#: the reader trims values, so a good value is compared trimmed).
_chars = st.characters(blacklist_categories=("Cs", "Cc", "Cf", "Co", "Zl", "Zp", "Zs"))
TEXT = st.builds(lambda a, b: (a + " " + b).strip() if b else a,
                 st.text(_chars, min_size=1, max_size=12), st.text(_chars, max_size=8))
SQL_LOOKING = st.sampled_from(HOSTILE_SKUS + ("x'); DELETE FROM quarantine.orders; --", 'say "hi"',
                                              "two\nlines", "NULL", "", "\\"))
ORDER_ID = st.one_of(TEXT, SQL_LOOKING.filter(bool))
TIMESTAMP = st.builds(
    lambda day, fmt: day.strftime(fmt),
    st.datetimes(min_value=pd.Timestamp("2024-01-01").to_pydatetime(),
                 max_value=pd.Timestamp("2026-05-30").to_pydatetime()),
    st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%SZ",
                     "%Y-%m-%dT%H:%M:%S.%f+02:00"]),
)
QUANTITY = st.one_of(st.integers(1, 1000), st.integers(1, 2**63 - 1)).map(str)
STATUS = st.sampled_from(contract.ORDERS.column("status").allowed).flatmap(
    lambda s: st.sampled_from([s, s.upper(), s.title()]))

#: One defect per bad row: (kind, the text its quarantine reason must hold).
DEFECTS = {
    "quantity_not_integer": "quantity",
    "quantity_below_minimum": "quantity",
    "status_not_allowed": "status",
    "date_not_a_timestamp": "ordered_at",
    "date_implausible": "ordered_at",
    "order_id_missing": "order_id: required value missing",
    "listing_unknown": "not found in listings",
    "too_many_fields": "fields, the header has",
    "too_few_fields": "fields, the header has",
    "not_utf8": "not UTF-8 text",
    "nul_byte": "NUL byte",
    "copies_differ": "given more than once with different values",
}


@dataclass
class Row:
    values: dict[str, str]
    defect: str | None = None
    #: Bytes replacing NOT_TEXT in the written row (``not_utf8``).
    bad_bytes: bytes = b""
    fields_delta: int = 0


@dataclass
class FuzzFile:
    name: str
    content: bytes
    rows: list[Row]
    #: Whole-file problem expected (the text its single quarantine row must hold), or None.
    rejected: str | None = None
    layout: dict = field(default_factory=dict)


@st.composite
def good_row(draw) -> Row:
    channel, listing = draw(st.sampled_from(LISTINGS))
    values = {"order_id": draw(ORDER_ID), "ordered_at": draw(TIMESTAMP), "channel": channel,
              "listing_sku": listing, "quantity": draw(QUANTITY), "status": draw(STATUS),
              "unit_price": draw(st.sampled_from(["", "0", "12.5", "1e3", "19.99"])),
              "currency": draw(st.sampled_from(["", "USD", "EUR"])),
              "ship_region": draw(st.one_of(st.just(""), TEXT, SQL_LOOKING))}
    return Row(values)


@st.composite
def bad_row(draw, kinds: tuple[str, ...]) -> Row:
    row = draw(good_row())
    kind = draw(st.sampled_from(kinds))
    row.defect = kind
    v = row.values
    if kind == "quantity_not_integer":
        v["quantity"] = draw(st.sampled_from(["three", "1.5", "1e400", "9223372036854775808", "NaN", "inf",
                                              "0x10", "1_000", "١٢", "--1", "5 units"]))
    elif kind == "quantity_below_minimum":
        v["quantity"] = draw(st.sampled_from(["0", "-1", "-9223372036854775808", "-0"]))
    elif kind == "status_not_allowed":
        v["status"] = draw(st.one_of(TEXT, SQL_LOOKING.filter(bool)).filter(
            lambda s: s.strip().lower() not in contract.ORDERS.column("status").allowed))
    elif kind == "date_not_a_timestamp":
        v["ordered_at"] = draw(st.one_of(st.sampled_from(["31/02/2025", "2026-13-01", "yesterday", "2026-02-30",
                                                          "20260501", "'; DROP TABLE x; --"]), TEXT))
    elif kind == "date_implausible":
        v["ordered_at"] = draw(st.sampled_from(["1900-01-01", "1999-12-31T23:59:59", "2031-01-01", "9999-12-31"]))
    elif kind == "order_id_missing":
        v["order_id"] = draw(st.sampled_from(["", "   "]))
    elif kind == "listing_unknown":
        v["listing_sku"] = "NOPE-" + draw(st.one_of(TEXT, SQL_LOOKING))
    elif kind in ("too_many_fields", "too_few_fields"):
        row.fields_delta = draw(st.integers(1, 3)) * (1 if kind == "too_many_fields" else -1)
    elif kind == "not_utf8":
        column = draw(st.sampled_from(REQUIRED))
        v[column] = v[column][:3] + NOT_TEXT + v[column][3:]
        # A Windows-1252 é, a lone continuation byte, an invalid lead byte, a cut-off sequence.
        row.bad_bytes = draw(st.sampled_from([b"\xe9", b"\x80", b"\xff\xfe", b"\xe2\x82"]))
    elif kind == "nul_byte":
        column = draw(st.sampled_from(REQUIRED))
        v[column] = v[column][:2] + "\x00" + v[column][2:]
    return row


@st.composite
def orders_file(draw) -> FuzzFile:
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    optional = draw(st.lists(st.sampled_from(OPTIONAL), unique=True))
    columns = draw(st.permutations(list(REQUIRED) + optional))
    spelled = {c: draw(st.sampled_from([c, c.upper(), c.title(), f" {c} "])) for c in columns}
    extras = draw(st.lists(st.sampled_from(["gift_note", "notes 📝", "Robert'); --", "x"]), unique=True, max_size=2))
    repeated = draw(st.none() | st.sampled_from(REQUIRED))
    kinds = tuple(k for k in DEFECTS if k != "copies_differ" or repeated)
    rows = draw(st.lists(st.one_of(good_row(), bad_row(kinds)), min_size=1, max_size=25))
    header = [spelled[c] for c in columns] + extras + ([repeated.upper() + " "] if repeated else [])
    copy_values = []
    for row in rows:
        copy = row.values[repeated] if repeated else None
        if row.defect == "copies_differ":
            copy = copy + "-other"
        copy_values.append(copy)
    extra_values = [[draw(st.one_of(TEXT, SQL_LOOKING)) for _ in extras] for _ in rows]

    lines = [_line(header, delimiter)]
    for row, copy, extra in zip(rows, copy_values, extra_values, strict=True):
        fields = [row.values[c] for c in columns] + extra + ([copy] if repeated else [])
        if row.fields_delta > 0:
            fields += ["surplus"] * row.fields_delta
        elif row.fields_delta < 0:
            fields = fields[:max(2, len(fields) + row.fields_delta)]
            if len(fields) == len(header):
                fields = fields[:-1]
        line = _line(fields, delimiter).encode("utf-8")
        lines.append(line.replace(NOT_TEXT.encode("utf-8"), row.bad_bytes))
    newline = draw(st.sampled_from([b"\n", b"\r\n"]))
    content = newline.join(line if isinstance(line, bytes) else line.encode("utf-8") for line in lines)
    content = content + newline if draw(st.booleans()) else content
    if draw(st.booleans()):
        content = b"\xef\xbb\xbf" + content
    layout = {"delimiter": delimiter, "columns": columns, "extras": extras, "repeated": repeated}
    return FuzzFile(draw(st.sampled_from(["a.csv", "export.tsv", "x.txt"])), content, rows, layout=layout)


def _line(fields: list[str], delimiter: str) -> str:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator="\n").writerow(fields)
    return out.getvalue()[:-1]


# --- running ingest and checking the outcome ---------------------------------------------------


def _ingest(template: Path, files: dict[str, bytes]):
    """Ingest ``files`` (path under orders/ → bytes) into a fresh copy of the template warehouse;
    returns the report and the raw, quarantine and registry rows."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(template, root / "warehouse.duckdb")
        for name, content in files.items():
            (root / "landing" / "orders" / name).parent.mkdir(parents=True, exist_ok=True)
            (root / "landing" / "orders" / name).write_bytes(content)
        with connect(root / "warehouse.duckdb") as con:
            report = ingest_feed(con, root / "landing", contract.ORDERS, now=NOW)
            raw = con.execute("SELECT _source_file, _row_number, order_id, listing_sku, quantity, status "
                              "FROM raw.orders ORDER BY 1, 2").fetchall()
            bad = con.execute("SELECT _source_file, _row_number, reason, record FROM quarantine.orders "
                              "ORDER BY 1, 2").fetchall()
            registry = con.execute("SELECT path, status, rows_loaded, rows_quarantined FROM raw._loaded_files "
                                   "WHERE feed = 'orders' ORDER BY 1").fetchall()
    return report, raw, bad, registry


def _expected_good(file: FuzzFile) -> list[tuple]:
    relative = f"orders/{file.name}"
    return [(relative, i, r.values["order_id"], r.values["listing_sku"], int(r.values["quantity"]),
             r.values["status"].lower())
            for i, r in enumerate(file.rows, start=1) if r.defect is None]


@SETTINGS
@given(file=orders_file())
def test_every_good_row_loads_and_every_bad_row_is_quarantined_with_its_reason(template, file):
    report, raw, bad, registry = _ingest(template, {file.name: file.content})
    relative = f"orders/{file.name}"
    assert raw == _expected_good(file)
    expected_bad = {i: DEFECTS[r.defect] for i, r in enumerate(file.rows, start=1) if r.defect}
    assert [row[1] for row in bad] == sorted(expected_bad)
    for _, number, reason, record in bad:
        assert expected_bad[number] in reason, (number, reason)
        assert record  # the original values travel with the row
    assert len(raw) + len(bad) == len(file.rows)
    assert (report.files_loaded, report.files_rejected) == (1, 0)
    assert report.rows_loaded + report.rows_quarantined == len(file.rows)
    assert registry == [(relative, "loaded", len(raw), len(bad))]


@st.composite
def unreadable_or_headless_file(draw) -> FuzzFile:
    """Files that are not an orders table at all: random bytes, another encoding, no header, or a
    header missing a required column."""
    kind = draw(st.sampled_from(["random", "utf16", "no_header", "missing_required", "empty", "binary_header"]))
    if kind == "random":
        return FuzzFile("a.csv", draw(st.binary(max_size=300)), [], "orders/a.csv: ")
    if kind == "empty":
        return FuzzFile("a.csv", draw(st.sampled_from([b"", b"\n\n", b"\r\n \r\n"])), [], "orders/a.csv: ")
    rows = draw(st.lists(good_row(), min_size=1, max_size=5))
    columns = list(REQUIRED)
    if kind == "missing_required":
        columns.remove(draw(st.sampled_from(REQUIRED)))
    text = "\n".join([",".join(columns)] + [_line([r.values[c] for c in columns], ",") for r in rows]) + "\n"
    if kind == "utf16":
        return FuzzFile("a.csv", text.encode(draw(st.sampled_from(["utf-16", "utf-16-le", "utf-32"]))), rows,
                        "orders/a.csv: ")
    if kind == "no_header":
        return FuzzFile("a.csv", text.split("\n", 1)[1].encode("utf-8"), rows, "orders/a.csv: ")
    if kind == "binary_header":
        return FuzzFile("a.csv", b"\x89PNG\x00" + text.encode("utf-8"), rows, "orders/a.csv: ")
    return FuzzFile("a.csv", text.encode("utf-8"), rows, "missing required column")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=unreadable_or_headless_file())
def test_a_file_that_cannot_be_read_as_orders_is_one_rejected_file_and_nothing_loads(template, file):
    report, raw, bad, registry = _ingest(template, {file.name: file.content})
    assert raw == []
    assert len(bad) == 1
    _, number, reason, _ = bad[0]
    assert number is None and file.rejected in reason
    assert (report.files_found, report.files_rejected, report.rows_loaded) == (1, 1, 0)
    assert registry == [("orders/a.csv", "rejected", 0, 0)]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(files=st.lists(orders_file(), min_size=2, max_size=4))
def test_several_fuzzed_files_in_one_run_each_add_up_and_a_rerun_adds_nothing(template, files):
    named = {f"day{i}/{file.name}": file.content for i, file in enumerate(files)}
    report, raw, bad, registry = _ingest(template, named)
    distinct = {content for content in named.values()}
    # A content dropped twice under two names loads once (idempotent by SHA-256).
    assert report.files_loaded == len(distinct)
    assert report.files_skipped == len(named) - len(distinct)
    for (path, status, loaded, quarantined) in registry:
        assert status == "loaded"
        assert loaded == sum(1 for r in raw if r[0] == path)
        assert quarantined == sum(1 for r in bad if r[0] == path)
    rows_in = sum(len(f.rows) for name, f in zip(named, files, strict=True)
                  if f"orders/{name}" in {r[0] for r in registry})
    assert len(raw) + len(bad) == rows_in


@st.composite
def parquet_orders(draw) -> tuple[bytes, list[bool]]:
    """A Parquet orders file whose columns have native types, some of them wrong for the contract."""
    n = draw(st.integers(1, 12))
    quantity_kind = draw(st.sampled_from(["int", "float", "str", "bool"]))
    quantities = draw(st.lists(st.integers(-3, 10**12), min_size=n, max_size=n))
    fractions = draw(st.lists(st.sampled_from([0.0, 0.5]), min_size=n, max_size=n))
    ids = draw(st.lists(ORDER_ID, min_size=n, max_size=n))
    listings = draw(st.lists(st.sampled_from(LISTINGS), min_size=n, max_size=n))
    frame = pd.DataFrame({
        "order_id": ids,
        "ordered_at": pd.to_datetime(["2026-05-01 10:00"] * n),
        "channel": [c for c, _ in listings],
        "listing_sku": [listing for _, listing in listings],
        "status": ["paid"] * n,
    })
    if quantity_kind == "int":
        frame["quantity"] = quantities
        good = [q >= 1 for q in quantities]
    elif quantity_kind == "float":
        frame["quantity"] = [q + f for q, f in zip(quantities, fractions, strict=True)]
        good = [q >= 1 and f == 0 for q, f in zip(quantities, fractions, strict=True)]
    elif quantity_kind == "str":
        frame["quantity"] = [str(q) if f == 0 else "many" for q, f in zip(quantities, fractions, strict=True)]
        good = [q >= 1 and f == 0 for q, f in zip(quantities, fractions, strict=True)]
    else:
        frame["quantity"] = [q > 0 for q in quantities]  # True/False are not quantities
        good = [False] * n
    frame = frame[draw(st.permutations(list(frame.columns)))]
    buffer = io.BytesIO()
    frame.to_parquet(buffer)
    return buffer.getvalue(), good


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parquet=parquet_orders())
def test_parquet_with_wrongly_typed_columns_keeps_its_good_rows(template, parquet):
    content, good = parquet
    report, raw, bad, _ = _ingest(template, {"a.parquet": content})
    assert [r[1] for r in raw] == [i for i, ok in enumerate(good, start=1) if ok]
    assert [r[1] for r in bad] == [i for i, ok in enumerate(good, start=1) if not ok]
    assert all("quantity" in r[2] for r in bad)
    assert report.rows_loaded + report.rows_quarantined == len(good)


@st.composite
def skus_file(draw) -> tuple[bytes, list[tuple[str, str, bool]]]:
    """A skus reference file: SKUs from a small pool of unicode and SQL-looking names (so keys
    repeat), some with a cost that is not a number; returns the bytes and (sku, title, cost ok)."""
    pool = draw(st.lists(st.one_of(TEXT, st.sampled_from(HOSTILE_SKUS)), min_size=1, max_size=5, unique=True))
    rows = draw(st.lists(st.tuples(st.sampled_from(pool), st.one_of(TEXT, SQL_LOOKING.filter(bool)),
                                   st.sampled_from(["1.5", "0", "12", "abc", "-1", "1e400"])),
                         min_size=1, max_size=12))
    delimiter = draw(st.sampled_from([",", "\t", ";"]))
    lines = [_line(["sku", "title", "category", "unit_cost", "unit_price", "supplier_id"], delimiter)]
    lines += [_line([sku, title, "fruit", cost, "2.0", "SUP-1"], delimiter) for sku, title, cost in rows]
    expected = [(sku, title.strip(), cost in ("1.5", "0", "12")) for sku, title, cost in rows]
    return ("\n".join(lines) + "\n").encode("utf-8"), expected


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(file=skus_file())
def test_reference_file_loads_each_key_once_and_quarantines_repeats_and_bad_values(template, file):
    content, rows = file
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        shutil.copy(template, root / "warehouse.duckdb")
        (root / "landing" / "reference").mkdir(parents=True)
        (root / "landing" / "reference" / "skus_2026-06-01.csv").write_bytes(content)
        with connect(root / "warehouse.duckdb") as con:
            report = next(r for r in ingest_reference(con, root / "landing", now=NOW) if r.feed == "skus")
            raw = con.execute("SELECT _row_number, sku, title FROM raw.skus ORDER BY 1").fetchall()
            bad = con.execute("SELECT _row_number, reason FROM quarantine.skus ORDER BY 1").fetchall()
    seen: set[str] = set()
    good, repeats, unreadable = [], [], []
    for number, (sku, title, cost_ok) in enumerate(rows, start=1):
        # The first row of a key claims it even when another of its values is bad.
        if sku in seen:
            repeats.append(number)
        elif cost_ok:
            good.append((number, sku, title))
        else:
            unreadable.append(number)
        seen.add(sku)
    assert raw == good
    assert [n for n, _ in bad] == sorted(repeats + unreadable)
    reasons = dict(bad)
    assert all("duplicate key" in reasons[n] for n in repeats)
    assert all("unit_cost" in reasons[n] for n in unreadable)
    assert report.rows_loaded + report.rows_quarantined == len(rows)
