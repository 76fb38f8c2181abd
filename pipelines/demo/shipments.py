"""Shipment timelines: from purchase order or transfer to receipt, and their status records.

All lines of one shipment (a container, a flight, a truck) move together. Sea: planned at the
purchase order, in transit from departure (after production), at port 4-8 days before receipt,
in customs 1-2 days later, received. Air: customs the day before receipt. Truck: in transit,
received. Some sea and air shipments run late: a later in-transit record pushes the ETA. About
3 % of purchase orders are cancelled before departure.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines import contract
from pipelines.demo.clock import DAY, HOUR
from pipelines.demo.network import AIR, SEA, TRUCK

STATUS = {name: i for i, name in enumerate(contract.SHIPMENT_STATUSES)}
MODE = {name: i for i, name in enumerate(contract.SHIPMENT_MODES)}
NONE = -1
CANCEL_RATE = 0.03
LATE_RATE = 0.1


@dataclass
class Shipment:
    """One shipment's lines (sku, quantity) and moments, seconds since start (NONE = never)."""

    number: int
    origin: int
    """Index into network.ALL_LOCATIONS."""
    destination: int
    mode: int
    sku: np.ndarray
    quantity: np.ndarray
    planned_at: int
    shipped_at: int
    eta: int
    late_at: int
    late_eta: int
    at_port_at: int
    customs_at: int
    received_at: int
    cancelled_at: int


def _working(rng, day: int) -> int:
    return int(day * DAY + 8 * HOUR + rng.integers(0, 10 * HOUR))


def plan_shipment(rng: np.random.Generator, number: int, origin: int, destination: int, mode: str,
                  sku: np.ndarray, quantity: np.ndarray, day: int, ready_days: int,
                  transit: tuple[float, float, bool], disruption_days: tuple[int, int],
                  cancellable: bool) -> Shipment:
    """Draw a shipment's timeline. ``ready_days`` is the wait before departure (production);
    ``transit`` is the lane's (mean days, std days, disrupted)."""
    mean, std, disrupted = transit
    if ready_days == 0:
        planned_at = int(day * DAY + 7 * HOUR + rng.integers(0, HOUR))
        shipped_at = int(day * DAY + 10 * HOUR + rng.integers(0, 4 * HOUR))
    else:
        planned_at = _working(rng, day)
        shipped_at = _working(rng, day + ready_days)
    days = max(1.0, rng.normal(mean, std))
    if disrupted:
        days += rng.integers(*disruption_days)
    elif mode != TRUCK and rng.random() < LATE_RATE:
        days += rng.integers(4, 13)
    arrival_day = shipped_at // DAY + max(1, round(days))
    received_at = _working(rng, arrival_day)
    eta = shipped_at + round(mean) * DAY
    late_at = late_eta = at_port_at = customs_at = cancelled_at = NONE
    if mode == SEA:
        at_port_at = _working(rng, arrival_day - rng.integers(4, 9))
        customs_at = _working(rng, at_port_at // DAY + rng.integers(1, 3))
    elif mode == AIR:
        customs_at = _working(rng, arrival_day - 1)
    if received_at // DAY > eta // DAY + 2:
        late_at = shipped_at + (received_at - shipped_at) * 55 // 100
        if at_port_at != NONE:
            late_at = min(late_at, at_port_at - DAY)
        late_eta = arrival_day * DAY + 12 * HOUR
    if cancellable and rng.random() < CANCEL_RATE:
        cancelled_at = _working(rng, day + rng.integers(1, 6))
        shipped_at = max(shipped_at, cancelled_at + DAY)
        late_at = late_eta = at_port_at = customs_at = received_at = NONE
    return Shipment(number, origin, destination, MODE[mode], sku, quantity, planned_at, shipped_at,
                    eta, late_at, late_eta, at_port_at, customs_at, received_at, cancelled_at)


def shipment_records(shipment: Shipment, last_second: int) -> dict[str, np.ndarray]:
    """One record per status change per line, up to ``last_second``, as columns of codes."""
    s = shipment
    current_eta = s.late_eta if s.late_eta != NONE else s.eta
    steps = [("planned", s.planned_at, s.eta), ("cancelled", s.cancelled_at, s.eta)]
    if s.cancelled_at == NONE:
        steps += [("in_transit", s.shipped_at, s.eta), ("in_transit", s.late_at, s.late_eta),
                  ("at_port", s.at_port_at, current_eta), ("customs", s.customs_at, current_eta),
                  ("received", s.received_at, current_eta)]
    steps = [(name, at, eta) for name, at, eta in steps if at != NONE and at <= last_second]
    n = len(s.sku)
    columns: dict[str, list] = {k: [] for k in ("status", "updated_at", "eta")}
    for name, at, eta in steps:
        columns["status"].append(np.full(n, STATUS[name]))
        columns["updated_at"].append(np.full(n, at))
        columns["eta"].append(np.full(n, eta))
    k = len(steps)
    status = np.concatenate(columns["status"]) if k else np.zeros(0, dtype=np.int64)
    return {
        "number": np.full(n * k, s.number), "origin": np.full(n * k, s.origin),
        "destination": np.full(n * k, s.destination), "mode": np.full(n * k, s.mode),
        "sku": np.tile(s.sku, k), "quantity": np.tile(s.quantity, k),
        "shipped_at": np.full(n * k, s.shipped_at), "status": status,
        "updated_at": np.concatenate(columns["updated_at"]) if k else np.zeros(0, dtype=np.int64),
        "eta": np.concatenate(columns["eta"]) if k else np.zeros(0, dtype=np.int64),
        "received_at": np.where(status == STATUS["received"], s.received_at, NONE),
    }
