"""The inventory health score per SKU (``marts.inventory_health``): which SKUs need attention,
why, and the one thing to do about each.

Every SKU starts at 100; each rule that holds deducts its points (``health:`` in the config):

- **no sales**: nothing ordered in the last ``no_sales_days`` while units are held anywhere
  (SKUs launched within that window are too new to judge);
- **excess**: days of inventory (``intermediate.int_sku_supply``: units held / mean daily units
  ordered over ``sales_rate_days``) above ``excess_days_of_inventory`` — long-term storage fee
  risk; units held with no sale at all in that window count as excess too. Network level: the
  units counted are those at every selling location (``excess_scope`` "selling", the default:
  fulfilment centres, own warehouse, stores) or at every location ("all"), against the SKU's
  network sales rate;
- **stockout risk**: a stockout the replenishment plan does not prevent. The plan's own figures
  decide, nothing is projected a second time: each customer-facing location with forecast
  demand whose ``projected_stockout_date`` (``marts.replenishment_targets``) falls within
  ``stockout_horizon_days`` after the as-of date is

  - *urgent*: it runs out before the next possible arrival — the earlier of what tonight's plan
    sends there (``marts.transfer_orders`` into it; for a location replenished by purchase, the
    ``marts.purchase_suggestions`` row due tonight) and the target's ``earliest_arrival`` (an
    order placed tonight on its usual lane) — or no lane reaches it;
  - *unplanned*: an order placed tonight would still land in time, but nothing is planned
    although the position is below the reorder point, or what is planned lands too late;
  - *covered*: tonight's plan lands on or before the stockout;
  - *reorders*: at or above the reorder point; the plan orders on the target's
    ``reorder_date``, in time.

  Urgent and unplanned deduct the points; covered and reorders do not (the plan prevents the
  stockout), and their reason says how. The location that decides is the most severe, then the
  first to run out (``stockout_location``, ``projected_stockout_date``, ``next_arrival``).
  Without the plan: ``marts.demand_forecast`` (total p50, day by day) against the sellable pool
  plus in-transit units — network level, no arrival dates to judge urgency by; with neither, the
  component says the input is not built and deducts nothing. Discontinued SKUs are meant to run
  out: no deduction;
- **oversell risk**: open orders exceed the sellable stock a channel can ship them from. From
  ``marts.order_routing`` when the allocation plan is built (open lines no location serving the
  channel can ship, mapped to SKUs through the listings); else from ``marts.inventory_position``
  (a location whose reservations exceed its sellable units, ``available < 0``), naming the
  channels that location serves.

``needs_attention`` = score below ``attention_below``.

One action per SKU (``action``), the first that applies, in words with its reason in
``recommendation``:

1. ``rebalance``: a location is urgent or unplanned while the SKU is long elsewhere — excess
   network-wide, or another location holds units to spare (beyond its order-up-to level; all
   available units at a location without a target, such as an upstream warehouse) on a lane to
   the short one. The move is tonight's transfer into the short location, else "move N units
   from X to Y" over the fastest active lane from a location with units to spare (N = what the
   short location lacks to its order-up-to level, at most the spare), else where the stock sits
   when no lane reaches the short location. Nothing is bought and nothing cleared while a
   location is short of a SKU the network holds too much of;
2. ``urgent_replenishment``: a location is urgent: expedite what is planned, else expedite
   inbound stock or buy now;
3. ``replenish``: a location is unplanned: an order placed tonight still lands before it runs out;
4. ``clearance``: excess network-wide and no location short: a clearance promotion or the excess
   units to a discount channel (locations the plan replenishes in time are named with when);
5. ``review_listing``: no sale in ``no_sales_days`` but no excess: the listing and price need a
   look, not a clearance;
6. ``follow_plan``: every location at risk is covered or reordered in time: what the plan does
   and when ("the plan reorders from X when the position (P) falls below the reorder point R,
   projected on D");
7. ``none``.

Oversell risk adds its action to any of them (``lower_listing`` when it is the only one):
lower the published quantity or pause the listing. Clearance and urgent replenishment are
never recommended together.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import HealthConfig
from pipelines.contract import LANE_STATUSES

HEALTH_COLUMNS = [
    "as_of", "sku", "title", "category", "sku_status", "score", "needs_attention",
    "on_hand", "sellable", "inventory_value", "units_sold_recent", "last_sale_date", "daily_sales_rate",
    "days_of_inventory",
    "no_sales_deduction", "no_sales_reason",
    "excess_deduction", "excess_reason",
    "stockout_deduction", "stockout_reason", "projected_stockout_date", "stockout_location", "next_arrival",
    "stockout_basis",
    "oversell_deduction", "oversell_reason", "oversell_channels", "oversell_basis",
    "slow_mover_action", "stockout_action", "oversell_action", "action", "recommendation",
]
ACTIONS = ("rebalance", "urgent_replenishment", "replenish", "clearance", "review_listing", "follow_plan",
           "lower_listing", "none")
NOT_BUILT = "not built"
#: Location states of the stockout rule, most severe first; the first two deduct.
STATES = ("urgent", "unplanned", "covered", "reorders")
SHORT = STATES[:2]


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
    targets: sku, location_id, sku_status, replenished_by, source_id, forecast_daily_units,
      reorder_point, order_up_to, inventory_position, days_of_cover, projected_stockout_date,
      reorder_date, earliest_arrival, needs_replenishment, reason (marts.replenishment_targets);
      None when not built
    transfers: sku, from_location, to_location, quantity, ship_by, expected_arrival
      (marts.transfer_orders); None when not built
    purchases: sku, supplier_id, quantity, order_by, expected_arrival (marts.purchase_suggestions);
      None when not built
    routing: channel, listing_sku, quantity, route_type (marts.order_routing); None when not built
    listings: channel, listing_sku, sku, units_per_listing (staging.stg_raw__listings)
    channel_allocation: sku, channel, publishable_quantity (marts.channel_allocation); None when
      not built
    lanes: origin_id, destination_id, mode, transit_days (days), lane_status (staging.stg_raw__lanes);
      None: no move between locations is suggested
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
    lanes: pd.DataFrame | None = None


def _text(values) -> pd.Series:
    return pd.Series(values, dtype=object)


def _fmt(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def _iso(values) -> pd.Series:
    """Dates as ISO text ('' when missing)."""
    return pd.to_datetime(pd.Series(values)).dt.strftime("%Y-%m-%d").fillna("")


def _joined(frame: pd.DataFrame, column: str, sep: str = "; ") -> pd.Series:
    """Per sku, the ``column`` texts of its rows joined (in row order)."""
    return frame.groupby("sku", sort=False)[column].agg(sep.join)


# --- rule 1 and 2: slow movers ---------------------------------------------------------------

def slow_mover_components(base: pd.DataFrame, as_of: date, cfg: HealthConfig) -> pd.DataFrame:
    """no_sales_* and excess_* columns for ``base`` (sku, on_hand, units_sold_recent,
    last_sale_date, launch_date, days_of_inventory, daily_sales_rate, excess_units, unit_cost),
    plus the flags the action is decided on (``is_excess``, ``no_sales``) and the words of a
    clearance (``clearance_text``)."""
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
    units = np.where(never_runs_down | no_sales, base["on_hand"], base["excess_units"]).astype(float)
    value = units * base["unit_cost"].fillna(0).to_numpy(dtype=float)
    out["clearance_text"] = ("clearance promotion, or move " + pd.Series(units, index=base.index).map(_fmt)
                             + " units (" + pd.Series(value, index=base.index).map(lambda v: _fmt(v, 2))
                             + " at cost) to a discount channel")
    out["is_excess"] = excess.to_numpy()
    out["no_sales"] = no_sales.to_numpy()
    return out


# --- rule 3: stockout risk, judged by the replenishment plan ---------------------------------

PLANNED_COLUMNS = ["sku", "location_id", "planned_arrival", "planned_text", "transfer_text"]


def planned_into(targets: pd.DataFrame, transfers: pd.DataFrame | None, purchases: pd.DataFrame | None,
                 as_of: date) -> pd.DataFrame:
    """Per (sku, location_id) of ``targets`` that tonight's plan sends stock to: planned_arrival
    (the first arrival), planned_text (every line in words) and transfer_text (the transfer
    lines alone, NaN when none). Transfers count at their destination; a purchase suggestion
    due tonight (order_by ≤ as_of) counts at the locations replenished by purchase."""
    parts = []
    if transfers is not None and len(transfers):
        t = transfers.sort_values(["sku", "to_location", "expected_arrival", "from_location"])
        parts.append(pd.DataFrame({
            "sku": t["sku"], "location_id": t["to_location"], "arrival": pd.to_datetime(t["expected_arrival"]),
            "kind": "transfer",
            "text": "transfer " + t["quantity"].map(_fmt) + " units " + t["from_location"] + " → " + t["to_location"]
                    + " (ship by " + _iso(t["ship_by"]).to_numpy() + ", arrives "
                    + _iso(t["expected_arrival"]).to_numpy() + ")"}))
    if purchases is not None and len(purchases):
        due = purchases[pd.to_datetime(purchases["order_by"]) <= pd.Timestamp(as_of)]
        p = targets.loc[targets["replenished_by"].eq("purchase"), ["sku", "location_id"]].merge(due, on="sku")
        if len(p):
            parts.append(pd.DataFrame({
                "sku": p["sku"], "location_id": p["location_id"], "arrival": pd.to_datetime(p["expected_arrival"]),
                "kind": "purchase",
                "text": "purchase " + p["quantity"].map(_fmt) + " units from " + p["supplier_id"] + " (order by "
                        + _iso(p["order_by"]).to_numpy() + ", arrives " + _iso(p["expected_arrival"]).to_numpy()
                        + ")"}))
    if not parts:
        return pd.DataFrame({c: pd.Series(dtype="datetime64[ns]" if c == "planned_arrival" else object)
                             for c in PLANNED_COLUMNS})
    lines = pd.concat(parts, ignore_index=True)
    lines["transfer"] = lines["text"].where(lines["kind"].eq("transfer"))
    keys = ["sku", "location_id"]
    out = lines.groupby(keys, sort=False).agg(planned_arrival=("arrival", "min"), planned_text=("text", "; ".join))
    moved = lines.dropna(subset=["transfer"]).groupby(keys, sort=False)["transfer"].agg("; ".join)
    out["transfer_text"] = moved.reindex(out.index)
    return out.reset_index()[PLANNED_COLUMNS]


def stockout_outlook(targets: pd.DataFrame, transfers: pd.DataFrame | None, purchases: pd.DataFrame | None,
                     as_of: date, horizon_days: int) -> pd.DataFrame:
    """The locations at risk: each target row with forecast demand whose projected stockout falls
    within the horizon, with ``stockout`` (its date), ``next_arrival``, ``state`` (STATES, rules
    in the module docstring) and ``text`` (the state in words), most severe first, then the
    first to run out."""
    limit = pd.Timestamp(as_of + timedelta(days=horizon_days))
    t = targets.assign(stockout=pd.to_datetime(targets["projected_stockout_date"]))
    t = t[(t["forecast_daily_units"].fillna(0) > 0) & t["stockout"].notna() & (t["stockout"] <= limit)]
    if t.empty:
        return t.assign(state=pd.Series(dtype=object), next_arrival=pd.Series(dtype="datetime64[ns]"),
                        text=pd.Series(dtype=object))
    t = t.merge(planned_into(t, transfers, purchases, as_of), on=["sku", "location_id"], how="left")
    planned = pd.to_datetime(t["planned_arrival"])
    earliest = pd.to_datetime(t["earliest_arrival"])
    t["earliest"] = earliest
    t["next_arrival"] = pd.concat([planned, earliest], axis=1).min(axis=1)
    urgent = t["next_arrival"].isna() | (t["stockout"] < t["next_arrival"])
    covered = ~urgent & planned.notna() & (planned <= t["stockout"])
    below = t["needs_replenishment"].astype("boolean").fillna(False).astype(bool)
    unplanned = ~urgent & ~covered & (below | planned.notna())
    t["state"] = np.select([urgent, unplanned, covered], list(STATES[:3]), STATES[3])

    cover = t["days_of_cover"].map(lambda d: f" ({_fmt(d, 1)} days of cover)" if pd.notna(d) else "")
    runs_out = t["location_id"] + " runs out on " + _iso(t["stockout"]).to_numpy() + cover
    source = t["source_id"].fillna("its source")
    t["reorder_text"] = ("the plan reorders from " + source + " when the position (" + t["inventory_position"].map(_fmt)
                         + ") falls below the reorder point " + t["reorder_point"].map(_fmt) + ", projected on "
                         + _iso(t["reorder_date"]).to_numpy())
    t["arrives_text"] = ("an order placed tonight from " + source + " lands " + _iso(earliest).to_numpy())
    t["text"] = runs_out + np.select(
        [urgent & t["next_arrival"].isna(), urgent, unplanned & planned.notna(), unplanned, covered],
        [", and no lane reaches it",
         ", before the next possible arrival " + _iso(t["next_arrival"]).to_numpy(),
         ": tonight's plan lands " + _iso(planned).to_numpy() + ", too late; " + t["arrives_text"],
         ": position " + t["inventory_position"].map(_fmt) + " below the reorder point "
         + t["reorder_point"].map(_fmt) + " and nothing is planned tonight; " + t["arrives_text"],
         " without tonight's plan, which lands " + _iso(planned).to_numpy()],
        " without a new order; " + t["reorder_text"])
    t["rank"] = t["state"].map({s: i for i, s in enumerate(STATES)})
    return t.sort_values(["sku", "rank", "stockout", "location_id"], kind="stable").reset_index(drop=True)


def spare_units(targets: pd.DataFrame, positions: pd.DataFrame, transfers: pd.DataFrame | None) -> pd.DataFrame:
    """Per (sku, location_id): units it can spare for another location — available units beyond
    its order-up-to level where it has a target, every available unit where it has none (an
    upstream warehouse: its stock is there to feed others) — less what tonight's transfers take."""
    stock = positions[["sku", "location_id", "available"]].merge(
        targets[["sku", "location_id", "inventory_position", "order_up_to"]], on=["sku", "location_id"], how="left")
    beyond = stock["inventory_position"] - stock["order_up_to"]
    spare = np.where(beyond.notna(), np.minimum(stock["available"], beyond.fillna(0)), stock["available"])
    stock["spare"] = spare.astype(float)
    if transfers is not None and len(transfers):
        out = transfers.groupby(["sku", "from_location"])["quantity"].sum()
        taken = pd.MultiIndex.from_frame(stock[["sku", "location_id"]])
        stock["spare"] -= out.reindex(taken).fillna(0).to_numpy()
    stock["spare"] = stock["spare"].clip(lower=0)
    return stock.loc[stock["spare"] > 0, ["sku", "location_id", "spare"]].reset_index(drop=True)


