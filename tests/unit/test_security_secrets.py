"""The BI database password comes only from STOCKPILOT_BI_URL and never shows: not in logs, not
in event metadata, not in printed output, not in error messages — whether publishing works or
fails. (A successful publish to a real PostgreSQL server is checked in
tests/integration/test_security_pipeline.py.)"""

from __future__ import annotations

import logging
import socket

import dagster as dg
import duckdb
import pytest

from orchestration.publish import BI_KEY, build_publish_assets
from orchestration.resources import StockpilotResource
from pipelines.publish import bi_engine, masked_url

SECRET = "Tr0ub4dor-and-3"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nothing listens once the socket closes


def test_masked_url_hides_the_password_in_user_info_and_in_query_parameters():
    url = f"postgresql://bi_user:{SECRET}@db.example:5432/bi?sslmode=require&password={SECRET}&sslpassword={SECRET}"
    assert masked_url(url) == ("postgresql://bi_user:***@db.example:5432/bi?password=***&sslmode=require"
                               "&sslpassword=***")


def test_an_unparseable_url_is_refused_without_repeating_it():
    with pytest.raises(ValueError) as raised:
        bi_engine(f"{SECRET} is not a url")
    assert SECRET not in str(raised.value)
    assert raised.value.__cause__ is None and raised.value.__suppress_context__
    assert masked_url(f"{SECRET} is not a url") == "***"


def test_the_bi_url_is_read_from_the_environment_only():
    """No config file or resource field holds it: StockpilotResource has no URL field and the
    planning config does not name one."""
    from pipelines.config import load_config

    assert not [name for name in StockpilotResource.model_fields if "url" in name.lower()]
    assert "://" not in repr(load_config())


@pytest.fixture
def one_mart(tmp_path):
    warehouse = tmp_path / "wh.duckdb"
    con = duckdb.connect(str(warehouse))
    con.execute("CREATE SCHEMA marts")
    con.execute("CREATE TABLE marts.kpi_summary AS SELECT 'fill_rate' AS kpi, 'all' AS scope, 0.9 AS value, "
                "'ratio' AS unit")
    con.close()
    return StockpilotResource(landing=str(tmp_path / "landing"), warehouse=str(warehouse))


def _everything_recorded(result: dg.ExecuteInProcessResult) -> list[str]:
    """Every event's message, metadata and error text (with its cause chain and stack)."""
    texts = []
    for event in result.all_events:
        texts.append(event.message or "")
        texts.append(repr(event.event_specific_data))
    return texts


@pytest.mark.parametrize("where", ["user_info", "query"])
def test_a_failing_publish_never_shows_the_password(one_mart, monkeypatch, capfd, caplog, where):
    port = _closed_port()
    url = (f"postgresql://bi_user:{SECRET}@127.0.0.1:{port}/bi" if where == "user_info"
           else f"postgresql://bi_user@127.0.0.1:{port}/bi?password={SECRET}")
    monkeypatch.setenv("STOCKPILOT_BI_URL", url)
    bi_marts = next(a for a in build_publish_assets([]) if BI_KEY in a.keys)
    with caplog.at_level(logging.DEBUG):
        result = dg.materialize([bi_marts], resources={"stockpilot": one_mart}, raise_on_error=False,
                                instance=dg.DagsterInstance.ephemeral())
    assert not result.success  # nothing listens on the port
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "Connection refused" in repr(failure.step_failure_data.error)  # the cause is told
    recorded = _everything_recorded(result)
    printed = capfd.readouterr()
    assert [t for t in recorded if SECRET in t] == []
    assert SECRET not in printed.out + printed.err
    assert SECRET not in caplog.text
