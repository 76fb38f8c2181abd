"""The demo seller has every situation the planner must handle."""

from __future__ import annotations

import pandas as pd

from pipelines import contract
from tests.unit.test_demo_files import END, read_feed, small_demo

LAST_DAY = pd.Timestamp(END)


def _lines(summary) -> pd.DataFrame:
    """One row per order line with its latest status."""
    orders = read_feed(summary, contract.ORDERS)
    orders["moment"] = pd.to_datetime(orders["updated_at"], format="ISO8601", utc=True)
    latest = orders.sort_values("moment", kind="stable").groupby(["order_id", "line_id"]).tail(1)
    latest["ordered_day"] = pd.to_datetime(latest["ordered_at"]).dt.normalize()
    latest["quantity"] = latest["quantity"].astype(int)
    return latest


def _daily_units(summary) -> pd.DataFrame:
    lines = _lines(summary)
    lines = lines[lines["status"] != "cancelled"]
    listings = read_feed(summary, contract.LISTINGS)
    merged = lines.merge(listings, on=["channel", "listing_sku"])
    merged["units"] = merged["quantity"] * merged["units_per_listing"].astype(int)
    return merged


def test_five_channels_and_every_kind_of_location():
    summary = small_demo()
    channels = read_feed(summary, contract.CHANNELS)
    assert set(channels["channel"]) == {"amazon", "walmart", "ebay", "shopify", "store"}
    locations = read_feed(summary, contract.LOCATIONS)
    kinds = locations["type"].value_counts()
    assert kinds["upstream"] == 2 and kinds["fc"] >= 4 and kinds["supplier"] >= 2
    assert set(locations.loc[locations["type"] == "supplier", "country"]) == {"CN"}
    assert (locations["channels"] == "amazon|ebay|shopify").sum() == 1


def test_some_listings_are_bundles_or_multipacks_and_some_use_channel_skus():
    listings = read_feed(small_demo(), contract.LISTINGS)
    components = listings.groupby(["channel", "listing_sku"]).size()
    assert (components > 1).any()
    assert (listings["units_per_listing"].astype(int) > 1).any()
    assert (listings["listing_sku"] != listings["sku"]).any()


def test_bundle_orders_are_sold():
    summary = small_demo()
    listings = read_feed(summary, contract.LISTINGS)
    bundles = listings.groupby(["channel", "listing_sku"]).filter(lambda g: len(g) > 1)
    sold = _lines(summary).merge(bundles.drop_duplicates(["channel", "listing_sku"]), on=["channel", "listing_sku"])
    assert len(sold) > 0


def test_promotions_sell_more_per_day_than_the_same_listing_without_one():
    summary = small_demo(skus=60, days=400)
    promotions = read_feed(summary, contract.PROMOTIONS)
    units = _daily_units(summary).groupby(["channel", "sku", "ordered_day"])["units"].sum()
    lifts = []
    for p in promotions.itertuples():
        start, stop = pd.Timestamp(p.start_date), pd.Timestamp(p.end_date)
        if stop > LAST_DAY or (p.channel, p.sku) not in units.index:
            continue
        series = units.loc[(p.channel, p.sku)]
        inside = series[(series.index >= start) & (series.index <= stop)].sum() / ((stop - start).days + 1)
        around = series[(series.index >= start - pd.Timedelta(days=28)) & (series.index < start)].sum() / 28
        lifts.append((inside, around))
    inside, around = map(sum, zip(*lifts, strict=True))
    assert inside > 1.3 * around


def test_the_long_tail_sells_intermittently():
    units = _daily_units(small_demo()).groupby(["sku", "ordered_day"])["units"].sum().reset_index()
    days_with_sales = units.groupby("sku")["ordered_day"].nunique()
    assert (days_with_sales < 0.5 * 120).sum() >= 5


def test_dead_stock_is_held_but_unsold_for_180_days():
    summary = small_demo()
    snaps = read_feed(summary, contract.STOCK_SNAPSHOTS)
    held = snaps[snaps["snapshot_date"] == END.isoformat()].groupby("sku")["on_hand"].apply(
        lambda s: s.astype(int).sum())
    sold = set(_daily_units(summary)["sku"])
    skus = read_feed(summary, contract.SKUS)
    dead = [s for s in skus["sku"] if s not in sold and held.get(s, 0) > 0]
    assert dead
    assert (skus.set_index("sku").loc[dead, "status"] == "discontinued").any()


def test_new_launches_sell_only_from_their_launch_date():
    summary = small_demo()
    skus = read_feed(summary, contract.SKUS)
    launch = pd.to_datetime(skus.set_index("sku")["launch_date"])
    new = launch[(launch >= LAST_DAY - pd.Timedelta(days=120)) & (launch <= LAST_DAY - pd.Timedelta(days=60))]
    assert len(new) >= 2
    units = _daily_units(summary)
    units = units[units["sku"].isin(new.index)]
    assert (units["ordered_day"] >= units["sku"].map(new)).all()


