"""The nightly backtest's SKU sample (pipelines.simulation.history.sample_skus), on the one-store
world of simulation_world with SKU ``A`` copied under ten codes."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest

from pipelines.config import BacktestConfig, ForecastConfig, ReplenishmentConfig
from pipelines.simulation import run_backtest
from pipelines.simulation.history import SKU_FRAMES, sample_skus
from tests.unit.simulation_world import inputs

HISTORY = [4.0, 6.0, 5.0, 0.0, 9.0, 3.0, 5.0] * 12
CODES = [f"SKU-{k:02d}" for k in range(10)]


def _catalogue(history=HISTORY):
    one = inputs(history)
    frames = {}
    for name in ("demand", "location_demand", "skus"):
        frame = getattr(one, name)
        frames[name] = pd.concat([frame.assign(sku=code) for code in CODES], ignore_index=True)
    frames["promotions"] = pd.DataFrame({"channel": "shopify", "sku": CODES, "start_date": one.as_of,
                                         "end_date": one.as_of, "discount_pct": 0.1})
    return replace(one, **frames)


def test_a_sample_keeps_at_most_the_limit_and_every_frame_follows_it():
    sampled, catalogue = sample_skus(_catalogue(), 3)
    kept = set(sampled.skus["sku"])
    assert catalogue == 10 and len(kept) == 3
    for name in SKU_FRAMES:
        frame = getattr(sampled, name)
        if frame is not None and len(frame):
            assert set(frame["sku"]) == kept, name


def test_the_sample_is_the_same_every_night_and_grows_by_adding():
    first, _ = sample_skus(_catalogue(), 3)
    again, _ = sample_skus(_catalogue(), 3)
    larger, _ = sample_skus(_catalogue(), 5)
    assert set(first.skus["sku"]) == set(again.skus["sku"])
    assert set(first.skus["sku"]) < set(larger.skus["sku"])


@pytest.mark.parametrize("limit", [0, 10, 50])
def test_no_limit_or_a_larger_one_keeps_every_sku(limit):
    whole = _catalogue()
    sampled, catalogue = sample_skus(whole, limit)
    assert sampled is whole and catalogue == 10


def test_a_sample_of_alike_skus_scores_as_the_whole_catalogue():
    # SKUs do not share stock in the simulation: the rates are the same, the units a tenth x 3
    cfg = BacktestConfig(workers=1)
    whole = run_backtest(_catalogue(), cfg, ForecastConfig(prophet_max_series=0), ReplenishmentConfig(),
                         days=28, policies=("baseline",)).kpis.set_index("kpi")["value"]
    part = run_backtest(sample_skus(_catalogue(), 3)[0], cfg, ForecastConfig(prophet_max_series=0),
                        ReplenishmentConfig(), days=28, policies=("baseline",)).kpis.set_index("kpi")["value"]
    for rate in ("fill_rate", "stockout_rate", "cycle_service_level", "turns"):
        assert part[rate] == pytest.approx(whole[rate])
    assert part["average_inventory_units"] == pytest.approx(whole["average_inventory_units"] * 0.3)
    assert np.isclose(part["units_demanded"], whole["units_demanded"] * 0.3)
