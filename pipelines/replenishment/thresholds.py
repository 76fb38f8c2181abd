"""Dynamic reorder thresholds per SKU and customer-facing location (``marts.replenishment_targets``).

For each SKU × customer-facing location (fc, warehouse, store) with forecast demand or stock:

- lead time L and its spread σL: ``transfer_ship_days`` plus the location's usual transfer lane
  (``lanes``), or, for a location supplied only by purchases, the SKU's production lead time plus the cheapest lane
  from its supplier (a lane's transit as learned from receipts, ``marts.lane_lead_times``; the
  reason says from how many); review period R: ``transfer_review_days`` or ``purchase_review_days``;
- demand over L + R: the location's daily forecast summed over the next L + R days, so a coming
  peak raises the threshold as soon as it enters that window; its spread from the forecast band;
- safety stock z·sqrt(σW² + d²·σL²) at the service level of the SKU's ABC class, σW the spread of
  the forecast error over L + R: the larger of the band's, sqrt(L + R)·σd, and the error
  measured over L + R days on the location's history (``safety_stock``); reorder
  point = demand over L + R + safety stock, order-up-to = reorder point + the forecast demand of
  the ``*_cover_days`` after that window (min/max rule); all three rounded up to whole units;
- inventory position = available (on hand − reserved − unsellable) + inbound + inbound planned:
  what is already on its way is never ordered twice;
- days of cover and projected stockout date against the daily forecast; the reorder date, the
  first night the position is projected below the reorder point (the units above it consumed
  the same way: the plan orders then; the as-of date when it already is below); the
  earliest arrival of an order placed tonight on the usual lane (a transfer ships within
  ``transfer_ship_days``, then its lead time rounded up, as ``transfers`` dates arrivals; a
  purchase lands after its lead time rounded up, as ``purchases`` does), so a reader can tell a
  stockout nothing can prevent any more from one the plan will still reorder in time;
- needs_replenishment: position below the reorder point, for an active SKU with forecast demand
  at the location; where the last days' sales outran the forecast (``sensing``), the plan's
  demand there is the recent rate (``demand_basis`` = recent sales). Discontinued SKUs and
  locations without demand never need it.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import policy
from pipelines.replenishment.demand import CUSTOMER_FACING_TYPES, DemandCube
from pipelines.replenishment.safety_stock import ErrorHistory
from pipelines.replenishment.schema import TARGETS, conform
from pipelines.replenishment.words import num, pct

POSITION_FIGURES = ["on_hand", "reserved", "unsellable", "available", "inbound", "inbound_planned"]


def _whole(x: np.ndarray) -> np.ndarray:
    """Up to whole units; float noise (1e-12 above a whole number) does not add one."""
    return np.ceil(np.round(np.clip(x, 0.0, None), 6)).astype(np.int64)


def inventory_position(positions: pd.DataFrame) -> pd.Series:
    """available + inbound + inbound_planned, units (unsellable units cannot be sold)."""
    return positions["available"] + positions["inbound"] + positions["inbound_planned"]


def target_rows(cube: DemandCube, positions: pd.DataFrame, locations: pd.DataFrame) -> pd.DataFrame:
    """The (sku, location_id) pairs that get a threshold: forecast demand there, or stock."""
    demand = cube.location_p50.sum(axis=2)
    s_idx, l_idx = np.nonzero(demand > 0)
    pairs = pd.DataFrame({"sku": cube.skus[s_idx], "location_id": cube.locations[l_idx]})
    facing = locations.loc[locations["location_type"].isin(CUSTOMER_FACING_TYPES), "location_id"]
    stocked = positions.loc[positions["location_id"].isin(facing), ["sku", "location_id"]]
    rows = pd.concat([pairs, stocked], ignore_index=True).drop_duplicates()
    return rows.sort_values(["sku", "location_id"], kind="stable").reset_index(drop=True)


def row_forecasts(cube: DemandCube, rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(p50, σ) daily arrays (row, day) of each (sku, location_id) row; zeros without a forecast."""
    s = cube.skus.get_indexer(rows["sku"])
    loc = cube.locations.get_indexer(rows["location_id"])
    ok = (s >= 0) & (loc >= 0)
    p50 = np.zeros((len(rows), cube.horizon))
    sigma = np.zeros((len(rows), cube.horizon))
    p50[ok] = cube.location_p50[s[ok], loc[ok]]
    sigma[ok] = cube.location_sigma[s[ok], loc[ok]]
    return p50, sigma