def lane_moves(short: pd.DataFrame, spare: pd.DataFrame, lanes: pd.DataFrame | None) -> pd.Series:
    """Per sku of ``short`` (sku, location_id, need: units it lacks to its order-up-to level): the
    move from the location with units to spare on the fastest lane into it (active lanes before
    disrupted ones, then the most spare), in words; skus without one are left out."""
    if lanes is None or short.empty or spare.empty:
        return pd.Series(dtype=object)
    cand = short.merge(lanes.rename(columns={"destination_id": "location_id"}), on="location_id")
    cand = cand.merge(spare.rename(columns={"location_id": "origin_id"}), on=["sku", "origin_id"])
    cand = cand[cand["origin_id"] != cand["location_id"]]
    if cand.empty:
        return pd.Series(dtype=object)
    cand = cand.assign(disrupted=cand["lane_status"].eq(LANE_STATUSES[1]))
    cand = cand.sort_values(["sku", "disrupted", "transit_days", "spare", "origin_id", "mode"],
                            ascending=[True, True, True, False, True, True]).groupby("sku").head(1)
    units = np.minimum(cand["spare"], cand["need"])
    text = ("move " + units.map(_fmt) + " units from " + cand["origin_id"] + " to " + cand["location_id"] + " ("
            + cand["transit_days"].map(lambda d: f"{d:g}") + "-day " + cand["mode"] + " lane"
            + np.where(cand["disrupted"], ", disrupted", "") + ")")
    return pd.Series(text.to_numpy(), index=cand["sku"].to_numpy())


