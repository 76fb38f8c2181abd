"""The spreadsheet rule on a hand-worked case: STORE sold 4 units a day over the last 30 days;
order when on hand + inbound < 30 × 4 = 120, up to 60 × 4 = 240; cases of 12, MOQ 200."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd

from pipelines.config import BaselineRuleConfig, ReplenishmentConfig
from pipelines.simulation import BaselinePolicy, SimulationState, build_network
from pipelines.simulation.engine import OPEN_ORDER_COLUMNS
from tests.unit.simulation_world import inputs

RULE = BaselineRuleConfig(reorder_cover_days=30, order_up_to_days=60, sales_days=30, plus_lead_time=False)


def _decide(dc_on_hand: float, store_on_hand: float, store_inbound: float, rule: BaselineRuleConfig = RULE,
            night: int = -1, purchase_every: int = 1):
    world = inputs([4.0] * 30, case_pack=12, moq=200, dc_unlimited=False)
    network = build_network(world.skus, world.locations, world.lanes, ReplenishmentConfig())
    assert list(network.locations) == ["DC", "STORE"]
    history = np.zeros((40, 1, 2))
    history[:, 0, 1] = 4.0  # STORE sold 4 a day on each day, before the window and in it
    policy = BaselinePolicy(network, history, offset=30, rule=rule, purchase_every=purchase_every)
    on_hand = np.array([[dc_on_hand, store_on_hand]])
    inbound = np.array([[0.0, store_inbound]])
    state = SimulationState(network=network, night=night, date=date(2026, 6, 1), on_hand=on_hand,
                            backlog=np.zeros((1, 2)), inbound=inbound,
                            open_orders=pd.DataFrame(columns=OPEN_ORDER_COLUMNS))
    return policy.decide(state)


def test_store_below_thirty_days_orders_up_to_sixty_days_in_whole_cases():
    # position 100 + 10 = 110 < 120: 240 − 110 = 130 units, 132 in cases of 12; the DC's
    # echelon (500 + 110) is far above 120, so nothing is bought
    orders = _decide(dc_on_hand=500, store_on_hand=100, store_inbound=10)
    assert orders.to_dict("records") == [{"sku": "A", "origin_id": "DC", "destination_id": "STORE",
                                          "mode": "truck", "quantity": 132, "kind": "transfer"}]


def test_a_short_source_ships_the_whole_cases_it_has():
    orders = _decide(dc_on_hand=65, store_on_hand=100, store_inbound=10)
    assert orders["quantity"].tolist() == [60]  # five cases of 12 of the 65 units


def test_echelon_below_thirty_days_buys_up_to_sixty_days_at_least_the_moq_in_cases():
    # the DC is empty: no transfer; echelon 0 + 100 + 10 = 110 < 120: buy 240 − 110 = 130,
    # raised to the MOQ 200, then to whole cases: 204, on the supplier's lane to the DC
    orders = _decide(dc_on_hand=0, store_on_hand=100, store_inbound=10)
    assert orders.to_dict("records") == [{"sku": "A", "origin_id": "SUP", "destination_id": "DC",
                                          "mode": "sea", "quantity": 204, "kind": "purchase"}]


def test_position_at_the_threshold_orders_nothing():
    # 120 is not below 30 days of sales; the echelon 120 + 0 is not either
    assert _decide(dc_on_hand=0, store_on_hand=110, store_inbound=10).empty


def test_other_numbers_come_from_the_config():
    # 10 days / 20 days: 110 ≥ 40, nothing to do; 35 < 40 → up to 80: 45, 48 in cases
    rule = BaselineRuleConfig(reorder_cover_days=10, order_up_to_days=20, sales_days=30, plus_lead_time=False)
    assert _decide(dc_on_hand=500, store_on_hand=100, store_inbound=10, rule=rule).empty
    assert _decide(dc_on_hand=500, store_on_hand=35, store_inbound=0, rule=rule)["quantity"].tolist() == [48]


def test_purchases_wait_for_the_weekly_purchase_night_transfers_do_not():
    # purchases every 7 nights: nights -1, 6, 13 …; night 0 buys nothing, night 6 does
    assert _decide(dc_on_hand=0, store_on_hand=100, store_inbound=10, night=0, purchase_every=7).empty
    assert _decide(dc_on_hand=0, store_on_hand=100, store_inbound=10, night=6,
                   purchase_every=7)["quantity"].tolist() == [204]
    assert _decide(dc_on_hand=500, store_on_hand=100, store_inbound=10, night=0,
                   purchase_every=7)["quantity"].tolist() == [132]


LEAD_RULE = BaselineRuleConfig(reorder_cover_days=30, order_up_to_days=60, sales_days=30, plus_lead_time=True)


def test_with_the_lead_time_the_store_reorders_below_lead_time_plus_thirty_days():
    # transfer lead time = 1 ship day + 3 days DC → STORE = 4: reorder below (4 + 30) × 4 = 136,
    # up to (4 + 60) × 4 = 256. Position 130 < 136: 256 − 130 = 126 units, 132 in cases of 12
    orders = _decide(dc_on_hand=500, store_on_hand=120, store_inbound=10, rule=LEAD_RULE)
    assert orders[orders["kind"].eq("transfer")]["quantity"].tolist() == [132]
    # 140 ≥ 136: nothing, where the fixed rule (below 120) would not order either
    assert _decide(dc_on_hand=500, store_on_hand=130, store_inbound=10, rule=LEAD_RULE).empty


def test_with_the_lead_time_the_echelon_buys_below_purchase_lead_time_plus_thirty_days():
    # purchase lead time = 10 days production + 20 days sea = 30: the echelon (DC 0 + STORE 200)
    # reorders below (30 + 30) × 4 = 240, up to (30 + 60) × 4 = 360: 160, raised to the MOQ 200,
    # 204 in cases of 12. The fixed rule (below 120) buys nothing at 200.
    orders = _decide(dc_on_hand=0, store_on_hand=200, store_inbound=0, rule=LEAD_RULE)
    assert orders.to_dict("records") == [{"sku": "A", "origin_id": "SUP", "destination_id": "DC",
                                          "mode": "sea", "quantity": 204, "kind": "purchase"}]
    assert _decide(dc_on_hand=0, store_on_hand=200, store_inbound=0).empty
