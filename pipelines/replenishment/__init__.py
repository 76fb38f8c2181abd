"""Replenishment: policy maths (``policy``), reorder thresholds, tonight's transfer orders,
regional placement and supplier purchase suggestions (``plan_replenishment``)."""

from pipelines.replenishment import policy
from pipelines.replenishment.plan import ReplenishmentInputs, ReplenishmentPlan, plan_replenishment

__all__ = ["ReplenishmentInputs", "ReplenishmentPlan", "plan_replenishment", "policy"]