def stock_elsewhere(positions: pd.DataFrame, short: pd.DataFrame, top: int = 3) -> pd.Series:
    """Per sku of ``short``: the locations other than the short one holding available units, the
    most first ('X 18, Y 2'), '' when none."""
    held = positions[positions["available"] > 0].merge(short[["sku", "location_id"]].rename(
        columns={"location_id": "short_id"}), on="sku")
    held = held[held["location_id"] != held["short_id"]].sort_values(["sku", "available", "location_id"],
                                                                     ascending=[True, False, True])
    held = held.groupby("sku").head(top)
    words = (held["location_id"] + " " + held["available"].map(_fmt)).groupby(held["sku"]).agg(", ".join)
    return words.reindex(short["sku"]).fillna("")


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


#: Columns of stockout_components kept for deciding the action (not published).
_DECIDING = ["state", "planned_text", "transfer_text", "reorder_text", "arrives_text", "source_id",
             "inventory_position", "reorder_point", "order_up_to", "plan_reason", "stockout", "move_text",
             "elsewhere", "forecast_text"]


def stockout_components(base: pd.DataFrame, inputs: HealthInputs, cfg: HealthConfig) -> pd.DataFrame:
    """stockout_* columns, stockout_location and next_arrival for ``base`` (sku, sku_status), plus
    the deciding location's figures the action is decided on (``_DECIDING``)."""
    out = pd.DataFrame(index=base.index)
    for col in _DECIDING:
        out[col] = pd.Series(np.nan, index=base.index, dtype=object)
    out["stockout_location"] = ""
    out["next_arrival"] = None
    discontinued = base["sku_status"].eq("discontinued").to_numpy()
    horizon = str(cfg.stockout_horizon_days)
    if inputs.targets is not None:
        return _stockouts_from_plan(base, inputs, cfg, out, discontinued)
    if inputs.forecast is None:
        out["stockout_deduction"] = 0
        out["stockout_reason"] = "input not built: marts.replenishment_targets and marts.demand_forecast"
        out["projected_stockout_date"] = None
        out["stockout_basis"] = NOT_BUILT
        return out
    risk = base[["sku"]].merge(stockouts_from_forecast(inputs.forecast, inputs.pool, inputs.in_transit,
                                                       inputs.as_of, cfg.stockout_horizon_days), on="sku", how="left")
    flagged = risk["projected_stockout_date"].notna().to_numpy() & ~discontinued
    out["stockout_deduction"] = np.where(flagged, cfg.stockout_points, 0)
    quiet = "forecast demand within " + horizon + " days is covered by the sellable pool and arrivals"
    out["stockout_reason"] = np.select([flagged, discontinued], [risk["stockout_reason"],
                                                                 "discontinued: running out is intended"], quiet)
    out["projected_stockout_date"] = pd.to_datetime(risk["projected_stockout_date"]).dt.date.where(
        flagged, None).to_numpy()
    out["stockout_location"] = np.where(flagged, "network", "")
    out["stockout_basis"] = "demand_forecast"
    out["state"] = np.where(flagged, "forecast", None)
    out["forecast_text"] = np.where(
        flagged, "the network runs out on " + _iso(risk["projected_stockout_date"]).to_numpy()
        + " (replenishment plan not built: no arrival dates to judge urgency by)", None)
    return out


