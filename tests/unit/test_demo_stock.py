"""Stock snapshots agree with every event: start-of-day semantics, reserved, counts."""

from __future__ import annotations

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.config import load_config
from tests.unit.test_demo_files import read_feed, small_demo


def _moment(values: pd.Series) -> pd.Series:
    """Business local time of ISO timestamps, with or without UTC offset."""
    offset = values.str.match(r".*[+-]\d\d:\d\d$")
    result = pd.to_datetime(values.where(~offset, "2000-01-01T00:00:00"), format="ISO8601")
    if offset.any():
        aware = pd.to_datetime(values[offset], format="ISO8601", utc=True)
        result[offset] = aware.dt.tz_convert(load_config().timezone).dt.tz_localize(None)
    return result


def _component_units(frame: pd.DataFrame, listings: pd.DataFrame) -> pd.DataFrame:
    """Expand listing units to component SKU units (bundles, multipacks)."""
    merged = frame.merge(listings, on=["channel", "listing_sku"], how="inner")
    merged["units"] = merged["quantity"].astype(int) * merged["units_per_listing"].astype(int)
    return merged


def _stock_changes(summary) -> pd.DataFrame:
    """Units added to on_hand per (day, location_id, sku) by the events of that day, excluding
    counts: lines shipping, transfers leaving, receipts, returns restocked/damaged/disposed."""
    listings = read_feed(summary, contract.LISTINGS)
    orders = read_feed(summary, contract.ORDERS)
    shipped = _component_units(orders[orders["status"] == "shipped"], listings)
    shipped = pd.DataFrame({"day": _moment(shipped["updated_at"]).dt.normalize(),
                            "location_id": shipped["fulfilled_from"], "sku": shipped["sku"],
                            "change": -shipped["units"]})
    shipments = read_feed(summary, contract.SHIPMENTS)
    shipments["quantity"] = shipments["quantity"].astype(int)
    left = shipments[shipments["status"] == "in_transit"].drop_duplicates(["shipment_id", "sku"])
    left = pd.DataFrame({"day": _moment(left["shipped_at"]).dt.normalize(), "location_id": left["origin_id"],
                         "sku": left["sku"], "change": -left["quantity"]})
    received = shipments[shipments["status"] == "received"]
    received = pd.DataFrame({"day": _moment(received["received_at"]).dt.normalize(),
                             "location_id": received["destination_id"], "sku": received["sku"],
                             "change": received["quantity"]})
    returns = _component_units(read_feed(summary, contract.RETURNS), listings)
    sign = returns["status"].map({"restocked": 1, "damaged": 1, "disposed": -1})
    returns = returns[sign.notna()]
    returns = pd.DataFrame({"day": _moment(returns["updated_at"]).dt.normalize(),
                            "location_id": returns["location_id"], "sku": returns["sku"],
                            "change": returns["units"] * sign[sign.notna()].astype(int)})
    changes = pd.concat([shipped, left, received, returns])
    return changes.groupby(["day", "location_id", "sku"], as_index=False)["change"].sum()


def _snapshots(summary) -> pd.DataFrame:
    snaps = read_feed(summary, contract.STOCK_SNAPSHOTS)
    snaps["day"] = pd.to_datetime(snaps["snapshot_date"])
    for column in ("on_hand", "unsellable"):
        snaps[column] = snaps[column].astype(int)
    return snaps


def _next_day_comparison(summary) -> pd.DataFrame:
    """Each snapshot row next to the following day's on_hand and the events of its day."""
    snaps = _snapshots(summary)
    following = snaps[["day", "location_id", "sku", "on_hand"]].copy()
    following["day"] -= pd.Timedelta(days=1)
    pairs = snaps.merge(following, on=["day", "location_id", "sku"], suffixes=("", "_next"))
    pairs = pairs.merge(_stock_changes(summary), on=["day", "location_id", "sku"], how="left")
    pairs["change"] = pairs["change"].fillna(0).astype(int)
    return pairs


def test_next_snapshot_is_this_snapshot_plus_the_days_movements_where_nothing_was_counted():
    summary = small_demo()
    counts = read_feed(summary, contract.ADJUSTMENTS)
    counted_days = set(zip(pd.to_datetime(counts["counted_at"]).dt.normalize(), counts["location_id"],
                           counts["sku"], strict=True))
    pairs = _next_day_comparison(summary)
    uncounted = [(d, loc, s) not in counted_days
                 for d, loc, s in zip(pairs["day"], pairs["location_id"], pairs["sku"], strict=True)]
    pairs = pairs[uncounted]
    assert len(pairs) > 10_000
    assert pairs["change"].ne(0).sum() > 1_000
    mismatch = pairs[pairs["on_hand_next"] != pairs["on_hand"] + pairs["change"]]
    assert mismatch.empty, mismatch.head().to_string()


