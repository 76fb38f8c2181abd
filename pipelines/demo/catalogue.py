"""The demo catalogue: SKUs, channel listings (with multipacks and bundles) and promotions.

Everything the simulation needs about a product is kept as arrays indexed by SKU (``s``) or by
offer (``o``: one sellable (channel, listing_sku), whose units consume up to two component SKUs).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.demo.clock import Clock
from pipelines.demo.frames import reference_frame
from pipelines.demo.network import AMAZON, CHANNELS, SHOPIFY, STORE_CHANNEL, SUPPLIERS, WALMART

ACTIVE_SKU, DISCONTINUED_SKU = contract.SKU_STATUSES
FLAT, Q4, SUMMER, JANUARY = range(4)
#: Sentinel day index for "never" (no stop).
NEVER = 1_000_000

#: Days of a SKU's expected sales above which its supplier minimum order is not set.
MOQ_MAX_DAYS = 90
#: (category, SKU prefix, seasonality, return rate, typical unit cost $, supplier, product nouns)
CATEGORIES = (
    ("Kitchen", "KIT", FLAT, 0.03, 6.0, 0, ("Silicone Spatula Set", "Knife Sharpener", "Salad Spinner",
                                            "Measuring Cups", "Garlic Press", "Spice Rack")),
    ("Home Decor", "HOM", Q4, 0.0, 9.0, 0, ("Throw Pillow Cover", "LED String Lights", "Picture Frame",
                                             "Scented Candle", "Wall Clock", "Table Runner")),
    ("Toys", "TOY", Q4, 0.04, 7.0, 0, ("Building Blocks", "Plush Bear", "Puzzle 500pc",
                                        "Magnetic Tiles", "Toy Car Set", "Kite")),
    ("Outdoor", "OUT", SUMMER, 0.0, 11.0, 1, ("Camping Lantern", "Picnic Blanket", "Water Bottle",
                                               "Folding Stool", "Insect Net", "Hammock")),
    ("Fitness", "FIT", JANUARY, 0.0, 8.0, 1, ("Resistance Bands", "Yoga Mat", "Jump Rope",
                                               "Foam Roller", "Grip Strengthener", "Ab Wheel")),
    ("Apparel", "APP", FLAT, 0.08, 5.0, 2, ("Beanie", "Running Socks 3-pack", "Rain Poncho",
                                             "Sun Hat", "Gloves", "Scarf")),
    ("Electronics Accessories", "ELE", Q4, 0.05, 4.0, 0, ("USB-C Cable", "Phone Stand", "Charging Pad",
                                                           "Cable Organizer", "Screen Cleaner", "Car Mount")),
)
_COLOURS = ("Black", "White", "Grey", "Blue", "Green", "Red", "Navy", "Sand")
#: Share of a SKU's demand each channel gets when the SKU is listed there.
CHANNEL_WEIGHT = np.array([0.55, 0.15, 0.08, 0.15, 0.07])
#: Probability that a SKU is listed on each channel.
CHANNEL_LISTED = np.array([0.95, 0.5, 0.35, 0.7, 0.3])
#: Price on each channel relative to the regular price.
CHANNEL_PRICE = np.array([1.0, 0.97, 0.95, 1.0, 1.05])
#: Demand uplift per unit of discount (a 20 % discount sells 1 + 3 * 0.2 = 1.6 times as much).
PROMO_UPLIFT = 3.0


@dataclass(frozen=True)
class Catalogue:
    skus: pd.DataFrame
    listings: pd.DataFrame
    promotions: pd.DataFrame
    sku_ids: np.ndarray
    category: np.ndarray
    season: np.ndarray
    base_rate: np.ndarray
    """Units/day sold over all channels at a normal time, before trend and seasonality."""
    trend: np.ndarray
    """Log growth per year."""
    return_rate: np.ndarray
    unit_price: np.ndarray
    case_pack: np.ndarray
    moq: np.ndarray
    supplier: np.ndarray
    production_days: np.ndarray
    launch_day: np.ndarray
    """Day index of the first day on sale (negative: before the history)."""
    stop_day: np.ndarray
    """Day index from which nobody buys any more (NEVER if still selling)."""
    offer_channel: np.ndarray
    offer_listing_sku: np.ndarray
    offer_components: np.ndarray
    """(offers, 2) SKU indices; the second is only used when offer_units[:, 1] > 0."""
    offer_units: np.ndarray
    """(offers, 2) units of each component in one listing unit (0 = no component)."""
    offer_price: np.ndarray
    """$ per listing unit at the regular price."""
    offer_rate: np.ndarray
    """Listing units/day the offer sells at a normal time."""
    promo_offer: np.ndarray
    promo_start: np.ndarray
    promo_end: np.ndarray
    promo_discount: np.ndarray
    """Fraction off the price (0.2 = 20 %)."""

    @property
    def offer_is_single(self) -> np.ndarray:
        return self.offer_units[:, 1] == 0

    def rate_by_location(self, offer_streams_rate: np.ndarray, offer_of_stream: np.ndarray,
                         first_choice: np.ndarray, n_locations: int) -> np.ndarray:
        """Component units/day per (SKU, location) from listing units/day per offer stream."""
        flat = np.zeros(len(self.sku_ids) * n_locations)
        for k in range(2):
            units = self.offer_units[offer_of_stream, k]
            keep = units > 0
            idx = self.offer_components[offer_of_stream[keep], k] * n_locations + first_choice[keep]
            flat += np.bincount(idx, weights=offer_streams_rate[keep] * units[keep], minlength=flat.size)
        return flat.reshape(len(self.sku_ids), n_locations)


def _price(value: np.ndarray) -> np.ndarray:
    """Round to a shelf price ending in .99."""
    return np.maximum(np.round(value) - 0.01, 0.99)


def build_catalogue(rng: np.random.Generator, n_skus: int, clock: Clock) -> Catalogue:
    """A catalogue of ``n_skus`` SKUs with listings and promotions over ``clock``'s history."""
    n_cat = len(CATEGORIES)
    category = rng.integers(0, n_cat, n_skus)
    season = np.array([c[2] for c in CATEGORIES])[category]
    return_rate = np.array([c[3] for c in CATEGORIES])[category]
    prefix = np.array([c[1] for c in CATEGORIES])[category]
    sku_ids = np.array([f"{p}-{i + 1:05d}" for i, p in enumerate(prefix)])
    nouns = [CATEGORIES[c][6][rng.integers(0, 6)] for c in category]
    colours = rng.integers(0, len(_COLOURS), n_skus)
    titles = [f"{noun} - {_COLOURS[col]}" for noun, col in zip(nouns, colours, strict=True)]

    unit_cost = np.round(np.array([c[4] for c in CATEGORIES])[category] * rng.lognormal(0, 0.5, n_skus), 2)
    unit_cost = np.maximum(unit_cost, 0.8)
    unit_price = _price(unit_cost * rng.uniform(2.2, 3.6, n_skus))
    case_pack = np.where(unit_cost < 4, 48, np.where(unit_cost < 8, 24, np.where(unit_cost < 15, 12, 6)))
    moq_cases = rng.integers(4, 16, n_skus)
    supplier = np.array([c[5] for c in CATEGORIES])[category]
    production_days = (np.array([25, 30, 20])[supplier] + rng.integers(0, 11, n_skus)).astype(np.int64)

    # Heavy-tailed sales: a few fast movers, a long tail selling a unit every few days.
    base_rate = np.minimum(rng.lognormal(np.log(0.5), 1.25, n_skus), 40.0)
    # Suppliers set minimums a seller can live with: 4-16 cases, but no more than about 90 days
    # of the SKU's sales (at least one case), so slow movers are not bought years ahead.
    moq = case_pack * np.clip(np.ceil(base_rate * MOQ_MAX_DAYS / case_pack), 1, moq_cases).astype(np.int64)
    trend = rng.normal(0.0, 0.25, n_skus)

    offers, listing_rows = _offers(rng, sku_ids, base_rate, unit_price)
    (offer_channel, offer_listing_sku, offer_components, offer_units, offer_price, offer_rate) = offers
    in_multi = np.zeros(n_skus, dtype=bool)
    multi = offer_units[:, 1] > 0
    multi |= offer_units[:, 0] > 1
    in_multi[offer_components[multi, 0]] = True
    in_multi[offer_components[offer_units[:, 1] > 0, 1]] = True

    launch_day, stop_day, discontinued = _lifecycles(rng, n_skus, clock, in_multi)
    launch_dates = [clock.date_of_day(d) for d in launch_day]
    skus = reference_frame(contract.SKUS, [
        {"sku": sku_ids[i], "title": titles[i], "category": CATEGORIES[category[i]][0],
         "unit_cost": unit_cost[i], "unit_price": unit_price[i], "case_pack": int(case_pack[i]),
         "moq": int(moq[i]), "supplier_id": SUPPLIERS[supplier[i]],
         "production_lead_time_days": int(production_days[i]),
         "launch_date": launch_dates[i].isoformat(),
         "status": DISCONTINUED_SKU if discontinued[i] else ACTIVE_SKU}
        for i in range(n_skus)
    ])
    listings = reference_frame(contract.LISTINGS, listing_rows)
    promo = _promotions(rng, clock, offer_channel, offer_units)
    promotions = reference_frame(contract.PROMOTIONS, [
        {"channel": CHANNELS[offer_channel[o]], "sku": sku_ids[offer_components[o, 0]],
         "start_date": clock.date_of_day(s).isoformat(), "end_date": clock.date_of_day(e).isoformat(),
         "discount_pct": round(100 * disc, 1)}
        for o, s, e, disc in zip(*promo, strict=True)
    ])
    return Catalogue(
        skus=skus, listings=listings, promotions=promotions, sku_ids=sku_ids, category=category,
        season=season, base_rate=base_rate, trend=trend, return_rate=return_rate,
        unit_price=unit_price, case_pack=case_pack, moq=moq, supplier=supplier,
        production_days=production_days, launch_day=launch_day, stop_day=stop_day,
        offer_channel=offer_channel, offer_listing_sku=offer_listing_sku,
        offer_components=offer_components, offer_units=offer_units, offer_price=offer_price,
        offer_rate=offer_rate, promo_offer=promo[0], promo_start=promo[1], promo_end=promo[2],
        promo_discount=promo[3],
    )


