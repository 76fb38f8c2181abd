"""Shared test settings: no test touches data/ or the developer's Dagster instance."""

import os

import pytest


@pytest.fixture(autouse=True, scope="session")
def _isolated_environment(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    saved = {k: os.environ.get(k) for k in ("DAGSTER_HOME", "STOCKPILOT_AS_OF")}
    os.environ.pop("DAGSTER_HOME", None)
    os.environ.pop("STOCKPILOT_AS_OF", None)
    # a developer's BI database is never a test's target
    saved["STOCKPILOT_BI_URL"] = os.environ.pop("STOCKPILOT_BI_URL", None)
    os.environ.setdefault("STOCKPILOT_WAREHOUSE", str(home / "unused.duckdb"))
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    yield
    for key, value in saved.items():
        if value is not None:
            os.environ[key] = value
