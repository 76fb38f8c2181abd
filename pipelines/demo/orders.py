"""Order lines' lifecycle: grouping lines into orders, status moments and status records.

Moments are seconds since the start of history. Amazon and Walmart record ``pending`` then
``paid``; the others record ``paid`` at once. Online lines ship on a working slot (08:00-19:00)
the same day if ordered before noon, else the next day (sometimes a day later); store sales
leave the shelf a minute after payment. About 3 % of online lines are cancelled before they ship.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines import contract
from pipelines.demo.clock import DAY, HOUR, MINUTE
from pipelines.demo.network import AMAZON, STORE_CHANNEL, STORE_NYC, WALMART

STATUS = {name: i for i, name in enumerate(contract.ORDER_STATUSES)}
CANCEL_RATE = 0.03
#: Probability that a line joins the previous order of the same channel (multi-line orders).
MULTI_LINE = 0.08
NONE = -1


@dataclass
class OrderBatch:
    """Served order lines of one day with their moments (NONE where a status never happens)."""

    order_number: np.ndarray
    line_no: np.ndarray
    channel: np.ndarray
    offer: np.ndarray
    quantity: np.ndarray
    region: np.ndarray
    location: np.ndarray
    unit_price: np.ndarray
    ordered_at: np.ndarray
    pending_at: np.ndarray
    paid_at: np.ndarray
    cancelled_at: np.ndarray
    shipped_at: np.ndarray
    delivered_at: np.ndarray

    def __len__(self) -> int:
        return len(self.offer)


def build_orders(rng: np.random.Generator, channel, offer, quantity, second, region, location,
                 unit_price, next_number: np.ndarray) -> OrderBatch:
    """Group a day's served lines into orders and draw their moments.

    ``next_number`` (per channel) is the next free order number; it is advanced in place.
    """
    order = np.lexsort((second, channel))
    channel, offer, quantity, second = channel[order], offer[order], quantity[order], second[order]
    region, location, unit_price = region[order], location[order], unit_price[order]
    n = len(offer)
    same_channel = np.r_[False, channel[1:] == channel[:-1]]
    other_offer = np.r_[False, offer[1:] != offer[:-1]]
    merge = same_channel & other_offer & (rng.random(n) < MULTI_LINE)
    group = np.cumsum(~merge) - 1
    first = np.flatnonzero(~merge)
    ordered_at = second[first][group]
    line_no = np.arange(n) - first[group] + 1
    group_channel = channel[first]
    channel_start = np.flatnonzero(np.r_[True, group_channel[1:] != group_channel[:-1]])
    rank = np.arange(len(first)) - np.repeat(channel_start, np.diff(np.r_[channel_start, len(first)]))
    order_number = (next_number[group_channel] + rank)[group]
    np.add.at(next_number, group_channel, 1)

    two_step = (channel == AMAZON) | (channel == WALMART)
    pending_at = np.where(two_step, ordered_at, NONE)
    paid_at = np.where(two_step, ordered_at + rng.integers(MINUTE, 30 * MINUTE, n), ordered_at)

    counter = (channel == STORE_CHANNEL) & (location == STORE_NYC)
    day = ordered_at // DAY
    ship_day = day + (ordered_at % DAY >= 12 * HOUR) + (rng.random(n) < 0.15)
    shipped_at = np.maximum(ship_day * DAY + 8 * HOUR + rng.integers(0, 11 * HOUR, n), ordered_at + 2 * HOUR)
    shipped_at = np.where(counter, ordered_at + MINUTE, shipped_at)
    delivered_day = shipped_at // DAY + rng.integers(1, 6, n)
    delivered_at = np.where(counter, ordered_at + 2 * MINUTE,
                            delivered_day * DAY + 9 * HOUR + rng.integers(0, 11 * HOUR, n))

    cancelled = ~counter & (rng.random(n) < CANCEL_RATE)
    cancel_moment = ordered_at + (rng.uniform(0.2, 0.9, n) * (shipped_at - ordered_at)).astype(np.int64)
    cancelled_at = np.where(cancelled, np.maximum(cancel_moment, paid_at + MINUTE), NONE)
    shipped_at = np.where(cancelled, NONE, shipped_at)
    delivered_at = np.where(cancelled, NONE, delivered_at)
    return OrderBatch(order_number, line_no, channel, offer, quantity, region, location, unit_price,
                      ordered_at, pending_at, paid_at, cancelled_at, shipped_at, delivered_at)


def order_records(batch: OrderBatch, returned_at: np.ndarray, last_second: int) -> dict[str, np.ndarray]:
    """One status record per status change up to ``last_second``, as columns of codes."""
    steps = (("pending", batch.pending_at), ("paid", batch.paid_at), ("cancelled", batch.cancelled_at),
             ("shipped", batch.shipped_at), ("delivered", batch.delivered_at), ("returned", returned_at))
    line, status, updated = [], [], []
    for name, moment in steps:
        keep = (moment != NONE) & (moment <= last_second)
        line.append(np.flatnonzero(keep))
        status.append(np.full(keep.sum(), STATUS[name]))
        updated.append(moment[keep])
    line = np.concatenate(line)
    return {
        "order_number": batch.order_number[line], "channel": batch.channel[line],
        "line_no": batch.line_no[line], "offer": batch.offer[line], "quantity": batch.quantity[line],
        "ordered_at": batch.ordered_at[line], "status": np.concatenate(status),
        "updated_at": np.concatenate(updated), "unit_price": batch.unit_price[line],
        "region": batch.region[line], "location": batch.location[line],
    }
