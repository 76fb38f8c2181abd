"""Seeded lead-time draws that do not depend on who orders.

A transit time is drawn per (night, SKU, lane) from a table the seed fixes: the normal
deviate of that cell comes from ``numpy.random.default_rng([seed, night + 1])``, one (S × lanes)
matrix per night, never from a stream consumed in the order of calls. Two policies ordering the
same SKU on the same lane on the same night therefore get the same transit time, and a policy
that orders more often does not shift the other policy's draws: comparisons are fair.

Transit days = max(1, round(transit_days + transit_days_std · z)): a normal distribution with
the lane's mean and spread (as learned from its receipts, ``marts.lane_lead_times``: the
figures the plan uses), truncated at one day and rounded to whole days (the simulation moves in
days). A lane without spread always takes its mean.
"""

from __future__ import annotations

import numpy as np

from pipelines.simulation.network import Network


class LeadTimes:
    def __init__(self, network: Network, seed: int):
        self.seed = int(seed)
        self.n_skus = len(network.skus)
        self.mean = network.lanes["transit_days"].to_numpy(dtype=float)
        self.std = network.lanes["transit_days_std"].to_numpy(dtype=float)
        self._cache: dict[int, np.ndarray] = {}

    def _deviates(self, night: int) -> np.ndarray:
        if night not in self._cache:
            if len(self._cache) > 8:  # both policies walk the nights in order: keep a few
                self._cache.clear()
            rng = np.random.default_rng([self.seed, night + 1])
            self._cache[night] = rng.standard_normal((self.n_skus, len(self.mean)))
        return self._cache[night]

    def transit_days(self, night: int, sku_idx: np.ndarray, lane: np.ndarray) -> np.ndarray:
        """Whole transit days (≥ 1) of orders of ``sku_idx`` on ``lane`` placed on ``night``."""
        sku_idx, lane = np.asarray(sku_idx, dtype=np.int64), np.asarray(lane, dtype=np.int64)
        if not len(sku_idx):
            return np.zeros(0, dtype=np.int64)
        z = self._deviates(night)[sku_idx, lane]
        return np.maximum(1, np.rint(self.mean[lane] + self.std[lane] * z)).astype(np.int64)