def test_prices_sit_above_cost():
    skus = read_feed(small_demo(), contract.SKUS)
    assert (skus["unit_price"].astype(float) > skus["unit_cost"].astype(float)).all()


def test_a_few_percent_of_lines_are_cancelled_and_some_returned():
    lines = _lines(small_demo())
    share = lines["status"].value_counts(normalize=True)
    assert 0.01 <= share["cancelled"] <= 0.05
    assert share["returned"] > 0


def test_order_statuses_follow_the_lifecycle_in_time():
    orders = read_feed(small_demo(), contract.ORDERS)
    orders["moment"] = pd.to_datetime(orders["updated_at"], format="ISO8601", utc=True)
    rank = {"pending": 0, "paid": 1, "cancelled": 2, "shipped": 2, "delivered": 3, "returned": 4}
    orders["rank"] = orders["status"].map(rank)
    ordered = orders.sort_values(["order_id", "line_id", "moment"], kind="stable")
    step = ordered.groupby(["order_id", "line_id"])["rank"].diff().dropna()
    assert (step > 0).all()


def test_orders_of_the_last_days_are_still_open_at_the_end():
    lines = _lines(small_demo())
    recent = lines[lines["ordered_day"] >= LAST_DAY - pd.Timedelta(days=1)]
    assert recent["status"].isin(contract.OPEN_ORDER_STATUSES).sum() > 0
    older = lines[lines["ordered_day"] < LAST_DAY - pd.Timedelta(days=5)]
    assert not older["status"].isin(contract.OPEN_ORDER_STATUSES).any()


def test_returns_come_from_some_categories_only_and_end_restocked_or_damaged():
    summary = small_demo()
    returns = read_feed(summary, contract.RETURNS)
    listings = read_feed(summary, contract.LISTINGS)
    skus = read_feed(summary, contract.SKUS)
    categories = returns.merge(listings, on=["channel", "listing_sku"]).merge(skus, on="sku")["category"]
    assert 0 < categories.nunique() < skus["category"].nunique()
    assert {"restocked", "damaged"} <= set(returns["status"])


def test_some_returns_are_still_on_their_way_or_uninspected_at_the_end():
    returns = read_feed(small_demo(), contract.RETURNS)
    latest = returns.groupby("return_id").tail(1)
    assert latest["status"].isin(contract.PENDING_RETURN_STATUSES).any()


def test_at_the_end_some_shipments_are_at_sea_some_in_port_or_customs_some_planned():
    shipments = read_feed(small_demo(), contract.SHIPMENTS)
    latest = shipments.groupby(["shipment_id", "sku"]).tail(1).drop_duplicates("shipment_id")
    sea = latest[latest["mode"] == "sea"]
    assert "in_transit" in set(sea["status"])
    assert {"at_port", "customs"} & set(latest["status"])
    assert {"planned", "cancelled"} <= set(latest["status"])


def test_delayed_shipments_push_their_eta_later():
    shipments = read_feed(small_demo(), contract.SHIPMENTS)
    etas = shipments.groupby(["shipment_id", "sku"])["eta"].nunique()
    delayed = etas[etas > 1].index
    assert len(delayed) > 0
    for key in delayed[:20]:
        eta = shipments.set_index(["shipment_id", "sku"]).loc[[key], "eta"]
        assert eta.is_monotonic_increasing


def test_received_shipments_carry_received_at_and_nothing_else_does():
    shipments = read_feed(small_demo(), contract.SHIPMENTS)
    received = shipments["status"] == "received"
    assert (shipments.loc[received, "received_at"] != "").all()
    assert (shipments.loc[~received, "received_at"] == "").all()


def test_some_lanes_are_disrupted_and_air_costs_more_than_sea():
    lanes = read_feed(small_demo(), contract.LANES)
    assert (lanes["status"] == "disrupted").any()
    by_mode = lanes.groupby("mode")[["cost_per_unit", "co2e_kg_per_unit", "transit_days"]].agg(
        lambda s: s.astype(float).mean())
    assert by_mode.loc["air", "cost_per_unit"] > by_mode.loc["sea", "cost_per_unit"]
    assert by_mode.loc["air", "co2e_kg_per_unit"] > by_mode.loc["sea", "co2e_kg_per_unit"]
    assert by_mode.loc["air", "transit_days"] < by_mode.loc["sea", "transit_days"]


def test_orders_ship_from_the_routed_locations_of_their_channel():
    summary = small_demo()
    rules = read_feed(summary, contract.ROUTING_RULES)
    allowed = set(zip(rules["channel"], rules["location_id"], strict=True))
    lines = _lines(summary)
    assert set(zip(lines["channel"], lines["fulfilled_from"], strict=True)) <= allowed
