"""The perfect-foresight policy (``PerfectForesightPolicy``): the ceiling a backtest reads the
other policies against.

It knows what no planner can: the window's demand at every location, day by day, and the transit
time every order line will take (the seeded draws of ``lead_times``, the ones the simulation
uses). It still lives under the network's rules — the same lanes, review nights, case packs,
MOQs and the stock a source holds — so what it reaches is what was possible on this network,
not a fill rate of 100 % by definition. Each night t:

- **Transfers** to a customer-facing location from its usual source: tonight's order lands on
  day a (ship days + tonight's transit draw), the next night's on day e. The order covers the
  exact demand of the days [a, e) less the stock projected to be there at the start of day a and
  what lands in (a, e): projected day by day from tonight's on hand, the lines in flight and the
  known demand, lost sales leaving nothing behind. Rounded up to whole case packs.
- **Purchases**, on the purchase nights (the plan's review period), per entry point and its
  echelon (the entry and the customer-facing locations its purchases serve, as the baseline
  rule's): tonight's purchase lands at the entry on day A (production + tonight's draw), the
  next purchase night's on day A'. Each member's demand is read on the entry's clock, shifted by
  its transfer lead time (ship days + its lane's mean transit), so the purchase covers the
  echelon's demand that must leave the entry over [A, A'), less the echelon's stock projected to
  day A: every unit on hand or travelling inside the echelon, less the members' demand before
  their shifted clock starts, plus the purchases in flight as they land. At least the MOQ, whole
  case packs.

Past the window's end demand continues at the mean of the window's last ``TAIL_DAYS`` days, so
the policy orders at the end as it would in the middle (it does not run its stock down because
the replay stops). It ignores holding and transport cost: it holds just what covers demand
between receipts, which is the lowest stock a policy ordering on these nights can serve it with.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines.replenishment.rounding import purchase_quantity, round_up_to_multiple
from pipelines.simulation.lead_times import LeadTimes
from pipelines.simulation.network import (
    ORDER_COLUMNS,
    Network,
    SimulationState,
    is_purchase_night,
    purchase_echelons,
)

#: Days at the end of the window whose mean demand continues it.
TAIL_DAYS = 28
#: Standard deviations of a lane's transit covered by the demand padded past the window.
_PAD_SIGMAS = 6


def project(level: np.ndarray, arrivals: np.ndarray, demand: np.ndarray) -> np.ndarray:
    """(S, H) stock at the start of each of the next H days (after that day's arrivals, before
    its demand), from ``level`` (S,) units tonight, ``arrivals`` and ``demand`` (S, H) per day;
    lost sales: a day's unmet demand leaves nothing behind."""
    start = np.zeros(arrivals.shape)
    level = np.asarray(level, dtype=float).copy()
    for h in range(arrivals.shape[1]):
        start[:, h] = level + arrivals[:, h]
        level = np.clip(start[:, h] - demand[:, h], 0.0, None)
    return start


def cover_need(start: np.ndarray, arrivals: np.ndarray, demand: np.ndarray, land: np.ndarray,
               end: np.ndarray) -> np.ndarray:
    """(S,) units an order landing on day offset ``land`` must bring to serve the demand of the
    days [land, end): that demand less the stock projected at the start of day ``land`` and the
    arrivals of the days after it, up to ``end``. Offsets index the H axis of the (S, H) arrays."""
    rows = np.arange(len(land))
    cum_demand = np.concatenate([np.zeros((len(land), 1)), np.cumsum(demand, axis=1)], axis=1)
    cum_arrivals = np.concatenate([np.zeros((len(land), 1)), np.cumsum(arrivals, axis=1)], axis=1)
    need = cum_demand[rows, end] - cum_demand[rows, land]
    later = cum_arrivals[rows, end] - cum_arrivals[rows, land + 1]
    return np.clip(need - start[rows, land] - later, 0.0, None)


