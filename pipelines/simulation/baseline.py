"""The spreadsheet rule sellers use today (``BaselinePolicy``), on the same network and lanes.

Every night, with d = a location's mean daily sales over the last ``sales_days`` days (up to
and including that night) and position = on hand − backorders + inbound. With ``plus_lead_time``
(the default) the cover days of both thresholds are counted on top of the order's lead time L —
a transfer's ``transfer_ship_days`` + its lane's transit days, a purchase's production lead time
+ its lane's transit days — so the rule reads "below L + 30 days, up to L + 60"; without it L is
0 (the fixed 30/60-day rule, which runs dry wherever a purchase takes longer than 30 days):

- **Transfers.** A customer-facing location supplied by transfer orders from its usual source
  (its cheapest lane that is not disrupted, as the plan would) when its position is below
  (L + ``reorder_cover_days``) × d: up to (L + ``order_up_to_days``) × d, rounded up to whole
  case packs.
  A source gives what it has in whole case packs (as the plan's transfers do), to the
  locations with the fewest days of cover first.
- **Purchases.** Each entry point (a stock location a supplier lane reaches) is one row of the
  spreadsheet: its echelon — itself and the customer-facing locations whose purchased stock
  lands there — is ordered up to L + ``order_up_to_days`` of the echelon's sales when the
  echelon's position falls below L + ``reorder_cover_days`` of them, from the SKU's supplier on
  its cheapest lane to that entry point, at least the MOQ and in whole case packs.

Transfers are looked at every night, purchases every ``purchase_every`` nights (the nights
Stockpilot's purchase orders go out too: its plan's purchase review period). Discontinued SKUs
are never ordered (the plan does not order them either). Example of the fixed rule: 4 units/day
over the last 30 days, 100 on hand and 10 inbound: 110 < 30 × 4 = 120, so order 60 × 4 − 110 =
130 units, 132 in cases of 12. With a 4-day transfer lead time the same store orders below
(4 + 30) × 4 = 136, up to (4 + 60) × 4 = 256.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.config import BaselineRuleConfig
from pipelines.replenishment.rounding import purchase_quantity, round_down_to_multiple, round_up_to_multiple
from pipelines.simulation.network import (
    ORDER_COLUMNS,
    Network,
    SimulationState,
    is_purchase_night,
    purchase_echelons,
)


class BaselinePolicy:
    """The 30/60-day rule (numbers from ``BaselineRuleConfig``) on the sales of ``history``:
    (day, sku, location) units, day ``offset`` being the window's first day; purchases every
    ``purchase_every`` nights."""

    name = "baseline"

    def __init__(self, network: Network, history: np.ndarray, offset: int, rule: BaselineRuleConfig,
                 purchase_every: int = 1, transfer_ship_days: int = 1):
        self.network = network
        self.purchase_every = purchase_every
        self.rule = rule
        self.offset = offset
        self.cum = np.concatenate([np.zeros((1, *network.shape)), np.cumsum(history, axis=0)])
        net = network
        self.transfer_to: dict[int, int] = {}  # destination index → usual lane
        for dest, lane in net.usual_source["lane"].items():
            d = net.locations.get_loc(dest)
            if net.facing[d]:
                self.transfer_to[d] = int(lane)
        transit = net.lanes["transit_days"].to_numpy(dtype=float)
        plus = 1.0 if rule.plus_lead_time else 0.0
        #: lead time counted on top of the cover days: per transfer lane, and per purchase lane and SKU
        self.transfer_lead = plus * (transfer_ship_days + transit)
        self.purchase_transit = plus * transit
        self.production = plus * net.production_days
        self.echelons = purchase_echelons(net)  # entry index → member location indices

    def daily_sales(self, night: int) -> np.ndarray:
        """(sku, location) mean units/day over the ``sales_days`` days up to night ``night``
        (fewer when the history is shorter)."""
        end = self.offset + night + 1
        start = max(end - self.rule.sales_days, 0)
        days = max(end - start, 1)
        return (self.cum[end] - self.cum[start]) / days

    def decide(self, state: SimulationState) -> pd.DataFrame:
        net = self.network
        rate = self.daily_sales(state.night)
        position = state.on_hand - state.backlog + state.inbound
        frames = [self._transfers(state, rate, position)]
        if is_purchase_night(state.night, self.purchase_every):
            frames.append(self._purchases(rate, position))
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=ORDER_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        out["sku"] = net.skus[out.pop("s")]
        return out[ORDER_COLUMNS]

    def _transfers(self, state: SimulationState, rate: np.ndarray, position: np.ndarray) -> pd.DataFrame:
        net, rule = self.network, self.rule
        parts = []
        for d, lane in self.transfer_to.items():
            r, pos = rate[:, d], position[:, d]
            lead = self.transfer_lead[lane]
            due = net.active & (r > 0) & (pos < (lead + rule.reorder_cover_days) * r)
            if not due.any():
                continue
            s = np.flatnonzero(due)
            up_to = (lead + rule.order_up_to_days) * r[s]
            want = round_up_to_multiple(np.ceil(np.round(up_to - pos[s], 6)), net.case_pack[s])
            parts.append(pd.DataFrame({"s": s, "lane": lane, "quantity": want,
                                       "cover": pos[s] / r[s]}))
        if not parts:
            return pd.DataFrame()
        req = pd.concat(parts, ignore_index=True)
        lanes = net.lanes
        req["origin_idx"] = lanes["origin_idx"].to_numpy()[req["lane"]]
        req = req[req["quantity"] > 0].sort_values(["s", "origin_idx", "cover", "lane"], kind="stable")
        held = np.clip(state.on_hand[req["s"], req["origin_idx"]] - state.backlog[req["s"], req["origin_idx"]], 0, None)
        before = req.groupby(["s", "origin_idx"])["quantity"].cumsum().to_numpy() - req["quantity"].to_numpy()
        grant = np.clip(np.minimum(req["quantity"].to_numpy(), held - before), 0, None)
        short = grant < req["quantity"].to_numpy()
        cases = net.case_pack[req["s"].to_numpy()]
        req["quantity"] = np.where(short, round_down_to_multiple(grant, cases), grant).astype(np.int64)
        req = req[req["quantity"] > 0]
        return self.network.order_lines(req, "transfer")

    def _purchases(self, rate: np.ndarray, position: np.ndarray) -> pd.DataFrame:
        net, rule = self.network, self.rule
        parts = []
        for e, members in self.echelons.items():
            r = rate[:, members].sum(axis=1)
            pos = position[:, members].sum(axis=1)
            entry = net.locations[e]
            lane = net.purchase_lanes(entry)
            lead = np.where(lane >= 0, self.production + self.purchase_transit[np.maximum(lane, 0)], 0.0)
            due = net.active & (r > 0) & (lane >= 0) & (pos < (lead + rule.reorder_cover_days) * r)
            if not due.any():
                continue
            s = np.flatnonzero(due)
            need = (lead[s] + rule.order_up_to_days) * r[s] - pos[s]
            qty = purchase_quantity(np.ceil(np.round(need, 6)), net.moq[s], net.case_pack[s])
            parts.append(pd.DataFrame({"s": s, "lane": lane[s], "quantity": qty}))
        if not parts:
            return pd.DataFrame()
        return self.network.order_lines(pd.concat(parts, ignore_index=True), "purchase")
