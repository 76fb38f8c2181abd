"""Stockpilot's own forecast and plan as the simulated policy, on the one-store world: with a
constant 10 units a day the forecast is exactly 10 (no band), so the plan's thresholds are
figures one can work out by hand (replenishment defaults: review 1 day, cover 14 days)."""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.simulation.stockpilot import ForecastSchedule, forecast_inputs
from tests.unit.simulation_world import AS_OF, backtest, inputs, kpi, store_series

CONSTANT = [10.0] * 300  # long enough for every backtest window of the forecast


def test_constant_demand_with_fixed_lead_time_never_stocks_out_and_holds_the_hand_computed_average():
    """DC → STORE 1 ship day + 3 days; reorder point = 10 × (4 + 1) = 50, order-up-to 50 + 14 × 10
    = 190.

    Start (10 days of cover): 100 on hand and 10 landing on each of days 0–3. End-of-day on hand:
      days 0–3: 100                                                → 400
      days 4–12: 90 … 10; night 9 ends at 40 < 50 → transfer 150 landing on day 13     → 450
      days 13–27 and 28–42: 150 … 10 (nights 24 and 39 at 40 → 150 landing on days 28 and 43)
                                                                   → 2 × 1,200
      day 43: 150
    average = 3,400 / 44 = 77.27 units, and never a day without stock when demand came.

    The spreadsheet rule, same start: night −1 position 140 < 300 → 600 − 140 = 460 landing on
    day 3 (560 after the day), night 30 at 290 → 310 landing on day 34:
      days 0–2: 100 → 300; days 3–33: 560 … 260 → 12,710; days 34–43: 560 … 470 → 5,150
    average = 18,160 / 44 = 412.73 units for the same full service.
    """
    result = backtest(CONSTANT, days=44, policies=("stockpilot", "baseline"), backtest_cfg={"start_cover_days": 10})
    assert kpi(result, "stockout_days", "stockpilot") == 0
    assert kpi(result, "fill_rate", "stockpilot") == 1.0
    assert kpi(result, "average_inventory_units", "stockpilot") == pytest.approx(3400 / 44)
    orders = result.results["stockpilot"].orders
    assert orders[["placed", "arrival", "quantity", "kind"]].values.tolist() == [
        [9, 13, 150, "transfer"], [24, 28, 150, "transfer"], [39, 43, 150, "transfer"]]
    assert kpi(result, "fill_rate", "baseline") == 1.0
    assert kpi(result, "average_inventory_units", "baseline") == pytest.approx(18160 / 44)


def test_due_purchase_suggestion_is_placed_on_the_cheapest_supplier_lane():
    """The DC is the seller's own now (10 days of stock at the start, 300 units in flight on the
    30-day purchase lane: 10 production + 20 sea). Network position 100 + 100 + 300 + 40 = 540
    on the first night, −10 a day. Bought units reach the store 1 ship day + 3 days after they
    land at the DC, so the purchase reorder point is 10 × (30 + 4 + 7) = 410: reached on night 12
    (540 − 130). Purchases go out weekly (nights −1, 6, 13, 20: the 7-day review period): on
    night 6 the position is 470, not yet due; on night 13 it is 400, due, bought up to
    10 × (41 + 30) = 710: 310 units, landing on day 13 + 30 = 43."""
    result = backtest(CONSTANT, days=22, policies=("stockpilot",), dc_unlimited=False,
                      backtest_cfg={"start_cover_days": 10})
    orders = result.results["stockpilot"].orders
    bought = orders[orders["kind"] == "purchase"]
    assert bought[["placed", "origin_id", "destination_id", "mode", "quantity", "arrival"]].values.tolist() == [
        [13, "SUP", "DC", "sea", 310, 43]]
    assert (orders.loc[orders["kind"] == "transfer", "origin_id"] == "DC").all()
    assert kpi(result, "stockout_days", "stockpilot") == 0