class PerfectForesightPolicy:
    """Orders exactly what the known demand needs between receipts (rules in the module docstring).

    ``demand``: (day, sku, location) units of the window, the demand the simulation replays;
    ``seed``: the backtest's lead-time seed, so the policy knows the draws the simulation makes.
    """

    name = "perfect_foresight"

    def __init__(self, network: Network, demand: np.ndarray, seed: int, purchase_every: int = 1,
                 transfer_ship_days: int = 1):
        self.network = network
        self.purchase_every = purchase_every
        self.ship_days = int(transfer_ship_days)
        self.lead_times = LeadTimes(network, seed)
        lanes = network.lanes
        transit = lanes["transit_days"].to_numpy(dtype=float)
        spread = lanes["transit_days_std"].to_numpy(dtype=float)
        longest = (float(network.production_days.max(initial=0.0))
                   + float((transit + _PAD_SIGMAS * spread).max(initial=0.0)))
        pad_days = int(np.ceil(longest)) + 2 * self.ship_days + 2 * purchase_every + TAIL_DAYS
        tail = demand[-TAIL_DAYS:].mean(axis=0) if len(demand) else np.zeros(network.shape)
        self.demand = np.concatenate([np.asarray(demand, dtype=float),
                                      np.repeat(tail[None], pad_days, axis=0)])
        self.transfer_to: dict[int, int] = {}  # customer-facing destination index → usual lane
        for dest, lane in network.usual_source["lane"].items():
            d = network.locations.get_loc(dest)
            if network.facing[d]:
                self.transfer_to[d] = int(lane)
        self.echelons = purchase_echelons(network)
        #: each location's delay from its entry point's stock to its shelf: ship days + mean transit
        self.shift = np.zeros(len(network.locations), dtype=np.int64)
        for d, lane in self.transfer_to.items():
            self.shift[d] = self.ship_days + int(np.rint(transit[lane]))

    def _days(self, first: int, horizon: int, location: int, shift: int = 0) -> np.ndarray:
        """(S, horizon) demand at ``location`` of the days first + shift, …"""
        lo = first + shift
        part = self.demand[lo:lo + horizon, :, location].T
        if part.shape[1] < horizon:  # never past the padding in practice; zeros beyond it
            part = np.pad(part, ((0, 0), (0, horizon - part.shape[1])))
        return part

    def _arrivals(self, lines: pd.DataFrame, night: int, horizon: int) -> np.ndarray:
        """(S, horizon) units of ``lines`` landing on the days night + 1, …"""
        out = np.zeros((len(self.network.skus), horizon))
        h = lines["arrival"].to_numpy(dtype=np.int64) - night - 1
        keep = (h >= 0) & (h < horizon)
        np.add.at(out, (lines["sku_idx"].to_numpy(dtype=np.int64)[keep], h[keep]),
                  lines["quantity"].to_numpy(dtype=float)[keep])
        return out

    def decide(self, state: SimulationState) -> pd.DataFrame:
        frames = [self._transfers(state)]
        if is_purchase_night(state.night, self.purchase_every):
            frames.append(self._purchases(state))
        frames = [f for f in frames if len(f)]
        if not frames:
            return pd.DataFrame(columns=ORDER_COLUMNS)
        out = pd.concat(frames, ignore_index=True)
        out["sku"] = self.network.skus[out.pop("s")]
        return out[ORDER_COLUMNS]

    def _transfers(self, state: SimulationState) -> pd.DataFrame:
        net, t = self.network, state.night
        skus = np.arange(len(net.skus))
        open_orders = state.open_orders
        parts = []
        for d, lane in self.transfer_to.items():
            lanes = np.full(len(skus), lane)
            land = self.ship_days + self.lead_times.transit_days(t, skus, lanes) - 1  # offset of day a
            after = self.ship_days + self.lead_times.transit_days(t + 1, skus, lanes)  # offset of day e
            end = np.maximum(after, land + 1)
            horizon = int(end.max()) + 1
            demand = self._days(t + 1, horizon, d)
            arrivals = self._arrivals(open_orders[open_orders["dest_idx"].to_numpy() == d], t, horizon)
            start = project(state.on_hand[:, d] - state.backlog[:, d], arrivals, demand)
            need = cover_need(start, arrivals, demand, land, end)
            s = np.flatnonzero(net.active & (need > 0))
            if not len(s):
                continue
            qty = round_up_to_multiple(np.ceil(np.round(need[s], 6)), net.case_pack[s])
            # the source serves the earliest arrivals first when it runs short (engine: first lines first)
            parts.append(pd.DataFrame({"s": s, "lane": lane, "quantity": qty, "land": land[s]}))
        if not parts:
            return pd.DataFrame()
        req = pd.concat(parts, ignore_index=True).sort_values(["s", "land"], kind="stable")
        return self.network.order_lines(req, "transfer")

    def _purchases(self, state: SimulationState) -> pd.DataFrame:
        net, t = self.network, state.night
        open_orders = state.open_orders
        bought = open_orders[open_orders["origin_idx"].to_numpy() < 0]
        parts = []
        for e, members in self.echelons.items():
            entry = net.locations[e]
            lane = net.purchase_lanes(entry)
            s = np.flatnonzero(net.active & (lane >= 0))
            if not len(s):
                continue
            production = np.rint(net.production_days).astype(np.int64)
            lanes = np.maximum(lane, 0)
            land = production + self.lead_times.transit_days(t, np.arange(len(lane)), lanes) - 1
            following = (self.purchase_every + production
                         + self.lead_times.transit_days(t + self.purchase_every, np.arange(len(lane)), lanes))
            end = np.maximum(following, land + 1)
            land, end = land[s], end[s]  # SKUs bought to this entry only
            horizon = int(end.max()) + 1
            shifts = np.where(members == e, 0, self.shift[members])
            demand = sum(self._days(t + 1, horizon, m, int(k)) for m, k in zip(members, shifts, strict=True))
            inside = (state.on_hand[:, members] - state.backlog[:, members] + state.inbound[:, members]).sum(axis=1)
            into = bought[np.isin(bought["dest_idx"].to_numpy(), members)]
            purchased = np.zeros(len(net.skus))
            np.add.at(purchased, into["sku_idx"].to_numpy(dtype=np.int64), into["quantity"].to_numpy(dtype=float))
            # the members' demand before their shifted clock starts is served by the stock counted here
            before = sum(self.demand[t + 1:t + 1 + int(k), :, m].sum(axis=0)
                         for m, k in zip(members, shifts, strict=True) if k > 0)
            level = (inside - purchased - before)[s]
            arrivals = self._arrivals(into, t, horizon)[s]
            demand = demand[s]
            start = project(level, arrivals, demand)
            need = cover_need(start, arrivals, demand, land, end)
            s = s[need > 0]
            need = need[need > 0]
            if not len(s):
                continue
            qty = purchase_quantity(np.ceil(np.round(need, 6)), net.moq[s], net.case_pack[s])
            parts.append(pd.DataFrame({"s": s, "lane": lane[s], "quantity": qty}))
        if not parts:
            return pd.DataFrame()
        return self.network.order_lines(pd.concat(parts, ignore_index=True), "purchase")
