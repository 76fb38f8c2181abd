"""Rendering simulation records (columns of integer codes) as contract rows of text.

Order ids look like each channel's own: Amazon ``113-1234567-0000042``, Walmart 15 digits, eBay
``01-23456-00042``, Shopify ``SHOP-100042``, the store's till ``POS-10000042``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.demo import network as net
from pipelines.demo.catalogue import Catalogue
from pipelines.demo.clock import DAY, Clock
from pipelines.demo.frames import conform
from pipelines.demo.orders import NONE
from pipelines.demo.simulation import COUNT_REASONS, COUNTERS

CURRENCY = "USD"


def _digits(values: np.ndarray, width: int) -> pd.Series:
    return pd.Series(values, dtype="int64").astype(str).str.zfill(width)


def order_ids(channel: np.ndarray, number: np.ndarray) -> np.ndarray:
    """Channel-style order id of each (channel index, order number)."""
    n = pd.Series(number, dtype="int64")
    ids = pd.Series([""] * len(number), dtype=object)
    styles = {
        net.AMAZON: lambda k: (_digits(111 + k // 10**7 % 4, 3) + "-" + _digits(k * 7919 % 10**7, 7)
                               + "-" + _digits(k % 10**7, 7)),
        net.WALMART: lambda k: (200_000_000_000_000 + k).astype(str),
        net.EBAY: lambda k: (_digits(k // 10**5 % 100, 2) + "-" + _digits(k * 48271 % 10**5, 5)
                             + "-" + _digits(k % 10**5, 5)),
        net.SHOPIFY: lambda k: "SHOP-" + (100_000 + k).astype(str),
        net.STORE_CHANNEL: lambda k: "POS-" + (10_000_000 + k).astype(str),
    }
    for c, style in styles.items():
        mine = np.asarray(channel) == c
        if mine.any():
            ids[mine] = style(n[mine].reset_index(drop=True)).to_numpy()
    return ids.to_numpy(dtype=object)


@dataclass(frozen=True)
class Renderer:
    catalogue: Catalogue
    clock: Clock
    timezone: str
    """Business time zone, for the few timestamps written with an explicit UTC offset."""

    def _stamps(self, seconds: np.ndarray) -> np.ndarray:
        text = self.clock.timestamps(seconds).astype(object)
        return np.where(np.asarray(seconds) == NONE, "", text)

    def _with_offset(self, seconds: np.ndarray) -> np.ndarray:
        """The same local moments written with their UTC offset (``2026-10-31T14:05:00-04:00``)."""
        local = pd.to_datetime(pd.Series(self.clock.timestamps(seconds)))
        aware = local.dt.tz_localize(self.timezone, ambiguous="NaT", nonexistent="shift_forward")
        return np.array([t.isoformat() if t is not pd.NaT else "" for t in aware], dtype=object)

    def orders(self, r: dict[str, np.ndarray]) -> pd.DataFrame:
        cat = self.catalogue
        status = np.array(contract.ORDER_STATUSES, dtype=object)[r["status"]]
        updated = self._stamps(r["updated_at"])
        # Shopify's delivery webhooks carry an offset: exercise offset parsing on a few rows.
        offset = (r["channel"] == net.SHOPIFY) & (status == "delivered")
        if offset.any():
            updated[offset] = self._with_offset(r["updated_at"][offset])
        return conform(contract.ORDERS, pd.DataFrame({
            "order_id": order_ids(r["channel"], r["order_number"]),
            "ordered_at": self._stamps(r["ordered_at"]),
            "channel": np.array(net.CHANNELS, dtype=object)[r["channel"]],
            "listing_sku": cat.offer_listing_sku.astype(object)[r["offer"]],
            "quantity": r["quantity"].astype(str),
            "status": status,
            "line_id": r["line_no"].astype(str),
            "updated_at": updated,
            "unit_price": np.char.mod("%.2f", r["unit_price"]).astype(object),
            "currency": CURRENCY,
            "ship_region": np.array(net.REGIONS, dtype=object)[r["region"]],
            "fulfilled_from": np.array(net.STOCK_LOCATIONS, dtype=object)[r["location"]],
        }))

    def stock_snapshots(self, r: dict[str, np.ndarray]) -> pd.DataFrame:
        reserved = r["reserved"].astype(str).astype(object)
        reserved[r["reserved"] == NONE] = ""
        return conform(contract.STOCK_SNAPSHOTS, pd.DataFrame({
            "snapshot_date": self.clock.dates(r["day"]).astype(object),
            "location_id": np.array(net.STOCK_LOCATIONS, dtype=object)[r["location"]],
            "sku": self.catalogue.sku_ids.astype(object)[r["sku"]],
            "on_hand": r["on_hand"].astype(str),
            "reserved": reserved,
            "unsellable": r["unsellable"].astype(str),
        }))

    def shipments(self, r: dict[str, np.ndarray]) -> pd.DataFrame:
        from_supplier = np.isin(r["origin"], [net.ALL_LOCATIONS.index(s) for s in net.SUPPLIERS])
        prefix = np.where(from_supplier, "PO-", "TO-").astype(object)
        return conform(contract.SHIPMENTS, pd.DataFrame({
            "shipment_id": prefix + _digits(r["number"], 6).to_numpy(dtype=object),
            "sku": self.catalogue.sku_ids.astype(object)[r["sku"]],
            "quantity": r["quantity"].astype(str),
            "origin_id": np.array(net.ALL_LOCATIONS, dtype=object)[r["origin"]],
            "destination_id": np.array(net.ALL_LOCATIONS, dtype=object)[r["destination"]],
            "mode": np.array(contract.SHIPMENT_MODES, dtype=object)[r["mode"]],
            "shipped_at": self._stamps(r["shipped_at"]),
            "eta": self._stamps(r["eta"]),
            "status": np.array(contract.SHIPMENT_STATUSES, dtype=object)[r["status"]],
            "updated_at": self._stamps(r["updated_at"]),
            "received_at": self._stamps(r["received_at"]),
        }))

    def returns(self, r: dict[str, np.ndarray]) -> pd.DataFrame:
        return conform(contract.RETURNS, pd.DataFrame({
            "return_id": "RMA-" + _digits(r["return_number"], 8).to_numpy(dtype=object),
            "order_id": order_ids(r["channel"], r["order_number"]),
            "channel": np.array(net.CHANNELS, dtype=object)[r["channel"]],
            "listing_sku": self.catalogue.offer_listing_sku.astype(object)[r["offer"]],
            "quantity": r["quantity"].astype(str),
            "status": np.array(contract.RETURN_STATUSES, dtype=object)[r["status"]],
            "updated_at": self._stamps(r["updated_at"]),
            "location_id": np.array(net.STOCK_LOCATIONS, dtype=object)[r["location"]],
        }))

    def adjustments(self, r: dict[str, np.ndarray]) -> pd.DataFrame:
        return conform(contract.ADJUSTMENTS, pd.DataFrame({
            "counted_at": self._stamps(r["counted_at"]),
            "location_id": np.array(net.STOCK_LOCATIONS, dtype=object)[r["location"]],
            "sku": self.catalogue.sku_ids.astype(object)[r["sku"]],
            "counted_quantity": r["counted"].astype(str),
            "reason": np.array(COUNT_REASONS, dtype=object)[r["reason"]],
            "counted_by": np.array(COUNTERS, dtype=object)[r["counter"]],
        }))


#: The column holding each event feed's moment, and its unit in seconds (files are monthly by it).
MOMENT_COLUMN = {
    contract.ORDERS.name: ("updated_at", 1),
    contract.STOCK_SNAPSHOTS.name: ("day", DAY),
    contract.SHIPMENTS.name: ("updated_at", 1),
    contract.RETURNS.name: ("updated_at", 1),
    contract.ADJUSTMENTS.name: ("counted_at", 1),
}
