"""Routing order lines to the location that ships them, against available stock.

An offer's lines of one day go to the first location in the stream's preference that can ship
all of them; if none can, the location with the most stock ships as many lines as fit, in order,
and the rest is lost (the listing shows out of stock). Lost demand never becomes an order, so
stockouts censor sales.
"""

from __future__ import annotations

import numpy as np


def allocate(offer: np.ndarray, quantity: np.ndarray, components: np.ndarray, units: np.ndarray,
             preference: tuple[int, ...], available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Which lines are served and from which location.

    ``offer`` (lines, sorted so each offer's lines are contiguous) and ``quantity`` (listing
    units) describe the lines; ``components``/``units`` (offers, 2) give the SKUs and units one
    listing unit consumes; ``available`` (SKUs, locations) is sellable units not yet promised.
    Returns (served: bool per line, location index per line). No SKU may be a component of two
    different offers in one call, so each offer can use the whole availability it sees.
    """
    n = len(offer)
    if n == 0:
        return np.zeros(0, dtype=bool), np.zeros(0, dtype=np.int64)
    starts = np.flatnonzero(np.r_[True, offer[1:] != offer[:-1]])
    group = np.cumsum(np.r_[True, offer[1:] != offer[:-1]]) - 1
    offers = offer[starts]
    need = np.add.reduceat(quantity, starts)
    prefs = np.asarray(preference)
    comp, per_unit = components[offers], units[offers]
    listing_units = np.full((len(offers), len(prefs)), np.iinfo(np.int64).max)
    for k in range(2):
        has = per_unit[:, k] > 0
        stock = available[comp[:, k][:, None], prefs[None, :]]
        listing_units = np.where(has[:, None], np.minimum(listing_units, stock // np.maximum(per_unit[:, k], 1)[:, None]),
                                 listing_units)
    covers = listing_units >= need[:, None]
    choice = np.where(covers.any(axis=1), covers.argmax(axis=1), listing_units.argmax(axis=1))
    capacity = listing_units[np.arange(len(offers)), choice]
    cumulative = np.cumsum(quantity)
    within = cumulative - np.repeat(cumulative[starts] - quantity[starts], np.diff(np.r_[starts, n]))
    served = within <= capacity[group]
    return served, prefs[choice][group]