def _stockouts_from_plan(base: pd.DataFrame, inputs: HealthInputs, cfg: HealthConfig, out: pd.DataFrame,
                         discontinued: np.ndarray) -> pd.DataFrame:
    targets = inputs.targets
    outlook = stockout_outlook(targets, inputs.transfers, inputs.purchases, inputs.as_of, cfg.stockout_horizon_days)
    outlook = outlook[outlook["sku"].isin(base.loc[~discontinued, "sku"])]
    quiet = "no location projected to run out within " + str(cfg.stockout_horizon_days) + " days"
    out["stockout_basis"] = "replenishment_targets"
    if outlook.empty:
        out["stockout_deduction"] = 0
        out["stockout_reason"] = np.where(discontinued, "discontinued: running out is intended", quiet)
        out["projected_stockout_date"] = None
        return out
    first = outlook.groupby("sku", sort=False).head(1).set_index("sku")
    short = first[first["state"].isin(SHORT)]
    need = (short["order_up_to"] - short["inventory_position"]).clip(lower=1)
    short = pd.DataFrame({"sku": short.index, "location_id": short["location_id"].to_numpy(),
                          "need": need.to_numpy(dtype=float)})
    spare = spare_units(targets, inputs.positions, inputs.transfers)
    moves = lane_moves(short, spare, inputs.lanes)
    elsewhere = stock_elsewhere(inputs.positions, short)
    sku = base["sku"]
    at = sku.map(first["state"])
    flagged = at.isin(SHORT).to_numpy()
    out["stockout_deduction"] = np.where(flagged, cfg.stockout_points, 0)
    horizon = str(cfg.stockout_horizon_days)
    reason = sku.map(_joined(outlook, "text"))
    plan_saves = at.isin(STATES[2:]).to_numpy()
    out["stockout_reason"] = np.select(
        [discontinued, flagged, plan_saves],
        ["discontinued: running out is intended",
         "projected stockout within " + horizon + " days the plan does not prevent: " + reason.fillna(""),
         "projected stockout within " + horizon + " days, prevented by the plan: " + reason.fillna("")],
        quiet)
    out["projected_stockout_date"] = pd.to_datetime(sku.map(first["stockout"])).dt.date.to_numpy()
    out["stockout_location"] = sku.map(first["location_id"]).fillna("").to_numpy()
    out["next_arrival"] = pd.to_datetime(sku.map(first["next_arrival"])).dt.date.to_numpy()
    for col in ("state", "planned_text", "transfer_text", "reorder_text", "arrives_text", "source_id",
                "inventory_position", "reorder_point", "order_up_to", "stockout"):
        out[col] = sku.map(first[col]).to_numpy()
    if "reason" in first:
        out["plan_reason"] = (sku.map(first["location_id"]) + ": " + sku.map(first["reason"]).fillna("")).to_numpy()
    out["move_text"] = sku.map(moves).to_numpy() if len(moves) else np.nan
    out["elsewhere"] = sku.map(elsewhere).to_numpy() if len(elsewhere) else np.nan
    out.loc[discontinued, ["projected_stockout_date", "next_arrival"]] = None
    return out


