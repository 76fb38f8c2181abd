"""The inventory health score per SKU (``marts.inventory_health``): which SKUs need attention,
why, and what to do.

Every SKU starts at 100; each rule that holds deducts its points (``health:`` in the config):

- **no sales**: nothing ordered in the last ``no_sales_days`` while units are held anywhere
  (SKUs launched within that window are too new to judge);
- **excess**: days of inventory (``intermediate.int_sku_supply``: units held / mean daily units
  ordered over ``sales_rate_days``) above ``excess_days_of_inventory`` — long-term storage fee
  risk; units held with no sale at all in that window count as excess too. The units counted
  are those at selling locations (``excess_scope`` "selling", the default: fulfilment centres,
  own warehouse, stores) or at every location ("all");
- **stockout risk**: a projected stockout within ``stockout_horizon_days`` after the as-of date.
  From ``marts.replenishment_targets`` (per customer-facing location with forecast demand,
  position against the daily forecast) when the replenishment plan is built; else from ``marts.demand_forecast`` (total
  p50, day by day) against the sellable pool plus in-transit units arriving by each day; with
  neither, the component says the input is not built and deducts nothing. Discontinued SKUs are
  meant to run out: no deduction;
- **oversell risk**: open orders exceed the sellable stock a channel can ship them from. From
  ``marts.order_routing`` when the allocation plan is built (open lines no location serving the
  channel can ship, mapped to SKUs through the listings); else from ``marts.inventory_position``
  (a location whose reservations exceed its sellable units, ``available < 0``), naming the
  channels that location serves.

``needs_attention`` = score below ``attention_below``. Each cause carries its recommendation:
clearance promotion or a discount channel for slow movers, urgent replenishment with tonight's
transfer orders or purchase suggestions for stockout risk, lower published quantity or pause the
listing for oversell risk; ``recommendation`` joins them, the most urgent first (stockout,
oversell, slow mover).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import HealthConfig

HEALTH_COLUMNS = [
    "as_of", "sku", "title", "category", "sku_status", "score", "needs_attention",
    "on_hand", "sellable", "inventory_value", "units_sold_recent", "last_sale_date", "daily_sales_rate",
    "days_of_inventory",
    "no_sales_deduction", "no_sales_reason",
    "excess_deduction", "excess_reason",
    "stockout_deduction", "stockout_reason", "projected_stockout_date", "stockout_basis",
    "oversell_deduction", "oversell_reason", "oversell_channels", "oversell_basis",
    "slow_mover_action", "stockout_action", "oversell_action", "recommendation",
]
NOT_BUILT = "not built"


@dataclass
class HealthInputs:
    """What the score reads (columns as the warehouse queries name them).

    skus: sku, title, category, sku_status, unit_cost, launch_date, last_order_date (marts.dim_sku)
    supply: sku, on_hand, units_sold, daily_sales_rate, days_of_inventory, excess_units
      (intermediate.int_sku_supply; days of inventory and excess units at ``excess_scope``)
    pool: sku, sellable (marts.inventory_pool)
    recent_demand: sku, units — units ordered over the last ``no_sales_days`` (marts.fct_daily_demand)
    positions: sku, location_id, on_hand, reserved, unsellable, available (marts.inventory_position)
    locations: location_id, channels ('|'-separated, marts.dim_location)
    in_transit: sku, quantity, expected_arrival — lines in transit, at port or in customs
    forecast: sku, date, p50 — total level within the horizon; None when not built
    targets: sku, location_id, sku_status, forecast_daily_units, projected_stockout_date, days_of_cover,
      reason (marts.replenishment_targets); None when not built
    transfers: sku, from_location, to_location, quantity, ship_by, expected_arrival
      (marts.transfer_orders); None when not built
    purchases: sku, supplier_id, quantity, order_by, expected_arrival (marts.purchase_suggestions);
      None when not built
    routing: channel, listing_sku, quantity, route_type (marts.order_routing); None when not built
    listings: channel, listing_sku, sku, units_per_listing (staging.stg_raw__listings)
    channel_allocation: sku, channel, publishable_quantity (marts.channel_allocation); None when
      not built
    """

    as_of: date
    skus: pd.DataFrame
    supply: pd.DataFrame
    pool: pd.DataFrame
    recent_demand: pd.DataFrame
    positions: pd.DataFrame
    locations: pd.DataFrame
    in_transit: pd.DataFrame
    listings: pd.DataFrame
    forecast: pd.DataFrame | None = None
    targets: pd.DataFrame | None = None
    transfers: pd.DataFrame | None = None
    purchases: pd.DataFrame | None = None
    routing: pd.DataFrame | None = None
    channel_allocation: pd.DataFrame | None = None


def _text(values) -> pd.Series:
    return pd.Series(values, dtype=object)


def _fmt(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def _joined(frame: pd.DataFrame, column: str, sep: str = "; ") -> pd.Series:
    """Per sku, the ``column`` texts of its rows joined (in row order)."""
    return frame.groupby("sku", sort=False)[column].agg(sep.join)


# --- rule 1 and 2: slow movers ---------------------------------------------------------------

def slow_mover_components(base: pd.DataFrame, as_of: date, cfg: HealthConfig) -> pd.DataFrame:
    """no_sales_* and excess_* columns for ``base`` (sku, on_hand, units_sold_recent,
    last_sale_date, launch_date, days_of_inventory, daily_sales_rate, excess_units, unit_cost)."""
    held = base["on_hand"] > 0
    launch = pd.to_datetime(base["launch_date"])
    too_new = launch.notna() & (launch > pd.Timestamp(as_of - timedelta(days=cfg.no_sales_days)))
    no_sales = held & (base["units_sold_recent"] <= 0) & ~too_new
    last = pd.to_datetime(base["last_sale_date"]).dt.strftime("%Y-%m-%d")
    since = np.where(last.notna(), "last sale " + last.fillna(""), "never sold")
    out = pd.DataFrame(index=base.index)
    out["no_sales_deduction"] = np.where(no_sales, cfg.no_sales_points, 0)
    out["no_sales_reason"] = np.select(
        [no_sales, held & too_new, held],
        ["no sale in the last " + str(cfg.no_sales_days) + " days (" + since + ") while "
         + base["on_hand"].map(_fmt) + " units are held",
         "launched " + launch.dt.strftime("%Y-%m-%d").fillna("") + ": too new to judge",
         base["units_sold_recent"].map(_fmt) + " units sold in the last " + str(cfg.no_sales_days) + " days"],
        "no units held")

    doi = base["days_of_inventory"]
    where = " at selling locations" if cfg.excess_scope == "selling" else ""
    never_runs_down = held & doi.isna()
    excess = held & (never_runs_down | (doi > cfg.excess_days_of_inventory))
    out["excess_deduction"] = np.where(excess, cfg.excess_points, 0)
    rate = "at " + base["daily_sales_rate"].map(lambda r: _fmt(r, 2)) + " units/day over " \
        + str(cfg.sales_rate_days) + " days"
    out["excess_reason"] = np.select(
        [never_runs_down, excess, held],
        ["no sale in the last " + str(cfg.sales_rate_days) + " days: " + base["on_hand"].map(_fmt)
         + " units never run down (long-term storage fee risk)",
         doi.map(lambda d: _fmt(d) if pd.notna(d) else "?") + " days of inventory" + where + " " + rate + " > "
         + _fmt(cfg.excess_days_of_inventory) + " (long-term storage fee risk; "
         + base["excess_units"].map(_fmt) + " units above " + _fmt(cfg.excess_days_of_inventory) + " days)",
         doi.map(lambda d: _fmt(d) if pd.notna(d) else "?") + " days of inventory" + where + " " + rate],
        "no units held")
    slow = no_sales | excess
    units = np.where(never_runs_down | no_sales, base["on_hand"], base["excess_units"]).astype(float)
    value = units * base["unit_cost"].fillna(0).to_numpy(dtype=float)
    out["slow_mover_action"] = np.where(
        slow,
        "clearance promotion, or move " + pd.Series(units, index=base.index).map(_fmt) + " units ("
        + pd.Series(value, index=base.index).map(lambda v: _fmt(v, 2)) + " at cost) to a discount channel",
        "")
    return out


# --- rule 3: stockout risk -------------------------------------------------------------------

def stockouts_from_targets(targets: pd.DataFrame, as_of: date, horizon_days: int) -> pd.DataFrame:
    """Per sku at risk: projected_stockout_date (earliest) and the reason, from the locations of
    ``marts.replenishment_targets`` whose projected stockout falls within the horizon."""
    limit = pd.Timestamp(as_of + timedelta(days=horizon_days))
    t = targets.assign(projected_stockout_date=pd.to_datetime(targets["projected_stockout_date"]))
    if "forecast_daily_units" in t:  # an empty location nobody buys from is not at risk
        t = t[t["forecast_daily_units"].fillna(0) > 0]
    risky = t[t["projected_stockout_date"].notna() & (t["projected_stockout_date"] <= limit)]
    risky = risky.sort_values(["sku", "projected_stockout_date", "location_id"])
    if risky.empty:
        return pd.DataFrame(columns=["sku", "projected_stockout_date", "stockout_reason", "plan_reason"])
    cover = risky["days_of_cover"].map(lambda d: f" ({_fmt(d, 1)} days of cover)" if pd.notna(d) else "")
    risky = risky.assign(text=risky["location_id"] + " runs out on "
                         + risky["projected_stockout_date"].dt.strftime("%Y-%m-%d") + cover)
    out = risky.groupby("sku", sort=False).agg(projected_stockout_date=("projected_stockout_date", "min"))
    out["stockout_reason"] = "projected stockout within " + str(horizon_days) + " days: " + _joined(risky, "text")
    # what the replenishment plan says about the first location to run out
    first = risky.groupby("sku", sort=False).head(1).set_index("sku")
    out["plan_reason"] = (first["location_id"] + ": " + first["reason"].fillna("")) if "reason" in first \
        else None
    return out.reset_index()


def stockouts_from_forecast(forecast: pd.DataFrame, pool: pd.DataFrame, in_transit: pd.DataFrame,
                            as_of: date, horizon_days: int) -> pd.DataFrame:
    """Per sku at risk: the first day within the horizon on which the cumulative forecast p50
    (total level, from the day after as_of) exceeds the sellable pool plus the in-transit units
    expected by that day."""
    limit = pd.Timestamp(as_of + timedelta(days=horizon_days))
    f = forecast.assign(date=pd.to_datetime(forecast["date"]))
    f = f[(f["date"] > pd.Timestamp(as_of)) & (f["date"] <= limit)].sort_values(["sku", "date"])
    if f.empty:
        return pd.DataFrame(columns=["sku", "projected_stockout_date", "stockout_reason"])
    f["demand"] = f.groupby("sku")["p50"].cumsum()
    arriving = in_transit.assign(date=pd.to_datetime(in_transit["expected_arrival"]).clip(
        lower=pd.Timestamp(as_of + timedelta(days=1))))
    arriving = arriving.groupby(["sku", "date"], as_index=False)["quantity"].sum()
    f = f.merge(arriving, on=["sku", "date"], how="left")
    f["arrived"] = f["quantity"].fillna(0).groupby(f["sku"]).cumsum()
    f["sellable"] = f["sku"].map(pool.set_index("sku")["sellable"]).fillna(0)
    f["stock"] = f["sellable"] + f["arrived"]
    short = f[f["demand"] > f["stock"]].groupby("sku", sort=False).head(1)
    if short.empty:  # words on no rows are float columns, and text + float fails
        return pd.DataFrame(columns=["sku", "projected_stockout_date", "stockout_reason"])
    reason = ("forecast demand of " + short["demand"].map(lambda d: _fmt(d, 1)) + " units by "
              + short["date"].dt.strftime("%Y-%m-%d") + " exceeds " + short["sellable"].map(_fmt)
              + " sellable + " + short["arrived"].map(_fmt) + " arriving (network)")
    return pd.DataFrame({"sku": short["sku"].to_numpy(), "projected_stockout_date": short["date"].to_numpy(),
                         "stockout_reason": ("projected stockout within " + str(horizon_days) + " days: "
                                             + reason).to_numpy()})


def replenishment_actions(skus: pd.Series, transfers: pd.DataFrame | None,
                          purchases: pd.DataFrame | None) -> pd.Series:
    """Per sku, tonight's transfer orders and purchase suggestions in words ('' when none)."""
    def rows_of(frame: pd.DataFrame | None, order: str) -> pd.DataFrame:
        if frame is None or not len(frame):
            return pd.DataFrame()
        return frame[frame["sku"].isin(skus)].sort_values(["sku", order])

    parts = []
    # words only for rows left: an empty selection would add text to an empty integer column
    t = rows_of(transfers, "expected_arrival")
    if len(t):
        parts.append(t.assign(text="transfer " + t["quantity"].map(_fmt) + " units " + t["from_location"]
                              + " → " + t["to_location"] + " (ship by "
                              + pd.to_datetime(t["ship_by"]).dt.strftime("%Y-%m-%d") + ", arrives "
                              + pd.to_datetime(t["expected_arrival"]).dt.strftime("%Y-%m-%d") + ")")[["sku", "text"]])
    p = rows_of(purchases, "order_by")
    if len(p):
        parts.append(p.assign(text="purchase " + p["quantity"].map(_fmt) + " units from " + p["supplier_id"]
                              + " (order by " + pd.to_datetime(p["order_by"]).dt.strftime("%Y-%m-%d")
                              + ", arrives " + pd.to_datetime(p["expected_arrival"]).dt.strftime("%Y-%m-%d")
                              + ")")[["sku", "text"]])
    if not parts:
        return pd.Series(dtype=object)
    both = pd.concat(parts, ignore_index=True)
    return _joined(both, "text")