def _offers(rng, sku_ids, base_rate, unit_price):
    """Single listings per channel, then 2-packs and two-SKU bundles (each SKU in at most one)."""
    n = len(sku_ids)
    listed = rng.random((n, len(CHANNELS))) < CHANNEL_LISTED
    listed[~listed.any(axis=1), AMAZON] = True
    amz_alias = rng.random(n) < 0.4
    ebay_alias = rng.random(n) < 0.5
    channel, listing_sku, comp, units, rate = [], [], [], [], []
    weight_sum = (listed * CHANNEL_WEIGHT).sum(axis=1)
    for c, name in enumerate(CHANNELS):
        for s in np.flatnonzero(listed[:, c]):
            alias = (f"AMZ-{sku_ids[s]}" if name == "amazon" and amz_alias[s]
                     else f"EB-{sku_ids[s]}" if name == "ebay" and ebay_alias[s] else sku_ids[s])
            channel.append(c)
            listing_sku.append(alias)
            comp.append((s, 0))
            units.append((1, 0))
            rate.append(base_rate[s] * CHANNEL_WEIGHT[c] / weight_sum[s])

    order = rng.permutation(n)
    n_packs = max(1, round(0.03 * n))
    n_bundles = max(1, round(0.02 * n))
    for s in order[:n_packs]:
        c = (AMAZON, WALMART, SHOPIFY)[rng.integers(0, 3)]
        channel.append(c)
        listing_sku.append(f"{sku_ids[s]}-2PK")
        comp.append((s, 0))
        units.append((2, 0))
        rate.append(0.2 * base_rate[s] * CHANNEL_WEIGHT[c])
    pairs = order[n_packs:n_packs + 2 * n_bundles].reshape(-1, 2)
    for k, (a, b) in enumerate(pairs):
        c = (AMAZON, SHOPIFY)[k % 2]
        channel.append(c)
        listing_sku.append(f"BNDL-{k + 1:04d}")
        comp.append((a, b))
        units.append((1, 1))
        rate.append(0.15 * min(base_rate[a], base_rate[b]) * CHANNEL_WEIGHT[c] + 0.05)

    channel = np.array(channel)
    comp = np.array(comp, dtype=np.int64)
    units = np.array(units, dtype=np.int64)
    listing_sku = np.array(listing_sku)
    multi_discount = np.where(units.sum(axis=1) > 1, 0.9, 1.0)
    price = _price((unit_price[comp] * units).sum(axis=1) * CHANNEL_PRICE[channel] * multi_discount)
    rows = [{"channel": CHANNELS[channel[o]], "listing_sku": listing_sku[o], "sku": sku_ids[comp[o, k]],
             "units_per_listing": int(units[o, k])}
            for o in range(len(channel)) for k in range(2) if units[o, k] > 0]
    return (channel, listing_sku, comp, units, price, np.array(rate)), rows


