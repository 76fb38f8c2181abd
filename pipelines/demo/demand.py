"""Customer demand: expected listing units/day per offer stream, and the order lines drawn from it.

An *offer stream* is one offer (a channel's listing) in one demand stream (Amazon splits by
customer region). Expected demand multiplies the offer's base rate by weekday, yearly
seasonality, trend, launch ramp, end of life and promotion uplift; realised demand is
negative-binomial (Poisson with a gamma-distributed rate), so slow SKUs are intermittent.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from pipelines.demo.catalogue import FLAT, JANUARY, NEVER, PROMO_UPLIFT, Q4, SUMMER, Catalogue
from pipelines.demo.clock import HOUR, Clock
from pipelines.demo.network import CHANNELS, STORE_CHANNEL, Stream

#: Weekday factors Monday..Sunday, online channels and the store.
ONLINE_WEEK = np.array([1.08, 1.03, 1.0, 0.97, 0.93, 0.92, 1.07])
STORE_WEEK = np.array([0.7, 0.8, 0.85, 0.95, 1.15, 1.45, 1.1])
#: Order hour of day (0..23), online and store (open 9:00 to 20:00).
ONLINE_HOURS = np.array([2, 1, 1, 1, 1, 2, 3, 4, 5, 6, 6, 6, 7, 6, 6, 6, 6, 7, 8, 9, 9, 8, 6, 4], float)
STORE_HOURS = np.array([0] * 9 + [4, 6, 8, 9, 8, 7, 7, 8, 9, 8, 6] + [0] * 4, float)
#: Units per order line: mostly 1, sometimes 2, rarely more.
LINE_QUANTITY = np.array([1, 2, 3, 4])
LINE_QUANTITY_P = np.array([0.74, 0.19, 0.05, 0.02])
#: Shape of the gamma noise on the daily rate (lower = burstier).
DISPERSION = 2.0
LAUNCH_RAMP_DAYS = 30


def _bump(doy: np.ndarray, centre: float, width: float) -> np.ndarray:
    distance = np.abs((doy - centre + 182.5) % 365 - 182.5)
    return np.exp(-0.5 * (distance / width) ** 2)


def season_table() -> np.ndarray:
    """(season kinds, 366) demand factor per day of year."""
    doy = np.arange(366, dtype=float)
    table = np.empty((4, 366))
    table[FLAT] = 1.0 + 0.35 * _bump(doy, 335, 25)
    table[Q4] = 0.75 + 1.6 * _bump(doy, 340, 22)
    table[SUMMER] = 0.45 + 1.4 * _bump(doy, 185, 45)
    table[JANUARY] = 0.85 + 1.0 * _bump(doy, 8, 18)
    return table


@dataclass(frozen=True)
class OrderLines:
    """Order lines of one day before allocation, sorted by offer stream then time."""

    offer_stream: np.ndarray
    quantity: np.ndarray
    """Listing units."""
    second: np.ndarray
    """Seconds since the start of history."""


@dataclass(frozen=True)
class DemandModel:
    catalogue: Catalogue
    clock: Clock
    streams: tuple[Stream, ...]
    offer: np.ndarray
    """Offer of each offer stream."""
    stream: np.ndarray
    """Stream index of each offer stream."""
    base: np.ndarray
    """Listing units/day of each offer stream at a normal time."""
    season: np.ndarray
    weekly: np.ndarray

    @classmethod
    def build(cls, catalogue: Catalogue, clock: Clock, streams: tuple[Stream, ...]) -> DemandModel:
        offer, stream, base = [], [], []
        for i, st in enumerate(streams):
            mine = np.flatnonzero(catalogue.offer_channel == st.channel)
            offer.append(mine)
            stream.append(np.full(len(mine), i))
            base.append(catalogue.offer_rate[mine] * st.share)
        weekly = np.array([STORE_WEEK if c == STORE_CHANNEL else ONLINE_WEEK for c in range(len(CHANNELS))])
        return cls(catalogue, clock, streams, np.concatenate(offer), np.concatenate(stream),
                   np.concatenate(base), season_table(), weekly)

    @property
    def first_choice(self) -> np.ndarray:
        """First-choice stock location of each offer stream."""
        return np.array([st.preference[0] for st in self.streams])[self.stream]

    def promotion(self, day: int) -> np.ndarray:
        """Discount fraction per offer on a day (0 without promotion)."""
        cat = self.catalogue
        active = (cat.promo_start <= day) & (day <= cat.promo_end)
        discount = np.zeros(len(cat.offer_channel))
        discount[cat.promo_offer[active]] = cat.promo_discount[active]
        return discount

    def expected(self, day: int, known_on: int | None = None) -> np.ndarray:
        """Expected listing units/day per offer stream on ``day``.

        ``known_on`` is the day a planner forecasts from: a SKU's end of life is only known to
        the planner once it has happened (that is how dead stock is made).
        """
        cat = self.catalogue
        known_on = day if known_on is None else known_on
        doy = int(self.clock.day_of_year(np.array([day]))[0])
        weekday = (self.clock.start.toordinal() + day - 1) % 7  # date.weekday() of day
        comp, units = cat.offer_components[self.offer], cat.offer_units[self.offer]
        life = np.ones(len(self.offer))
        for k in range(2):
            s = comp[:, k]
            ramp = np.clip((day - cat.launch_day[s] + 1) / LAUNCH_RAMP_DAYS, 0.0, 1.0)
            stopped = (day >= cat.stop_day[s]) & (known_on >= cat.stop_day[s]) & (cat.stop_day[s] < NEVER)
            life = np.where(units[:, k] > 0, np.minimum(life, np.where(stopped, 0.0, ramp)), life)
        first = comp[:, 0]
        growth = np.exp(cat.trend[first] * (day - self.clock.days / 2) / 365)
        promo = 1.0 + PROMO_UPLIFT * self.promotion(day)[self.offer]
        channel = cat.offer_channel[self.offer]
        return (self.base * self.weekly[channel, weekday] * self.season[cat.season[first], doy]
                * growth * life * promo)

    def sample(self, rng: np.random.Generator, day: int) -> OrderLines:
        """Order lines placed on ``day`` (before any stock check)."""
        rate = self.expected(day) * rng.gamma(DISPERSION, 1.0 / DISPERSION, len(self.offer))
        n_lines = rng.poisson(rate / (LINE_QUANTITY * LINE_QUANTITY_P).sum())
        offer_stream = np.repeat(np.arange(len(self.offer)), n_lines)
        n = len(offer_stream)
        multi = self.catalogue.offer_units[self.offer[offer_stream]].sum(axis=1) > 1
        quantity = np.where(multi, 1, rng.choice(LINE_QUANTITY, n, p=LINE_QUANTITY_P))
        in_store = self.catalogue.offer_channel[self.offer[offer_stream]] == STORE_CHANNEL
        hour = np.where(in_store, rng.choice(24, n, p=STORE_HOURS / STORE_HOURS.sum()),
                        rng.choice(24, n, p=ONLINE_HOURS / ONLINE_HOURS.sum()))
        second = day * 86_400 + hour * HOUR + rng.integers(0, HOUR, n)
        order = np.lexsort((second, offer_stream))
        return OrderLines(offer_stream[order], quantity[order].astype(np.int64), second[order])
