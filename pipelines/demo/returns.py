"""Customer returns: which shipped lines come back, when, and what inspection finds.

Timeline per return: requested 2-20 days after delivery, in transit 1-3 days later, received
2-7 days after that, inspected 1-4 days later: restocked (back in sellable stock at the
fulfilling location) or damaged (kept as unsellable stock, most of it disposed of 10-40 days
later).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines import contract
from pipelines.demo.clock import DAY, HOUR
from pipelines.demo.orders import NONE, OrderBatch

STATUS = {name: i for i, name in enumerate(contract.RETURN_STATUSES)}
DAMAGED_SHARE = 0.22
DISPOSED_SHARE = 0.6


@dataclass
class ReturnBatch:
    return_number: np.ndarray
    order_number: np.ndarray
    channel: np.ndarray
    offer: np.ndarray
    quantity: np.ndarray
    """Listing units returned."""
    location: np.ndarray
    requested_at: np.ndarray
    in_transit_at: np.ndarray
    received_at: np.ndarray
    inspected_at: np.ndarray
    damaged: np.ndarray
    disposed_at: np.ndarray

    def __len__(self) -> int:
        return len(self.offer)


def _working_moment(rng, day: np.ndarray) -> np.ndarray:
    """A moment between 08:00 and 18:00 on each day."""
    return day * DAY + 8 * HOUR + rng.integers(0, 10 * HOUR, len(day))


def draw_returns(rng: np.random.Generator, orders: OrderBatch, return_rate: np.ndarray,
                 next_number: int) -> tuple[ReturnBatch, np.ndarray]:
    """Returns of a day's order lines; ``return_rate`` is the probability per line (by offer).

    Also gives each order line's ``returned`` moment (NONE when not returned).
    """
    shipped = orders.shipped_at != NONE
    returned = shipped & (rng.random(len(orders)) < return_rate)
    idx = np.flatnonzero(returned)
    n = len(idx)
    quantity = np.where((orders.quantity[idx] > 1) & (rng.random(n) < 0.5), 1, orders.quantity[idx])
    requested = (orders.delivered_at[idx] // DAY + rng.integers(2, 21, n)) * DAY + 8 * HOUR + rng.integers(0, 14 * HOUR, n)
    in_transit = _working_moment(rng, requested // DAY + rng.integers(1, 4, n))
    received = _working_moment(rng, in_transit // DAY + rng.integers(2, 8, n))
    inspected = _working_moment(rng, received // DAY + rng.integers(1, 5, n))
    damaged = rng.random(n) < DAMAGED_SHARE
    disposed = np.where(damaged & (rng.random(n) < DISPOSED_SHARE),
                        _working_moment(rng, inspected // DAY + rng.integers(10, 41, n)), NONE)
    returned_at = np.full(len(orders), NONE)
    returned_at[idx] = received
    batch = ReturnBatch(next_number + np.arange(n), orders.order_number[idx], orders.channel[idx],
                        orders.offer[idx], quantity, orders.location[idx], requested, in_transit,
                        received, inspected, damaged, disposed)
    return batch, returned_at


def return_records(batch: ReturnBatch, last_second: int) -> dict[str, np.ndarray]:
    """One record per return status change up to ``last_second``, as columns of codes."""
    inspected = np.where(batch.damaged, STATUS["damaged"], STATUS["restocked"])
    steps = ((np.full(len(batch), STATUS["requested"]), batch.requested_at),
             (np.full(len(batch), STATUS["in_transit"]), batch.in_transit_at),
             (np.full(len(batch), STATUS["received"]), batch.received_at),
             (inspected, batch.inspected_at),
             (np.full(len(batch), STATUS["disposed"]), batch.disposed_at))
    row, status, updated = [], [], []
    for codes, moment in steps:
        keep = (moment != NONE) & (moment <= last_second)
        row.append(np.flatnonzero(keep))
        status.append(codes[keep])
        updated.append(moment[keep])
    row = np.concatenate(row)
    return {"return_number": batch.return_number[row], "order_number": batch.order_number[row],
            "channel": batch.channel[row], "offer": batch.offer[row], "quantity": batch.quantity[row],
            "status": np.concatenate(status), "updated_at": np.concatenate(updated),
            "location": batch.location[row]}
