"""The demo seller's reorder-point rules, on hand-computable numbers."""

from __future__ import annotations

import numpy as np

from pipelines.demo.replenishment import (
    AIR_BRIDGE_DAYS,
    PURCHASE_COVER_DAYS,
    PURCHASE_SAFETY_DAYS,
    REVIEW_DAYS,
    TRANSFER_COVER_DAYS,
    TRANSFER_SAFETY_DAYS,
    purchase_quantities,
    transfer_quantities,
)


def test_transfer_orders_up_to_target_when_position_is_below_the_reorder_point():
    # 2 units/day, 3 transit days: ROP = 2 * (3 + 7 + 7) = 34, target = 34 + 2 * 14 = 62.
    assert (REVIEW_DAYS, TRANSFER_SAFETY_DAYS, TRANSFER_COVER_DAYS) == (7, 7, 14)
    qty = transfer_quantities(np.array([2.0]), np.array([30]), np.array([1000]), 3.0)
    assert qty.tolist() == [32]


def test_transfer_waits_while_position_covers_the_reorder_point():
    qty = transfer_quantities(np.array([2.0]), np.array([34]), np.array([1000]), 3.0)
    assert qty.tolist() == [0]


def test_transfer_never_takes_more_than_the_origin_has():
    qty = transfer_quantities(np.array([2.0]), np.array([0]), np.array([10]), 3.0)
    assert qty.tolist() == [10]


def test_purchase_rounds_up_to_whole_cases_and_at_least_the_moq():
    # 1 unit/day, 30 + 35 days lead: ROP = 1 * (65 + 7 + 21) = 93; target = 93 + 60 = 153.
    assert (PURCHASE_SAFETY_DAYS, PURCHASE_COVER_DAYS) == (21, 60)
    args = dict(production_days=np.array([30]), sea_days=np.array([35.0]), air_days=np.array([8.0]),
                case_pack=np.array([12]), buyable=np.array([True]))
    sea, air = purchase_quantities(np.array([1.0]), np.array([90]), moq=np.array([24]), **args)
    assert (sea.tolist(), air.tolist()) == ([72], [0])  # 153 - 90 = 63 -> 6 cases
    sea, _ = purchase_quantities(np.array([1.0]), np.array([90]), moq=np.array([120]), **args)
    assert sea.tolist() == [120]


def test_purchase_flies_a_bridge_when_sea_would_land_after_the_stockout():
    # Position 20 < 1 * (30 + 8 + 7) = 45: urgent. Air 30 units -> 3 cases of 12 = 36.
    assert AIR_BRIDGE_DAYS == 30
    sea, air = purchase_quantities(np.array([1.0]), np.array([20]), np.array([30]), np.array([35.0]),
                                   np.array([8.0]), np.array([12]), np.array([12]), np.array([True]))
    assert air.tolist() == [36]
    assert sea.tolist() == [108]  # 153 - 20 = 133 -> 144, minus the 36 flown


def test_discontinued_skus_are_not_bought_again():
    sea, air = purchase_quantities(np.array([1.0]), np.array([0]), np.array([30]), np.array([35.0]),
                                   np.array([8.0]), np.array([12]), np.array([12]), np.array([False]))
    assert (sea.tolist(), air.tolist()) == ([0], [0])
