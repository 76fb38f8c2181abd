"""Benchmark: the replenishment plan (thresholds, transfers, placement, purchase suggestions) on
N SKUs across the demo network's 8 stock locations.

Usage: python -m benchmarks.replenishment_speed [--skus 10000] [--repeat 3]

The inputs are synthetic but shaped like the marts the asset reads: the demo seller's locations
and lanes (pipelines.demo.network: 2 upstream warehouses, 4 fulfilment centres, the own
warehouse and a store; the west → Texas lane disrupted), a 90-day forecast per SKU in total and
for 3 regions (weekly pattern, a p10–p90 band, some SKUs without demand), every SKU at every
stock location with stock, reservations and inbound, shipments in transit (some late), planned
purchase orders, 5 % discontinued SKUs; capacities grow with the catalogue. Timed:
``plan_replenishment`` (no Dagster), then writing its four tables to a temporary DuckDB file as
the asset does.
"""

from __future__ import annotations

import argparse
import platform
import resource
import tempfile
import time
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.config import load_config
from pipelines.demo import network
from pipelines.replenishment import ReplenishmentInputs, plan_replenishment
from pipelines.warehouse import connect, replace_tables

AS_OF = date(2026, 6, 30)
HORIZON = 90
REGIONS = ("east", "west", "central")
#: Which customer-facing locations fulfil each region's orders, and how much of them.
FULFILMENT = {
    "east": {"FBA-EAST": 0.55, "WH-MAIN": 0.40, "STORE-NYC": 0.05},
    "west": {"FBA-WEST": 0.75, "WH-MAIN": 0.20, "WFS-CENTRAL": 0.05},
    "central": {"FBA-CENTRAL": 0.60, "WFS-CENTRAL": 0.30, "WH-MAIN": 0.10},
}


