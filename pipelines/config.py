"""Typed configuration, loaded once from ``config/stockpilot.yaml`` and the environment."""

from __future__ import annotations

import os
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

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
    # Model selection (the backtests) runs on a refit night, every this many days; other nights
    # reuse each SKU's chosen model and interval offsets (pipelines.forecasting.refit). 1 = every night.
    refit_every_days: int = Field(7, ge=1, le=366)
    # A zero-sale run on days no snapshot covers is a suspected stockout when it is at least
    # this long and its chance as ordinary no-sale days is below the probability; runs longer
    # than the maximum are real (the item left the range). 0 (the default) switches it off.
    suspected_stockout_min_days: int = Field(0, ge=0)
    suspected_stockout_max_days: int = Field(180, ge=1)
    suspected_stockout_probability: float = Field(0.001, gt=0.0, lt=1.0)
    # Yearly changes that repeat (pipelines.forecasting.seasonal): the last this many years are
    # compared, and the layer acts only where at least two of them moved the same way by at
    # least the minimum change (log ratio; 0.1 ≈ 10 %), by this weight times the smallest of
    # their changes (in log terms; 0.5 = half). 0 years switches it off.
    seasonal_years: int = Field(3, ge=0, le=5)
    seasonal_min_change: float = Field(0.1, ge=0.0, le=2.0)
    seasonal_weight: float = Field(0.5, gt=0.0, le=1.0)


class ScoreWeights(BaseModel):
    """How a dedicated split weighs each channel (pipelines.allocation.scoring). Only the ratios
    matter: the weights are normalised to sum to 1."""

    model_config = ConfigDict(extra="forbid")
    velocity: float = Field(0.6, ge=0.0)
    margin: float = Field(0.25, ge=0.0)
    priority: float = Field(0.15, ge=0.0)

    @model_validator(mode="after")
    def _not_all_zero(self) -> ScoreWeights:
        if self.velocity + self.margin + self.priority <= 0:
            raise ValueError("at least one allocation score weight must be positive")
        return self


class AllocationConfig(BaseModel):
    """Channel allocation and order routing (pipelines.allocation). Days are calendar days."""

    model_config = ConfigDict(extra="forbid")
    score_weights: ScoreWeights = ScoreWeights()
    velocity_days: int = Field(28, ge=1, le=180)
    velocity_lookback_days: int = Field(28, ge=1, le=365)
    ships_later_days: int = Field(7, ge=0, le=60)
    region_proximity: dict[str, list[str]] = Field(default_factory=dict)


class ServiceLevels(BaseModel):
    """Cycle service level (chance that a replenishment cycle ends without a stockout) per ABC
    class (pipelines.replenishment)."""

    model_config = ConfigDict(extra="forbid")
    A: float = Field(0.98, ge=0.5, lt=1.0)
    B: float = Field(0.95, ge=0.5, lt=1.0)
    C: float = Field(0.90, ge=0.5, lt=1.0)


class AbcCutoffs(BaseModel):
    """Cumulative revenue shares closing classes A and B; the rest is C."""

    model_config = ConfigDict(extra="forbid")
    A: float = Field(0.80, gt=0.0, lt=1.0)
    B: float = Field(0.95, gt=0.0, le=1.0)

    @model_validator(mode="after")
    def _a_before_b(self) -> AbcCutoffs:
        if self.A >= self.B:
            raise ValueError("abc_cutoffs: A must be below B")
        return self


class Co2eFactors(BaseModel):
    """kg CO2e per unit moved, by mode, for lanes that give none (co2e_kg_per_unit 0)."""

    model_config = ConfigDict(extra="forbid")
    sea: float = Field(0.04, ge=0.0)
    rail: float = Field(0.06, ge=0.0)
    truck: float = Field(0.10, ge=0.0)
    air: float = Field(1.9, ge=0.0)


