"""Supplier purchase suggestions (``marts.purchase_suggestions``), one row per SKU and supplier.

Network level: the SKU's position is everything it owns — available at every location, in
transit anywhere, and on order (planned shipments from suppliers) — against the SKU's total
forecast. The lead time is the production lead time plus the transport to the entry points
the purchase is split across (``placement``: by the share of demand each serves), on each
one's cheapest lane from the supplier (delays add their observed days): transport days are the
demand-weighted mean over those lanes, their spread the weighted root mean square.

Bought units sell only once they reach the selling locations: ``downstream_days`` (ship days +
the usual transfer lane from the entry point, weighted by each location's forecast) are added to
the lead time L for the thresholds, t*, the last order date and whether the stock lands in time
(``expected_arrival`` stays the landing at the entry point).

Reorder point = demand over lead time + ``purchase_review_days`` + safety stock (at the service
level of the SKU's ABC class; its spread as in ``thresholds``, the error measured on the SKU's
demand at every location). Consuming the position day by day against the forecast, it
reaches the reorder point after t* = days of cover of (position − safety stock) − (lead time +
review) days. A suggestion is made when that happens within the lead time (t* ≤ L), for
active SKUs with forecast demand only:

- order_by = as_of + floor(t*): on or before the as-of date means order now (the date shows how
  late it already is); a later date is an upcoming order, planned in advance;
- last_order_date = as_of + floor(days of cover − lead time): the last day an order still lands
  before the projected stockout (it ignores safety stock and review); none without a projected
  stockout (cover beyond ``policy.MAX_STOCKOUT_DAYS``), nor where it would lie further than
  that from the as-of date (as for every date here);
- quantity = what covers lead time + review + ``purchase_cover_days`` after the order day plus
  the safety stock, minus the position projected to that day (the order-up-to level minus the
  position, for an order due now); then at least one unit and the supplier's MOQ, rounded up to
  case packs;
- expected_arrival = the later of order_by and as_of, plus the lead time.

The worked example: 5 units/day, 75 on hand, 10 days production + 15 days sea to the warehouse
+ 3 days on to the fulfilment centre, no spread, no review: 15 days of cover against a 28-day
lead time → t* = −13, order_by 13 days before the as-of date (due now), projected stockout 15
days after it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import policy
from pipelines.replenishment.demand import DemandCube
from pipelines.replenishment.rounding import purchase_quantity, split_whole
from pipelines.replenishment.safety_stock import ErrorHistory
from pipelines.replenishment.schema import PURCHASES, conform
from pipelines.replenishment.thresholds import cover_and_stockout, protection
from pipelines.replenishment.words import dates, num, pct

SPLIT_COLUMNS = ["sku", "entry_id", "suggested_units", "mode", "transit_days", "cost_per_unit", "co2e_per_unit"]


def network_position(positions: pd.DataFrame, in_transit: pd.DataFrame, stock_locations: set[str]) -> pd.DataFrame:
    """Per SKU: available_units, inbound_units (in transit to any location), on_order_units
    (planned shipments from outside the network: suppliers) and network_position, their sum.
    Planned transfers between own locations are not added: their units are still on hand."""
    own = positions.groupby("sku")[["available", "inbound"]].sum().rename(
        columns={"available": "available_units", "inbound": "inbound_units"})
    ordered = in_transit[in_transit["status"].eq("planned") & ~in_transit["origin_id"].isin(stock_locations)]
    own = own.join(ordered.groupby("sku")["quantity"].sum().rename("on_order_units"), how="outer").fillna(0)
    own = own.astype(np.int64)
    own["network_position"] = own.sum(axis=1)
    return own


def _lanes_by_sku(entry_shares: pd.DataFrame, sku_info: pd.DataFrame, supplier_lanes: pd.DataFrame,
                  skus: pd.Index) -> pd.DataFrame:
    """(sku, entry_id, weight, lane...) of the lanes a purchase of each SKU travels on."""
    sup = supplier_lanes.rename(columns={"origin_id": "supplier_id", "destination_id": "entry_id"})
    shares = entry_shares.assign(supplier_id=entry_shares["sku"].map(sku_info["supplier_id"]))
    routed = shares.merge(sup, on=["supplier_id", "entry_id"])
    # SKUs whose entry points no lane of their supplier reaches: the supplier's cheapest lane
    missing = pd.Index(skus).difference(routed["sku"].unique())
    if len(missing):
        fallback = pd.DataFrame({"sku": missing, "supplier_id": missing.map(sku_info["supplier_id"])})
        cheapest = sup.sort_values(["supplier_id", "cost_per_unit", "transit_days", "entry_id"]).groupby(
            "supplier_id").head(1)
        fallback = fallback.merge(cheapest, on="supplier_id").assign(entry_share=1.0)
        routed = pd.concat([routed, fallback], ignore_index=True)
    routed["weight"] = routed["entry_share"] / routed.groupby("sku")["entry_share"].transform("sum")
    return routed


def plan_purchases(cube: DemandCube, positions: pd.DataFrame, in_transit: pd.DataFrame, skus: pd.DataFrame,
                   locations: pd.DataFrame, supplier_lanes: pd.DataFrame, all_supplier_lanes: pd.DataFrame,
                   entry_shares: pd.DataFrame, abc: pd.Series, levels: pd.Series, cfg: ReplenishmentConfig,
                   errors: ErrorHistory | None = None, downstream: pd.Series | None = None
                   ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(``marts.purchase_suggestions`` rows, their split by entry point: SPLIT_COLUMNS).

    ``supplier_lanes``: lanes.cheapest_supplier_lanes; ``all_supplier_lanes``: every supplier
    lane (for the fastest alternative); both annotated by lanes.lane_delays. ``entry_shares``:
    sku, entry_id, entry_share (placement.entry_level). ``errors``: the history the forecast error
    over L + R is measured on, the SKU's demand at every location (None: the band alone).
    ``downstream``: days from the entry points to the selling locations per SKU
    (``lanes.downstream_days``; None: 0, the entry points sell).
    """
    as_of = cube.as_of
    sku_info = skus.set_index("sku")
    frame = pd.DataFrame({"sku": cube.skus})
    frame["supplier_id"] = frame["sku"].map(sku_info["supplier_id"])
    frame["sku_status"] = frame["sku"].map(sku_info["sku_status"]).fillna("active")
    frame["production_lead_time_days"] = frame["sku"].map(sku_info["production_lead_time_days"]).fillna(0).astype(float)
    frame["moq"] = frame["sku"].map(sku_info["moq"]).fillna(1).astype(np.int64)
    frame["case_pack"] = frame["sku"].map(sku_info["case_pack"]).fillna(1).clip(lower=1).astype(np.int64)
    frame["unit_cost"] = frame["sku"].map(sku_info["unit_cost"]).fillna(0.0)
    frame["abc_class"] = frame["sku"].map(abc).fillna("C")
    frame["service_level"] = frame["sku"].map(levels).fillna(cfg.service_levels.C)

    routed = _lanes_by_sku(entry_shares, sku_info, supplier_lanes, cube.skus)
    w = routed["weight"]
    per_sku = routed.assign(t=w * routed["expected_transit_days"], v=w * routed["transit_days_std"] ** 2).groupby(
        "sku").agg(transport_days=("t", "sum"), variance=("v", "sum"))
    main = routed.sort_values(["sku", "weight", "entry_id"], ascending=[True, False, True]).groupby("sku").head(1)
    frame["transport_days"] = frame["sku"].map(per_sku["transport_days"])
    frame["lead_time_std_days"] = np.sqrt(frame["sku"].map(per_sku["variance"]))
    frame["destination_id"] = frame["sku"].map(main.set_index("sku")["entry_id"])
    frame["mode"] = frame["sku"].map(main.set_index("sku")["mode"])
    has_lane = frame["transport_days"].notna().to_numpy()
    frame["lead_time_days"] = frame["production_lead_time_days"] + frame["transport_days"].fillna(0)
    frame["lead_time_std_days"] = frame["lead_time_std_days"].fillna(0.0)
    frame["review_period_days"] = cfg.purchase_review_days
    frame["downstream_days"] = (frame["sku"].map(downstream).fillna(0.0).astype(float) if downstream is not None
                                else 0.0)
    # the echelon lead time: bought units sell only once they reach the selling locations
    echelon = frame["lead_time_days"].to_numpy(dtype=float) + frame["downstream_days"].to_numpy(dtype=float)

    window = echelon + cfg.purchase_review_days
    measured = errors.window_std(frame[["sku"]], window) if errors is not None else 0.0
    figures = protection(cube.total_p50, cube.total_sigma, echelon,
                         frame["lead_time_std_days"].to_numpy(), cfg.purchase_review_days,
                         cfg.purchase_cover_days, frame["service_level"].to_numpy(), measured, cfg.service_measure)
    for name, values in figures.items():
        frame[name] = values

    stock_locations = set(locations.loc[locations["location_type"].isin(
        ("upstream", "fc", "warehouse", "store")), "location_id"])
    net = network_position(positions, in_transit, stock_locations).reindex(cube.skus).fillna(0).astype(np.int64)
    for col in net.columns:
        frame[col] = net[col].to_numpy()
    position = frame["network_position"].to_numpy(dtype=float)
    cover, stockout = cover_and_stockout(position, cube.total_p50, as_of)
    frame["days_of_cover"] = np.round(cover, 1)
    frame["projected_stockout_date"] = stockout

    # t*: days until the projected position reaches the reorder point (negative: it already has)
    lead = echelon
    window = lead + cfg.purchase_review_days
    safety = figures["safety_stock"].astype(float)
    reach = policy.days_of_cover(position - safety, cube.total_p50) - window
    active = frame["sku_status"].ne("discontinued").to_numpy()
    has_demand = cube.total_p50.sum(axis=1) > 0
    due = active & has_demand & has_lane & np.isfinite(reach) & (reach <= lead)
    frame, reach = frame[due].reset_index(drop=True), reach[due]
    if frame.empty:
        return conform(None, PURCHASES), pd.DataFrame(columns=SPLIT_COLUMNS)
    as_of_ts = pd.Timestamp(as_of)
    order_in = np.floor(np.round(reach, 6))
    frame["order_by"] = policy.days_after(as_of, order_in)
    wait = np.clip(order_in, 0, None)  # days until the order is placed
    p50 = cube.total_p50[due]
    window = window[due]
    used = policy.cumulative_demand(p50, wait)
    frame["position_at_order"] = np.round(frame["network_position"].to_numpy() - used, 1)
    upto = policy.cumulative_demand(p50, wait + window + cfg.purchase_cover_days) - used
    to_rop = policy.cumulative_demand(p50, wait + window) - used
    frame["reorder_point"] = np.ceil(np.round(to_rop + frame["safety_stock"].to_numpy(), 6)).astype(np.int64)
    frame["order_up_to"] = np.ceil(np.round(upto + frame["safety_stock"].to_numpy(), 6)).astype(np.int64)
    # never a suggestion of nothing: at the exact crossing with no cover days the gap can be 0
    frame["quantity"] = purchase_quantity(np.maximum(frame["order_up_to"] - frame["position_at_order"], 1),
                                          frame["moq"], frame["case_pack"])
    frame["expected_arrival"] = policy.days_after(
        as_of, np.clip(order_in, 0, None) + np.ceil(np.round(frame["lead_time_days"].to_numpy(), 6)))
    frame["is_urgent"] = frame["order_by"] <= as_of_ts
    cover = frame["days_of_cover"].to_numpy(dtype=float)
    # no projected stockout (cover beyond MAX_STOCKOUT_DAYS, or never), no last order date:
    # a near-zero forecast's cover is finite but astronomically long
    shelf = frame["lead_time_days"].to_numpy() + frame["downstream_days"].to_numpy()  # order → selling locations
    latest = np.where(cover <= policy.MAX_STOCKOUT_DAYS, np.floor(np.round(cover - shelf, 6)), np.nan)
    frame["last_order_date"] = policy.days_after(as_of, latest)
    stockout = pd.to_datetime(frame["projected_stockout_date"])
    on_shelf = policy.days_after(as_of, np.clip(order_in, 0, None) + np.ceil(np.round(shelf, 6)))
    frame["stockout_before_arrival"] = stockout.notna() & (stockout < on_shelf)

    split = routed[routed["sku"].isin(frame["sku"])].merge(frame[["sku", "quantity", "case_pack"]], on="sku")
    split["suggested_units"] = split_whole(split["quantity"].to_numpy(), split["weight"].to_numpy(),
                                           split["sku"].to_numpy(), unit=split["case_pack"].to_numpy())
    split = split[split["suggested_units"] > 0]
    split["transport_cost"] = split["suggested_units"] * split["cost_per_unit"]
    split["co2e_kg"] = split["suggested_units"] * split["co2e_per_unit"]
    split["words"] = split["entry_id"] + " " + split["suggested_units"].astype(str)
    ordered_split = split.sort_values(["sku", "suggested_units", "entry_id"], ascending=[True, False, True])
    per = ordered_split.groupby("sku").agg(placement=("words", ", ".join), transport_cost=("transport_cost", "sum"),
                                           co2e_kg=("co2e_kg", "sum"))
    frame = frame.join(per, on="sku")
    frame["purchase_value"] = (frame["quantity"] * frame["unit_cost"]).round(2)
    frame["transport_cost"] = frame["transport_cost"].fillna(0).round(2)
    frame["co2e_kg"] = frame["co2e_kg"].fillna(0).round(3)

    delayed = routed[routed["is_delayed"] & routed["sku"].isin(frame["sku"])]
    delayed_words = (delayed["supplier_id"] + " → " + delayed["entry_id"] + " by " + delayed["mode"] + ": "
                     + delayed["delay_reason"]).groupby(delayed["sku"]).agg("; ".join)
    frame["delays"] = frame["sku"].map(delayed_words)
    fastest = _fastest(all_supplier_lanes, frame, as_of)
    frame["reason"] = _reasons(frame, fastest, as_of)
    frame["as_of"] = as_of
    for col in ("order_by", "last_order_date", "expected_arrival"):
        frame[col] = frame[col].dt.date
    frame["projected_stockout_date"] = pd.to_datetime(frame["projected_stockout_date"]).dt.date
    for col in ("forecast_daily_units", "lead_time_demand", "lead_time_demand_std", "transport_days",
                "lead_time_days", "lead_time_std_days"):
        frame[col] = frame[col].astype(float).round(3)
    return conform(frame, PURCHASES), split[SPLIT_COLUMNS].reset_index(drop=True)


