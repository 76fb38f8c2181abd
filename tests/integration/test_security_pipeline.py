"""The whole pipeline on a seller whose SKUs look like SQL injections and whose files hold
fuzzed bad input, publishing to a real PostgreSQL server through a URL with a password: the run
completes, the SKUs come out intact in every mart and in the BI database (no SQL is built by
pasting values), every bad row and file is in quarantine with its reason while the good rows
give the documented figures, and the password shows nowhere — not in what `stockpilot run`
prints, not in the Dagster event log, not in any file the run writes."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import dagster as dg
import pytest
import sqlalchemy as sa

from orchestration.cli import main
from pipelines.warehouse import connect
from tests.postgres_server import PASSWORD, start_or_skip

pytestmark = pytest.mark.integration

FIXTURE = Path(__file__).parent / "fixtures" / "small_seller"
#: The fixture's ids and what they become; each is written CSV-quoted, so the files stay valid.
HOSTILE = {
    "MUG-01": "MUG'); DROP TABLE marts.dim_sku; --",
    "TEA-02": "茶-02' OR '1'='1",
    "GIFT-SET": 'GIFT"; DELETE FROM raw.orders; --',
}


#: Bad rows appended to the fixture's order export (tab-separated, 7 columns), rows 5 to 7.
BAD_ORDER_LINES = (
    b"1004\t2025-03-02T12:00:00\twebshop\tMUG-01\t1\tp\xe9id\t2025-03-02T12:00:00\n",  # Windows-1252
    b"1005\t2025-03-02T12:00:00\twebshop\tMUG-01\t1\tpaid\t2025-03-02T12:00:00\textra\tfields\n",
    b"1006\t2025-03-02T12:00:00\twebshop\tMUG-01\t1\tpa\x00id\t2025-03-02T12:00:00\n",
)


def _hostile_copy(landing: Path, outside: Path) -> None:
    shutil.copytree(FIXTURE, landing)
    export = landing / "orders" / "export-march.tsv"
    export.write_bytes(export.read_bytes() + b"".join(BAD_ORDER_LINES))
    for path in landing.rglob("*"):
        if path.is_file():
            text = path.read_bytes().decode("utf-8", "surrogateescape")
            for old, new in HOSTILE.items():
                text = text.replace(old, '"' + new.replace('"', '""') + '"')
            path.write_bytes(text.encode("utf-8", "surrogateescape"))
    (landing / "orders" / "noise.csv").write_bytes(bytes(range(256)) * 3)
    outside.write_text("order_id,ordered_at,channel,listing_sku,quantity,status\n", encoding="utf-8")
    (landing / "orders" / "link.csv").symlink_to(outside)


@pytest.fixture(scope="module")
def postgres():
    server = start_or_skip()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def ran(tmp_path_factory, postgres):
    root = tmp_path_factory.mktemp("hostile")
    landing, warehouse, home = root / "landing", root / "wh" / "wh.duckdb", root / "dagster_home"
    _hostile_copy(landing, root / "outside.csv")
    # The password travels in the user info and again as a libpq query parameter.
    url = postgres.url + f"?password={PASSWORD}&application_name=stockpilot"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("STOCKPILOT_BI_URL", url)
        mp.setenv("DAGSTER_HOME", str(home))
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["run", "--landing", str(landing), "--warehouse", str(warehouse), "--log-level", "DEBUG"])
    return code, root, warehouse, home, out.getvalue() + err.getvalue(), postgres


def test_run_with_sql_looking_skus_succeeds(ran):
    code, *_, printed, _ = ran
    assert code == 0, printed[-3000:]


def test_sql_looking_skus_arrive_intact_in_the_marts_with_the_documented_figures(ran):
    _, _, warehouse, *_ = ran
    with connect(warehouse, read_only=True) as con:
        skus = {r[0] for r in con.execute("SELECT sku FROM marts.dim_sku").fetchall()}
        position = dict(con.execute(
            "SELECT sku, (on_hand, reserved, inbound, returns_pending, available) "
            "FROM marts.inventory_position WHERE location_id = 'WH-1'").fetchall())
        forecast_skus = {r[0] for r in con.execute("SELECT DISTINCT sku FROM marts.demand_forecast").fetchall()}
        orders = con.execute("SELECT count(*) FROM raw.orders").fetchone()[0]
    mug, tea = HOSTILE["MUG-01"], HOSTILE["TEA-02"]
    assert {mug, tea} <= skus
    # The same figures as the fixture's plain SKUs (test_own_landing_folder.py): nothing was cut
    # at a quote, and no statement ran that a value spelled out.
    assert position[mug] == (38, 1, 0, 1, 37)
    assert position[tea] == (24, 2, 100, 0, 22)
    assert {mug, tea} <= forecast_skus
    assert orders > 0


def test_fuzzed_bad_rows_and_files_are_quarantined_with_their_reasons(ran):
    _, _, warehouse, *_ = ran
    with connect(warehouse, read_only=True) as con:
        bad = con.execute("SELECT _source_file, _row_number, reason FROM quarantine.orders "
                          "ORDER BY 1, 2 NULLS FIRST").fetchall()
        registry = con.execute("SELECT path, status, rows_loaded, rows_quarantined FROM raw._loaded_files "
                               "WHERE feed = 'orders' ORDER BY 1").fetchall()
    reasons = {(file, row): reason for file, row, reason in bad}
    assert set(reasons) == {("orders/export-march.tsv", n) for n in (4, 5, 6, 7)} | {
        ("orders/link.csv", None), ("orders/noise.csv", None)}
    assert "three" in reasons["orders/export-march.tsv", 4]
    assert reasons["orders/export-march.tsv", 5] == "row is not UTF-8 text (byte 0xe9 in column status)"
    assert reasons["orders/export-march.tsv", 6] == "row has 9 fields, the header has 7"
    assert reasons["orders/export-march.tsv", 7] == "row holds a NUL byte (binary data) in column status"
    assert reasons["orders/link.csv", None] == "orders/link.csv: symbolic link refused"
    assert "not UTF-8 text" in reasons["orders/noise.csv", None]
    # Rows in = loaded + quarantined: the export's 7 data rows are 3 loaded and 4 quarantined.
    assert ("orders/export-march.tsv", "loaded", 3, 4) in registry


def test_sql_looking_skus_are_published_intact_to_postgresql(ran):
    *_, postgres = ran
    engine = sa.create_engine(postgres.url)
    try:
        with engine.connect() as conn:
            skus = {r[0] for r in conn.execute(sa.text("SELECT sku FROM marts.inventory_position"))}
    finally:
        engine.dispose()
    assert {HOSTILE["MUG-01"], HOSTILE["TEA-02"]} <= skus


def test_the_bi_password_is_not_printed(ran):
    *_, printed, _ = ran
    assert "BI database: postgresql+psycopg://stockpilot:***@127.0.0.1" in printed
    assert PASSWORD not in printed


def test_the_bi_password_is_in_no_event_log_entry_nor_metadata(ran):
    _, _, _, home, _, _ = ran
    with dg.DagsterInstance.from_config(str(home)) as instance:
        [run] = instance.get_runs()
        entries = instance.all_logs(run.run_id)
        assert entries
        texts = []
        for entry in entries:
            texts.append(entry.user_message or "")
            event = entry.dagster_event
            if event is not None:
                texts.append(repr(event.event_specific_data))
        assert any("***@127.0.0.1" in t for t in texts)  # the masked target is recorded
        assert not [t for t in texts if PASSWORD in t]


def test_the_bi_password_is_in_no_file_the_run_wrote(ran):
    _, root, *_ = ran
    leaked = [path for path in root.rglob("*")
              if path.is_file() and "landing" not in path.parts and PASSWORD.encode() in path.read_bytes()]
    assert leaked == []