def synthetic_inputs(n_skus: int, seed: int = 1) -> ReplenishmentInputs:
    rng = np.random.default_rng(seed)
    sku_ids = np.array([f"SKU-{i:05d}" for i in range(n_skus)])
    rate = rng.lognormal(0.0, 1.0, n_skus) * (rng.random(n_skus) > 0.03)  # 3 % sell nothing
    skus = pd.DataFrame({
        "sku": sku_ids, "unit_cost": np.round(rng.uniform(2, 30, n_skus), 2),
        "unit_price": np.round(rng.uniform(8, 80, n_skus), 2),
        "case_pack": rng.choice([1, 6, 12, 24, 48], n_skus), "moq": rng.choice([0, 50, 100, 300], n_skus),
        "supplier_id": rng.choice(network.SUPPLIERS, n_skus),
        "production_lead_time_days": rng.integers(20, 40, n_skus),
        "sku_status": np.where(rng.random(n_skus) < 0.05, "discontinued", "active"),
    })

    weekday = 1 + 0.25 * np.sin(2 * np.pi * np.arange(HORIZON) / 7)
    region_share = rng.dirichlet([4.5, 3.0, 2.5], n_skus)  # (sku, region)
    p50 = rate[:, None, None] * region_share[:, :, None] * weekday[None, None, :]  # (sku, region, day)
    band = 0.6 * np.sqrt(p50 + 0.05)
    dates = pd.date_range(pd.Timestamp(AS_OF) + pd.Timedelta(days=1), periods=HORIZON).date
    frames = []
    for level, values, labels in (("region", p50, REGIONS), ("total", p50.sum(axis=1, keepdims=True), ("all",))):
        width = 0.6 * np.sqrt(values + 0.05) if level == "total" else band
        n_levels = values.shape[1]
        frames.append(pd.DataFrame({
            "sku": np.repeat(sku_ids, n_levels * HORIZON),
            "level": level,
            "level_value": np.tile(np.repeat(np.array(labels), HORIZON), n_skus),
            "date": np.tile(dates, n_skus * n_levels),
            "p10": np.clip(values - width, 0, None).ravel(), "p50": values.ravel(), "p90": (values + width).ravel(),
        }))
    forecast = pd.concat(frames, ignore_index=True)

    stock_locations = np.array(network.STOCK_LOCATIONS)
    n_loc = len(stock_locations)
    days_held = np.where(np.isin(stock_locations, ("AWD-EAST", "AWD-WEST", "WH-MAIN")), 60, 12)
    on_hand = rng.poisson(rate[:, None] * days_held[None, :] * rng.uniform(0.1, 1.5, (n_skus, n_loc)) / 3)
    reserved = np.minimum(on_hand, rng.poisson(0.3, (n_skus, n_loc)))
    unsellable = np.minimum(on_hand - reserved, rng.poisson(0.05, (n_skus, n_loc)))
    inbound = np.where(rng.random((n_skus, n_loc)) < 0.1, rng.poisson(rate[:, None] * 20, (n_skus, n_loc)), 0)
    positions = pd.DataFrame({
        "sku": np.repeat(sku_ids, n_loc), "location_id": np.tile(stock_locations, n_skus),
        "on_hand": on_hand.ravel(), "reserved": reserved.ravel(), "unsellable": unsellable.ravel(),
        "available": (on_hand - reserved - unsellable).ravel(), "inbound": inbound.ravel(),
        "inbound_planned": 0,
    })

    lanes = network.lanes_table().rename(columns={"status": "lane_status"})
    supplier_lanes = lanes[lanes["origin_id"].isin(network.SUPPLIERS) & lanes["mode"].eq("sea")]
    n_ship = n_skus // 2
    lane_pick = supplier_lanes.iloc[rng.integers(0, len(supplier_lanes), n_ship)].reset_index(drop=True)
    in_transit = pd.DataFrame({
        "shipment_id": [f"PO-{i // 20:05d}" for i in range(n_ship)],
        "sku": rng.choice(sku_ids, n_ship), "quantity": rng.integers(24, 600, n_ship),
        "origin_id": lane_pick["origin_id"], "destination_id": lane_pick["destination_id"], "mode": "sea",
        "status": rng.choice(["planned", *contract.IN_TRANSIT_SHIPMENT_STATUSES], n_ship),
        "days_late": np.where(rng.random(n_ship) < 0.1, rng.integers(1, 15, n_ship), 0),
    })

    fulfilment = pd.DataFrame([{"sku": s, "region": r, "location_id": loc, "units": share * 100}
                               for r, locs in FULFILMENT.items() for loc, share in locs.items()
                               for s in sku_ids[:1]])  # the pooled pattern; every SKU follows it
    revenue = pd.DataFrame({"sku": sku_ids, "revenue": rate * skus["unit_price"].to_numpy() * 365})
    locations = network.locations_table().rename(columns={"type": "location_type"})
    # the demo's capacities fit its 300 SKUs: grow them with the catalogue
    locations["capacity_units"] = (locations["capacity_units"] * n_skus / 300).round().astype("Int64")
    return ReplenishmentInputs(as_of=AS_OF, forecast=forecast, positions=positions, in_transit=in_transit,
                               locations=locations[["location_id", "location_type", "region", "capacity_units"]],
                               lanes=lanes, skus=skus, revenue=revenue, fulfilment=fulfilment)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--skus", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    started = time.perf_counter()
    inputs = synthetic_inputs(args.skus)
    built = time.perf_counter() - started
    cfg = load_config().replenishment
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        plan = plan_replenishment(inputs, cfg)
        times.append(time.perf_counter() - t0)
    with tempfile.TemporaryDirectory() as tmp, connect(Path(tmp) / "wh.duckdb") as con:
        t0 = time.perf_counter()
        replace_tables(con, "marts", plan.tables())
        written = time.perf_counter() - t0
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024**2
    n_loc = inputs.positions["location_id"].nunique()
    print(f"## Replenishment plan: {args.skus:,} SKUs x {n_loc} stock locations "
          f"({platform.python_version()}, {platform.machine()})\n")
    print(f"inputs: {len(inputs.forecast):,} forecast rows, {len(inputs.positions):,} positions, "
          f"{len(inputs.in_transit):,} shipment lines (built in {built:.1f} s)\n")
    print("| | seconds |\n|---|---:|")
    print(f"| plan_replenishment, best of {args.repeat} | {min(times):.2f} |")
    print(f"| plan_replenishment, worst of {args.repeat} | {max(times):.2f} |")
    print(f"| writing the four tables to DuckDB in one transaction (the asset's write) | {written:.2f} |")
    print(f"\npeak memory of the process: {peak_gb:.2f} GB\n")
    print("| table | rows |\n|---|---:|")
    for name, frame in plan.tables().items():
        print(f"| marts.{name} | {len(frame):,} |")
    tr = plan.transfer_orders
    print(f"\ntransfer fallbacks: {int(tr['is_fallback'].sum()) if len(tr) else 0}; "
          f"purchase suggestions due now: {int(plan.purchase_suggestions['is_urgent'].sum())}")


if __name__ == "__main__":
    main()
