"""The day-by-day simulation of one policy: ``simulate``.

Days are indexed 0 … N−1 over the window; night t is the end of day t, and night −1 the end of
the day before the window. Order of events:

1. night −1: the policy decides on the starting stock and the shipments already in flight
   (``history.starting_pipeline``; not orders of the policy: no cost, not in the order log);
2. each day t: the shipments landing that day are received (on hand at the start of the day);
   the day's demand at each SKU × location is served from its on hand — in lost-sales mode
   what cannot be served is lost, in backorder mode it waits and is served first from the next
   units to arrive; then, on night t (except the last), the policy sees the state and orders.
3. An order line placed on night t travels on its lane: a transfer leaves its origin at once
   (its units are taken from the origin's on hand, never more than it holds) and lands
   ``transfer_ship_days`` + transit days later; a purchase lands the SKU's production lead time +
   transit days later. Transit days come from ``lead_times`` (seeded, the same for every policy).

Everything is vectorised over SKUs × locations; only the days are a Python loop.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import pandas as pd

from pipelines.simulation.lead_times import LeadTimes
from pipelines.simulation.network import ORDER_COLUMNS, UNLIMITED_UNITS, Network, SimulationState

OPEN_ORDER_COLUMNS = ["order_id", "sku_idx", "lane", "origin_idx", "dest_idx", "quantity", "placed", "arrival",
                      "kind"]
#: The order log of a simulation: every line placed, with its lane, timing and cost.
ORDER_LOG_COLUMNS = [*OPEN_ORDER_COLUMNS, "sku", "origin_id", "destination_id", "mode", "transit_days",
                     "transport_cost", "co2e_kg"]


class Policy(Protocol):
    """A replenishment policy: each night it looks at the simulated state and returns the order
    lines it places (columns ``ORDER_COLUMNS``: sku, origin_id, destination_id, mode, quantity,
    kind 'transfer' | 'purchase')."""

    name: str

    def decide(self, state: SimulationState) -> pd.DataFrame: ...


@dataclass
class SimulationResult:
    """What happened, per day and SKU × stock location: arrays (day, sku, location) in units.

    ``on_hand``: at the end of the day (after demand); ``in_transit``: travelling to the location
    at the end of the night (after that night's orders); ``received``: landed at the start of the
    day; ``demanded``: the day's demand; ``served``: units shipped to customers that day
    (backorders included); ``missed``: units of the day's demand not served that day (lost, or
    backordered); ``backlog``: backorders waiting at the end of the day; ``ordered``: units
    ordered to the location that night.
    """

    policy: str
    dates: pd.DatetimeIndex
    network: Network
    on_hand: np.ndarray
    in_transit: np.ndarray
    received: np.ndarray
    demanded: np.ndarray
    served: np.ndarray
    missed: np.ndarray
    backlog: np.ndarray
    ordered: np.ndarray
    orders: pd.DataFrame  # ORDER_LOG_COLUMNS
    seconds: dict[str, float] = field(default_factory=dict)


class _Pipeline:
    """Order lines in flight (``open``), the units inbound per (sku, location), and the log of
    every line placed."""

    def __init__(self, network: Network, lead_times: LeadTimes, transfer_ship_days: int):
        self.network = network
        self.lead_times = lead_times
        self.transfer_ship_days = int(transfer_ship_days)
        self.inbound = np.zeros(network.shape)
        self.parts: list[pd.DataFrame] = []
        self.open = pd.DataFrame({c: pd.Series(dtype=np.int64) for c in OPEN_ORDER_COLUMNS[:-1]} | {
            "kind": pd.Series(dtype=object)})
        self.next_id = 0

    def preload(self, lines: pd.DataFrame) -> None:
        """Shipments already in flight when the simulation starts."""
        if lines is None or lines.empty:
            return
        lines = lines.assign(order_id=np.arange(self.next_id, self.next_id + len(lines)), placed=-1,
                             kind="in_flight_at_start")
        self.next_id += len(lines)
        np.add.at(self.inbound, (lines["sku_idx"].to_numpy(), lines["dest_idx"].to_numpy()),
                  lines["quantity"].to_numpy())
        self.open = pd.concat([self.open, lines[OPEN_ORDER_COLUMNS]], ignore_index=True)

    def place(self, orders: pd.DataFrame, night: int, on_hand: np.ndarray) -> np.ndarray:
        """Place a night's order lines; returns units ordered per (sku, destination)."""
        net = self.network
        ordered = np.zeros(net.shape)
        if orders is None or orders.empty:
            return ordered
        orders = orders[orders["quantity"] > 0].reset_index(drop=True)
        if orders.empty:
            return ordered
        s = net.skus.get_indexer(orders["sku"].astype(str))
        if (s < 0).any():
            raise KeyError(f"orders for unknown SKUs: {sorted(set(orders['sku'][s < 0]))[:5]}")
        lane = net.lane_of(orders["origin_id"], orders["destination_id"], orders["mode"])
        lanes = net.lanes
        origin = lanes["origin_idx"].to_numpy()[lane]
        dest = lanes["dest_idx"].to_numpy()[lane]
        qty = np.floor(orders["quantity"].to_numpy(dtype=float) + 1e-9)
        transfer = origin >= 0
        if transfer.any():  # a source gives at most what it holds, first lines first
            key = s * len(net.locations) + np.where(transfer, origin, 0)
            before = pd.Series(np.where(transfer, qty, 0.0)).groupby(key).cumsum().to_numpy() - np.where(transfer, qty, 0)
            held = np.where(transfer, on_hand[s, np.maximum(origin, 0)], np.inf)
            qty = np.where(transfer, np.clip(np.minimum(qty, held - before), 0, None), qty)
            np.subtract.at(on_hand, (s[transfer], origin[transfer]), qty[transfer])
        keep = qty > 0
        s, lane, origin, dest, qty, transfer = s[keep], lane[keep], origin[keep], dest[keep], qty[keep], transfer[keep]
        if not len(s):
            return ordered
        transit = self.lead_times.transit_days(night, s, lane)
        extra = np.where(transfer, self.transfer_ship_days, np.rint(net.production_days[s]).astype(np.int64))
        arrival = night + extra + transit
        np.add.at(self.inbound, (s, dest), qty)
        np.add.at(ordered, (s, dest), qty)
        ids = np.arange(self.next_id, self.next_id + len(s))
        self.next_id += len(s)
        kind = np.where(transfer, "transfer", "purchase")
        part = pd.DataFrame({"order_id": ids, "sku_idx": s, "lane": lane, "origin_idx": origin, "dest_idx": dest,
                             "quantity": qty.astype(np.int64), "placed": night, "arrival": arrival, "kind": kind})
        part["transit_days"] = transit
        self.parts.append(part)
        self.open = pd.concat([self.open, part[OPEN_ORDER_COLUMNS]], ignore_index=True)
        return ordered

    def land(self, day: int, on_hand: np.ndarray) -> np.ndarray:
        """Receive the lines landing on ``day``; returns the units received per (sku, location)."""
        received = np.zeros(self.network.shape)
        due = self.open["arrival"].to_numpy() <= day
        if due.any():
            lines = self.open[due]
            s, d, q = (lines[c].to_numpy() for c in ("sku_idx", "dest_idx", "quantity"))
            np.add.at(received, (s, d), q)
            np.subtract.at(self.inbound, (s, d), q)
            on_hand += received
            self.open = self.open[~due].reset_index(drop=True)
        return received

    def log(self) -> pd.DataFrame:
        net = self.network
        if not self.parts:
            return pd.DataFrame(columns=ORDER_LOG_COLUMNS)
        out = pd.concat(self.parts, ignore_index=True)
        lanes = net.lanes.set_index("lane")
        out["sku"] = net.skus[out["sku_idx"]]
        out["origin_id"] = out["lane"].map(lanes["origin_id"])
        out["destination_id"] = out["lane"].map(lanes["destination_id"])
        out["mode"] = out["lane"].map(lanes["mode"])
        # the lane's fixed cost per shipment: one shipment per lane and night, shared by its lines
        shipment_units = out.groupby(["lane", "placed"])["quantity"].transform("sum")
        out["transport_cost"] = (out["quantity"] * out["lane"].map(lanes["cost_per_unit"])
                                 + out["lane"].map(lanes["order_cost"]) * out["quantity"] / shipment_units)
        out["co2e_kg"] = out["quantity"] * out["lane"].map(lanes["co2e_per_unit"])
        return out[ORDER_LOG_COLUMNS]


