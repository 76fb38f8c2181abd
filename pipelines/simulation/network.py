"""The network a backtest simulates: SKUs × stock locations, the lanes between them, and the
simulated stock of one night (``SimulationState``).

- **Stock locations** are the locations of types upstream, fc, warehouse and store (the axis of
  every stock array); suppliers have unlimited stock and no axis.
- **Lanes** are the seller's lanes as replenishment reads them (``pipelines.replenishment.lanes``),
  each with an index: an order names (origin, destination, mode) and travels on that lane.
- A location listed as **unlimited** (a distribution centre outside the seller's control, as in
  the M5 benchmark) never runs out and holds no inventory of the seller's: it is refilled every
  morning and left out of inventory figures.
- Each customer-facing location's **usual source** (its cheapest transfer lane that is not
  delayed) and **entry point** (where purchased stock lands to reach it) follow the replenishment
  rules, so both policies see the network the plan sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.config import ReplenishmentConfig
from pipelines.replenishment import lanes as lane_rules
from pipelines.replenishment.demand import CUSTOMER_FACING_TYPES

#: On-hand units an unlimited location is given every morning.
UNLIMITED_UNITS = 10_000_000
#: Hops followed upstream when a location's stock serves the locations below it.
MAX_HOPS = 5
#: What a policy returns each night: one row per order line (kind ``transfer`` or ``purchase``).
ORDER_COLUMNS = ["sku", "origin_id", "destination_id", "mode", "quantity", "kind"]
LANE_NUMBERS = ("transit_days", "transit_days_std", "cost_per_unit", "order_cost", "co2e_kg_per_unit")
SKU_NUMBERS = ("unit_cost", "unit_price", "case_pack", "moq", "production_lead_time_days")


def purchase_cadence(review_days: float) -> int:
    """Nights between two purchase rounds: the plan's purchase review period (at least 1)."""
    return max(1, int(round(review_days)))


def is_purchase_night(night: int, every: int) -> bool:
    """Purchase orders go out on the night before the window and every ``every`` nights after."""
    return (night + 1) % every == 0


def typed_lanes(lanes: pd.DataFrame) -> pd.DataFrame:
    """Lanes with numeric columns as floats, missing costs, CO2e and spreads as 0."""
    out = lanes.copy()
    for col in LANE_NUMBERS:
        out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    for col in ("transit_days_std", "cost_per_unit", "order_cost", "co2e_kg_per_unit"):
        out[col] = out[col].fillna(0.0)
    out["lane_status"] = out["lane_status"].fillna(contract.LANE_STATUSES[0])
    return out.reset_index(drop=True)


def typed_skus(skus: pd.DataFrame) -> pd.DataFrame:
    out = skus.drop_duplicates("sku").copy()
    out["sku"] = out["sku"].astype(str)
    for col in SKU_NUMBERS:
        if col in out:
            out[col] = pd.to_numeric(out[col], errors="coerce").astype(float)
    out["sku_status"] = out["sku_status"].fillna("active") if "sku_status" in out else "active"
    return out.sort_values("sku").reset_index(drop=True)


@dataclass
class Network:
    """Static facts of the simulated network, aligned on the SKU axis (S) and the stock-location
    axis (L). Built once per backtest by :func:`build_network`."""

    skus: pd.Index  # SKU axis
    locations: pd.Index  # stock-location axis (location_id)
    sku_table: pd.DataFrame  # typed dim_sku rows in SKU-axis order
    location_table: pd.DataFrame  # every location (suppliers too): location_id, location_type, region, capacity_units
    lanes: pd.DataFrame  # typed lanes + lane (index), origin_idx (−1: supplier), dest_idx, co2e_per_unit,
    #                      is_delayed, expected_transit_days
    unit_cost: np.ndarray  # (S,) currency per unit
    case_pack: np.ndarray  # (S,) units, ≥ 1
    moq: np.ndarray  # (S,) units
    production_days: np.ndarray  # (S,) days
    supplier: np.ndarray  # (S,) supplier_id (object)
    active: np.ndarray  # (S,) not discontinued
    facing: np.ndarray  # (L,) customer-facing (fc, warehouse, store)
    unlimited: np.ndarray  # (L,) never runs out, not the seller's inventory
    usual_source: pd.Series  # destination_id → its usual transfer lane (a row of ``lanes``)
    entry: pd.Series  # customer-facing location_id → entry point (NaN: no supplier lane reaches it)
    supplier_lane: dict[tuple[str, str], int]  # (supplier, destination) → its cheapest lane (a purchase's)
    _lane_key: dict[tuple[str, str, str], int] = field(default_factory=dict, repr=False)

    @property
    def shape(self) -> tuple[int, int]:
        return len(self.skus), len(self.locations)

    def lane_of(self, origin, destination, mode) -> np.ndarray:
        """Lane index of each (origin, destination, mode); raises for a lane the seller lacks."""
        keys = list(zip(origin, destination, mode, strict=True))
        missing = [k for k in keys if k not in self._lane_key]
        if missing:
            raise KeyError(f"orders on lanes the network does not have: {sorted(set(missing))[:5]}")
        return np.array([self._lane_key[k] for k in keys], dtype=np.int64)

    def purchase_lanes(self, entry: str) -> np.ndarray:
        """(S,) the lane a purchase of each SKU to ``entry`` travels on (−1: its supplier has none)."""
        return np.array([self.supplier_lane.get((sup, entry), -1) for sup in self.supplier], dtype=np.int64)

    def order_lines(self, req: pd.DataFrame, kind: str) -> pd.DataFrame:
        """A policy's order lines (``s`` = SKU index, ``lane``, ``quantity``) with the lane's origin,
        destination and mode: ORDER_COLUMNS but ``s`` for the SKU."""
        k = req["lane"].to_numpy()
        return pd.DataFrame({"s": req["s"].to_numpy(), "origin_id": self.lanes["origin_id"].to_numpy()[k],
                             "destination_id": self.lanes["destination_id"].to_numpy()[k],
                             "mode": self.lanes["mode"].to_numpy()[k], "quantity": req["quantity"].to_numpy(),
                             "kind": kind})

    def served_by(self) -> np.ndarray:
        """(L, L) matrix: [a, b] = 1 when location a's stock serves location b's demand — a is b
        itself or b's usual source, followed upstream (the chain the starting stock covers)."""
        n = len(self.locations)
        serves = np.eye(n)
        source = self.usual_source["origin_id"] if len(self.usual_source) else pd.Series(dtype=object)
        for b, loc in enumerate(self.locations):
            node, seen = loc, {loc}
            for _ in range(MAX_HOPS):
                up = source.get(node)
                if up is None or up in seen or up not in self.locations:
                    break
                serves[self.locations.get_loc(up), b] = 1.0
                node = up
                seen.add(up)
        return serves


