"""Routing a day's order lines against stock: first location that covers them, else lost sales."""

from __future__ import annotations

import numpy as np

from pipelines.demo.routing import allocate

# Offers: 0 = one unit of SKU 0, 1 = a 2-pack of SKU 1, 2 = a bundle of SKU 0 and SKU 1.
COMPONENTS = np.array([[0, 0], [1, 0], [0, 1]])
UNITS = np.array([[1, 0], [2, 0], [1, 1]])


def test_lines_go_to_the_first_location_that_can_ship_all_of_the_days_units():
    available = np.array([[2, 10], [0, 0]])  # SKU 0: 2 at location 0, 10 at location 1
    served, location = allocate(np.array([0, 0]), np.array([1, 2]), COMPONENTS, UNITS, (0, 1), available)
    assert served.tolist() == [True, True]
    assert location.tolist() == [1, 1]


def test_without_a_covering_location_the_fullest_ships_what_fits_and_the_rest_is_lost():
    available = np.array([[3, 1], [0, 0]])
    served, location = allocate(np.array([0, 0, 0]), np.array([2, 2, 1]), COMPONENTS, UNITS, (0, 1), available)
    assert served.tolist() == [True, False, False]
    assert location.tolist() == [0, 0, 0]


def test_no_stock_anywhere_loses_every_line():
    available = np.zeros((2, 2), dtype=np.int64)
    served, _ = allocate(np.array([0]), np.array([1]), COMPONENTS, UNITS, (0, 1), available)
    assert served.tolist() == [False]


def test_a_multipack_needs_its_units_per_listing_of_the_sku():
    available = np.array([[0, 0], [3, 4]])  # 1 two-pack fits at location 0, 2 at location 1
    served, location = allocate(np.array([1]), np.array([2]), COMPONENTS, UNITS, (0, 1), available)
    assert served.tolist() == [True]
    assert location.tolist() == [1]


def test_a_bundle_ships_only_where_every_component_is_in_stock():
    available = np.array([[5, 1], [0, 1]])  # SKU 1 only at location 1
    served, location = allocate(np.array([2]), np.array([1]), COMPONENTS, UNITS, (0, 1), available)
    assert served.tolist() == [True]
    assert location.tolist() == [1]


def test_preference_order_decides_between_locations_that_both_cover():
    available = np.array([[5, 5], [0, 0]])
    _, location = allocate(np.array([0]), np.array([1]), COMPONENTS, UNITS, (1, 0), available)
    assert location.tolist() == [1]
