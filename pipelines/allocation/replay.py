"""Oversell replay: an interleaved stream of orders from several channels against the quantities
the channels show, refreshed at a fixed cadence (nightly, or as often as the landing sensor
brings new order files). Counts the units sold with no stock behind them.

The model of a channel between two refreshes:

- at a refresh every channel gets its publishable quantity per SKU from :func:`split.split_channels`
  on the stock left at that moment (the same code as ``marts.channel_allocation``);
- the channel decrements its own count when it sells (per SKU: a listing shows
  ``min(count // units_per_listing)`` over its components) and refuses a line larger than what
  its listing shows; it does not see the other channels' sales until the next refresh;
- an accepted line is fulfilled, component by component, from the units the channel may sell
  from: its dedicated slices (dedicated) or the shared rest (shared), at the locations that may
  serve it, in the order of its routing rules, then by location id. Units not found there are
  *oversold*. No stock arrives during the replay (the harshest case).

What it shows (tests/unit/test_allocation_replay.py asserts both on random scenarios):

- dedicated channels never oversell: a channel shows at most its slices less its buffer, and
  no other channel draws on its slices;
- a shared channel c oversells in one refresh interval at most max(0, T_c − b_c) units, where
  T_c is what the *other* channels took from the shared units at c's locations in that
  interval and b_c its buffer: c shows at most S_c − b_c of the S_c units it sees, so it can
  only run dry once others have taken more than b_c of them. The buffers bound the oversell.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import pandas as pd

from pipelines.allocation.split import DEDICATED, SplitContext, split_channels

INTERVAL_COLUMNS = ["interval", "sku", "channel", "mode", "buffer", "taken_by_others", "oversold", "bound"]


@dataclass
class ReplayResult:
    """summary: lines, units_ordered, units_accepted, units_refused, units_oversold,
    oversell_bound (Σ of the per-interval bounds of shared channels), refreshes.
    intervals: one row per refresh interval, SKU and shared channel that oversold or whose
    shared units others drew on — INTERVAL_COLUMNS."""

    summary: dict[str, int]
    intervals: pd.DataFrame
    by_channel: pd.DataFrame


class _State:
    """What the channels show and the units behind them, per SKU, since the last refresh."""

    def __init__(self, context: SplitContext, stock: pd.DataFrame):
        self.context = context
        self.physical: dict[tuple[str, str], int] = defaultdict(int)
        for sku, location, units in stock[["sku", "location_id", "units"]].itertuples(index=False):
            self.physical[(sku, location)] += max(int(units), 0)
        self.slices: dict[tuple[str, str, str], int] = {}
        self.shared: dict[tuple[str, str], int] = {}
        self.shown: dict[tuple[str, str], int] = {}
        self.buffer: dict[tuple[str, str], int] = {}

    def refresh(self, skus: set[str]) -> None:
        """Recompute what ``skus`` show from the stock left (only SKUs that sold changed)."""
        if not skus:
            return
        stock = pd.DataFrame([(s, loc, u) for (s, loc), u in self.physical.items() if s in skus],
                             columns=["sku", "location_id", "units"])
        context = SplitContext(self.context.channels, self.context.eligibility,
                               self.context.scores[self.context.scores["sku"].isin(skus)])
        split = split_channels(stock, context)
        for key in [k for k in self.slices if k[0] in skus]:
            del self.slices[key]
        for key in [k for k in self.shared if k[0] in skus]:
            del self.shared[key]
        slices, shared = split.slices, split.shared
        self.slices.update({(s, loc, c): int(u) for s, loc, c, u in
                            slices[["sku", "location_id", "channel", "units"]].itertuples(index=False)})
        self.shared.update({(s, loc): int(u) for s, loc, u in
                            shared[["sku", "location_id", "units"]].itertuples(index=False)})
        for s, c, shown, buffer in split.by_channel[["sku", "channel", "publishable_quantity",
                                                     "buffer"]].itertuples(index=False):
            self.shown[(s, c)] = int(shown)
            self.buffer[(s, c)] = int(buffer)


def _draw_order(context: SplitContext, routing_rules: pd.DataFrame) -> dict[str, list[str]]:
    """Per channel, the locations it may sell from in the order it ships from them."""
    rules = routing_rules.sort_values(["channel", "routing_rank"])
    order = {}
    for channel, locations in context.eligibility.groupby("channel")["location_id"]:
        ranked = [loc for loc in rules.loc[rules["channel"] == channel, "location_id"] if loc in set(locations)]
        order[channel] = ranked + sorted(set(locations) - set(ranked))
    return order


def replay_orders(stock: pd.DataFrame, context: SplitContext, listings: pd.DataFrame,
                  routing_rules: pd.DataFrame, orders: pd.DataFrame, refresh_minutes: float,
                  start: pd.Timestamp | None = None) -> ReplayResult:
    """Replay ``orders`` (ordered_at, channel, listing_sku, quantity) against ``stock`` (sku,
    location_id, units: sellable units at the start), refreshing every ``refresh_minutes``
    from ``start`` (default: midnight of the first order's day)."""
    orders = orders.sort_values("ordered_at", kind="stable").reset_index(drop=True)
    start = start if start is not None else pd.Timestamp(orders["ordered_at"].min()).normalize()
    step = pd.Timedelta(minutes=refresh_minutes)
    components: dict[tuple[str, str], list[tuple[str, int]]] = defaultdict(list)
    for channel, listing, sku, per in listings[["channel", "listing_sku", "sku", "units_per_listing"]].itertuples(
            index=False):
        components[(channel, listing)].append((sku, max(int(per), 1)))
    mode = dict(zip(context.channels["channel"], context.channels["allocation_mode"], strict=True))
    draw_order = _draw_order(context, routing_rules)
    listed = set(zip(context.scores["sku"], context.scores["channel"], strict=True))
    # the shared channels that see a location's shared units, per (sku, location)
    watchers: dict[tuple[str, str], list[str]] = defaultdict(list)
    for location, channel in context.eligibility[["location_id", "channel"]].itertuples(index=False):
        if mode.get(channel) != DEDICATED:
            for sku in context.scores.loc[context.scores["channel"] == channel, "sku"]:
                watchers[(sku, location)].append(channel)

    state = _State(context, stock)
    state.refresh(set(context.scores["sku"]))
    refreshes, interval, next_refresh = 1, 0, start + step
    touched: set[str] = set()
    taken: dict[tuple[str, str], int] = defaultdict(int)
    oversold: dict[tuple[str, str], int] = defaultdict(int)
    totals = defaultdict(int)
    per_channel = defaultdict(lambda: defaultdict(int))
    rows = []

    def close_interval() -> None:
        for key in set(taken) | set(oversold):
            sku, channel = key
            buffer = state.buffer.get(key, 0)
            rows.append((interval, sku, channel, mode.get(channel), buffer, taken.get(key, 0),
                         oversold.get(key, 0), max(0, taken.get(key, 0) - buffer)))
        taken.clear()
        oversold.clear()

    for ordered_at, channel, listing, quantity in orders[["ordered_at", "channel", "listing_sku",
                                                          "quantity"]].itertuples(index=False):
        if ordered_at >= next_refresh:
            close_interval()
            while ordered_at >= next_refresh:
                next_refresh += step
                interval += 1
            state.refresh(touched)
            touched = set()
            refreshes += 1
        parts = components.get((channel, listing), [])
        quantity = int(quantity)
        units = sum(quantity * per for _, per in parts)
        totals["lines"] += 1
        totals["units_ordered"] += units
        per_channel[channel]["units_ordered"] += units
        shows = min((state.shown.get((sku, channel), 0) // per if (sku, channel) in listed else 0)
                    for sku, per in parts) if parts else 0
        if quantity > shows:
            totals["units_refused"] += units
            per_channel[channel]["units_refused"] += units
            continue
        totals["units_accepted"] += units
        per_channel[channel]["units_accepted"] += units
        dedicated = mode.get(channel) == DEDICATED
        for sku, per in parts:
            need = quantity * per
            state.shown[(sku, channel)] -= need
            touched.add(sku)
            for location in draw_order.get(channel, []):
                if need == 0:
                    break
                key = (sku, location, channel) if dedicated else (sku, location)
                pool = state.slices if dedicated else state.shared
                take = min(pool.get(key, 0), need)
                if take <= 0:
                    continue
                pool[key] -= take
                state.physical[(sku, location)] -= take
                need -= take
                if not dedicated:
                    for watcher in watchers.get((sku, location), []):
                        if watcher != channel:
                            taken[(sku, watcher)] += take
            if need:
                oversold[(sku, channel)] += need
                totals["units_oversold"] += need
                per_channel[channel]["units_oversold"] += need
    close_interval()
    intervals = pd.DataFrame(rows, columns=INTERVAL_COLUMNS)
    shared_rows = intervals[intervals["mode"] != DEDICATED]
    summary = {name: int(totals[name]) for name in
               ("lines", "units_ordered", "units_accepted", "units_refused", "units_oversold")}
    summary["oversell_bound"] = int(shared_rows["bound"].sum())
    summary["refreshes"] = refreshes
    by_channel = (pd.DataFrame.from_dict({c: dict(v) for c, v in per_channel.items()}, orient="index")
                  .reindex(columns=["units_ordered", "units_accepted", "units_refused", "units_oversold"])
                  .fillna(0).astype("int64").rename_axis("channel").reset_index())
    by_channel["mode"] = by_channel["channel"].map(mode)
    return ReplayResult(summary=summary, intervals=intervals, by_channel=by_channel)


def replay_stream(orders: pd.DataFrame, as_of, days: int) -> pd.DataFrame:
    """The last ``days`` days of orders up to ``as_of``, moved ``days`` days forward: a realistic
    interleaving of channels, hours and listings to replay against today's stock."""
    end = pd.Timestamp(as_of) + pd.Timedelta(days=1)
    begin = end - pd.Timedelta(days=days)
    window = orders[(orders["ordered_at"] >= begin) & (orders["ordered_at"] < end)].copy()
    window["ordered_at"] = window["ordered_at"] + pd.Timedelta(days=days)
    return window.sort_values("ordered_at", kind="stable").reset_index(drop=True)


def oversell_bound_holds(result: ReplayResult) -> bool:
    """Every shared channel's oversell in every interval is within max(0, taken − buffer), and
    dedicated channels oversold nothing."""
    rows = result.intervals
    dedicated = rows["mode"] == DEDICATED
    return bool((rows.loc[dedicated, "oversold"] == 0).all()
                and (rows.loc[~dedicated, "oversold"] <= rows.loc[~dedicated, "bound"]).all())
