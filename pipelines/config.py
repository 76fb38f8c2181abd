"""Typed configuration, loaded once from ``config/stockpilot.yaml`` and the environment."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator

#: The repository root (the folder holding pyproject.toml).
PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_CONFIG_FILE = PROJECT_ROOT / "config" / "stockpilot.yaml"
DEFAULT_LANDING = PROJECT_ROOT / "data" / "landing"
DEFAULT_WAREHOUSE = PROJECT_ROOT / "data" / "warehouse.duckdb"
DBT_PROJECT_DIR = PROJECT_ROOT / "dbt_project"


class ScheduleConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")
    nightly_cron: str = "0 2 * * *"
    landing_sensor_interval_seconds: int = 60


class ForecastConfig(BaseModel):
    """Demand forecasting (pipelines.forecasting). Days are calendar days."""

    model_config = ConfigDict(extra="forbid")
    horizon_days: int = Field(90, ge=28, le=180)
    backtest_windows: int = Field(3, ge=1, le=12)
    backtest_days: int = Field(28, ge=7, le=90)
    min_history_days: int = Field(28, ge=7)
    prophet_max_series: int = Field(60, ge=0)
    prophet_min_history_days: int = Field(365, ge=56)
    split_lookback_days: int = Field(90, ge=7)
    selection_margin: float = Field(0.15, ge=0.0, lt=1.0)
    shards: int = Field(4, ge=1, le=256)


class StockpilotConfig(BaseModel):
    """Planning parameters. Unknown keys are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")
    timezone: str = "UTC"
    schedule: ScheduleConfig = ScheduleConfig()
    forecast: ForecastConfig = ForecastConfig()

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str) -> str:
        ZoneInfo(value)  # raises for an unknown zone
        return value


@lru_cache(maxsize=8)
def load_config(path: str | Path | None = None) -> StockpilotConfig:
    """Read the config file named by STOCKPILOT_CONFIG, or the repository's default."""
    path = Path(path or os.environ.get("STOCKPILOT_CONFIG") or DEFAULT_CONFIG_FILE)
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return StockpilotConfig.model_validate(data)


def landing_root(value: str | Path | None = None) -> Path:
    """The landing folder: argument, then STOCKPILOT_LANDING, then data/landing."""
    return Path(value or os.environ.get("STOCKPILOT_LANDING") or DEFAULT_LANDING).resolve()


def warehouse_path(value: str | Path | None = None) -> Path:
    """The DuckDB file: argument, then STOCKPILOT_WAREHOUSE, then data/warehouse.duckdb."""
    return Path(value or os.environ.get("STOCKPILOT_WAREHOUSE") or DEFAULT_WAREHOUSE).resolve()


def as_of_date(value: str | date | None = None) -> date | None:
    """The as-of date: argument, then STOCKPILOT_AS_OF; None means the latest date in the data."""
    value = value or os.environ.get("STOCKPILOT_AS_OF") or None
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(value)
