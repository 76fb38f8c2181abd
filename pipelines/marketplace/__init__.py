"""What the marketplaces themselves recommend, set next to Stockpilot's plan."""

from pipelines.marketplace.restock_comparison import ComparisonInputs, compare_restock

__all__ = ["ComparisonInputs", "compare_restock"]