def test_forecast_sees_only_the_history_up_to_its_night():
    world = inputs([1.0] * 100)
    night = (pd.Timestamp(AS_OF) - pd.Timedelta(days=30)).date()
    seen = forecast_inputs(world, night)
    assert pd.to_datetime(seen.demand["date"]).max() == pd.Timestamp(night)
    assert seen.as_of == night


def test_forecast_is_refitted_every_week_and_shifted_in_between():
    from pipelines.config import ForecastConfig
    from pipelines.simulation.history import Window

    schedule = ForecastSchedule(inputs(CONSTANT), Window(end=AS_OF, days=28), ForecastConfig(), refit_every_days=7)
    assert schedule.nights == [-1, 6, 13, 20]
    assert [schedule.refit_night(n) for n in (-1, 0, 5, 6, 12, 13, 26)] == [-1, -1, -1, 6, 6, 13, 20]
    schedule.fit_all(workers=1)
    assert sorted(schedule.fits) == [-1, 6, 13, 20]
    first_days = sorted(pd.to_datetime(schedule.at(-1)["date"]).unique())
    later_days = sorted(pd.to_datetime(schedule.at(3)["date"]).unique())
    assert later_days == first_days[4:]  # the same fit, the 4 days already past dropped
    assert schedule.at(6)["date"].min() != schedule.at(5)["date"].min()  # a new fit from night 6


def test_stockpilot_uses_the_simulated_store_stock():
    # a spike the forecast cannot know empties the store; the plan sees the empty shelf that
    # night and ships the next day
    window = [10.0] * 10 + [300.0] + [10.0] * 3
    result = backtest(CONSTANT[:-14] + window, days=14, policies=("stockpilot",))
    orders = result.results["stockpilot"].orders
    assert 10 in orders["placed"].tolist()
    assert store_series(result, "on_hand", "stockpilot")[10] == 0


def test_backtest_plan_measures_the_recorded_sales_on_the_recorded_days_each_location_had_stock():
    """The plan of a night sees the recorded stockouts of its look-backs up to that night: they go
    with the recorded sales the plan splits the forecast by, not with the simulated stock."""
    import numpy as np

    from pipelines.config import ForecastConfig, ReplenishmentConfig
    from pipelines.simulation.engine import OPEN_ORDER_COLUMNS
    from pipelines.simulation.history import Window
    from pipelines.simulation.network import SimulationState, build_network
    from pipelines.simulation.stockpilot import StockpilotPolicy

    world = inputs([1.0] * 400)
    ago = [0, 364, 365, -1]  # days before AS_OF; −1 is the day after the night
    world.location_stockouts = pd.DataFrame({
        "date": [pd.Timestamp(AS_OF) - pd.Timedelta(days=d) for d in ago], "sku": "A", "location_id": "STORE"})
    cfg = ReplenishmentConfig()  # look-back 90 days, fallback 365
    network = build_network(world.skus, world.locations, world.lanes, cfg, ("DC",))
    schedule = ForecastSchedule(world, Window(end=AS_OF, days=10), ForecastConfig(), refit_every_days=7)
    schedule.fits[6] = pd.DataFrame(columns=["sku", "level", "level_value", "date", "p10", "p50", "p90"])
    zeros = np.zeros(network.shape)
    state = SimulationState(network=network, night=9, date=AS_OF, on_hand=zeros, backlog=zeros, inbound=zeros,
                            open_orders=pd.DataFrame({c: pd.Series(dtype=np.int64) for c in OPEN_ORDER_COLUMNS}))
    seen = StockpilotPolicy(network, world, schedule, cfg).plan_inputs(state)
    assert sorted(pd.to_datetime(seen.location_stockouts["date"])) == [
        pd.Timestamp(AS_OF) - pd.Timedelta(days=364), pd.Timestamp(AS_OF)]
    assert len(seen.fulfilment) == 90 and seen.fulfilment["units"].sum() == 90  # one row a day, 1 unit each
    assert seen.fulfilment_fallback["units"].tolist() == [365.0]