def _fastest(all_supplier_lanes: pd.DataFrame, frame: pd.DataFrame, as_of: date) -> pd.DataFrame:
    """Per suggested SKU, the earliest landing an order placed today could make (any lane)."""
    quickest = all_supplier_lanes.sort_values(["origin_id", "expected_transit_days", "cost_per_unit"]).groupby(
        "origin_id").head(1).set_index("origin_id")
    out = pd.DataFrame({"sku": frame["sku"]})
    days = frame["production_lead_time_days"] + frame["supplier_id"].map(quickest["expected_transit_days"])
    out["arrival"] = policy.days_after(as_of, np.ceil(days.fillna(0).to_numpy()))
    out["lane"] = (frame["supplier_id"].map(quickest["mode"]).fillna("") + " to "
                   + frame["supplier_id"].map(quickest["destination_id"]).fillna(""))
    return out


def _reasons(frame: pd.DataFrame, fastest: pd.DataFrame, as_of: date) -> np.ndarray:
    days_to_order = (frame["order_by"] - pd.Timestamp(as_of)).dt.days
    position = ("network position " + num(frame["network_position"]) + " (available "
                + num(frame["available_units"]) + " + in transit " + num(frame["inbound_units"]) + " + on order "
                + num(frame["on_order_units"]) + ")")
    downstream = np.where(frame["downstream_days"] > 0, " + " + num(frame["downstream_days"], 1)
                          + " on to the selling locations", "")
    threshold = ("reorder point " + num(frame["reorder_point"]) + " = demand over "
                 + num(frame["lead_time_days"] + frame["downstream_days"], 1)
                 + "-day lead time (" + num(frame["production_lead_time_days"], 1) + " production + "
                 + num(frame["transport_days"], 1) + " " + frame["mode"].fillna("") + downstream + ") + "
                 + num(frame["review_period_days"], 1) + "-day review + safety stock " + num(frame["safety_stock"])
                 + " (class " + frame["abc_class"] + ", " + pct(frame["service_level"]) + " service, σ "
                 + num(frame["lead_time_demand_std"], 1) + " units from the " + frame["spread_basis"] + ")")
    at_order = (position + " will be " + num(frame["position_at_order"], 1) + " on " + dates(frame["order_by"])
                + " (in " + num(days_to_order) + " days), at the " + threshold + ": order by "
                + dates(frame["order_by"]))
    when = np.where(
        days_to_order < 0,
        position + " is below the " + threshold + ": due now (it reached the reorder point on "
        + dates(frame["order_by"]) + ")",
        np.where(days_to_order == 0, position + " is at the " + threshold + ": order today", at_order))
    last = np.where(frame["last_order_date"].isna(), "",
                    np.where(frame["last_order_date"] < pd.Timestamp(as_of),
                             "; too late to beat the stockout: the last order date was "
                             + dates(frame["last_order_date"]),
                             "; an order placed by " + dates(frame["last_order_date"])
                             + " still lands before the stockout"))
    size = ("; order " + num(frame["quantity"]) + " to reach " + num(frame["order_up_to"]) + " (MOQ "
            + num(frame["moq"]) + ", cases of " + num(frame["case_pack"]) + ")")
    cover = ("; " + num(frame["days_of_cover"], 1) + " days of cover against a "
             + num(frame["lead_time_days"] + frame["downstream_days"], 1)
             + "-day lead time, stockout expected " + dates(frame["projected_stockout_date"]))
    arrival = np.where(frame["stockout_before_arrival"],
                       "; lands " + dates(frame["expected_arrival"]) + ", after the stockout — fastest: "
                       + fastest["lane"].to_numpy() + " would land " + dates(fastest["arrival"]), "")
    delays = np.where(frame["delays"].notna(), "; delayed lane, its delay is in the lead time: "
                      + frame["delays"].fillna(""), "")
    return (when + size + cover + last + arrival + delays).to_numpy()
