"""marts.inventory_position on the fixture warehouse (as of 2026-11-10, end of day)."""

from datetime import date, datetime


def test_snapshot_minus_units_shipped_after_it(position):
    # 100 on 11-08; O-SHIP-1 (5) shipped on 11-07 is inside the snapshot, O-SHIP-2 (3) is not
    assert position("SKU-SHIP", "WH-MAIN")["on_hand"] == 97


def test_end_of_day_snapshot_includes_movements_before_its_moment(position):
    # 60 at 11-09 23:59 already net of O-EOD-1 (shipped 15:00); O-EOD-2 (2) ships on 11-10
    assert position("SKU-EOD", "WH-MAIN")["on_hand"] == 58


def test_count_after_snapshot_replaces_system_figure(position):
    # snapshot 50, -2 shipped, count 45 on 11-07 replaces 48, then -4 shipped
    row = position("SKU-COUNT", "WH-MAIN")
    assert row["on_hand"] == 41
    assert row["last_counted_at"] == datetime(2026, 11, 7, 12, 0)
    assert row["last_snapshot_date"] == date(2026, 11, 5)


def test_status_update_latest_record_wins_never_counted_twice(position, query):
    # pending, paid, shipped, delivered records of one 2-unit line: shipped once, reserved never
    row = position("SKU-STATUS", "WH-MAIN")
    assert (row["on_hand"], row["reserved"]) == (18, 0)
    lines = query("SELECT line_status FROM intermediate.int_order_lines WHERE order_id = 'O-STATUS-1'")
    assert lines == [{"line_status": "delivered"}]


def test_same_updated_at_later_loaded_record_wins(position):
    # paid and cancelled share updated_at; cancelled was loaded later, so nothing is reserved
    row = position("SKU-TIE", "WH-MAIN")
    assert (row["on_hand"], row["reserved"]) == (10, 0)


def test_cancelled_line_releases_reservation(position):
    # 4 paid then cancelled; only the pending 1 stays reserved
    row = position("SKU-CANCEL", "WH-MAIN")
    assert (row["on_hand"], row["reserved"], row["available"]) == (10, 1, 9)


def test_bundle_explodes_to_component_units(position):
    # 3 x BUNDLE-EF = 6 x SKU-E + 3 x SKU-F reserved at shopify's first location
    assert position("SKU-E", "WH-MAIN")["reserved"] == 6
    assert position("SKU-F", "WH-MAIN")["reserved"] == 3


def test_amazon_snapshot_reserved_not_counted_twice(position):
    # snapshot reserved 5 holds O-AMZ-1 (ordered before it); only O-AMZ-2 (1) is added
    row = position("SKU-AMZ", "FBA-EAST")
    assert row["reserved"] == 6
    assert row["last_snapshot_date"] == date(2026, 11, 10)


def test_line_shipped_after_amazon_snapshot_leaves_its_reserved_figure(position):
    # reserved 3 at the snapshot; the 2-unit line shipped after it is deducted from on hand and
    # from the snapshot's reserved figure, so it is not held twice: 3 - 2 = 1 still reserved
    row = position("SKU-AMZ-SHIPPED", "FBA-EAST")
    assert (row["on_hand"], row["reserved"], row["available"]) == (18, 1, 17)


def test_available_is_on_hand_minus_reserved_minus_unsellable(position):
    row = position("SKU-AMZ", "FBA-EAST")
    assert (row["on_hand"], row["reserved"], row["unsellable"]) == (30, 6, 2)
    assert row["available"] == 30 - 6 - 2


def test_oversold_location_keeps_negative_available(position):
    assert position("SKU-OVERSOLD", "STORE-1")["available"] == 1 - 3


def test_returns_pending_not_on_hand(position):
    # R-1's 2 units are on their way back: pending, not on hand
    row = position("SKU-RET", "WH-MAIN")
    assert row["returns_pending"] == 2
    assert row["on_hand"] == 10 + 3  # the 3 restocked units of R-2 only


def test_restocked_return_adds_back(position, query):
    # R-2's 3 units go back on the shelf on 11-06, after the 11-01 snapshot of 10
    movements = query(
        "SELECT units, moved_at FROM intermediate.int_stock_ledger "
        "WHERE sku = 'SKU-RET' AND movement_type = 'return_restocked'"
    )
    assert movements == [{"units": 3, "moved_at": datetime(2026, 11, 6, 10, 0)}]
    assert position("SKU-RET", "WH-MAIN")["on_hand"] == 10 + 3


def test_requested_damaged_and_disposed_returns_never_come_back_on_hand(position):
    # 10 on the shelf; returns of 2 (received, then damaged), 1 (disposed), 1 (requested only)
    row = position("SKU-RET-LOST", "WH-MAIN")
    assert (row["on_hand"], row["returns_pending"], row["available"]) == (10, 0, 10)


def test_reservation_defaults_to_first_routing_rule(query):
    rows = query("SELECT location_id, reserved FROM marts.inventory_position WHERE sku = 'SKU-ROUTE'")
    assert rows == [{"location_id": "WH-MAIN", "reserved": 2}]


def test_departing_shipment_leaves_upstream_origin(position):
    # 200 at AWD on 11-08, 40 left for FBA on 11-09 and are inbound there
    assert position("SKU-AWD", "AWD-EAST")["on_hand"] == 160
    assert position("SKU-AWD", "FBA-EAST")["inbound"] == 40


def test_supplier_origin_holds_no_position(query):
    rows = query("SELECT location_id FROM marts.inventory_position WHERE sku = 'SKU-SEA'")
    assert rows == [{"location_id": "WH-MAIN"}]


def test_inbound_counts_in_transit_statuses_only(position):
    # in_transit 50 + 20 and at_port 100
    row = position("SKU-SEA", "WH-MAIN")
    assert (row["inbound"], row["inbound_planned"], row["on_hand"]) == (170, 0, 0)


def test_received_transfer_moves_stock_between_locations(position):
    assert position("SKU-RCV", "WH-MAIN")["on_hand"] == 40
    assert position("SKU-RCV", "STORE-1")["on_hand"] == 10
    assert position("SKU-RCV", "STORE-1")["inbound"] == 0


def test_planned_shipment_is_inbound_planned_not_inbound(position):
    row = position("SKU-RCV", "WH-MAIN")
    assert (row["inbound"], row["inbound_planned"]) == (0, 500)


def test_redelivered_snapshot_replaces_earlier_delivery(position):
    assert position("SKU-REDELIVER", "WH-MAIN")["on_hand"] == 9


def test_as_of_in_the_past_ignores_later_records(position):
    # after 11-10: a shipped record, a snapshot of 3, a count, an order, a receipt — all ignored
    row = position("SKU-LATE", "WH-MAIN")
    assert row["on_hand"] == 10
    assert row["reserved"] == 1
    assert row["inbound"] == 30
    assert row["last_snapshot_date"] == date(2026, 11, 9)
    assert row["last_counted_at"] is None
    assert row["as_of"] == date(2026, 11, 10)