def protection(p50: np.ndarray, sigma: np.ndarray, lead_time, lead_time_std, review, cover_days,
               service_level, measured_std=0.0, measure: str = "cycle") -> dict[str, np.ndarray]:
    """Threshold figures for rows of daily forecasts (units/day) and times (days).

    ``measured_std``: σW per row, the forecast error over the L + R window measured on the
    history (``safety_stock.window_error_std``; 0 = none). The safety stock uses the larger of
    it and the band's σ summed over the window (rule in ``safety_stock``). ``measure``: what
    ``service_level`` means — "cycle", the chance a replenishment cycle ends without a stockout
    (z = Φ⁻¹(α)), or "fill_rate", the share of demand served from stock (k with expected units
    short per cycle = (1 − β) × the cycle's quantity, the forecast demand of the review and cover
    days after the lead time; ``policy.safety_factor_for_fill_rate``).
    """
    window = np.asarray(lead_time, dtype=float) + np.asarray(review, dtype=float)
    lead_time_demand = policy.cumulative_demand(p50, window)
    variance = policy.cumulative_demand(sigma**2, window)
    with np.errstate(divide="ignore", invalid="ignore"):
        daily = np.where(window > 0, lead_time_demand / window, p50[:, 0])
        daily_std = np.where(window > 0, np.sqrt(variance / window), sigma[:, 0])
    # the band's daily variances summed: sqrt(L + R)·σd, the independent-days form
    band_std = np.sqrt(variance)
    measured = np.broadcast_to(np.asarray(measured_std, dtype=float), band_std.shape)
    window_std = np.maximum(band_std, measured)
    spread = policy.spread_over_window(window_std, daily, lead_time_std)
    cycle = policy.cumulative_demand(p50, window + np.asarray(cover_days, dtype=float)) - lead_time_demand
    if measure == "fill_rate":
        # what one cycle brings: the demand of the review and cover days after the lead time
        quantity = lead_time_demand + cycle - policy.cumulative_demand(p50, np.asarray(lead_time, dtype=float))
        ss = policy.safety_factor_for_fill_rate(service_level, quantity, spread) * spread
    else:
        ss = policy.safety_stock_over_window(service_level, window_std, daily, lead_time_std)
    rop = lead_time_demand + ss
    return {"forecast_daily_units": daily, "demand_std_daily": daily_std, "lead_time_demand": lead_time_demand,
            "lead_time_demand_std": spread,
            "spread_basis": np.where(measured > band_std, "measured errors", "forecast band"),
            "safety_stock": _whole(ss), "reorder_point": _whole(rop), "order_up_to": _whole(rop + cycle)}


#: Stock lasting longer than this has no projected stockout date (days).
MAX_STOCKOUT_DAYS = policy.MAX_STOCKOUT_DAYS


def cover_and_stockout(position: np.ndarray, p50: np.ndarray, as_of: date) -> tuple[np.ndarray, np.ndarray]:
    """(days of cover, NaN when never used up; projected stockout date, NaT then or when the
    position lasts more than MAX_STOCKOUT_DAYS)."""
    cover = policy.days_of_cover(position, p50)
    stockout = policy.projected_stockout_date(position, p50, as_of)
    return np.where(np.isfinite(cover), cover, np.nan), stockout


def reorder_date(position: np.ndarray, reorder_point: np.ndarray, p50: np.ndarray, as_of: date) -> np.ndarray:
    """The first night the position is below the reorder point, when the plan orders
    (datetime64[D]): as_of when it already is; else the day the units above the reorder point are
    used up against the daily forecast (days of cover of position − reorder point), the day after
    when they last exactly whole days; NaT when demand never uses them up or past MAX_STOCKOUT_DAYS."""
    above = position - reorder_point
    cover = policy.days_of_cover(np.maximum(above, 0.0), p50)
    finite = np.isfinite(cover) & (cover <= MAX_STOCKOUT_DAYS)
    # a rounding hair below a whole day must not pull the night a day earlier
    days = np.where(above < 0, 0, np.floor(np.round(np.where(finite, cover, 0.0), 9)) + 1).astype("int64")
    dates = np.datetime64(as_of, "D") + days.astype("timedelta64[D]")
    return np.where(finite | (above < 0), dates, np.datetime64("NaT"))


