"""Benchmark: how many units the published channel quantities oversell, replayed on demo data.

Usage: python -m benchmarks.oversell_replay --warehouse data/warehouse.duckdb [--days 28]
       [--cadences 1440,15] [--stock-fraction 1.0]

On a warehouse the pipeline has built, it takes today's sellable stock per SKU and location (after
routing the open orders, as ``marts.channel_allocation`` does) and the last ``--days`` days of
order lines (not cancelled, every channel interleaved as they came), moved forward to start
tomorrow. It replays them with ``pipelines.allocation.replay`` — channels refresh their
published quantities every ``cadence`` minutes (1440 = the nightly run, 15 = order files landing
every 15 minutes and the landing sensor republishing) and sell down their own count in between;
no stock arrives — in four settings: the reference data's modes, every channel shared, every
channel dedicated, and every channel shared without buffers (what the buffers save). ``--stock-fraction 0.1`` replays the
same orders against a tenth of the stock, where channels compete for the last units.

Prints a markdown table for docs/benchmarks.md: units ordered, accepted, refused (the listing
showed fewer than ordered), oversold (sold with no stock behind them), the buffers' bound on
the oversell (sum over refresh intervals and shared channels of max(0, units the other channels
took from the channel's locations − its buffer)) and whether every interval stayed within it.
"""

from __future__ import annotations

import argparse
import time

import duckdb

from orchestration.allocation import read_allocation_inputs
from pipelines.allocation import build_allocation_plan
from pipelines.allocation.replay import oversell_bound_holds, replay_orders, replay_stream
from pipelines.config import load_config

ORDERS_SQL = ("SELECT ordered_at, channel, listing_sku, quantity FROM intermediate.int_order_lines "
              "WHERE NOT is_cancelled")
SETTINGS = {
    "as configured": None,
    "all shared": "shared",
    "all dedicated": "dedicated",
    "all shared, no buffers": "shared",
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warehouse", required=True)
    parser.add_argument("--days", type=int, default=28)
    parser.add_argument("--cadences", default="1440,15", help="refresh intervals, minutes")
    parser.add_argument("--stock-fraction", type=float, default=1.0,
                        help="scale every location's sellable units (a leaner seller; 1 = as built)")
    args = parser.parse_args()
    cfg = load_config().allocation
    with duckdb.connect(args.warehouse, read_only=True) as con:
        inputs = read_allocation_inputs(con, cfg)
        orders = con.execute(ORDERS_SQL).df()
    plan = build_allocation_plan(inputs, cfg)
    stock = plan.sellable[["sku", "location_id"]].assign(
        units=(plan.sellable["sellable"] * args.stock_fraction).astype("int64"))
    stream = replay_stream(orders, inputs.as_of, args.days)
    configured = dict(zip(inputs.channels["channel"], inputs.channels["allocation_mode"], strict=True))
    print(f"Replay of {len(stream):,} order lines ({args.days} days before {inputs.as_of}, moved forward) "
          f"against {int(stock['units'].sum()):,} sellable units of {stock['sku'].nunique()} SKUs; "
          f"modes as configured: {', '.join(f'{c} {m}' for c, m in configured.items())}\n")
    print("| setting | refresh | units ordered | accepted | refused | oversold | buffers' bound | "
          "within bound | seconds |\n|---|---|---:|---:|---:|---:|---:|---|---:|")
    for name, mode in SETTINGS.items():
        context = plan.context.with_mode(mode)
        if name.endswith("no buffers"):
            context = type(context)(context.channels.assign(buffer_pct=0.0, buffer_units=0), context.eligibility,
                                    context.scores)
        for cadence in (float(c) for c in args.cadences.split(",")):
            started = time.monotonic()
            result = replay_orders(stock, context, inputs.listings, inputs.routing_rules, stream, cadence)
            s = result.summary
            label = "nightly" if cadence == 1440 else f"every {cadence:g} min"
            print(f"| {name} | {label} | {s['units_ordered']:,} | {s['units_accepted']:,} | "
                  f"{s['units_refused']:,} | {s['units_oversold']:,} | {s['oversell_bound']:,} | "
                  f"{'yes' if oversell_bound_holds(result) else 'NO'} | {time.monotonic() - started:.1f} |")


if __name__ == "__main__":
    main()
