"""Channel allocation and order routing: sell everywhere from one pool without overselling.

Pure pandas, no Dagster and no database: ``build_allocation_plan`` turns the marts it is given
(:class:`AllocationInputs`) into the four output tables; ``replay_orders`` replays an order
stream against the published quantities to count oversold units.
"""

from pipelines.allocation.plan import AllocationInputs, AllocationPlan, build_allocation_plan

__all__ = ["AllocationInputs", "AllocationPlan", "build_allocation_plan"]
