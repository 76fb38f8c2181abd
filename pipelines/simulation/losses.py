"""Why each unit was lost (``marts.policy_backtest_losses``): one row per policy, SKU, stock
location and day with demand the shelf could not serve, with its cause.

A location's replenishment has an expected lead time L: ship days + its usual transfer lane's
mean transit, or for a location its purchases land at, the SKU's production lead time + the
supplier lane's mean transit; R is the nights between two of its orders (1 for transfers, the
purchase cadence for purchases). The order that should have served day t is one placed on a
night in the review window (t − L − R, t − L]. The first cause that holds, in this order:

1. ``start_up``: day t comes before anything the policy buys can reach the shelf — the echelon
   lead time (L plus, for a location supplied by transfer from a source that can run out, the
   purchase lead time of that source). Only the starting stock and the shipments in flight at
   the start could serve it.
2. ``lead_time_longer``: an order placed in time (placed + L ≤ t) landed after day t: its
   transit draw was longer than the lane's mean.
3. ``upstream_empty``: supplied by transfer, and the source held fewer units than the day lost
   at the end of every night of the review window: it had nothing (or too little) to send.
   ``upstream_cause`` then says why the source was empty on the night it had to send (t − L):
   the rules 1, 2 and 4–6 on the source's own orders (its purchases), with its own L and R.
4. ``ordered_too_little``: an order placed in the review window landed by day t, yet the shelf
   ran out: the policy's estimate of demand (forecast, or the rule's sales average) was below
   what came.
5. ``ordered_late``: no order in the review window, but one placed after it and before day t:
   the policy saw the need too late for its lead time.
6. ``not_ordered``: no order to that location from the start of the review window to day t: the
   position was at or above the policy's reorder point.

Case packs and MOQs only raise quantities and the simulation has no location capacity, so
neither is a cause of a lost unit here (a source's whole-case rounding when it runs short counts
as ``upstream_empty``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.simulation.engine import SimulationResult
from pipelines.simulation.network import purchase_cadence

LOSS_COLUMNS = ["policy", "sku", "location_id", "date", "lost_units", "cause", "upstream_cause",
                "in_first_lead_time", "lead_time_days", "source_id"]
#: cause → what it means, in the order the rule tests them.
CAUSES = {
    "start_up": "before anything the policy bought could reach the shelf (starting stock only)",
    "lead_time_longer": "an order placed in time landed late (transit longer than the lane's mean)",
    "upstream_empty": "the source had too little to send",
    "ordered_too_little": "the order landed in time but demand was above the policy's estimate",
    "ordered_late": "ordered after the last night that could land in time",
    "not_ordered": "no order: the position was at or above the reorder point",
}
SUMMARY_COLUMNS = ["policy", "cause", "lost_units", "share_of_lost", "sku_location_days", "meaning"]
#: A cause with the source's own cause behind it reads "upstream_empty ← ordered_late".
UPSTREAM_ARROW = " ← "


def _lead_times(result: SimulationResult, transfer_ship_days: int, purchase_review_days: float
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Per (sku, location): expected lead time L, review nights R, echelon lead time (days before
    anything bought reaches it) and the source index (−1: a supplier or none)."""
    net = result.network
    n_s, n_l = net.shape
    transit = net.lanes["transit_days"].to_numpy(dtype=float)
    production = np.rint(net.production_days)
    lead = np.zeros((n_s, n_l))
    review = np.ones((n_s, n_l))
    source = np.full(n_l, -1, dtype=np.int64)
    purchase = np.zeros((n_s, n_l))
    for loc_idx, loc in enumerate(net.locations):
        lanes = net.purchase_lanes(loc)
        purchase[:, loc_idx] = np.where(lanes >= 0, production + np.rint(transit[np.maximum(lanes, 0)]), 0.0)
    cadence = purchase_cadence(purchase_review_days)
    for loc_idx, loc in enumerate(net.locations):
        if loc in net.usual_source.index:
            lane = int(net.usual_source.loc[loc, "lane"])
            lead[:, loc_idx] = transfer_ship_days + np.rint(transit[lane])
            source[loc_idx] = int(net.lanes["origin_idx"].iloc[lane])
        else:
            lead[:, loc_idx] = purchase[:, loc_idx]
            review[:, loc_idx] = cadence
    echelon = lead.copy()
    # a source that never runs out (an unlimited DC) needs no purchase before it can send
    bought = (source >= 0) & ~net.unlimited[np.maximum(source, 0)]
    echelon[:, bought] += purchase[:, source[bought]]
    return lead, review, echelon, source


def first_lead_time(result: SimulationResult, transfer_ship_days: int, purchase_review_days: float) -> np.ndarray:
    """(sku, location) days before anything a policy buys can reach each location: the
    ``start_up`` horizon of rule 1."""
    return _lead_times(result, transfer_ship_days, purchase_review_days)[2]


