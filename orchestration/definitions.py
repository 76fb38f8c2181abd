"""The Dagster code location (``workspace.yaml``): every asset, check, job, schedule and sensor."""

from __future__ import annotations

import dagster as dg

from orchestration.allocation import channel_allocation_plan
from orchestration.automation import landing_refresh_job, landing_sensor, nightly_job, nightly_schedule
from orchestration.backtest import policy_backtest
from orchestration.checks import raw_checks
from orchestration.dbt import build_dbt_assets, dbt_resource
from orchestration.forecast import build_forecast_assets
from orchestration.health import health_assets
from orchestration.ingest import ingest_assets
from orchestration.publish import build_publish_assets
from orchestration.replenishment import replenishment_plan
from orchestration.resources import StockpilotResource
from orchestration.restock import restock_comparison


def build_definitions(stockpilot: StockpilotResource | None = None) -> dg.Definitions:
    """Definitions for one set of paths; the default reads them from the environment."""
    assets = [*ingest_assets, build_dbt_assets(), build_forecast_assets(), replenishment_plan,
              channel_allocation_plan, *health_assets, restock_comparison, policy_backtest]
    return dg.Definitions(
        # the report and the publishing steps come last: they depend on every marts asset above
        assets=[*assets, *build_publish_assets(assets)],
        asset_checks=raw_checks,
        jobs=[nightly_job, landing_refresh_job],
        schedules=[nightly_schedule()],
        sensors=[landing_sensor],
        resources={
            "stockpilot": stockpilot or StockpilotResource.from_env(),
            "dbt": dbt_resource(),
        },
    )


defs = build_definitions()
