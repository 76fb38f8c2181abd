"""The Dagster UI binds to 127.0.0.1 (this machine only) unless --host or STOCKPILOT_UI_HOST
says otherwise, through `stockpilot ui` and `make ui` alike."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from orchestration import cli

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def dagster_dev(monkeypatch, tmp_path):
    """Run `stockpilot ui` with the `dagster dev` it starts replaced by a recorder."""
    calls = []
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home"))
    monkeypatch.setattr(cli.subprocess, "call", lambda argv, **kwargs: calls.append(argv) or 0)
    return calls


def _bound(argv: list[str]) -> str:
    return argv[argv.index("-h") + 1]


def test_ui_binds_to_loopback_by_default(dagster_dev, monkeypatch):
    monkeypatch.delenv("STOCKPILOT_UI_HOST", raising=False)
    assert cli.main(["ui"]) == 0
    assert _bound(dagster_dev[0]) == "127.0.0.1"


def test_ui_binds_where_the_environment_says(dagster_dev, monkeypatch, capsys):
    monkeypatch.setenv("STOCKPILOT_UI_HOST", "0.0.0.0")
    cli.main(["ui"])
    assert _bound(dagster_dev[0]) == "0.0.0.0"
    assert "has no login" in capsys.readouterr().out


def test_host_option_wins_over_the_environment(dagster_dev, monkeypatch):
    monkeypatch.setenv("STOCKPILOT_UI_HOST", "0.0.0.0")
    cli.main(["ui", "--host", "127.0.0.1", "--port", "3111"])
    assert _bound(dagster_dev[0]) == "127.0.0.1"
    assert dagster_dev[0][dagster_dev[0].index("-p") + 1] == "3111"


def test_make_ui_runs_stockpilot_ui_without_a_host_override():
    dry_run = subprocess.run(["make", "-n", "ui"], cwd=REPO, capture_output=True, text=True, check=True)
    [command] = [line for line in dry_run.stdout.splitlines() if "stockpilot ui" in line]
    assert command.strip().endswith("stockpilot ui")
    assert "STOCKPILOT_UI_HOST" not in dry_run.stdout