def _lifecycles(rng, n, clock: Clock, in_multi):
    """Launch and stop days: a few new launches in the last 60-120 days, a few SKUs nobody has
    bought for 180+ days (dead stock), everything else launched before the history."""
    launch_day = -rng.integers(30, 3 * 365, n)
    stop_day = np.full(n, NEVER)
    discontinued = np.zeros(n, dtype=bool)
    candidates = rng.permutation(np.flatnonzero(~in_multi))
    n_new = max(2, round(0.05 * n))
    n_dead = max(2, round(0.06 * n))
    new, dead = candidates[:n_new], candidates[n_new:n_new + n_dead]
    launch_day[new] = clock.days - rng.integers(60, 121, len(new))
    # Dead SKUs sold normally for a while, then stopped at least 180 days before the end.
    stop_day[dead] = clock.days - 180 - rng.integers(0, max(1, clock.days - 240), len(dead))
    launch_day[dead] = np.minimum(launch_day[dead], stop_day[dead] - 400)
    discontinued[dead] = rng.random(len(dead)) < 0.7
    return launch_day, stop_day, discontinued


def _nth_weekday(year: int, month: int, weekday: int, n: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (n - 1))


def _promotions(rng, clock: Clock, offer_channel, offer_units):
    """Prime Day on Amazon, Black Friday to Cyber Monday on Amazon/Walmart/Shopify and one-off
    deals on the other channels, over the history and 60 planned days after it. Single-SKU
    offers only, never two overlapping on one offer."""
    single = np.flatnonzero((offer_units[:, 1] == 0) & (offer_units[:, 0] == 1))
    horizon = clock.days + 60
    events = []
    for year in range(clock.start.year, clock.end.year + 2):
        prime = _nth_weekday(year, 7, 1, 2)
        black_friday = _nth_weekday(year, 11, 3, 4) + timedelta(days=1)
        events.append(((AMAZON,), clock.day_of_date(prime), 2, 0.12, (0.15, 0.30)))
        events.append(((AMAZON, WALMART, SHOPIFY), clock.day_of_date(black_friday), 4, 0.15, (0.20, 0.35)))
    offers, starts, ends, discounts = [], [], [], []
    for channels, start, length, share, (lo, hi) in events:
        if start + length <= 0 or start > horizon:
            continue
        pool = single[np.isin(offer_channel[single], channels)]
        chosen = pool[rng.random(len(pool)) < share]
        offers.append(chosen)
        starts.append(np.full(len(chosen), start))
        ends.append(np.full(len(chosen), start + length - 1))
        discounts.append(np.round(rng.uniform(lo, hi, len(chosen)), 2))
    pool = single[~np.isin(offer_channel[single], (STORE_CHANNEL,))]
    n_deals = round(0.25 * len(pool) * horizon / 365)
    chosen = pool[rng.integers(0, len(pool), n_deals)]
    start = rng.integers(-10, horizon, n_deals)
    offers.append(chosen)
    starts.append(start)
    ends.append(start + rng.integers(3, 11, n_deals) - 1)
    discounts.append(np.round(rng.uniform(0.10, 0.25, n_deals), 2))

    offer, start, end, disc = (np.concatenate(x) for x in (offers, starts, ends, discounts))
    order = np.lexsort((start, offer))
    offer, start, end, disc = offer[order], start[order], end[order], disc[order]
    # Drop a promotion that overlaps the previous one of the same offer.
    keep = np.ones(len(offer), dtype=bool)
    last_end = {}
    for i in range(len(offer)):
        if offer[i] in last_end and start[i] <= last_end[offer[i]]:
            keep[i] = False
        else:
            last_end[offer[i]] = end[i]
    keep &= (end >= 0) & (start <= horizon)
    return offer[keep], start[keep], end[keep], disc[keep]
