"""The demo seller's replenishment rules: reorder point, order up to a target.

A simple periodic-review (s, S) rule on inventory position (on hand - promised - unsellable +
inbound), with targets in days of expected demand: ROP = d * (L + R + safety days), order up to
d * (L + R + safety days + cover days) (see /work/shared/design/REFERENCES.md, policy formulas).
Units are units of a SKU; rates are units/day; times are days.
"""

from __future__ import annotations

import numpy as np

REVIEW_DAYS = 7
TRANSFER_SAFETY_DAYS = 7
TRANSFER_COVER_DAYS = 14
PURCHASE_SAFETY_DAYS = 21
PURCHASE_COVER_DAYS = 60
#: Units/day of air freight bought when a SKU would run out before a sea shipment lands.
AIR_BRIDGE_DAYS = 30


def transfer_quantities(rate: np.ndarray, position: np.ndarray, available: np.ndarray,
                        transit_days: float) -> np.ndarray:
    """Units to move per SKU from an upstream location to a selling location.

    ``rate`` units/day expected at the destination, ``position`` its inventory position,
    ``available`` units the origin can give.
    """
    reorder_point = rate * (transit_days + REVIEW_DAYS + TRANSFER_SAFETY_DAYS)
    target = reorder_point + rate * TRANSFER_COVER_DAYS
    want = np.where((rate > 0) & (position < reorder_point), np.ceil(target - position), 0)
    return np.clip(want, 0, np.maximum(available, 0)).astype(np.int64)


def _round_up(units: np.ndarray, multiple: np.ndarray) -> np.ndarray:
    return (np.ceil(units / multiple) * multiple).astype(np.int64)


def purchase_quantities(rate: np.ndarray, position: np.ndarray, production_days: np.ndarray,
                        sea_days: np.ndarray, air_days: np.ndarray, case_pack: np.ndarray,
                        moq: np.ndarray, buyable: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(sea units, air units) to buy per SKU for one destination network.

    ``rate`` is units/day over the locations the destination feeds, ``position`` their summed
    inventory position. Quantities are whole cases and at least the MOQ; a SKU that would run
    out before a sea shipment could land gets an air bridge of AIR_BRIDGE_DAYS on top.
    """
    lead = production_days + sea_days
    reorder_point = rate * (lead + REVIEW_DAYS + PURCHASE_SAFETY_DAYS)
    target = reorder_point + rate * PURCHASE_COVER_DAYS
    order = buyable & (rate > 0) & (position < reorder_point)
    want = np.where(order, np.maximum(_round_up(np.maximum(target - position, 1), case_pack), moq), 0)
    urgent = order & (position < rate * (production_days + air_days + REVIEW_DAYS))
    air = np.where(urgent, _round_up(np.maximum(rate * AIR_BRIDGE_DAYS, 1), case_pack), 0)
    sea = np.where(urgent, np.maximum(_round_up(np.maximum(want - air, 0), case_pack), 0), want)
    return sea.astype(np.int64), air.astype(np.int64)
