"""The spreadsheet rule sellers use today (``BaselinePolicy``), on the same network and lanes.

Every night, with d = a location's mean daily sales over the last ``sales_days`` days (up to
and including that night) and position = on hand − backorders + inbound:

- **Transfers.** A customer-facing location supplied by transfer orders from its usual source
  (its cheapest lane that is not disrupted, as the plan would) when its position is below
  ``reorder_cover_days`` × d: up to ``order_up_to_days`` × d, rounded up to whole case packs.
  A source gives what it has in whole case packs (as the plan's transfers do), to the
  locations with the fewest days of cover first.
- **Purchases.** Each entry point (a stock location a supplier lane reaches) is one row of the
  spreadsheet: its echelon — itself and the customer-facing locations whose purchased stock
  lands there — is ordered up to ``order_up_to_days`` of the echelon's sales when the echelon's
  position falls below ``reorder_cover_days`` of them, from the SKU's supplier on its cheapest
  lane to that entry point, at least the MOQ and in whole case packs.

Transfers are looked at every night, purchases every ``purchase_every`` nights (the nights
Stockpilot's purchase orders go out too: its plan's purchase review period). Discontinued SKUs
are never ordered (the plan does not order them either). Example: 4 units/day
over the last 30 days, 100 on hand and 10 inbound: 110 < 30 × 4 = 120, so order 60 × 4 − 110 =
130 units, 132 in cases of 12.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.config import BaselineRuleConfig
from pipelines.replenishment.rounding import purchase_quantity, round_down_to_multiple, round_up_to_multiple
from pipelines.simulation.network import ORDER_COLUMNS, Network, SimulationState, is_purchase_night


class BaselinePolicy:
    """The 30/60-day rule (numbers from ``BaselineRuleConfig``) on the sales of ``history``:
    (day, sku, location) units, day ``offset`` being the window's first day; purchases every
    ``purchase_every`` nights."""

    name = "baseline"

    def __init__(self, network: Network, history: np.ndarray, offset: int, rule: BaselineRuleConfig,
                 purchase_every: int = 1):
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
        self.purchase_lane = net.supplier_lane
        entries = sorted({dest for _, dest in net.supplier_lane})
        self.echelons: dict[int, np.ndarray] = {}  # entry index → member location indices
        for entry in entries:
            e = net.locations.get_loc(entry)
            if net.unlimited[e]:
                continue
            members = [net.locations.get_loc(loc) for loc, ent in net.entry.items()
                       if ent == entry and loc in net.locations]
            self.echelons[e] = np.array(sorted(set(members) | {e}), dtype=np.int64)

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
            due = net.active & (r > 0) & (pos < rule.reorder_cover_days * r)
            if not due.any():
                continue
            s = np.flatnonzero(due)
            want = round_up_to_multiple(np.ceil(np.round(rule.order_up_to_days * r[s] - pos[s], 6)), net.case_pack[s])
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
        return self._lines(req, "transfer")

    def _purchases(self, rate: np.ndarray, position: np.ndarray) -> pd.DataFrame:
        net, rule = self.network, self.rule
        parts = []
        for e, members in self.echelons.items():
            r = rate[:, members].sum(axis=1)
            pos = position[:, members].sum(axis=1)
            due = net.active & (r > 0) & (pos < rule.reorder_cover_days * r)
            if not due.any():
                continue
            s = np.flatnonzero(due)
            entry = net.locations[e]
            lane = np.array([self.purchase_lane.get((sup, entry), -1) for sup in net.supplier[s]], dtype=np.int64)
            s, need = s[lane >= 0], (rule.order_up_to_days * r - pos)[s[lane >= 0]]
            qty = purchase_quantity(np.ceil(np.round(need, 6)), net.moq[s], net.case_pack[s])
            parts.append(pd.DataFrame({"s": s, "lane": lane[lane >= 0], "quantity": qty}))
        if not parts:
            return pd.DataFrame()
        return self._lines(pd.concat(parts, ignore_index=True), "purchase")

    def _lines(self, req: pd.DataFrame, kind: str) -> pd.DataFrame:
        lanes = self.network.lanes
        k = req["lane"].to_numpy()
        return pd.DataFrame({"s": req["s"].to_numpy(), "origin_id": lanes["origin_id"].to_numpy()[k],
                             "destination_id": lanes["destination_id"].to_numpy()[k],
                             "mode": lanes["mode"].to_numpy()[k], "quantity": req["quantity"].to_numpy(),
                             "kind": kind})