def earliest_arrival(replenished_by: pd.Series, lead_time_days: pd.Series, as_of: date) -> np.ndarray:
    """The earliest day an order placed tonight lands (datetime64[D]; NaT when no lane reaches
    the location): as_of + lead time rounded up (a transfer's lead time counts its ship days)."""
    days = np.ceil(np.round(lead_time_days.to_numpy(dtype=float), 6))
    reached = replenished_by.isin(["transfer", "purchase"]).to_numpy()
    dates = np.datetime64(as_of, "D") + np.where(reached, days, 0).astype("int64").astype("timedelta64[D]")
    return np.where(reached, dates, np.datetime64("NaT"))


def build_targets(cube: DemandCube, positions: pd.DataFrame, skus: pd.DataFrame, locations: pd.DataFrame,
                  usual_lanes: pd.DataFrame, supplier_lanes: pd.DataFrame, abc: pd.Series,
                  levels: pd.Series, cfg: ReplenishmentConfig, errors: ErrorHistory | None = None,
                  sensed: pd.DataFrame | None = None) -> pd.DataFrame:
    """``marts.replenishment_targets`` (columns schema.TARGETS; rules in the module docstring).

    ``usual_lanes``: lanes.usual_transfer_lanes; ``supplier_lanes``: lanes.cheapest_supplier_lanes
    (both annotated by lanes.lane_delays); ``abc`` and ``levels``: class and service level by sku;
    ``errors``: the history the forecast error over L + R is measured on (None: the band alone);
    ``sensed``: the rows whose cube demand is the recent sales rate (``sensing.sense_recent_demand``).
    """
    rows = target_rows(cube, positions, locations)
    loc_info = locations.set_index("location_id")
    rows["location_type"] = rows["location_id"].map(loc_info["location_type"])
    rows["region"] = rows["location_id"].map(loc_info["region"])
    sku_info = skus.set_index("sku")
    rows["sku_status"] = rows["sku"].map(sku_info["sku_status"]).fillna("active")
    rows["supplier_id"] = rows["sku"].map(sku_info["supplier_id"])
    production = rows["sku"].map(sku_info["production_lead_time_days"]).fillna(0).to_numpy(dtype=float)
    rows["abc_class"] = rows["sku"].map(abc).fillna("C")
    rows["service_level"] = rows["sku"].map(levels).fillna(cfg.service_levels.C)

    usual = usual_lanes.set_index("destination_id")
    has_transfer = rows["location_id"].isin(usual.index).to_numpy()
    sup = rows[["supplier_id", "location_id"]].merge(
        supplier_lanes.rename(columns={"origin_id": "supplier_id", "destination_id": "location_id"}),
        on=["supplier_id", "location_id"], how="left")
    has_purchase = ~has_transfer & sup["mode"].notna().to_numpy()
    rows["replenished_by"] = np.where(has_transfer, "transfer", np.where(has_purchase, "purchase", "none"))
    rows["source_id"] = np.where(has_transfer, rows["location_id"].map(usual["origin_id"]),
                                 np.where(has_purchase, rows["supplier_id"], None))
    rows["mode"] = np.where(has_transfer, rows["location_id"].map(usual["mode"]),
                            np.where(has_purchase, sup["mode"], None))
    # a transfer planned tonight leaves transfer_ship_days later: that wait is part of its lead time
    transfer_lt = cfg.transfer_ship_days + rows["location_id"].map(usual["expected_transit_days"]).to_numpy(dtype=float)
    transfer_sd = rows["location_id"].map(usual["transit_days_std"]).to_numpy(dtype=float)
    purchase_lt = production + sup["expected_transit_days"].to_numpy(dtype=float)
    purchase_sd = sup["transit_days_std"].to_numpy(dtype=float)
    rows["lead_time_days"] = np.where(has_transfer, transfer_lt, np.where(has_purchase, purchase_lt, 0.0))
    rows["lead_time_std_days"] = np.where(has_transfer, transfer_sd, np.where(has_purchase, purchase_sd, 0.0))
    # receipts the lane's transit was learned from (marts.lane_lead_times.n_received; 0 or absent:
    # the stated figure), for the reason only
    receipts = np.zeros(len(rows))
    if "n_received" in usual_lanes and "n_received" in supplier_lanes:
        transfer_n = rows["location_id"].map(usual["n_received"]).to_numpy(dtype=float)
        receipts = np.where(has_transfer, transfer_n, np.where(has_purchase, sup["n_received"].to_numpy(dtype=float), 0))
    rows["lead_time_receipts"] = np.nan_to_num(receipts)
    rows["review_period_days"] = np.where(has_purchase, cfg.purchase_review_days, cfg.transfer_review_days)
    cover_days = np.where(has_purchase, cfg.purchase_cover_days, cfg.transfer_cover_days)

    p50, sigma = row_forecasts(cube, rows)
    window = rows["lead_time_days"].to_numpy(dtype=float) + rows["review_period_days"].to_numpy(dtype=float)
    measured = errors.window_std(rows[["sku", "location_id"]], window) if errors is not None else 0.0
    figures = protection(p50, sigma, rows["lead_time_days"].to_numpy(), rows["lead_time_std_days"].to_numpy(),
                         rows["review_period_days"].to_numpy(), cover_days, rows["service_level"].to_numpy(),
                         measured, cfg.service_measure)
    for name, values in figures.items():
        rows[name] = values

    stock = rows[["sku", "location_id"]].merge(positions[["sku", "location_id", *POSITION_FIGURES]],
                                               on=["sku", "location_id"], how="left")
    for col in POSITION_FIGURES:
        rows[col] = stock[col].fillna(0).astype(np.int64).to_numpy()
    rows["inventory_position"] = inventory_position(rows)
    position = rows["inventory_position"].to_numpy(dtype=float)
    cover, stockout = cover_and_stockout(position, p50, cube.as_of)
    rows["days_of_cover"] = np.round(cover, 1)
    rows["projected_stockout_date"] = stockout

    active = rows["sku_status"].ne("discontinued").to_numpy()
    has_demand = p50.sum(axis=1) > 0
    rows["reorder_date"] = np.where(active & has_demand,
                                    reorder_date(position, rows["reorder_point"].to_numpy(dtype=float), p50,
                                                 cube.as_of), np.datetime64("NaT"))
    rows["earliest_arrival"] = earliest_arrival(rows["replenished_by"], rows["lead_time_days"], cube.as_of)
    below = position < rows["reorder_point"].to_numpy()
    rows["needs_replenishment"] = active & has_demand & below
    rows["demand_basis"] = "forecast"
    basis = ""
    if sensed is not None and len(sensed):
        hit = rows[["sku", "location_id"]].merge(sensed, on=["sku", "location_id"], how="left")
        was = hit["recent_daily_units"].notna().to_numpy()
        rows.loc[was, "demand_basis"] = "recent sales"
        basis = np.where(was, "recent sales " + num(hit["recent_daily_units"], 1) + "/day over "
                         + num(hit["days_used"]) + " days above the forecast's " + num(hit["forecast_daily_units"], 1)
                         + "/day (upper quantile " + num(hit["forecast_upper_units"], 1)
                         + " units): planned on the recent rate; ", "").astype(object)
    rows["reason"] = basis + _reasons(rows, active, has_demand, below)
    rows.insert(0, "as_of", cube.as_of)
    for col in ("forecast_daily_units", "demand_std_daily", "lead_time_demand", "lead_time_demand_std"):
        rows[col] = rows[col].round(3)
    return conform(rows, TARGETS)


