"""The nightly replenishment plan: ``plan_replenishment`` turns the marts it reads into the four
replenishment tables. Pure pandas/numpy, vectorised over SKUs; see each module for its rules:

1. ``demand``: daily forecast per SKU in total and per customer-facing location; ABC classes;
   ``sensing``: where the last days' sales outran it, the recent rate instead;
   ``safety_stock``: the forecast error over lead time + review measured on the history.
2. ``lanes``: delayed lanes, each location's usual source and entry point.
3. ``thresholds``: ``replenishment_targets``.
4. ``placement`` (entry shares) → ``purchases``: ``purchase_suggestions`` and their split.
5. ``placement``: ``regional_placement`` of the stock arriving at entry points.
6. ``transfers``: ``transfer_orders``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import pandas as pd

from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import lanes as lane_rules
from pipelines.replenishment.demand import abc_classes, build_demand_cube, service_levels_for
from pipelines.replenishment.placement import build_placement, demand_by_entry, entry_level
from pipelines.replenishment.purchases import plan_purchases
from pipelines.replenishment.safety_stock import ErrorHistory
from pipelines.replenishment.sensing import sense_recent_demand
from pipelines.replenishment.thresholds import build_targets
from pipelines.replenishment.transfers import plan_transfers


@dataclass
class ReplenishmentInputs:
    """What the plan reads, as the marts hold it."""

    as_of: date
    forecast: pd.DataFrame  # marts.demand_forecast, levels total and region: sku, level, level_value, date, p10, p50, p90
    positions: pd.DataFrame  # marts.inventory_position: sku, location_id, on_hand, reserved, unsellable,
    #                          available, inbound, inbound_planned
    in_transit: pd.DataFrame  # marts.in_transit: sku, quantity, origin_id, destination_id, mode, status, days_late
    locations: pd.DataFrame  # marts.dim_location: location_id, location_type, region, capacity_units
    lanes: pd.DataFrame  # staging lanes with marts.lane_lead_times' transit: origin_id, destination_id, mode,
    #                      transit_days, transit_days_std, cost_per_unit, lane_status, order_cost,
    #                      co2e_kg_per_unit; optional n_received (receipts the transit was learned from)
    skus: pd.DataFrame  # marts.dim_sku: sku, unit_cost, case_pack, moq, supplier_id,
    #                     production_lead_time_days, sku_status
    revenue: pd.DataFrame  # sku, revenue over replenishment.abc_lookback_days
    # sku, region, location_id, units over replenishment.fulfilment_lookback_days: one row per day (column
    # date) to leave out the days another location was out of stock (demand)
    fulfilment: pd.DataFrame
    # daily units each location shipped (location_id empty: not known) over replenishment.error_lookback_days
    # and the days a SKU had no stock anywhere: the safety stock's measured error (safety_stock)
    history: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["sku", "location_id", "date", "units"]))
    stockouts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["date", "sku"]))
    # marts.fct_location_stockouts (date, sku, location_id) over replenishment.location_stock_days, and the
    # units (sku, region, location_id, units) over replenishment.fulfilment_fallback_days: the demand split
    # is measured on the days a location could serve (demand); absent, every day counts as in stock
    location_stockouts: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["date", "sku", "location_id"]))
    fulfilment_fallback: pd.DataFrame | None = None
    # promotions (sku, start_date, end_date): their days are left out of demand sensing (sensing)
    promotions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["sku", "start_date", "end_date"]))


@dataclass
class ReplenishmentPlan:
    targets: pd.DataFrame
    transfer_orders: pd.DataFrame
    regional_placement: pd.DataFrame
    purchase_suggestions: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        """The output tables by their name in the ``marts`` schema."""
        return {"replenishment_targets": self.targets, "transfer_orders": self.transfer_orders,
                "regional_placement": self.regional_placement, "purchase_suggestions": self.purchase_suggestions}


#: Numeric columns of the inputs: typed once here, so an empty mart (typed as text) works too.
NUMBERS = {
    "forecast": ("p10", "p50", "p90"),
    "positions": ("on_hand", "reserved", "unsellable", "available", "inbound", "inbound_planned"),
    "in_transit": ("quantity", "days_late"),
    "locations": ("capacity_units",),
    "lanes": ("transit_days", "transit_days_std", "cost_per_unit", "order_cost", "co2e_kg_per_unit"),
    "skus": ("unit_cost", "case_pack", "moq", "production_lead_time_days"),
    "revenue": ("revenue",),
    "fulfilment": ("units",),
    "fulfilment_fallback": ("units",),
    "history": ("units",),
}


def _typed(inputs: ReplenishmentInputs) -> ReplenishmentInputs:
    frames = {}
    for name, columns in NUMBERS.items():
        frame = getattr(inputs, name)
        if frame is None:
            frames[name] = None
            continue
        frame = frame.copy()
        for col in columns:
            frame[col] = pd.to_numeric(frame[col], errors="coerce").astype(float)
        frames[name] = frame
    frames["positions"][list(NUMBERS["positions"])] = frames["positions"][list(NUMBERS["positions"])].fillna(0)
    frames["in_transit"]["days_late"] = frames["in_transit"]["days_late"].fillna(0)
    for col in ("order_cost", "co2e_kg_per_unit", "transit_days_std"):
        frames["lanes"][col] = frames["lanes"][col].fillna(0.0)
    return ReplenishmentInputs(as_of=inputs.as_of, stockouts=inputs.stockouts, promotions=inputs.promotions,
                               location_stockouts=inputs.location_stockouts, **frames)


def plan_replenishment(inputs: ReplenishmentInputs, cfg: ReplenishmentConfig) -> ReplenishmentPlan:
    """Thresholds, tonight's transfers, regional placement and purchase suggestions."""
    inputs = _typed(inputs)
    as_of = inputs.as_of
    cube = build_demand_cube(inputs.forecast, inputs.fulfilment, inputs.locations, as_of,
                             lookback_days=cfg.fulfilment_lookback_days, stockouts=inputs.location_stockouts,
                             fallback=inputs.fulfilment_fallback, fallback_days=cfg.fulfilment_fallback_days)
    cube, sensed = sense_recent_demand(cube, inputs.history, inputs.promotions, cfg.sensing_days,
                                       cfg.sensing_quantile)
    sku_axis = cube.skus.union(pd.Index(inputs.skus["sku"]))
    abc = abc_classes(inputs.revenue, sku_axis, cfg.abc_cutoffs)
    levels = service_levels_for(abc, cfg.service_levels)

    lanes = lane_rules.lane_delays(inputs.lanes, inputs.in_transit, cfg.lane_delay_tolerance_days,
                                   cfg.co2e_kg_per_unit)
    transfer_lanes, supplier_lanes = lane_rules.split_lanes(lanes, inputs.locations)
    usual = lane_rules.usual_transfer_lanes(transfer_lanes)
    cheapest_supply = lane_rules.cheapest_supplier_lanes(supplier_lanes)
    entries = lane_rules.entry_points(inputs.locations, usual, supplier_lanes)

    errors = ErrorHistory(inputs.history, inputs.stockouts, as_of, cfg.error_lookback_days, cfg.error_forecast_days)
    targets = build_targets(cube, inputs.positions, inputs.skus, inputs.locations, usual, cheapest_supply,
                            abc, levels, cfg, errors, sensed)
    served = demand_by_entry(cube, entries, inputs.locations)
    downstream = lane_rules.downstream_days(served, usual, cfg.transfer_ship_days)
    purchases, split = plan_purchases(cube, inputs.positions, inputs.in_transit, inputs.skus, inputs.locations,
                                      cheapest_supply, supplier_lanes, entry_level(served), abc, levels, cfg,
                                      errors, downstream)
    placement = build_placement(served, inputs.in_transit, split, entries, as_of)
    transfers = plan_transfers(targets, inputs.skus, inputs.positions, inputs.in_transit, inputs.locations,
                               transfer_lanes, cfg, as_of)
    return ReplenishmentPlan(targets=targets, transfer_orders=transfers, regional_placement=placement,
                             purchase_suggestions=purchases)