def stockout_components(base: pd.DataFrame, inputs: HealthInputs, cfg: HealthConfig) -> pd.DataFrame:
    out = pd.DataFrame(index=base.index)
    if inputs.targets is not None:
        risk = stockouts_from_targets(inputs.targets, inputs.as_of, cfg.stockout_horizon_days)
        basis = "replenishment_targets"
        quiet = "no location projected to run out within " + str(cfg.stockout_horizon_days) + " days"
    elif inputs.forecast is not None:
        risk = stockouts_from_forecast(inputs.forecast, inputs.pool, inputs.in_transit, inputs.as_of,
                                       cfg.stockout_horizon_days)
        basis = "demand_forecast"
        quiet = ("forecast demand within " + str(cfg.stockout_horizon_days)
                 + " days is covered by the sellable pool and arrivals")
    else:
        out["stockout_deduction"] = 0
        out["stockout_reason"] = "input not built: marts.replenishment_targets and marts.demand_forecast"
        out["projected_stockout_date"] = pd.NaT
        out["stockout_basis"] = NOT_BUILT
        out["stockout_action"] = ""
        return out
    at_risk = base[["sku"]].merge(risk, on="sku", how="left")
    discontinued = base["sku_status"].eq("discontinued").to_numpy()
    flagged = at_risk["projected_stockout_date"].notna().to_numpy() & ~discontinued
    out["stockout_deduction"] = np.where(flagged, cfg.stockout_points, 0)
    out["stockout_reason"] = np.select([flagged, discontinued], [at_risk["stockout_reason"],
                                                                 "discontinued: running out is intended"], quiet)
    out["projected_stockout_date"] = pd.to_datetime(at_risk["projected_stockout_date"]).dt.date.where(
        ~discontinued, None).to_numpy()
    out["stockout_basis"] = basis
    planned = base["sku"].map(replenishment_actions(base.loc[flagged, "sku"], inputs.transfers, inputs.purchases))
    if inputs.transfers is None and inputs.purchases is None:
        fallback = pd.Series("urgent replenishment (transfer orders and purchase suggestions not built yet)",
                             index=base.index)
    else:
        fallback = pd.Series("urgent replenishment: nothing is planned tonight — expedite inbound stock or buy now",
                             index=base.index)
        if "plan_reason" in at_risk:
            why = at_risk["plan_reason"]
            fallback = fallback.where(why.isna(), fallback + " (plan: " + why.fillna("") + ")")
    out["stockout_action"] = np.where(
        flagged, np.where(planned.notna(), "urgent replenishment: " + planned.fillna(""), fallback), "")
    return out