def simulate(network: Network, policy: Policy, demand: np.ndarray, start_stock: np.ndarray,
             dates: pd.DatetimeIndex, lead_times: LeadTimes, *, lost_sales: bool = True,
             transfer_ship_days: int = 1, in_flight: pd.DataFrame | None = None, progress=None) -> SimulationResult:
    """Replay ``demand`` (day, sku, location; units) against ``policy`` from ``start_stock``
    (sku, location; units) and the shipments ``in_flight`` at the start (sku_idx, lane,
    origin_idx, dest_idx, quantity, arrival) over ``dates`` (one per demand day).
    ``progress(policy, done, total)`` is called after each day when given."""
    n_days = len(dates)
    shape = (n_days, *network.shape)
    if demand.shape != shape:
        raise ValueError(f"demand has shape {demand.shape}, expected {shape}")
    arrays = {name: np.zeros(shape, dtype=np.float32) for name in
              ("on_hand", "in_transit", "received", "served", "missed", "backlog", "ordered")}
    on_hand = np.asarray(start_stock, dtype=float).copy()
    on_hand[:, network.unlimited] = UNLIMITED_UNITS
    backlog = np.zeros(network.shape)
    pipeline = _Pipeline(network, lead_times, transfer_ship_days)
    pipeline.preload(in_flight)
    seconds = {"decide": 0.0, "simulate": 0.0}

    def night(t: int) -> np.ndarray:
        on_hand[:, network.unlimited] = UNLIMITED_UNITS
        state = SimulationState(network=network, night=t, date=(dates[0] + pd.Timedelta(days=t)).date(),
                                on_hand=on_hand.copy(), backlog=backlog.copy(), inbound=pipeline.inbound.copy(),
                                open_orders=pipeline.open.copy())
        started = time.perf_counter()
        orders = policy.decide(state)
        seconds["decide"] += time.perf_counter() - started
        missing = set(ORDER_COLUMNS) - set(orders.columns)
        if missing:
            raise ValueError(f"policy {policy.name} returned orders without {sorted(missing)}")
        return pipeline.place(orders, t, on_hand)

    night(-1)
    for t in range(n_days):
        started = time.perf_counter()
        on_hand[:, network.unlimited] = UNLIMITED_UNITS
        arrays["received"][t] = pipeline.land(t, on_hand)
        today = demand[t]
        from_backlog = np.minimum(on_hand, backlog)
        left = on_hand - from_backlog
        on_time = np.minimum(left, today)
        missed = today - on_time
        on_hand = left - on_time
        backlog = backlog - from_backlog + (0.0 if lost_sales else missed)
        arrays["served"][t] = from_backlog + on_time
        arrays["missed"][t] = missed
        arrays["backlog"][t] = backlog
        arrays["on_hand"][t] = on_hand
        seconds["simulate"] += time.perf_counter() - started
        if t < n_days - 1:  # the last night's orders would land after the window
            arrays["ordered"][t] = night(t)
        arrays["in_transit"][t] = pipeline.inbound
        if progress is not None:
            progress(policy.name, t + 1, n_days)
    return SimulationResult(policy=policy.name, dates=dates, network=network, demanded=demand.astype(np.float32),
                            orders=pipeline.log(), seconds=seconds, **arrays)
