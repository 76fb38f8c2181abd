"""marts.in_transit as of 2026-11-10."""

from datetime import date, datetime


def line(query, shipment_id):
    rows = query("SELECT * FROM marts.in_transit WHERE shipment_id = ?", shipment_id)
    assert len(rows) == 1, rows
    return rows[0]


def test_delayed_shipment_days_late(query):
    # eta moved from 11-05 to 11-12
    row = line(query, "S-SEA-1")
    assert row["original_eta"] == datetime(2026, 11, 5)
    assert row["expected_arrival"] == date(2026, 11, 12)
    assert row["days_late"] == 7
    assert row["is_delayed"] is True
    assert row["delay_reason"] == "eta moved 7 days"
    assert row["status"] == "at_port"


def test_overdue_shipment_expected_tomorrow(query):
    # eta 11-08 has passed: expected 11-11, 3 days after the original eta
    row = line(query, "S-SEA-2")
    assert row["expected_arrival"] == date(2026, 11, 11)
    assert row["days_late"] == 3
    assert row["delay_reason"] == "overdue"


def test_on_time_shipment_is_not_delayed(query):
    row = line(query, "S-SEA-3")
    assert (row["days_late"], row["is_delayed"], row["delay_reason"]) == (0, False, None)


def test_disrupted_lane_marks_delay(query):
    row = line(query, "S-AWD-1")
    assert row["days_late"] == 0
    assert row["is_delayed"] is True
    assert row["delay_reason"] == "lane disrupted"


def test_in_transit_value_is_quantity_times_unit_cost(query):
    row = line(query, "S-SEA-1")
    assert (row["unit_cost"], row["value"], row["lane_transit_days"]) == (10.0, 1000.0, 30.0)


def test_received_shipment_leaves_in_transit_planned_stays(query):
    statuses = query("SELECT shipment_id, status FROM marts.in_transit WHERE sku = 'SKU-RCV'")
    assert statuses == [{"shipment_id": "S-RCV-2", "status": "planned"}]


def test_shipment_received_after_as_of_still_in_transit(query):
    assert line(query, "S-LATE-1")["status"] == "in_transit"


def test_undated_plan_is_superseded_by_an_early_departure(query, position):
    # the plan's updated_at defaults to its planned departure (11-20), after the real departure
    row = line(query, "S-EARLY-1")
    assert row["status"] == "in_transit"
    assert row["eta"] == datetime(2026, 12, 8)
    assert row["original_eta"] == datetime(2026, 12, 20)
    assert row["days_late"] == 0
    assert (position("SKU-EARLY", "WH-MAIN")["inbound"],
            position("SKU-EARLY", "WH-MAIN")["inbound_planned"]) == (60, 0)