class ReplenishmentConfig(BaseModel):
    """Reorder thresholds, transfer orders and purchase suggestions (pipelines.replenishment).
    Days are calendar days."""

    model_config = ConfigDict(extra="forbid")
    service_levels: ServiceLevels = ServiceLevels()
    #: what the service levels mean: "cycle" (chance a replenishment cycle ends without a stockout)
    #: or "fill_rate" (share of demand served from stock; thresholds.protection)
    service_measure: Literal["cycle", "fill_rate"] = "cycle"
    abc_cutoffs: AbcCutoffs = AbcCutoffs()
    abc_lookback_days: int = Field(365, ge=7)
    transfer_review_days: float = Field(1.0, ge=0.0)
    purchase_review_days: float = Field(7.0, ge=0.0)
    transfer_cover_days: float = Field(14.0, ge=0.0)
    purchase_cover_days: float = Field(30.0, ge=0.0)
    transfer_ship_days: int = Field(1, ge=0)
    lane_delay_tolerance_days: int = Field(5, ge=0)
    fulfilment_lookback_days: int = Field(90, ge=7)
    fulfilment_fallback_days: int = Field(365, ge=7)
    error_lookback_days: int = Field(365, ge=0)
    error_forecast_days: int = Field(28, ge=1)
    sensing_days: int = Field(7, ge=0, le=90)
    sensing_quantile: float = Field(0.9, gt=0.5, lt=1.0)
    # Lead times learned from receipts (dbt: marts.lane_lead_times, which gets these as --vars):
    # receipts of the last lookback days count, the stated lane weighs as prior_shipments
    # shipments, a receipt more than outlier_ratio times faster or slower than stated is ignored.
    lead_time_lookback_days: int = Field(365, ge=1)
    lead_time_prior_shipments: float = Field(5.0, ge=0.0)
    lead_time_outlier_ratio: float = Field(3.0, gt=1.0)
    co2e_kg_per_unit: Co2eFactors = Co2eFactors()

    @property
    def location_stock_days(self) -> int:
        """Days of each location's stockouts the plan reads: the fulfilment look-back and the
        longer one for a location out of stock the whole look-back (pipelines.replenishment.demand)."""
        return max(self.fulfilment_lookback_days, self.fulfilment_fallback_days)

    @property
    def history_days(self) -> int:
        """Days of shipped history the plan reads: the safety stock's error measurement and
        demand sensing both look back over it."""
        return max(self.error_lookback_days, self.sensing_days)


class HealthConfig(BaseModel):
    """Inventory health score, dead stock and the KPIs' supply figures (pipelines.health, the
    kpi dbt models). Days are calendar days; points are deducted from a score of 100."""

    model_config = ConfigDict(extra="forbid")
    no_sales_days: int = Field(30, ge=1)
    no_sales_points: int = Field(30, ge=0, le=100)
    excess_days_of_inventory: float = Field(90.0, gt=0.0)
    excess_points: int = Field(20, ge=0, le=100)
    excess_scope: Literal["selling", "all"] = "selling"
    stockout_horizon_days: int = Field(15, ge=1)
    stockout_points: int = Field(25, ge=0, le=100)
    oversell_points: int = Field(25, ge=0, le=100)
    attention_below: int = Field(60, ge=0, le=100)
    sales_rate_days: int = Field(90, ge=7, le=365)
    dead_stock_days: int = Field(180, ge=1)
    liquidate_after_days: int = Field(365, ge=1)
    move_velocity_ratio: float = Field(2.0, ge=1.0)
    kpi_history_days: int = Field(365, ge=7, le=1095)


class PublishConfig(BaseModel):
    """Publishing the marts (orchestration.publish): Parquet files and the BI database."""

    model_config = ConfigDict(extra="forbid")
    parquet_dir: str = "exports"
    bi_schema: str = "marts"
    chunk_rows: int = Field(100_000, ge=1_000)


class ReportConfig(BaseModel):
    """The HTML planning report (pipelines.reporting.report)."""

    model_config = ConfigDict(extra="forbid")
    file: str = "report.html"
    attention_rows: int = Field(50, ge=1)
    forecast_skus: int = Field(4, ge=1, le=12)
    table_rows: int = Field(25, ge=1)


