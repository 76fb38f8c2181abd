"""marts.inventory_pool: positions summed per sku."""


def pool(query, sku):
    rows = query("SELECT * FROM marts.inventory_pool WHERE sku = ?", sku)
    assert len(rows) == 1
    return rows[0]


def test_oversold_location_is_not_netted_in_sellable(query):
    # STORE-1 is 2 oversold, WH-MAIN has 5 available: sellable 5, not 3
    assert pool(query, "SKU-OVERSOLD")["sellable"] == 5


def test_upstream_stock_is_not_sellable_but_upstream_available(query):
    row = pool(query, "SKU-AWD")
    assert row["on_hand_upstream"] == 160
    assert row["upstream_available"] == 160
    assert row["sellable"] == 0
    assert row["inbound"] == 40


def test_pool_sums_on_hand_by_location_type(query):
    row = pool(query, "SKU-RCV")
    assert (row["on_hand_warehouse"], row["on_hand_store"], row["on_hand_total"]) == (40, 10, 50)
    assert row["inbound_planned"] == 500


def test_returns_pending_carried_to_pool(query):
    row = pool(query, "SKU-RET")
    assert (row["returns_pending"], row["on_hand_total"]) == (2, 13)


def test_sku_without_stock_has_a_zero_pool_row(query):
    row = pool(query, "SKU-IDLE")
    assert row["on_hand_total"] == row["sellable"] == row["inbound"] == 0
