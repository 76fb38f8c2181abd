"""Dead stock per SKU x location (``marts.dead_stock``): units that have sat unsold.

A unit is dead when its first-in-first-out age at the location (``int_inventory_layers``: days
since it arrived there; units leave in the order they came) is at least ``dead_stock_days``:
no sale — nor any transfer out — has reached it for that long. A unit aged exactly
``dead_stock_days`` days is dead; one day younger it is not. Units no receipt explains (the
'opening' layer) have an age that is a lower bound: the days since the first record of them
there, or since the SKU's last sale (never sold: its launch, else the first day of the order
data) when that is longer — so a seller's first night, with a single snapshot, already shows a
SKU unsold for 180 days as dead. ``age_is_lower_bound`` and the reason say "at least" then.

Per SKU x location with dead units: their value at cost, the storage they have cost so far
(units x days at the location x the location's storage cost per unit-month x 12 / 365) and will
cost per month ahead, and one recommendation:

- **liquidate** when the SKU is discontinued, has not sold anywhere for ``liquidate_after_days``
  (or never), or its dead units would take longer than that to sell at the SKU's network sales
  rate (``int_sku_supply.daily_sales_rate``);
- **move** to the customer-facing location that ships the SKU fastest when that location ships
  it at least ``move_velocity_ratio`` times as fast as this one (units shipped to customers over
  ``sales_rate_days``) — an upstream warehouse, which ships to no customer, moves its dead
  stock to where the SKU sells;
- **promote** otherwise: it sells here about as well as anywhere, just too slowly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import HealthConfig

DEAD_STOCK_COLUMNS = [
    "as_of", "sku", "location_id", "location_type", "dead_units", "on_hand", "oldest_age_days",
    "mean_dead_age_days", "age_is_lower_bound", "unit_cost", "value_at_cost", "storage_cost_per_unit_month",
    "storage_cost_to_date", "storage_cost_per_month", "sku_status", "last_sale_date", "days_since_last_sale",
    "location_daily_sales", "best_location_id", "best_location_daily_sales", "network_daily_sales",
    "days_to_sell", "recommendation", "reason",
]
DAYS_PER_MONTH = 365 / 12


@dataclass
class DeadStockInputs:
    """layers: sku, location_id, layer_date, layer_source, age_basis, age_is_lower_bound, units, age_days
      (int_inventory_layers)
    locations: location_id, location_type, fulfils_customers, storage_cost_per_unit_month (marts.dim_location)
    skus: sku, unit_cost, sku_status, last_order_date (marts.dim_sku)
    shipped: sku, location_id, units — units shipped to customers from each location over the
      last ``sales_rate_days`` days
    supply: sku, daily_sales_rate (int_sku_supply)
    """

    as_of: date
    layers: pd.DataFrame
    locations: pd.DataFrame
    skus: pd.DataFrame
    shipped: pd.DataFrame
    supply: pd.DataFrame


def _fmt(x: float, decimals: int = 0) -> str:
    return f"{x:,.{decimals}f}"


def best_other_location(shipped: pd.DataFrame, locations: pd.DataFrame, rows: pd.DataFrame,
                        days: int) -> pd.DataFrame:
    """For each (sku, location_id) of ``rows``: its own daily sales and the customer-facing
    location other than itself that ships the SKU fastest (units/day over ``days``)."""
    facing = set(locations.loc[locations["fulfils_customers"].astype(bool), "location_id"])
    rates = shipped[shipped["location_id"].isin(facing)].assign(rate=lambda f: f["units"].astype(float) / days)
    rates = rates.sort_values(["sku", "rate", "location_id"], ascending=[True, False, True])
    own = rows[["sku", "location_id"]].merge(rates[["sku", "location_id", "rate"]], on=["sku", "location_id"],
                                             how="left")["rate"].fillna(0.0).to_numpy()
    # the two fastest per sku are enough: the best that is not the row's own location
    top = rates.groupby("sku").head(2)
    first = top.groupby("sku").nth(0).set_index("sku")
    second = top.groupby("sku").nth(1).set_index("sku")
    f_loc, f_rate = rows["sku"].map(first["location_id"]), rows["sku"].map(first["rate"])
    s_loc, s_rate = rows["sku"].map(second["location_id"]), rows["sku"].map(second["rate"])
    same = (f_loc == rows["location_id"]).to_numpy()
    return pd.DataFrame({
        "location_daily_sales": own,
        "best_location_id": np.where(same, s_loc, f_loc),
        "best_location_daily_sales": np.where(same, s_rate, f_rate).astype(float),
    }, index=rows.index)


#: What dates a layer whose age is a lower bound, in words (int_inventory_layers.age_basis).
AGE_BASIS_WORDS = {
    "first_known": "held here since the first record of it on ",
    "last_sale": "no sale since ",
    "launch": "never sold since its launch on ",
    "order_data_start": "never sold since the order data begins on ",
}


def age_bounds(dead: pd.DataFrame) -> pd.DataFrame:
    """Per (sku, location_id) of dead layers: age_is_lower_bound (some dead units' age is a lower
    bound) and bound_text, what dates the oldest such layer, in words ('' when none)."""
    lower = (dead["age_is_lower_bound"].astype(bool) if "age_is_lower_bound" in dead
             else dead["layer_source"].eq("opening"))
    basis = dead["age_basis"] if "age_basis" in dead else pd.Series("first_known", index=dead.index)
    bounded = dead[lower.to_numpy()].assign(basis=basis[lower.to_numpy()])
    bounded = bounded.sort_values(["sku", "location_id", "age_days"], ascending=[True, True, False])
    oldest = bounded.groupby(["sku", "location_id"]).head(1)
    words = (oldest["basis"].map(AGE_BASIS_WORDS).fillna("first known on ")
             + pd.to_datetime(oldest["layer_date"]).dt.strftime("%Y-%m-%d"))
    out = dead[["sku", "location_id"]].drop_duplicates()
    out = out.merge(oldest[["sku", "location_id"]].assign(bound_text=words.to_numpy()), on=["sku", "location_id"],
                    how="left")
    out["age_is_lower_bound"] = out["bound_text"].notna()
    out["bound_text"] = out["bound_text"].fillna("")
    return out


def dead_stock(inputs: DeadStockInputs, cfg: HealthConfig) -> pd.DataFrame:
    """``marts.dead_stock`` (columns DEAD_STOCK_COLUMNS), the most valuable first."""
    layers = inputs.layers
    on_hand = layers.groupby(["sku", "location_id"])["units"].sum().rename("on_hand")
    dead = layers[layers["age_days"] >= cfg.dead_stock_days]
    if dead.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in DEAD_STOCK_COLUMNS})
    rows = dead.assign(unit_days=dead["units"] * dead["age_days"]).groupby(
        ["sku", "location_id"], as_index=False).agg(
        dead_units=("units", "sum"), unit_days=("unit_days", "sum"), oldest_age_days=("age_days", "max"))
    rows = rows.merge(age_bounds(dead), on=["sku", "location_id"], how="left")
    rows["mean_dead_age_days"] = (rows["unit_days"] / rows["dead_units"]).round(1)
    rows = rows.merge(on_hand.reset_index(), on=["sku", "location_id"], how="left")
    loc = inputs.locations.set_index("location_id")
    rows["location_type"] = rows["location_id"].map(loc["location_type"])
    rows["storage_cost_per_unit_month"] = rows["location_id"].map(loc["storage_cost_per_unit_month"]).fillna(0.0)
    sku = inputs.skus.set_index("sku")
    rows["unit_cost"] = rows["sku"].map(sku["unit_cost"]).astype(float)
    rows["sku_status"] = rows["sku"].map(sku["sku_status"]).fillna("active")
    rows["last_sale_date"] = pd.to_datetime(rows["sku"].map(sku["last_order_date"]))
    rows["days_since_last_sale"] = (pd.Timestamp(inputs.as_of) - rows["last_sale_date"]).dt.days
    rows["value_at_cost"] = (rows["dead_units"] * rows["unit_cost"].fillna(0)).round(2)
    rows["storage_cost_to_date"] = (rows["unit_days"] * rows["storage_cost_per_unit_month"] / DAYS_PER_MONTH).round(2)
    rows["storage_cost_per_month"] = (rows["dead_units"] * rows["storage_cost_per_unit_month"]).round(2)

    rows = pd.concat([rows, best_other_location(inputs.shipped, inputs.locations, rows, cfg.sales_rate_days)],
                     axis=1)
    rows["network_daily_sales"] = rows["sku"].map(
        inputs.supply.set_index("sku")["daily_sales_rate"]).fillna(0.0).astype(float)
    # all of the SKU's dead units, wherever they are, compete for the same customers
    sku_dead = rows.groupby("sku")["dead_units"].transform("sum").to_numpy(dtype=float)
    rate = rows["network_daily_sales"].to_numpy()
    days_to_sell = np.where(rate > 0, sku_dead / np.where(rate > 0, rate, 1), np.nan)
    rows["days_to_sell"] = np.round(days_to_sell, 0)

    never_sold = rows["days_since_last_sale"].isna()
    stale = never_sold | (rows["days_since_last_sale"] >= cfg.liquidate_after_days)
    slow = np.isnan(days_to_sell) | (days_to_sell > cfg.liquidate_after_days)
    discontinued = rows["sku_status"].eq("discontinued")
    liquidate = discontinued | stale | slow
    best = rows["best_location_daily_sales"].fillna(0.0)
    move = ~liquidate & (best > 0) & (best >= cfg.move_velocity_ratio * rows["location_daily_sales"])
    rows["recommendation"] = np.select([liquidate, move], ["liquidate", "move"], "promote")

    lower = rows["age_is_lower_bound"].to_numpy(dtype=bool)
    age = (rows["dead_units"].map(_fmt) + " units unsold for at least " + str(cfg.dead_stock_days)
           + " days (oldest " + np.where(lower, "at least ", "") + rows["oldest_age_days"].map(_fmt)
           + np.where(lower, " days: " + rows["bound_text"] + ", and no receipt explains them", "") + ")")
    here = rows["location_daily_sales"].map(lambda r: _fmt(r, 2))
    last = rows["last_sale_date"].dt.strftime("%Y-%m-%d")
    why_liquidate = np.select(
        [discontinued, never_sold, stale],
        ["SKU discontinued",
         "never sold",
         "no sale anywhere since " + last.fillna("") + " (" + rows["days_since_last_sale"].map(
             lambda d: _fmt(d) if pd.notna(d) else "?") + " days)"],
        "the SKU's dead units would take " + rows["days_to_sell"].map(lambda d: _fmt(d) if pd.notna(d) else "forever")
        + " days to sell at " + rows["network_daily_sales"].map(lambda r: _fmt(r, 2)) + " units/day network-wide")
    why_move = ("move to " + rows["best_location_id"].fillna("") + ", which ships "
                + best.map(lambda r: _fmt(r, 2)) + " units/day vs " + here + " here")
    why_promote = ("promote: it sells " + here + " units/day here and no location sells it "
                   + _fmt(cfg.move_velocity_ratio, 1) + "x faster")
    rows["reason"] = age + "; " + np.select([liquidate, move], ["liquidate: " + why_liquidate, why_move],
                                            why_promote)
    for col in ("location_daily_sales", "best_location_daily_sales", "network_daily_sales"):
        rows[col] = rows[col].round(3)
    rows["last_sale_date"] = rows["last_sale_date"].dt.date
    rows["as_of"] = inputs.as_of
    rows = rows.sort_values(["value_at_cost", "sku", "location_id"], ascending=[False, True, True])
    return rows[DEAD_STOCK_COLUMNS].reset_index(drop=True)
