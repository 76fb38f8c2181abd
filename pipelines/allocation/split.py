"""Splitting each location's sellable units between the channels it serves, then per channel:
the pool it sees, what it may sell from, its buffer and what it publishes.

For one SKU at one location, the *participants* are the channels the location may serve
(:mod:`eligibility`) that list the SKU. Then:

- every dedicated participant gets its own slice of the location's units, in proportion to its
  score among all participants (:mod:`scoring`), rounded by largest remainder so the slices of
  all participants add up exactly to the location's units;
- the shared participants together see the rest (the location's units minus the dedicated
  slices): each of them may sell all of it.

Per channel: ``sellable_pool`` = units at every location it may be served from; ``allocated`` =
its dedicated slices (dedicated), or the shared rest at those locations (shared); ``buffer`` =
:func:`buffers.channel_buffer` of allocated; ``publishable_quantity`` = allocated − buffer.

Invariants (tests/unit/test_allocation_invariants.py, on random scenarios):

- dedicated: the slices of one location never exceed its units, so the publishable quantities
  of the dedicated channels add up to at most the sellable stock, each unit behind at most one
  channel, at a location that may serve it;
- shared: a channel shows at most its allocated units minus its buffer, so between two
  refreshes it oversells only when the other channels have taken more than its buffer from the
  locations it sells from, and by no more than that excess (see :mod:`replay`).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.allocation.buffers import channel_buffer, publishable

SHARED, DEDICATED = contract.ALLOCATION_MODES
KEYS = ["sku", "location_id"]
CHANNEL_KEYS = ["sku", "channel"]
_EPSILON = 1e-9


@dataclass(frozen=True)
class SplitContext:
    """What a split needs besides the stock; fixed for one run.

    channels: channel, allocation_mode, buffer_pct, buffer_units, priority.
    eligibility: location_id, channel (:func:`eligibility.channel_eligibility`).
    scores: sku, channel, score — one row per (sku, channel) the channel lists.
    """

    channels: pd.DataFrame
    eligibility: pd.DataFrame
    scores: pd.DataFrame

    def with_mode(self, mode: str | None) -> SplitContext:
        """The same context with every channel in ``mode`` (None keeps the reference data's)."""
        if mode is None:
            return self
        if mode not in contract.ALLOCATION_MODES:
            raise ValueError(f"unknown allocation mode {mode!r}")
        return replace(self, channels=self.channels.assign(allocation_mode=mode))


@dataclass
class ChannelSplit:
    """by_channel: one row per (sku, channel) listed — sku, channel, mode, sellable_pool,
    allocated, buffer, buffer_basis, publishable_quantity, ships_later_quantity.
    slices: sku, location_id, channel, units — the dedicated slices.
    shared: sku, location_id, units — what the shared participants of a location see."""

    by_channel: pd.DataFrame
    slices: pd.DataFrame
    shared: pd.DataFrame


def participants(stock: pd.DataFrame, context: SplitContext) -> pd.DataFrame:
    """(sku, location_id, channel) rows with the location's ``units``, the channel's mode,
    score and priority: the channels that may sell the SKU's units at that location."""
    terms = context.channels[["channel", "allocation_mode", "priority"]]
    return (stock.merge(context.eligibility, on="location_id")
            .merge(context.scores[["sku", "channel", "score"]], on=CHANNEL_KEYS)
            .merge(terms, on="channel", how="left"))


def largest_remainder(units: np.ndarray, weight: np.ndarray, group: np.ndarray,
                      tie_order: np.ndarray) -> np.ndarray:
    """Integer shares of each group's ``units`` (the same value on every row of a group) in
    proportion to ``weight`` (equal shares when a group's weights are all 0), adding up exactly.

    Flooring leaves a few units per group; they go one each to the rows with the largest
    fractional parts, equal fractions in ``tie_order`` (lower first).
    """
    if len(units) == 0:
        return np.zeros(0, dtype="int64")
    units = np.asarray(units, dtype=float)
    weight = np.asarray(weight, dtype=float)
    total = np.bincount(group, weights=weight)[group]
    count = np.bincount(group)[group]
    fraction = np.where(total > 0, weight / np.where(total > 0, total, 1.0), 1.0 / count)
    exact = units * fraction
    base = np.floor(exact + _EPSILON)
    left = np.rint(units - np.bincount(group, weights=base)[group])
    order = np.lexsort((tie_order, -(exact - base), group))
    sorted_group = group[order]
    starts = np.r_[0, np.flatnonzero(sorted_group[1:] != sorted_group[:-1]) + 1]
    rank = np.arange(len(order)) - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    extra = np.zeros(len(units))
    extra[order] = rank < left[order]
    return (base + extra).astype("int64")


def _split(parts: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(slices, shared) from :func:`participants` rows."""
    if parts.empty:
        return (parts[[*KEYS, "channel", "units"]].astype({"units": "int64"}),
                parts[[*KEYS, "units"]].astype({"units": "int64"}))
    group = parts.groupby(KEYS, sort=False).ngroup().to_numpy()
    dedicated = (parts["allocation_mode"] == DEDICATED).to_numpy()
    contested = np.bincount(group, weights=dedicated)[group] > 0
    split = parts[contested]
    # equal fractions: the higher score, then the higher priority, then the channel name
    tie = (split.assign(priority=split["priority"].fillna(0))
           .sort_values(["score", "priority", "channel"], ascending=[False, False, True])
           .assign(tie=lambda f: np.arange(len(f)))["tie"].reindex(split.index).to_numpy())
    shares = largest_remainder(split["units"].to_numpy(), split["score"].to_numpy(),
                               pd.factorize(group[contested])[0], tie)
    slices = split.assign(units=shares)[split["allocation_mode"] == DEDICATED][[*KEYS, "channel", "units"]]
    taken = slices.groupby(KEYS, as_index=False)["units"].sum().rename(columns={"units": "taken"})
    shared = (parts[[*KEYS, "units"]].drop_duplicates(KEYS).merge(taken, on=KEYS, how="left")
              .assign(units=lambda f: (f["units"] - f["taken"].fillna(0)).astype("int64"))[[*KEYS, "units"]])
    return slices.reset_index(drop=True), shared.reset_index(drop=True)


def split_stock(stock: pd.DataFrame, context: SplitContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(slices, shared) of ``stock`` (sku, location_id, units ≥ 0): see the module docstring.

    Locations no listed channel may sell from are left out of both.
    """
    return _split(participants(stock[stock["units"] > 0], context))


def _per_channel(stock: pd.DataFrame, context: SplitContext
                 ) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """(pool, shared seen and own slices per (sku, channel); slices; shared) for one kind of units."""
    parts = participants(stock[stock["units"] > 0], context)
    slices, shared = _split(parts)
    pool = parts.groupby(CHANNEL_KEYS, as_index=False)["units"].sum().rename(columns={"units": "pool"})
    sharing = parts.loc[parts["allocation_mode"] != DEDICATED, [*KEYS, "channel"]]
    seen = (sharing.merge(shared, on=KEYS, how="left")
            .groupby(CHANNEL_KEYS, as_index=False)["units"].sum().rename(columns={"units": "shared"}))
    own = slices.groupby(CHANNEL_KEYS, as_index=False)["units"].sum().rename(columns={"units": "own"})
    totals = pool.merge(seen, on=CHANNEL_KEYS, how="outer").merge(own, on=CHANNEL_KEYS, how="outer")
    return totals, slices, shared


def split_channels(stock: pd.DataFrame, context: SplitContext,
                   ships_later: pd.DataFrame | None = None) -> ChannelSplit:
    """Per listed (sku, channel): pool, allocation, buffer and publishable quantity.

    ``stock``: sku, location_id, units — sellable units per location (≥ 0).
    ``ships_later``: sku, location_id, units — in-transit units a run-out location may publish
    as "ships later"; split the same way, without a buffer (they are not on the shelf yet).
    """
    terms = context.channels[["channel", "allocation_mode", "buffer_pct", "buffer_units"]]
    out = (context.scores[CHANNEL_KEYS].merge(terms, on="channel", how="left")
           .rename(columns={"allocation_mode": "mode"}))
    out["mode"] = out["mode"].fillna(SHARED)
    dedicated = (out["mode"] == DEDICATED).to_numpy()
    totals, slices, shared = _per_channel(stock, context)
    out = out.merge(totals, on=CHANNEL_KEYS, how="left")
    out["sellable_pool"] = out["pool"].fillna(0).astype("int64")
    out["allocated"] = np.where(dedicated, out["own"].fillna(0), out["shared"].fillna(0)).astype("int64")
    out["buffer"], out["buffer_basis"] = channel_buffer(out["allocated"], out["buffer_pct"], out["buffer_units"])
    out["publishable_quantity"] = publishable(out["allocated"], out["buffer"])
    out["ships_later_quantity"] = 0
    if ships_later is not None and (ships_later["units"] > 0).any():
        later, _, _ = _per_channel(ships_later, context)
        later = out[CHANNEL_KEYS].merge(later, on=CHANNEL_KEYS, how="left")
        out["ships_later_quantity"] = np.where(dedicated, later["own"].fillna(0),
                                               later["shared"].fillna(0)).astype("int64")
    by_channel = out[["sku", "channel", "mode", "sellable_pool", "allocated", "buffer", "buffer_basis",
                      "publishable_quantity", "ships_later_quantity"]]
    return ChannelSplit(by_channel.sort_values(CHANNEL_KEYS).reset_index(drop=True), slices, shared)