def _reasons(rows: pd.DataFrame, active: np.ndarray, has_demand: np.ndarray, below: np.ndarray) -> np.ndarray:
    pos = num(rows["inventory_position"])
    rop = num(rows["reorder_point"])
    learned = np.where(rows["lead_time_receipts"] > 0,
                       " (transit learned from " + num(rows["lead_time_receipts"]) + " receipts)", "").astype(object)
    threshold = ("reorder point " + rop + " = " + num(rows["lead_time_demand"], 1) + " units over "
                 + num(rows["lead_time_days"], 1) + "-day lead time" + learned + " + "
                 + num(rows["review_period_days"], 1)
                 + "-day review + safety stock " + num(rows["safety_stock"]) + " (class "
                 + rows["abc_class"] + ", " + pct(rows["service_level"]) + " service, σ "
                 + num(rows["lead_time_demand_std"], 1) + " units from the " + rows["spread_basis"] + ")")
    how = np.select(
        [rows["replenished_by"].eq("transfer"), rows["replenished_by"].eq("purchase")],
        ["transfer from " + rows["source_id"].fillna(""),
         "covered by the network purchase from " + rows["source_id"].fillna("")],
        "no lane reaches " + rows["location_id"])
    cover = np.where(rows["days_of_cover"].isna(), "no demand uses it up",
                     num(rows["days_of_cover"], 1) + " days of cover")
    order = ("position " + pos + " < " + threshold + ": order up to " + num(rows["order_up_to"]) + ", " + how)
    fine = "position " + pos + " ≥ " + threshold + "; " + cover
    return np.select(
        [~active, ~has_demand, below],
        ["discontinued: not replenished", "no forecast demand here: not replenished", order],
        fine)
