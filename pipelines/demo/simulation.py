"""Day-by-day stock simulation of the whole network, vectorised across SKUs.

State is four (SKUs x stock locations) arrays of units: ``on_hand`` (physical, including
promised and unsellable units), ``promised`` (open order lines allocated to the location, not
yet shipped or cancelled), ``unsellable`` (damaged returns kept at the location) and ``inbound``
(on planned or moving shipments to the location). Future stock changes wait in a calendar of
days.

Each day D, in this order:
1. the snapshot dated D is taken: it describes the start of D, after every event up to the end
   of D-1; Amazon FCs report ``reserved`` = promised units at that moment;
2. cycle counts (06:00-07:30, before any movement) replace the system quantity with the count;
3. on review days, transfers leave (10:00-14:00) and purchase orders are placed;
4. the day's customer demand is routed against available stock (on hand - promised -
   unsellable); lines that find no stock are lost;
5. the calendar's events of D apply: lines shipping (at their ``shipped`` record), cancellations
   releasing promises, shipments received, returns restocked, damaged or disposed.
Every warehouse and store movement happens 08:00 or later, so a count sees the start-of-day stock.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

import numpy as np

from pipelines.demo import network as net
from pipelines.demo.catalogue import ACTIVE_SKU, Catalogue
from pipelines.demo.clock import DAY, HOUR, MINUTE, Clock
from pipelines.demo.demand import DemandModel
from pipelines.demo.orders import NONE, build_orders, order_records
from pipelines.demo.replenishment import purchase_quantities, transfer_quantities
from pipelines.demo.returns import draw_returns, return_records
from pipelines.demo.routing import allocate
from pipelines.demo.shipments import Shipment, plan_shipment, shipment_records

#: Record sink: (feed name, columns of codes) -> None.
Sink = Callable[[str, dict[str, np.ndarray]], None]

COUNT_REASONS = ("cycle count", "shrinkage", "damaged in warehouse", "receiving error")
COUNTERS = ("WH-A. Diaz", "WH-K. Osei", "STORE-M. Chen")
#: Count error distribution: mostly missing units, sometimes found ones, often exact.
COUNT_DELTAS = np.array([-3, -2, -1, 0, 1, 2])
COUNT_DELTA_P = np.array([0.1, 0.2, 0.3, 0.25, 0.1, 0.05])
STOCK_TO_GLOBAL = np.array([net.ALL_LOCATIONS.index(loc) for loc in net.STOCK_LOCATIONS])


class Network:
    """The state arrays and the calendar of future stock changes."""

    def __init__(self, n_skus: int) -> None:
        shape = (n_skus, len(net.STOCK_LOCATIONS))
        self.on_hand = np.zeros(shape, dtype=np.int64)
        self.promised = np.zeros(shape, dtype=np.int64)
        self.unsellable = np.zeros(shape, dtype=np.int64)
        self.inbound = np.zeros(shape, dtype=np.int64)
        self.held = np.zeros(shape, dtype=bool)
        self.calendar: dict[int, list[tuple[str, np.ndarray, np.ndarray]]] = defaultdict(list)

    @property
    def available(self) -> np.ndarray:
        return self.on_hand - self.promised - self.unsellable

    def schedule(self, state: str, day: np.ndarray, flat: np.ndarray, delta: np.ndarray, horizon: int) -> None:
        """Add ``delta`` units to ``state`` at ``flat`` (sku * locations + location) on ``day``."""
        keep = (day != NONE) & (day < horizon)
        if not keep.any():
            return
        day, flat, delta = day[keep], flat[keep], delta[keep]
        for d in np.unique(day):
            mine = day == d
            self.calendar[int(d)].append((state, flat[mine], delta[mine]))

    def apply(self, day: int) -> None:
        for state, flat, delta in self.calendar.pop(day, []):
            np.add.at(getattr(self, state).reshape(-1), flat, delta)


def simulate(rng: np.random.Generator, catalogue: Catalogue, model: DemandModel, clock: Clock,
             sink: Sink, advance: Callable[[int], None], progress: bool = False) -> None:
    """Run the history day by day, passing every record to ``sink``."""
    cat = catalogue
    n_skus = len(cat.sku_ids)
    state = Network(n_skus)
    state.on_hand[:] = _initial_stock(rng, cat, model)
    plain = (cat.offer_units[:, 0] == 1) & (cat.offer_units[:, 1] == 0)
    return_rate = cat.return_rate[cat.offer_components[:, 0]]
    numbers = {"order": np.ones(len(net.CHANNELS), dtype=np.int64), "return": 1, "shipment": 1}
    last = clock.last_second

    days = range(clock.days)
    if progress:
        from tqdm import tqdm
        days = tqdm(days, desc="simulating days", unit="day")
    for day in days:
        _snapshot(state, day, sink)
        _count(rng, state, clock, day, sink)
        for shipment in _replenish(rng, state, cat, model, clock, day, numbers):
            sink("shipments", shipment_records(shipment, last))
            _schedule_shipment(state, shipment, clock.days)

        lines = model.sample(rng, day)
        offer = model.offer[lines.offer_stream]
        stream = model.stream[lines.offer_stream]
        location = np.zeros(len(offer), dtype=np.int64)
        served = np.zeros(len(offer), dtype=bool)
        available = state.available
        for plain_pass in (True, False):
            for s, st in enumerate(model.streams):
                idx = np.flatnonzero((stream == s) & (plain[offer] == plain_pass))
                if len(idx) == 0:
                    continue
                ok, loc = allocate(offer[idx], lines.quantity[idx], cat.offer_components,
                                   cat.offer_units, st.preference, available)
                served[idx], location[idx] = ok, loc
                for k in range(2):
                    units = cat.offer_units[offer[idx[ok]], k] * lines.quantity[idx[ok]]
                    sku = cat.offer_components[offer[idx[ok]], k]
                    np.add.at(available, (sku, loc[ok]), -units)
                    np.add.at(state.promised, (sku, loc[ok]), units)
        idx = np.flatnonzero(served)
        if len(idx):
            region = np.array([-1 if st.region is None else st.region for st in model.streams])[stream[idx]]
            region = np.where(region >= 0, region, rng.choice(len(net.REGIONS), len(idx), p=net.REGION_WEIGHTS))
            region = np.where(cat.offer_channel[offer[idx]] == net.STORE_CHANNEL, net.REGIONS.index("east"), region)
            price = np.round(cat.offer_price[offer[idx]] * (1 - model.promotion(day)[offer[idx]]), 2)
            batch = build_orders(rng, cat.offer_channel[offer[idx]], offer[idx], lines.quantity[idx],
                                 lines.second[idx], region, location[idx], price, numbers["order"])
            returns, returned_at = draw_returns(rng, batch, return_rate[batch.offer], numbers["return"])
            numbers["return"] += len(returns)
            sink("orders", order_records(batch, returned_at, last))
            sink("returns", return_records(returns, last))
            _schedule_orders(state, cat, batch, returns, clock.days)
        state.apply(day)
        advance(day)


def _initial_stock(rng, cat: Catalogue, model: DemandModel) -> np.ndarray:
    """Stock at the start of history: days of expected demand per location (ignoring any end of
    life the planner did not foresee, so SKUs that died before the history still hold stock)."""
    rate = cat.rate_by_location(model.expected(15, known_on=-10**9), model.offer, model.first_choice,
                                len(net.STOCK_LOCATIONS))
    n = len(cat.sku_ids)
    stock = np.zeros_like(rate)
    for _origin, dest, _ in net.TRANSFER_ROUTES:
        stock[:, dest] = rate[:, dest] * rng.uniform(20, 40, n)
    for dest, feeds, _ in net.PURCHASE_ROUTES:
        downstream = [f for f in feeds if f != dest]
        stock[:, dest] = (rate[:, dest] + rate[:, downstream].sum(axis=1)) * rng.uniform(80, 120, n)
    return np.round(stock).astype(np.int64)


def _snapshot(state: Network, day: int, sink: Sink) -> None:
    state.held |= state.on_hand > 0
    sku, loc = np.nonzero(state.held)
    reserved = np.where(net.RESERVED_REPORTED[loc], state.promised[sku, loc], NONE)
    sink("stock_snapshots", {"day": np.full(len(sku), day), "location": loc, "sku": sku,
                             "on_hand": state.on_hand[sku, loc], "reserved": reserved,
                             "unsellable": state.unsellable[sku, loc]})


def _count(rng, state: Network, clock: Clock, day: int, sink: Sink) -> None:
    """Cycle counts: the own warehouse counts ~1 % of its SKUs every working day, the store
    ~10 % every Sunday. Counts never go below what is promised or unsellable."""
    weekday = clock.weekday(day)
    plans = [(net.WH_MAIN, 0.01, 0 if weekday % 2 else 1)] if weekday < 6 else []
    if weekday == 6:
        plans.append((net.STORE_NYC, 0.10, 2))
    for loc, share, counter in plans:
        candidates = np.flatnonzero(state.on_hand[:, loc] > 0)
        if len(candidates) == 0:
            continue
        sku = np.sort(rng.choice(candidates, max(1, round(share * len(candidates))), replace=False))
        delta = rng.choice(COUNT_DELTAS, len(sku), p=COUNT_DELTA_P)
        floor = state.promised[sku, loc] + state.unsellable[sku, loc]
        counted = np.maximum(state.on_hand[sku, loc] + delta, floor)
        reason = np.where(counted < state.on_hand[sku, loc], rng.integers(1, 3, len(sku)),
                          np.where(counted > state.on_hand[sku, loc], 3, 0))
        state.on_hand[sku, loc] = counted
        sink("adjustments", {"counted_at": day * DAY + 6 * HOUR + rng.integers(0, 90, len(sku)) * MINUTE,
                             "location": np.full(len(sku), loc), "sku": sku, "counted": counted,
                             "reason": reason, "counter": np.full(len(sku), counter)})


def _replenish(rng, state: Network, cat: Catalogue, model: DemandModel, clock: Clock, day: int,
               numbers: dict) -> list[Shipment]:
    """Transfers and purchase orders decided on ``day`` (the routes' review weekdays)."""
    weekday = clock.weekday(day)
    n_loc = len(net.STOCK_LOCATIONS)
    shipments: list[Shipment] = []
    routes = [r for r in net.TRANSFER_ROUTES if r[2] == weekday]
    if routes:
        rate = cat.rate_by_location(model.expected(day + 14, known_on=day), model.offer,
                                    model.first_choice, n_loc)
        for origin, dest, _ in routes:
            transit = net.lane(net.STOCK_LOCATIONS[origin], net.STOCK_LOCATIONS[dest], net.TRUCK)
            position = state.available[:, dest] + state.inbound[:, dest]
            qty = transfer_quantities(rate[:, dest], position, state.available[:, origin], transit[0])
            sku = np.flatnonzero(qty)
            if len(sku) == 0:
                continue
            shipment = plan_shipment(rng, numbers["shipment"], STOCK_TO_GLOBAL[origin], STOCK_TO_GLOBAL[dest],
                                     net.TRUCK, sku, qty[sku], day, 0, transit, net.DISRUPTION_EXTRA_DAYS, False)
            numbers["shipment"] += 1
            # The truck leaves today, after the snapshot: the origin loses the units now.
            state.on_hand[sku, origin] -= qty[sku]
            shipments.append(shipment)
    routes = [r for r in net.PURCHASE_ROUTES if r[2] == weekday]
    if routes:
        rate = cat.rate_by_location(model.expected(day + 45, known_on=day), model.offer,
                                    model.first_choice, n_loc)
        buyable = cat.skus["status"].to_numpy() == ACTIVE_SKU
        for dest, feeds, _ in routes:
            feeds = list(feeds)
            position = (state.available[:, feeds] + state.inbound[:, feeds]).sum(axis=1)
            for supplier in range(len(net.SUPPLIERS)):
                mine = cat.supplier == supplier
                if not mine.any():
                    continue
                origin = net.SUPPLIERS[supplier]
                sea_lane = net.lane(origin, net.STOCK_LOCATIONS[dest], net.SEA)
                air_lane = net.lane(origin, net.STOCK_LOCATIONS[dest], net.AIR)
                sea, air = purchase_quantities(rate[:, feeds].sum(axis=1), position, cat.production_days,
                                               sea_lane[0], air_lane[0], cat.case_pack, cat.moq,
                                               buyable & mine)
                for mode, qty, lane in ((net.SEA, sea, sea_lane), (net.AIR, air, air_lane)):
                    sku = np.flatnonzero(qty)
                    if len(sku) == 0:
                        continue
                    extra = net.DISRUPTION_EXTRA_DAYS
                    shipment = plan_shipment(rng, numbers["shipment"], net.ALL_LOCATIONS.index(origin),
                                             STOCK_TO_GLOBAL[dest], mode, sku, qty[sku], day,
                                             int(cat.production_days[sku].max()), lane, extra, True)
                    numbers["shipment"] += 1
                    shipments.append(shipment)
    return shipments


def _schedule_shipment(state: Network, s: Shipment, horizon: int) -> None:
    dest = int(np.flatnonzero(STOCK_TO_GLOBAL == s.destination)[0])
    flat = s.sku * len(net.STOCK_LOCATIONS) + dest
    state.inbound.reshape(-1)[flat] += s.quantity
    n = len(flat)
    if s.cancelled_at != NONE:
        state.schedule("inbound", np.full(n, s.cancelled_at // DAY), flat, -s.quantity, horizon)
        return
    day = np.full(n, s.received_at // DAY)
    state.schedule("inbound", day, flat, -s.quantity, horizon)
    state.schedule("on_hand", day, flat, s.quantity, horizon)


def _schedule_orders(state: Network, cat: Catalogue, batch, returns, horizon: int) -> None:
    n_loc = len(net.STOCK_LOCATIONS)
    for k in range(2):
        units = cat.offer_units[batch.offer, k]
        has = units > 0
        flat = cat.offer_components[batch.offer, k] * n_loc + batch.location
        qty = np.where(has, units * batch.quantity, 0)
        shipped = np.where(batch.shipped_at != NONE, batch.shipped_at // DAY, NONE)
        cancelled = np.where(batch.cancelled_at != NONE, batch.cancelled_at // DAY, NONE)
        released = np.where(batch.shipped_at != NONE, shipped, cancelled)
        state.schedule("promised", np.where(has, released, NONE), flat, -qty, horizon)
        state.schedule("on_hand", np.where(has, shipped, NONE), flat, -qty, horizon)

        r_units = cat.offer_units[returns.offer, k]
        r_has = r_units > 0
        r_flat = cat.offer_components[returns.offer, k] * n_loc + returns.location
        r_qty = r_units * returns.quantity
        inspected = np.where(r_has, returns.inspected_at // DAY, NONE)
        state.schedule("on_hand", inspected, r_flat, r_qty, horizon)
        state.schedule("unsellable", np.where(returns.damaged, inspected, NONE), r_flat, r_qty, horizon)
        disposed = np.where(r_has & (returns.disposed_at != NONE), returns.disposed_at // DAY, NONE)
        state.schedule("on_hand", disposed, r_flat, -r_qty, horizon)
        state.schedule("unsellable", disposed, r_flat, -r_qty, horizon)