# --- one action per SKU ----------------------------------------------------------------------

def decide_actions(frame: pd.DataFrame) -> pd.DataFrame:
    """action, slow_mover_action, stockout_action and the recommendation's main part (``main``)
    per row of ``frame`` (the base, slow-mover and stockout columns); rules in the module
    docstring."""
    state = frame["state"]
    short = state.isin(SHORT).to_numpy()
    urgent = state.eq("urgent").to_numpy()
    saved = state.isin(STATES[2:]).to_numpy()
    forecast = state.eq("forecast").to_numpy()
    excess = frame["is_excess"].to_numpy(dtype=bool)
    no_sales = frame["no_sales"].to_numpy(dtype=bool)
    has_move = frame["move_text"].notna().to_numpy()
    has_transfer = frame["transfer_text"].notna().to_numpy()
    has_plan = frame["planned_text"].notna().to_numpy()
    # long elsewhere: a lane move, or excess network-wide with somewhere to move it from
    movable = has_transfer | has_move | frame["elsewhere"].fillna("").ne("").to_numpy()
    rebalance = short & ((excess & movable) | has_move)

    where = frame["stockout_location"].fillna("")
    out_on = where + " runs out on " + _iso(frame["stockout"]).to_numpy()
    before = np.where(frame["next_arrival"].isna(), ", and no lane reaches it",
                      ", before the next possible arrival " + _iso(frame["next_arrival"]).to_numpy())
    plan_why = np.where(frame["plan_reason"].notna(), " (plan: " + frame["plan_reason"].fillna("") + ")", "")
    long_why = np.where(excess, "the network holds too much (" + frame["excess_reason"] + "): move stock there, "
                        "buy nothing", "another location holds units to spare")
    # a transfer into a short location lands after its stockout: that is what makes it short
    move = np.select(
        [has_transfer, has_move],
        ["expedite " + frame["transfer_text"].fillna(""), frame["move_text"].fillna("")],
        "no lane reaches " + where + " from where the stock sits (" + frame["elsewhere"].fillna("") + "): move it "
        "by hand, or let " + where + " run out")
    rebalance_text = "rebalance: " + move + " — " + out_on + np.where(urgent, before, "") + "; " + long_why
    urgent_text = np.where(
        has_plan,
        "urgent replenishment: expedite " + frame["planned_text"].fillna("") + " — " + out_on + before,
        "urgent replenishment: nothing is planned tonight — expedite inbound stock or buy now: " + out_on + before
        + plan_why)
    replenish_text = np.where(
        has_plan,
        "replenish: tonight's plan lands too late (" + frame["planned_text"].fillna("") + "): "
        + frame["arrives_text"].fillna("") + ", before " + out_on,
        "replenish: " + frame["arrives_text"].fillna("") + ", before " + out_on + "; nothing is planned tonight "
        "although the position " + frame["inventory_position"].map(lambda v: _fmt(v) if pd.notna(v) else "?")
        + " is below the reorder point " + frame["reorder_point"].map(lambda v: _fmt(v) if pd.notna(v) else "?")
        + plan_why)
    plan_text = np.where(state.eq("covered"),
                         frame["planned_text"].fillna("") + " lands before " + out_on,
                         frame["reorder_text"].fillna("") + " (" + out_on + " without it)")
    forecast_text = "replenish: " + frame["forecast_text"].fillna("")

    action = np.select(
        [rebalance, urgent, short, forecast, excess, no_sales, saved],
        ["rebalance", "urgent_replenishment", "replenish", "replenish", "clearance", "review_listing",
         "follow_plan"], "none")
    stockout_action = np.select(
        [rebalance, urgent, short, forecast, saved],
        [rebalance_text, urgent_text, replenish_text, forecast_text, "follow the plan: " + plan_text], "")
    clearance = (frame["clearance_text"] + " — " + frame["excess_reason"]
                 + np.where(saved, "; meanwhile " + plan_text, ""))
    review = ("review the listing and price: " + frame["no_sales_reason"] + ", yet the stock is not excess ("
              + frame["excess_reason"] + ")")
    held_back = np.where(forecast, "held back while a network stockout is projected",
                         "held back while " + where + " is short")
    slow_mover_action = np.select(
        [(excess | no_sales) & (short | forecast), action == "clearance", action == "review_listing"],
        [held_back, clearance, review], "")
    main = np.select([short | forecast, action == "clearance", action == "review_listing", saved],
                     [stockout_action, clearance, review, stockout_action], "")
    return pd.DataFrame({"action": action, "slow_mover_action": slow_mover_action,
                         "stockout_action": stockout_action, "main": main}, index=frame.index)


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
    # one action per SKU; an oversell is a listing matter and adds its own
    decided = decide_actions(out)
    for col in ("action", "slow_mover_action", "stockout_action"):
        out[col] = decided[col]
    oversold = out["oversell_action"].ne("")
    out["action"] = out["action"].where(~(oversold & out["action"].eq("none")), "lower_listing")
    out["recommendation"] = np.where(
        decided["main"].ne("") & oversold, decided["main"] + " | " + out["oversell_action"],
        decided["main"] + out["oversell_action"])
    out["inventory_value"] = (out["on_hand"] * out["unit_cost"].fillna(0)).round(2)
    out["days_of_inventory"] = out["days_of_inventory"].astype(float).round(1)
    out["daily_sales_rate"] = out["daily_sales_rate"].astype(float).round(3)
    out["last_sale_date"] = pd.to_datetime(out["last_sale_date"]).dt.date
    out["as_of"] = inputs.as_of
    out = out.sort_values(["score", "inventory_value", "sku"], ascending=[True, False, True], kind="stable")
    return out[HEALTH_COLUMNS].reset_index(drop=True)
