"""Tonight's transfer orders (``marts.transfer_orders``).

Every customer-facing location replenished by transfer whose position is below its reorder
point asks for ``order_up_to − position`` units, rounded up to whole case packs. Then:

1. **Priority**: requests are served by earliest projected stockout (no stockout in sight
   last), then the lowest position relative to the reorder point.
2. **Capacity**: a destination with ``capacity_units`` takes no more than its free room
   (capacity − on hand − inbound − inbound planned, over all SKUs), in whole cases, by priority.
3. **Source and lane**: among the lanes into the destination from locations that hold stock,
   take the one that arrives before the projected stockout at least cost per unit, from a
   source with enough stock; when no lane arrives in time, the earliest arrival. A delayed
   lane (``lanes``) is avoided whenever another source has stock: when the lane the rule would
   otherwise pick (the *preferred* one) is delayed, the order is a **fallback** and says which
   source it replaced and why.
4. **Scarcity**: a source never gives more than it has: available − planned outbound
   shipments, and a source that sells itself keeps its own reorder point. When several
   locations want more than that, earlier stockouts are served first, in whole cases; what a
   source cannot give is asked of the next best source, round by round.

Cost = units × the lane's cost per unit + the lane's fixed cost per shipment shared over the
lines travelling together; CO2e = units × the lane's (or the mode's default) kg per unit.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import policy
from pipelines.replenishment.rounding import round_down_to_multiple, round_up_to_multiple
from pipelines.replenishment.schema import TRANSFERS, conform
from pipelines.replenishment.words import dates, num

_FAR = pd.Timestamp("2262-01-01")


def source_availability(positions: pd.DataFrame, in_transit: pd.DataFrame, targets: pd.DataFrame,
                        transfer_lanes: pd.DataFrame) -> pd.Series:
    """Units each (sku, origin) of a transfer lane can give tonight: available − planned
    outbound shipments − its own reorder point when it sells to customers itself (≥ 0)."""
    origins = set(transfer_lanes["origin_id"])
    stock = positions[positions["location_id"].isin(origins)]
    avail = stock.groupby(["sku", "location_id"])["available"].sum()
    planned = in_transit[(in_transit["status"] == "planned") & in_transit["origin_id"].isin(origins)]
    out = planned.groupby(["sku", "origin_id"])["quantity"].sum().rename_axis(["sku", "location_id"])
    keep = targets[targets["location_id"].isin(origins)].set_index(["sku", "location_id"])["reorder_point"]
    give = avail.sub(out, fill_value=0).sub(keep.reindex(avail.index).fillna(0), fill_value=0)
    give = give.reindex(avail.index).clip(lower=0)
    give.index = give.index.set_names(["sku", "origin_id"])
    return give.rename("available")


def free_capacity(positions: pd.DataFrame, locations: pd.DataFrame) -> pd.Series:
    """Free room per location, units (NaN = unlimited): capacity − (on hand + inbound +
    inbound planned) over all SKUs."""
    load = (positions["on_hand"] + positions["inbound"] + positions["inbound_planned"]).groupby(
        positions["location_id"]).sum()
    capacity = locations.set_index("location_id")["capacity_units"].astype(float)
    return (capacity - load.reindex(capacity.index).fillna(0)).clip(lower=0)


def _requests(targets: pd.DataFrame, skus: pd.DataFrame, positions: pd.DataFrame, locations: pd.DataFrame
              ) -> pd.DataFrame:
    req = targets[targets["needs_replenishment"] & targets["replenished_by"].eq("transfer")]
    req = req[["sku", "location_id", "inventory_position", "reorder_point", "order_up_to",
               "projected_stockout_date"]].copy()
    req["case_pack"] = req["sku"].map(skus.set_index("sku")["case_pack"]).fillna(1).clip(lower=1).astype(np.int64)
    req["need"] = req["order_up_to"] - req["inventory_position"]
    req["wanted"] = round_up_to_multiple(req["need"], req["case_pack"])
    req["stockout"] = pd.to_datetime(req["projected_stockout_date"])
    with np.errstate(divide="ignore", invalid="ignore"):
        req["relative"] = np.where(req["reorder_point"] > 0, req["inventory_position"] / req["reorder_point"], 0.0)
    req = req.sort_values(["stockout", "relative", "sku", "location_id"], na_position="last", kind="stable")
    req["priority"] = np.arange(1, len(req) + 1)
    req = req.reset_index(drop=True)

    free = req["location_id"].map(free_capacity(positions, locations)).to_numpy(dtype=float)
    before = req.groupby("location_id")["wanted"].cumsum().to_numpy() - req["wanted"].to_numpy()
    room = np.clip(free - before, 0, None)
    limited = ~np.isnan(free) & (room < req["wanted"].to_numpy())
    req["room"] = room
    req["capped"] = limited
    req["quantity"] = np.where(limited, round_down_to_multiple(np.nan_to_num(room), req["case_pack"]),
                               req["wanted"]).astype(np.int64)
    return req


def _choose(cand: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    return cand.sort_values(["req", *keys, "cost_per_unit", "transit_days", "origin_id", "mode"],
                            kind="stable").groupby("req").head(1)


def plan_transfers(targets: pd.DataFrame, skus: pd.DataFrame, positions: pd.DataFrame,
                   in_transit: pd.DataFrame, locations: pd.DataFrame, transfer_lanes: pd.DataFrame,
                   cfg: ReplenishmentConfig, as_of: date) -> pd.DataFrame:
    """``marts.transfer_orders`` (columns schema.TRANSFERS; rules in the module docstring).

    ``transfer_lanes`` are annotated by lanes.lane_delays.
    """
    req = _requests(targets, skus, positions, locations)
    avail = source_availability(positions, in_transit, targets, transfer_lanes)
    ship_by = pd.Timestamp(as_of + timedelta(days=cfg.transfer_ship_days))
    req["req"] = np.arange(len(req))
    req["rem"] = req["quantity"]
    lane_cols = ["destination_id", "origin_id", "mode", "transit_days", "expected_transit_days", "cost_per_unit",
                 "order_cost", "co2e_per_unit", "is_delayed", "delay_reason", "delay_days"]
    lanes = transfer_lanes[lane_cols]
    tried = pd.DataFrame({"req": pd.Series(dtype=np.int64), "origin_id": pd.Series(dtype=object)})
    preferred = None
    lines = []
    rounds = int(lanes.groupby("destination_id").size().max()) if len(lanes) else 0
    for round_no in range(rounds):
        open_req = req.loc[req["rem"] > 0, ["req", "sku", "location_id", "rem", "stockout", "priority", "case_pack"]]
        cand = open_req.merge(lanes, left_on="location_id", right_on="destination_id")
        cand = cand.merge(tried.assign(_tried=True), on=["req", "origin_id"], how="left")
        cand = cand[cand["_tried"].isna()].drop(columns="_tried")
        if cand.empty:
            break
        cand["avail"] = avail.reindex(pd.MultiIndex.from_arrays([cand["sku"], cand["origin_id"]])).fillna(0).to_numpy()
        stockout = cand["stockout"].fillna(_FAR)
        for kind, transit in (("nominal", "transit_days"), ("expected", "expected_transit_days")):
            # a lane of 100,000 days lands past any timestamp: no date (never before the stockout)
            arrival = policy.days_after(as_of, cfg.transfer_ship_days + np.ceil(cand[transit].to_numpy()))
            cand[f"{kind}_arrival"] = arrival
            cand[f"{kind}_late"] = np.where(arrival <= stockout, 0.0, np.ceil(cand[transit].to_numpy()))
        cand["no_stock"] = cand["avail"] <= 0
        cand["short"] = cand["avail"] < cand["rem"]
        if round_no == 0:
            preferred = _choose(cand, ["no_stock", "short", "nominal_late"])[
                ["req", "origin_id", "mode", "is_delayed", "delay_reason"]].rename(columns={
                    "origin_id": "preferred_origin", "mode": "preferred_mode",
                    "is_delayed": "preferred_delayed", "delay_reason": "preferred_delay_reason"})
        chosen = _choose(cand, ["no_stock", "is_delayed", "short", "expected_late"])
        tried = pd.concat([tried, chosen[["req", "origin_id"]]], ignore_index=True)
        chosen = chosen[~chosen["no_stock"]].sort_values("priority")
        if chosen.empty:
            break
        asked_before = chosen.groupby(["sku", "origin_id"])["rem"].cumsum() - chosen["rem"]
        left = np.clip(chosen["avail"] - asked_before, 0, None)
        grant = np.minimum(chosen["rem"], left)
        partial = grant < chosen["rem"]
        chosen = chosen.assign(
            left=left, asked=chosen["rem"], round=round_no,
            grant=np.where(partial, round_down_to_multiple(grant, chosen["case_pack"]), grant).astype(np.int64))
        given = chosen[chosen["grant"] > 0]
        lines.append(given)
        taken = given.groupby(["sku", "origin_id"])["grant"].sum()
        avail = avail.sub(taken, fill_value=0)
        req["rem"] -= req["req"].map(given.set_index("req")["grant"]).fillna(0).astype(np.int64)

    if not lines or sum(len(x) for x in lines) == 0:
        return conform(None, TRANSFERS)
    out = pd.concat(lines, ignore_index=True)
    out = out.merge(preferred, on="req", how="left").merge(
        req[["req", "inventory_position", "reorder_point", "order_up_to", "need", "wanted", "capped", "room",
             "projected_stockout_date"]], on="req", how="left")
    return _finish(out, as_of, ship_by)


def _finish(out: pd.DataFrame, as_of: date, ship_by: pd.Timestamp) -> pd.DataFrame:
    out = out.sort_values(["origin_id", "location_id", "mode", "sku"], kind="stable").reset_index(drop=True)
    stamp = as_of.strftime("%Y%m%d")
    out["transfer_id"] = f"TO-{stamp}-" + pd.Series(np.arange(1, len(out) + 1)).astype(str).str.zfill(5)
    out["shipment_id"] = "TS-" + stamp + "-" + out["origin_id"] + "-" + out["location_id"] + "-" + out["mode"]
    shipment_units = out.groupby("shipment_id")["grant"].transform("sum")
    out["cost"] = (out["grant"] * out["cost_per_unit"]
                   + out["order_cost"].fillna(0) * out["grant"] / shipment_units).round(2)
    out["co2e_kg"] = (out["grant"] * out["co2e_per_unit"]).round(3)
    first = out["round"].eq(0)
    out["is_fallback"] = (first & out["preferred_delayed"].fillna(False).astype(bool)
                          & ((out["origin_id"] != out["preferred_origin"]) | (out["mode"] != out["preferred_mode"])))
    out["replaced_source"] = np.where(out["is_fallback"], out["preferred_origin"], None)
    out["lane_delay_days"] = np.where(out["is_delayed"], out["delay_days"], 0.0)
    out["expected_arrival"] = out["expected_arrival"].dt.date
    stockout = pd.to_datetime(out["projected_stockout_date"])
    out["arrives_before_stockout"] = stockout.isna() | (pd.to_datetime(out["expected_arrival"]) <= stockout)
    out["as_of_date"] = as_of
    out["reason"] = _reasons(out)
    out = out.rename(columns={"origin_id": "from_location", "location_id": "to_location", "grant": "quantity"})
    out["as_of"] = as_of
    out["ship_by"] = ship_by.date()
    return conform(out, TRANSFERS)


def _reasons(out: pd.DataFrame) -> np.ndarray:
    to = out["location_id"]
    base = ("position " + num(out["inventory_position"]) + " < reorder point " + num(out["reorder_point"])
            + ": " + num(out["need"]) + " units to reach " + num(out["order_up_to"]) + ", "
            + num(out["wanted"]) + " in cases of " + num(out["case_pack"]))
    capped = np.where(out["capped"], "; " + to + " has room for " + num(out["room"]) + " more units", "")
    lane = out["origin_id"] + " → " + to + " by " + out["mode"]
    out_now = (pd.to_datetime(out["projected_stockout_date"]) <= pd.Timestamp(out["as_of_date"].iloc[0])).to_numpy()
    why = np.select(
        [out["arrives_before_stockout"].to_numpy(), out_now],
        ["cheapest lane arriving before the projected stockout with stock",
         "out of stock now: earliest arrival"],
        "no lane arrives before the projected stockout on " + dates(out["projected_stockout_date"])
        + ": earliest arrival")
    first = np.select(
        [out["is_fallback"].to_numpy(), out["is_delayed"].to_numpy()],
        ["; usual lane " + out["preferred_origin"].fillna("") + " → " + to + " by "
         + out["preferred_mode"].fillna("") + " is delayed (" + out["preferred_delay_reason"].fillna("") + "): "
         + lane + " instead",
         "; " + lane + " although delayed (" + out["delay_reason"] + "): no other source has stock"],
        "; " + lane + ": " + why)
    source = np.where(out["round"].eq(0), first, "; rest from " + lane)
    delayed = np.where(out["is_delayed"] & (out["delay_days"] > 0), "; arrival includes its "
                       + num(out["delay_days"]) + " days of delay", "")
    short = np.where(out["grant"] < out["asked"], "; " + out["origin_id"] + " can give " + num(out["grant"])
                     + " of " + num(out["asked"]), "")
    return (base + capped + source + delayed + short).to_numpy()