# --- rule 4: oversell risk -------------------------------------------------------------------

def oversell_from_routing(routing: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """Per (sku, channel): open units that no location serving the channel can ship
    (``route_type == 'unroutable'`` lines, in component units)."""
    stuck = routing[routing["route_type"] == "unroutable"]
    if stuck.empty:
        return pd.DataFrame(columns=["sku", "channel", "units", "text"])
    units = stuck.merge(listings, on=["channel", "listing_sku"], how="inner")
    units["units"] = units["quantity"] * units["units_per_listing"]
    units = units.groupby(["sku", "channel"], as_index=False)["units"].sum()
    units["text"] = units["channel"] + ": " + units["units"].map(_fmt) + " open units no location serving it can ship"
    return units


def oversell_from_positions(positions: pd.DataFrame, locations: pd.DataFrame,
                            separator: str = "|") -> pd.DataFrame:
    """Per (sku, channel): oversold units at locations whose reservations exceed their sellable
    units (available < 0), for each channel such a location serves."""
    over = positions[positions["available"] < 0]
    if over.empty:
        return pd.DataFrame(columns=["sku", "channel", "units", "text"])
    channels = locations.set_index("location_id")["channels"].fillna("")
    over = over.assign(channel=over["location_id"].map(channels).str.split(separator)).explode("channel")
    over = over[over["channel"].fillna("") != ""]
    over = over.assign(units=-over["available"],
                       text=over["location_id"] + ": " + over["reserved"].map(_fmt) + " reserved > "
                       + (over["on_hand"] - over["unsellable"]).map(_fmt) + " sellable (oversold by "
                       + (-over["available"]).map(_fmt) + ")")
    per_channel = over.groupby(["sku", "channel"], as_index=False).agg(
        units=("units", "sum"), text=("text", lambda t: ", ".join(sorted(set(t)))))
    per_channel["text"] = per_channel["channel"] + " — " + per_channel["text"]
    return per_channel


def oversell_components(base: pd.DataFrame, inputs: HealthInputs, cfg: HealthConfig) -> pd.DataFrame:
    if inputs.routing is not None:
        per_channel = oversell_from_routing(inputs.routing, inputs.listings)
        basis = "order_routing"
        quiet = "every open order line can ship from a location serving its channel"
    else:
        per_channel = oversell_from_positions(inputs.positions, inputs.locations)
        basis = "inventory_position (channel allocation not built)"
        quiet = "no location holds more reservations than sellable units"
    per_channel = per_channel.sort_values(["sku", "channel"])
    if inputs.channel_allocation is not None and len(per_channel):
        published = per_channel.merge(inputs.channel_allocation[["sku", "channel", "publishable_quantity"]],
                                      on=["sku", "channel"], how="left")
        per_channel = per_channel.assign(action_text=published["channel"].to_numpy() + " (publishes "
                                         + published["publishable_quantity"].map(
                                             lambda q: _fmt(q) if pd.notna(q) else "?").to_numpy() + ")")
    else:
        per_channel = per_channel.assign(action_text=per_channel["channel"])
    out = pd.DataFrame(index=base.index)
    reason = base["sku"].map(_joined(per_channel, "text")) if len(per_channel) else pd.Series(np.nan, index=base.index)
    flagged = reason.notna().to_numpy()
    out["oversell_deduction"] = np.where(flagged, cfg.oversell_points, 0)
    out["oversell_reason"] = np.where(flagged, "open orders exceed sellable stock — " + reason.fillna(""), quiet)
    channels = base["sku"].map(_joined(per_channel, "channel", ", ")) if len(per_channel) else reason
    out["oversell_channels"] = channels.where(flagged, "").fillna("")
    out["oversell_basis"] = basis
    actions = base["sku"].map(_joined(per_channel, "action_text", ", ")) if len(per_channel) else reason
    out["oversell_action"] = np.where(
        flagged, "lower the published quantity or pause the listing on " + actions.fillna(""), "")
    return out


# --- the score -------------------------------------------------------------------------------

def health_scores(inputs: HealthInputs, cfg: HealthConfig) -> pd.DataFrame:
    """``marts.inventory_health``: one row per catalogue SKU (columns HEALTH_COLUMNS), the SKUs
    needing attention first."""
    base = inputs.skus[["sku", "title", "category", "sku_status", "unit_cost", "launch_date",
                        "last_order_date"]].copy()
    base = base.merge(inputs.supply[["sku", "on_hand", "daily_sales_rate", "days_of_inventory", "excess_units"]],
                      on="sku", how="left")
    base = base.merge(inputs.pool[["sku", "sellable"]], on="sku", how="left")
    recent = inputs.recent_demand.groupby("sku")["units"].sum()
    base["units_sold_recent"] = base["sku"].map(recent).fillna(0).astype("int64")
    for col in ("on_hand", "sellable", "excess_units"):
        base[col] = base[col].fillna(0).astype("int64")
    base["daily_sales_rate"] = base["daily_sales_rate"].fillna(0.0)
    base = base.rename(columns={"last_order_date": "last_sale_date"}).reset_index(drop=True)

    parts = [slow_mover_components(base, inputs.as_of, cfg), stockout_components(base, inputs, cfg),
             oversell_components(base, inputs, cfg)]
    out = pd.concat([base, *parts], axis=1)
    deductions = ["no_sales_deduction", "excess_deduction", "stockout_deduction", "oversell_deduction"]
    for col in deductions:
        out[col] = out[col].astype("int64")
    out["score"] = (100 - out[deductions].sum(axis=1)).clip(lower=0).astype("int64")
    out["needs_attention"] = out["score"] < cfg.attention_below
    # one recommendation per cause, the most urgent first: a stockout or an oversell costs sales
    # and ratings within days, slow movers cost storage over months
    actions = out[["stockout_action", "oversell_action", "slow_mover_action"]]
    out["recommendation"] = actions.apply(lambda row: " | ".join(a for a in row if a), axis=1) \
        if len(out) else pd.Series(dtype=object)
    out["inventory_value"] = (out["on_hand"] * out["unit_cost"].fillna(0)).round(2)
    out["days_of_inventory"] = out["days_of_inventory"].astype(float).round(1)
    out["daily_sales_rate"] = out["daily_sales_rate"].astype(float).round(3)
    out["last_sale_date"] = pd.to_datetime(out["last_sale_date"]).dt.date
    out["as_of"] = inputs.as_of
    out = out.sort_values(["score", "inventory_value", "sku"], ascending=[True, False, True], kind="stable")
    return out[HEALTH_COLUMNS].reset_index(drop=True)
