"""Policy formulas against textbook values computed by hand (pipelines.replenishment.policy)."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from pipelines.replenishment import policy

Z95 = 1.6448536269514722  # Φ⁻¹(0.95)
Z90 = 1.2815515655446004  # Φ⁻¹(0.90)


def test_constant_demand_without_variance_needs_no_safety_stock():
    assert policy.safety_stock(0.99, demand_mean=20, demand_std=0, lead_time=30, review_period=7) == 0.0


def test_demand_variance_over_the_lead_time():
    # σ = sqrt(9 days · 4²) = 12 units; SS = 1.6449 · 12 = 19.74
    assert policy.safety_stock(0.95, 10, 4, 9) == pytest.approx(Z95 * 12)


def test_lead_time_variance_alone_adds_z_times_demand_times_its_spread():
    # σ = sqrt(L·0 + 10² · 2²) = 20 units → SS = z · d · σL = 1.6449 · 10 · 2 = 32.90
    assert policy.safety_stock(0.95, 10, 0, 9, lead_time_std=2) == pytest.approx(Z95 * 10 * 2)


def test_review_period_and_both_variances():
    # σ = sqrt((4 + 5)·5² + 20²·1²) = sqrt(225 + 400) = 25; SS = 1.2816 · 25 = 32.04
    ss = policy.safety_stock(0.90, 20, 5, 4, lead_time_std=1, review_period=5)
    assert ss == pytest.approx(Z90 * 25)
    # ROP = 20 · (4 + 5) + 32.04 = 212.04 (d·(L+R), not sqrt(L)·d)
    assert policy.reorder_point(0.90, 20, 5, 4, lead_time_std=1, review_period=5) == pytest.approx(180 + Z90 * 25)


def test_reorder_point_of_constant_demand_is_lead_time_demand():
    assert policy.reorder_point(0.95, 5, 0, 25) == pytest.approx(125.0)


def test_formulas_broadcast_over_arrays():
    ss = policy.safety_stock(np.array([0.95, 0.90]), np.array([10.0, 20.0]), np.array([0.0, 5.0]),
                             np.array([9.0, 4.0]), np.array([2.0, 1.0]), np.array([0.0, 5.0]))
    assert ss == pytest.approx([Z95 * 20, Z90 * 25])


def test_service_level_outside_zero_one_is_refused():
    with pytest.raises(ValueError):
        policy.safety_stock(1.0, 10, 1, 5)


def test_economic_order_quantity_matches_stockpyl_and_snyder_shen():
    # sqrt(2 · 8 · 1300 / 0.225) = 304.047 (stockpyl economic_order_quantity(8, 0.225, 1300))
    assert policy.economic_order_quantity(1300, 8, 0.225) == pytest.approx(304.0468, abs=1e-3)
    # sqrt(2 · 100 · 1000 / 5) = sqrt(40 000) = 200
    assert policy.economic_order_quantity(1000, 100, 5) == pytest.approx(200.0)


def test_standard_normal_loss_matches_tables():
    # L(1.3) = φ(1.3) − 1.3·(1 − Φ(1.3)) = 0.17137 − 1.3 · 0.09680 = 0.04553 (stockpyl)
    assert policy.standard_normal_loss(1.3) == pytest.approx(0.04553, abs=1e-5)
    # L(0) = φ(0) = 1/sqrt(2π)
    assert policy.standard_normal_loss(0.0) == pytest.approx(1 / np.sqrt(2 * np.pi))


def test_fill_rate_from_the_loss_function():
    # σ = sqrt(4 · 5²) = 10, z = 13/10 = 1.3, shortage per cycle 10 · 0.04553 = 0.4553 → β = 1 − 0.4553/100
    assert policy.fill_rate(100, 10, 5, 4, 13) == pytest.approx(1 - 0.4553 / 100, abs=1e-5)
    # no safety stock: shortage 10 · 0.39894 = 3.9894 per 50-unit cycle → β = 0.92021
    assert policy.fill_rate(50, 10, 5, 4, 0) == pytest.approx(1 - 10 / np.sqrt(2 * np.pi) / 50)


def test_fill_rate_is_one_without_any_spread():
    assert policy.fill_rate(10, 5, 0, 3, 0) == 1.0


def test_days_of_cover_consumes_the_forecast_day_by_day():
    assert policy.days_of_cover(75, [5.0] * 90) == pytest.approx(15.0)
    # 10 days at 5 use 50; the remaining 25 last 1.25 days at 20/day → 11.25, not 75/mean
    assert policy.days_of_cover(75, [5.0] * 10 + [20.0] * 80) == pytest.approx(11.25)


def test_days_of_cover_beyond_the_forecast_continues_at_its_last_four_weeks():
    # 90 days at 1 use 90; the other 60 at the tail rate 1/day → 150
    assert policy.days_of_cover(150, [1.0] * 90) == pytest.approx(150.0)
    assert policy.days_of_cover(5, [0.0] * 90) == np.inf
    assert policy.days_of_cover(0, [3.0] * 90) == 0.0


def test_projected_stockout_date_is_as_of_plus_the_days_of_cover():
    as_of = date(2026, 6, 1)
    assert policy.projected_stockout_date(75, [5.0] * 90, as_of) == date(2026, 6, 16)
    # 12 units at 5/day: runs out during day 3
    assert policy.projected_stockout_date(12, [5.0] * 90, as_of) == date(2026, 6, 4)
    assert policy.projected_stockout_date(5, [0.0] * 90, as_of) is None
    # 1e9 units at 1e-12/day last 1e21 days: finite, but no date (nor int64) holds that
    assert policy.projected_stockout_date(1e9, [1e-12] * 90, as_of) is None
    dates = policy.projected_stockout_date(np.array([75, 12]), np.full((2, 90), 5.0), as_of)
    assert list(dates.astype(object)) == [date(2026, 6, 16), date(2026, 6, 4)]


def test_cumulative_demand_takes_part_days_and_runs_past_the_horizon():
    # 1 + half of day 2 (2 units) = 2
    assert policy.cumulative_demand([1.0, 2.0, 3.0], 1.5) == pytest.approx(2.0)
    # 6 units over 3 days, then 2 more days at the tail mean (2/day) → 10
    assert policy.cumulative_demand([1.0, 2.0, 3.0], 5) == pytest.approx(10.0)
    assert policy.cumulative_demand(np.array([[1.0, 1.0], [2.0, 2.0]]), [1, 2]) == pytest.approx([1.0, 4.0])


def test_fill_rate_safety_factor_solves_the_expected_shortage_per_cycle_by_hand():
    # β 98 %, Q 370, σ 200: L(k) = 0.02 × 370 / 200 = 0.037, L(1.40) = 0.0367 (tables): k ≈ 1.396
    k = policy.safety_factor_for_fill_rate(0.98, 370.0, 200.0)
    assert k == pytest.approx(1.396, abs=0.002)
    assert 200.0 * policy.standard_normal_loss(k) == pytest.approx(0.02 * 370.0, rel=1e-3)
    # no spread: no safety stock; a cycle so large that L(0) already meets it: k = 0, never negative
    assert policy.safety_factor_for_fill_rate([0.98, 0.9], [370.0, 10_000.0], [0.0, 5.0]).tolist() == [0.0, 0.0]
    with pytest.raises(ValueError):
        policy.safety_factor_for_fill_rate(1.0, 10.0, 1.0)