def _order_flags(frame: pd.DataFrame, orders: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per row of ``frame`` (id = position, t, s, loc, lead, review): whether an order to (s, loc)
    placed in time landed after day t (``late_transit``), one of the review window landed by day t
    (``in_time``), one placed after the window and before day t (``after``)."""
    flags = {name: np.zeros(len(frame), dtype=bool) for name in ("late_transit", "in_time", "after")}
    if not len(orders) or not len(frame):
        return flags
    lines = orders[["sku_idx", "dest_idx", "placed", "arrival"]].rename(columns={"sku_idx": "s", "dest_idx": "loc"})
    pairs = frame[["id", "t", "s", "loc", "lead", "review"]].merge(lines, on=["s", "loc"])
    due_by = pairs["placed"] + pairs["lead"]
    window_start = pairs["t"] - pairs["lead"] - pairs["review"]
    in_window = (pairs["placed"] > window_start) & (due_by <= pairs["t"])
    hits = {
        "late_transit": pairs["id"][(due_by <= pairs["t"]) & (pairs["arrival"] > pairs["t"])
                                    & (pairs["placed"] > window_start - pairs["lead"])],
        "in_time": pairs["id"][in_window & (pairs["arrival"] <= pairs["t"])],
        "after": pairs["id"][(due_by > pairs["t"]) & (pairs["placed"] < pairs["t"])],
    }
    for name, ids in hits.items():
        flags[name][ids.unique()] = True
    return flags


def _own_cause(flags: dict[str, np.ndarray], start_up: np.ndarray) -> np.ndarray:
    return np.select([start_up, flags["late_transit"], flags["in_time"], flags["after"]],
                     ["start_up", "lead_time_longer", "ordered_too_little", "ordered_late"], "not_ordered")


def loss_causes(result: SimulationResult, transfer_ship_days: int, purchase_review_days: float) -> pd.DataFrame:
    """LOSS_COLUMNS rows of one simulation (rules in the module docstring)."""
    net = result.network
    missed = result.missed
    t, s, loc = np.nonzero(missed > 0)
    if not len(t):
        return pd.DataFrame({c: pd.Series(dtype=object) for c in LOSS_COLUMNS})
    lead, review, echelon, source = _lead_times(result, transfer_ship_days, purchase_review_days)
    losses = pd.DataFrame({"t": t, "s": s, "loc": loc, "lost": missed[t, s, loc].astype(float),
                           "lead": lead[s, loc], "review": review[s, loc], "echelon": echelon[s, loc],
                           "source": source[loc]})
    losses["id"] = np.arange(len(losses))
    lost_by = losses["t"] - losses["lead"]  # the last night whose order was expected by day t
    flags = _order_flags(losses, result.orders)

    # the source's stock at the end of each night of the review window
    empty = np.zeros(len(losses), dtype=bool)
    fed = (losses["source"] >= 0).to_numpy()
    if fed.any():
        on_hand = result.on_hand
        idx = np.flatnonzero(fed)
        most = np.full(len(idx), -np.inf)
        last = lost_by.to_numpy()[idx].astype(np.int64)
        span = losses["review"].to_numpy()[idx].astype(np.int64)
        for back in range(int(span.max())):
            night = last - back
            ok = (back < span) & (night >= 0)
            held = np.where(ok, on_hand[np.clip(night, 0, len(on_hand) - 1), losses["s"].to_numpy()[idx],
                                        losses["source"].to_numpy()[idx]], -np.inf)
            most = np.maximum(most, held)
        # before the window's first night the source held its starting stock: never judged empty there
        empty[idx] = np.isfinite(most) & (most < losses["lost"].to_numpy()[idx])

    start_up = (losses["t"] < losses["echelon"]).to_numpy()
    cause = np.select(
        [start_up, flags["late_transit"], empty, flags["in_time"], flags["after"]],
        ["start_up", "lead_time_longer", "upstream_empty", "ordered_too_little", "ordered_late"],
        "not_ordered")
    # why the source was empty: the same rules on its own orders, for the day it had to send
    upstream = np.full(len(losses), None, dtype=object)
    dry = np.flatnonzero(cause == "upstream_empty")
    if len(dry):
        at = losses.iloc[dry]
        src = at["source"].to_numpy()
        frame = pd.DataFrame({"id": np.arange(len(dry)), "t": lost_by.to_numpy()[dry], "s": at["s"].to_numpy(),
                              "loc": src, "lead": lead[at["s"].to_numpy(), src],
                              "review": review[at["s"].to_numpy(), src]})
        upstream[dry] = _own_cause(_order_flags(frame, result.orders), (frame["t"] < frame["lead"]).to_numpy())
    out = pd.DataFrame({
        "policy": result.policy, "sku": net.skus[losses["s"]], "location_id": net.locations[losses["loc"]],
        "date": result.dates[losses["t"].to_numpy()].date, "lost_units": losses["lost"].round(3), "cause": cause,
        "upstream_cause": upstream, "in_first_lead_time": start_up, "lead_time_days": losses["lead"],
        "source_id": np.where(fed, net.locations[np.maximum(losses["source"], 0)], None)})
    return out[LOSS_COLUMNS].sort_values(["policy", "date", "sku", "location_id"]).reset_index(drop=True)


def loss_summary(losses: pd.DataFrame) -> pd.DataFrame:
    """Lost units by policy and cause, the largest first: SUMMARY_COLUMNS."""
    if losses is None or losses.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    losses = losses.assign(cause=np.where(losses["upstream_cause"].notna(),
                                          losses["cause"] + UPSTREAM_ARROW + losses["upstream_cause"].astype(str),
                                          losses["cause"])) if "upstream_cause" in losses else losses
    out = losses.groupby(["policy", "cause"], as_index=False).agg(
        lost_units=("lost_units", "sum"), sku_location_days=("lost_units", "size"))
    out["share_of_lost"] = out["lost_units"] / out.groupby("policy")["lost_units"].transform("sum")
    own = out["cause"].str.split(UPSTREAM_ARROW, regex=False)
    out["meaning"] = [CAUSES.get(parts[0], "") + (f"; at the source: {CAUSES.get(parts[1], parts[1])}"
                                                   if len(parts) > 1 else "") for parts in own]
    out = out.sort_values(["policy", "lost_units"], ascending=[True, False], kind="stable")
    return out[SUMMARY_COLUMNS].reset_index(drop=True)
