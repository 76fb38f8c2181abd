"""Figures a location reports about itself (Amazon): reserved from the Reserved Inventory report,
inbound from its snapshots, never counted twice with the orders and shipments we know."""


def test_reserved_report_newer_than_snapshot_replaces_its_figure(position):
    # report (11-10 08:00) 4 holds O-RESN-1 and O-RESN-3; O-RESN-3 shipped after it (-1);
    # O-RESN-2 was placed after it (+1). From the 11-09 snapshot's 6 it would be 6 + 3 = 9.
    assert position("SKU-RES-NEW", "FBA-EAST")["reserved"] == 4


def test_sku_left_out_of_latest_reserved_report_has_none_reserved(position, query):
    # listed with 3 in the 11-09 report, absent from the latest (11-10) one: none reserved
    assert position("SKU-RES-GONE", "FBA-EAST")["reserved"] == 0
    row = query("SELECT snapshot_reserved FROM intermediate.int_stock_reservations "
                "WHERE sku = 'SKU-RES-GONE' AND location_id = 'FBA-EAST'")
    assert row == [{"snapshot_reserved": 0}]


def test_reported_inbound_holds_shipments_known_at_the_snapshot(position):
    # 50 reported - 8 received since (S-INB-3, inside the figure) + 12 departed after (S-INB-2);
    # S-INB-1 departed before the snapshot and is inside the 50
    row = position("SKU-INB", "FBA-EAST")
    assert row["inbound"] == 54
    # 20 reported working + S-INB-4 (recorded after the snapshot); S-INB-5 is inside the 20
    assert row["inbound_planned"] == 25


def test_shipments_count_as_before_where_no_inbound_is_reported(position):
    # SKU-SEA at WH-MAIN reports nothing itself: all three in-transit lines count
    assert position("SKU-SEA", "WH-MAIN")["inbound"] == 170
