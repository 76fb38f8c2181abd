"""The oversell replay (pipelines.allocation.replay) on hand-made streams."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pipelines.allocation import build_allocation_plan
from pipelines.allocation.replay import oversell_bound_holds, replay_orders, replay_stream
from tests.unit.allocation_scenarios import VELOCITY_ONLY, channels, listings, make_inputs

TWO_CHANNELS = listings(["A"], on=("amazon", "ebay"))


def replay(orders, refresh_minutes=1440, **terms):
    inputs = make_inputs({("A", "WH"): 10}, channel_table=channels(**terms), listing_table=TWO_CHANNELS)
    plan = build_allocation_plan(inputs, VELOCITY_ONLY)
    stock = plan.sellable[["sku", "location_id"]].assign(units=plan.sellable["sellable"])
    stream = pd.DataFrame(orders, columns=["ordered_at", "channel", "listing_sku", "quantity"])
    stream["ordered_at"] = pd.to_datetime(stream["ordered_at"])
    return replay_orders(stock, plan.context, inputs.listings, inputs.routing_rules, stream, refresh_minutes)


BOTH_SELL_TEN = [("2026-11-11 09:00", "amazon", "A", 10), ("2026-11-11 10:00", "ebay", "A", 10)]


def test_shared_channels_oversell_what_both_sell_between_two_refreshes():
    result = replay(BOTH_SELL_TEN)
    assert result.summary["units_accepted"] == 20
    assert result.summary["units_oversold"] == 10
    # ebay oversold 10 after amazon took 10 of its units, with no buffer: the bound is reached
    ebay = result.intervals.set_index("channel").loc["ebay"]
    assert (ebay["taken_by_others"], ebay["buffer"], ebay["oversold"], ebay["bound"]) == (10, 0, 10, 10)
    assert oversell_bound_holds(result)


def test_buffers_absorb_sales_on_the_other_channel_between_refreshes():
    result = replay([("2026-11-11 09:00", "amazon", "A", 5), ("2026-11-11 10:00", "ebay", "A", 5),
                     ("2026-11-11 11:00", "ebay", "A", 1)],
                    amazon={"buffer_units": 5}, ebay={"buffer_units": 5})
    assert (result.summary["units_accepted"], result.summary["units_refused"]) == (10, 1)
    assert result.summary["units_oversold"] == 0


def test_refreshing_at_sensor_cadence_stops_the_second_channel_in_time():
    result = replay(BOTH_SELL_TEN, refresh_minutes=15)
    assert (result.summary["units_accepted"], result.summary["units_refused"]) == (10, 10)
    assert result.summary["units_oversold"] == 0


def test_dedicated_channels_never_sell_the_other_channels_units():
    result = replay(BOTH_SELL_TEN, amazon={"allocation_mode": "dedicated"}, ebay={"allocation_mode": "dedicated"})
    # equal scores: 5 units each; each sells its 5 and refuses the rest
    assert (result.summary["units_accepted"], result.summary["units_refused"]) == (0, 20)
    result = replay([("2026-11-11 09:00", "amazon", "A", 5), ("2026-11-11 10:00", "ebay", "A", 5)],
                    amazon={"allocation_mode": "dedicated"}, ebay={"allocation_mode": "dedicated"})
    assert (result.summary["units_accepted"], result.summary["units_oversold"]) == (10, 0)


def test_replay_stream_moves_the_last_days_of_orders_forward():
    orders = pd.DataFrame({"ordered_at": pd.to_datetime(["2026-11-01 10:00", "2026-11-09 08:00", "2026-11-10 23:00"]),
                           "channel": "amazon", "listing_sku": "A", "quantity": 1})
    stream = replay_stream(orders, date(2026, 11, 10), days=2)
    assert stream["ordered_at"].tolist() == pd.to_datetime(["2026-11-11 08:00", "2026-11-12 23:00"]).tolist()
