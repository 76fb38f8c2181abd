"""Demand forecasting: ``run_forecast`` turns daily demand into p10/p50/p90 forecasts per SKU,
channel and region, with backtest accuracy per SKU (see ``pipelines.forecasting.pipeline``)."""

from pipelines.forecasting.pipeline import (
    ACCURACY_COLUMNS,
    FORECAST_COLUMNS,
    ForecastInputs,
    ForecastResult,
    run_forecast,
    shard_config,
    shard_of,
)

__all__ = ["ACCURACY_COLUMNS", "FORECAST_COLUMNS", "ForecastInputs", "ForecastResult", "run_forecast",
           "shard_config", "shard_of"]