def purchase_echelons(network: Network) -> dict[int, np.ndarray]:
    """Entry point index → the stock locations its purchases serve: the entry itself and the
    customer-facing locations whose purchased stock lands there (unlimited entries left out)."""
    out: dict[int, np.ndarray] = {}
    for entry in sorted({dest for _, dest in network.supplier_lane}):
        e = network.locations.get_loc(entry)
        if network.unlimited[e]:
            continue
        members = [network.locations.get_loc(loc) for loc, ent in network.entry.items()
                   if ent == entry and loc in network.locations]
        out[e] = np.array(sorted(set(members) | {e}), dtype=np.int64)
    return out


def build_network(skus: pd.DataFrame, locations: pd.DataFrame, lanes: pd.DataFrame, cfg: ReplenishmentConfig,
                  unlimited: tuple[str, ...] = ()) -> Network:
    """The network of dim_sku, dim_location and the lanes. No shipment is in transit at the start
    of a backtest, so a lane is delayed only when it is marked ``disrupted``."""
    sku_table = typed_skus(skus)
    loc_table = locations.copy()
    stock = loc_table[loc_table["location_type"].isin(contract.STOCK_LOCATION_TYPES)].sort_values("location_id")
    loc_index = pd.Index(stock["location_id"].astype(str), name="location_id")
    unknown = set(unlimited) - set(loc_index)
    if unknown:
        raise ValueError(f"unlimited locations are not stock locations: {sorted(unknown)}")

    no_transit = pd.DataFrame({col: pd.Series(dtype=object) for col in
                               ("sku", "origin_id", "destination_id", "mode", "status")}
                              | {"quantity": pd.Series(dtype=float), "days_late": pd.Series(dtype=float)})
    annotated = lane_rules.lane_delays(typed_lanes(lanes), no_transit, cfg.lane_delay_tolerance_days,
                                       cfg.co2e_kg_per_unit)
    annotated = annotated[annotated["destination_id"].isin(loc_index)].reset_index(drop=True)
    annotated["lane"] = np.arange(len(annotated))
    annotated["origin_idx"] = loc_index.get_indexer(annotated["origin_id"])
    annotated["dest_idx"] = loc_index.get_indexer(annotated["destination_id"])
    transfer_lanes, supplier_lanes = lane_rules.split_lanes(annotated, loc_table)
    usual = lane_rules.usual_transfer_lanes(transfer_lanes)
    entries = lane_rules.entry_points(loc_table, usual, supplier_lanes)

    def number(col: str, default: float) -> np.ndarray:
        values = sku_table[col] if col in sku_table else pd.Series(default, index=sku_table.index)
        return values.fillna(default).to_numpy(dtype=float)

    key = {(o, d, m): int(k) for o, d, m, k in annotated[["origin_id", "destination_id", "mode", "lane"]]
           .itertuples(index=False)}
    cheapest = lane_rules.cheapest_supplier_lanes(supplier_lanes)
    supplier_lane = {(o, d): int(k) for o, d, k in cheapest[["origin_id", "destination_id", "lane"]]
                     .itertuples(index=False)}
    types = stock.set_index("location_id")["location_type"].reindex(loc_index)
    return Network(
        skus=pd.Index(sku_table["sku"], name="sku"), locations=loc_index, sku_table=sku_table,
        location_table=loc_table, lanes=annotated, unit_cost=number("unit_cost", 0.0),
        case_pack=np.maximum(number("case_pack", 1.0), 1.0), moq=number("moq", 0.0),
        production_days=number("production_lead_time_days", 0.0),
        supplier=sku_table["supplier_id"].to_numpy(dtype=object),
        active=sku_table["sku_status"].ne("discontinued").to_numpy(),
        facing=types.isin(CUSTOMER_FACING_TYPES).to_numpy(), unlimited=loc_index.isin(list(unlimited)),
        usual_source=usual.set_index("destination_id"), entry=entries, supplier_lane=supplier_lane, _lane_key=key)


@dataclass
class SimulationState:
    """The simulated network at the end of one night, as a policy sees it.

    ``night`` is the day index of the window (0 = its first day; −1 = the night before it) and
    ``date`` its date; ``on_hand`` and ``backlog`` are (S, L) units at the end of that day.
    ``open_orders``: every order line still travelling (order_id, sku_idx, lane, origin_idx,
    dest_idx, quantity, placed, arrival, kind), ``arrival`` the day index it lands on.
    """

    network: Network
    night: int
    date: date
    on_hand: np.ndarray
    backlog: np.ndarray
    inbound: np.ndarray  # (S, L) units travelling to each location
    open_orders: pd.DataFrame
