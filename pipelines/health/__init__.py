"""Inventory health: the score per SKU (``score``) and dead stock (``dead_stock``).

Pure pandas, no Dagster and no database. The ageing layers, days of inventory and the KPIs are
dbt models (``int_inventory_layers``, ``inventory_age``, ``int_sku_supply``, ``kpi_daily``,
``kpi_summary``); these functions read them.
"""

from pipelines.health.dead_stock import DEAD_STOCK_COLUMNS, DeadStockInputs, dead_stock
from pipelines.health.score import HEALTH_COLUMNS, HealthInputs, health_scores

__all__ = ["DEAD_STOCK_COLUMNS", "HEALTH_COLUMNS", "DeadStockInputs", "HealthInputs", "dead_stock",
           "health_scores"]