def test_a_count_replaces_the_system_quantity_from_its_timestamp_on():
    summary = small_demo()
    counts = read_feed(summary, contract.ADJUSTMENTS)
    counts["day"] = pd.to_datetime(counts["counted_at"]).dt.normalize()
    counts["counted_quantity"] = counts["counted_quantity"].astype(int)
    pairs = _next_day_comparison(summary).merge(counts, on=["day", "location_id", "sku"])
    assert len(pairs) > 50
    assert (pairs["on_hand_next"] == pairs["counted_quantity"] + pairs["change"]).all()


def test_many_counts_disagree_with_the_system_by_a_few_units():
    summary = small_demo()
    counts = read_feed(summary, contract.ADJUSTMENTS)
    counts["day"] = pd.to_datetime(counts["counted_at"]).dt.normalize()
    system = counts.merge(_snapshots(summary), on=["day", "location_id", "sku"])
    difference = system["counted_quantity"].astype(int) - system["on_hand"]
    assert (difference != 0).mean() > 0.4
    assert difference.abs().max() <= 3
    assert set(system["location_id"]) == {"WH-MAIN", "STORE-NYC"}


def test_amazon_fc_reserved_equals_open_order_lines_at_the_start_of_the_day():
    summary = small_demo()
    listings = read_feed(summary, contract.LISTINGS)
    orders = read_feed(summary, contract.ORDERS)
    orders["moment"] = _moment(orders["updated_at"])
    release = (orders[orders["status"].isin(["shipped", "cancelled"])]
               .groupby(["order_id", "line_id"])["moment"].min().rename("released"))
    lines = orders.drop_duplicates(["order_id", "line_id"]).join(release, on=["order_id", "line_id"])
    lines = _component_units(lines, listings)
    snaps = _snapshots(summary)
    last = snaps["day"].max()
    ordered_day = pd.to_datetime(lines["ordered_at"]).dt.normalize()
    # Open at the start of day D: ordered before D, released (shipped or cancelled) on D or later.
    first_open = ordered_day + pd.Timedelta(days=1)
    last_open = lines["released"].dt.normalize().fillna(last).clip(upper=last)
    n_days = ((last_open - first_open).dt.days + 1).clip(lower=0).to_numpy()
    open_lines = pd.DataFrame({
        "day": np.repeat(first_open.to_numpy(), n_days) + pd.to_timedelta(
            np.concatenate([np.arange(k) for k in n_days]), unit="D"),
        "location_id": np.repeat(lines["fulfilled_from"].to_numpy(), n_days),
        "sku": np.repeat(lines["sku"].to_numpy(), n_days),
        "open": np.repeat(lines["units"].to_numpy(), n_days),
    }).groupby(["day", "location_id", "sku"], as_index=False)["open"].sum()
    amazon = snaps[snaps["location_id"].str.startswith("FBA-")]
    compared = amazon.merge(open_lines, on=["day", "location_id", "sku"], how="left")
    compared["open"] = compared["open"].fillna(0).astype(int)
    assert (compared["reserved"].astype(int) == compared["open"]).all()
    assert (compared["open"] > 0).sum() > 100


def test_only_amazon_fcs_report_reserved():
    snaps = _snapshots(small_demo())
    reported = snaps["reserved"] != ""
    assert set(snaps.loc[reported, "location_id"]) == {"FBA-EAST", "FBA-WEST", "FBA-CENTRAL"}
    assert set(snaps.loc[~reported, "location_id"]) >= {"AWD-EAST", "WFS-CENTRAL", "WH-MAIN"}


def test_on_hand_includes_reserved_and_unsellable_units():
    snaps = _snapshots(small_demo())
    reserved = pd.to_numeric(snaps["reserved"].replace("", "0"))
    assert (snaps["on_hand"] >= reserved + snaps["unsellable"]).all()
    assert (snaps["unsellable"] > 0).any()


def test_the_last_snapshot_describes_the_start_of_the_last_day():
    summary = small_demo()
    assert _snapshots(summary)["day"].max() == pd.Timestamp("2026-10-31")