class AdaptersConfig(BaseModel):
    """Marketplace-report adapters (pipelines.ingest.adapters): which of your locations, channels
    and regions the reports stand for. Empty values are found in the reference data; the rules
    are in docs/data-contract.md ("Marketplace reports")."""

    model_config = ConfigDict(extra="forbid")
    #: Marketplace country (ISO code, or an Amazon FC code such as PHX7; "*" = any) → the location
    #: id of the FBA stock Amazon's reports describe.
    amazon_fba_locations: dict[str, str] = Field(default_factory=dict)
    amazon_awd_location: str = ""
    walmart_wfs_location: str = ""
    #: Walmart ship node id (or name) → location id.
    walmart_ship_nodes: dict[str, str] = Field(default_factory=dict)
    #: Where merchant-fulfilled Amazon orders ship from; empty = Amazon's first routing rule.
    amazon_merchant_fulfilled_from: str = ""
    #: Marketplace (amazon, walmart, ebay, shopify) → your channel id, when you named it otherwise.
    channels: dict[str, str] = Field(default_factory=dict)
    #: Region → the ship-to state or province codes (or country codes) in it. An order whose
    #: state is not listed gets no ship_region (the fulfilling location's region applies).
    ship_regions: dict[str, list[str]] = Field(default_factory=dict)


class BaselineRuleConfig(BaseModel):
    """The spreadsheet rule the backtest compares Stockpilot with: when on hand + inbound falls
    below ``reorder_cover_days`` of the mean daily sales over the last ``sales_days`` days, order
    up to ``order_up_to_days`` of them. With ``plus_lead_time`` (the default) both are counted on
    top of the order's lead time, as a seller with long lead times writes the rule: reorder below
    lead time + N days of sales, up to lead time + 2N (N = 30: ``reorder_cover_days`` 30,
    ``order_up_to_days`` 60); without it, the fixed 30/60-day rule."""

    model_config = ConfigDict(extra="forbid")
    reorder_cover_days: float = Field(30.0, ge=0.0)
    order_up_to_days: float = Field(60.0, gt=0.0)
    sales_days: int = Field(30, ge=1, le=365)
    plus_lead_time: bool = True

    @model_validator(mode="after")
    def _up_to_above_reorder(self) -> BaselineRuleConfig:
        if self.order_up_to_days < self.reorder_cover_days:
            raise ValueError("backtest.baseline: order_up_to_days must not be below reorder_cover_days")
        return self


class BacktestConfig(BaseModel):
    """The policy backtest (pipelines.simulation): replaying real demand against Stockpilot's
    nightly plan and against the spreadsheet rule. Days are calendar days; costs in the
    seller's currency."""

    model_config = ConfigDict(extra="forbid")
    window_days: int = Field(365, ge=7, le=1095)
    asset_window_days: int = Field(56, ge=7, le=1095)
    asset_max_skus: int = Field(300, ge=0)
    refit_every_days: int = Field(7, ge=1, le=91)
    lost_sales: bool = True
    seed: int = 7
    start_cover_days: float = Field(30.0, ge=0.0)
    start_lookback_days: int = Field(30, ge=1, le=365)
    start_in_transit: bool = True
    holding_cost_rate: float = Field(0.25, ge=0.0)
    order_cost: float = Field(10.0, ge=0.0)
    workers: int = Field(0, ge=0, le=64)
    baseline: BaselineRuleConfig = BaselineRuleConfig()


class StockpilotConfig(BaseModel):
    """Planning parameters. Unknown keys are an error, so a typo never silently does nothing."""

    model_config = ConfigDict(extra="forbid")
    timezone: str = "UTC"
    schedule: ScheduleConfig = ScheduleConfig()
    forecast: ForecastConfig = ForecastConfig()
    allocation: AllocationConfig = AllocationConfig()
    replenishment: ReplenishmentConfig = ReplenishmentConfig()
    health: HealthConfig = HealthConfig()
    publish: PublishConfig = PublishConfig()
    report: ReportConfig = ReportConfig()
    adapters: AdaptersConfig = AdaptersConfig()
    backtest: BacktestConfig = BacktestConfig()

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


def beside_warehouse(value: str | Path, warehouse: str | Path | None = None) -> Path:
    """``value`` as a path: absolute as given, relative to the warehouse's folder otherwise
    (``publish.parquet_dir``, ``report.file``), so every output of a run sits beside its data."""
    path = Path(value)
    return path if path.is_absolute() else (warehouse_path(warehouse).parent / path).resolve()
