"""``generate_demo``: a seeded demo seller's landing folder, byte-identical for the same arguments."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from pipelines import contract
from pipelines.config import load_config
from pipelines.demo import network
from pipelines.demo.bad_rows import bad_row_specs
from pipelines.demo.catalogue import build_catalogue
from pipelines.demo.clock import Clock
from pipelines.demo.demand import DemandModel
from pipelines.demo.overrides import forecast_overrides
from pipelines.demo.rendering import MOMENT_COLUMN, Renderer
from pipelines.demo.simulation import simulate
from pipelines.demo.writer import BadRow, LandingWriter


@dataclass
class DemoSummary:
    """What ``generate_demo`` wrote."""

    out: Path
    files: list[Path] = field(default_factory=list)
    rows_per_feed: dict[str, int] = field(default_factory=dict)
    """Data rows written per feed (bad rows included)."""
    bad_rows: list[BadRow] = field(default_factory=list)
    """Every deliberately bad row: (file relative to ``out``, 1-based data row, column, problem)."""


def generate_demo(out: Path, skus: int = 300, days: int = 730, seed: int = 7,
                  end: date = date(2026, 10, 31), progress: bool = False,
                  daily_files_from: date | None = None) -> DemoSummary:
    """Write a demo seller's landing files into ``out/<feed>/``: ``days`` days of history
    ending on ``end`` inclusive, for ``skus`` SKUs, reproducible from ``seed``.

    Event records from ``daily_files_from`` on go to one file per feed and day
    (``orders/orders_2026-10-31.csv``) instead of the month's file; the records are the same."""
    if skus < 10 or days < 60:
        raise ValueError("the demo needs at least 10 SKUs and 60 days")
    out = Path(out)
    rng = np.random.default_rng(seed)
    clock = Clock(end=end, days=days)
    catalogue = build_catalogue(rng, skus, clock)
    model = DemandModel.build(catalogue, clock, network.streams())
    renderer = Renderer(catalogue, clock, load_config().timezone)
    renderers = {feed.name: getattr(renderer, feed.name) for feed in contract.EVENT_FEEDS}
    daily_from_day = clock.day_of_date(daily_files_from) if daily_files_from else None
    writer = LandingWriter(out, clock, renderers, MOMENT_COLUMN, bad_row_specs(catalogue, clock),
                           daily_from_day)

    references = {
        contract.SKUS.name: catalogue.skus, contract.LISTINGS.name: catalogue.listings,
        contract.LOCATIONS.name: network.locations_table(), contract.LANES.name: network.lanes_table(),
        contract.CHANNELS.name: network.channels_table(),
        contract.ROUTING_RULES.name: network.routing_rules_table(),
        contract.PROMOTIONS.name: catalogue.promotions,
        contract.FORECAST_OVERRIDES.name: forecast_overrides(catalogue, clock),
    }
    for feed in contract.REFERENCE_TABLES:
        writer.write_reference(feed, references[feed.name], bom=feed is contract.SKUS)

    simulate(rng, catalogue, model, clock, writer.add, writer.advance, progress=progress)
    writer.close()
    rows = {feed.name: writer.rows.get(feed.name, 0) for feed in contract.ALL_FEEDS}
    return DemoSummary(out=out, files=writer.files, rows_per_feed=rows, bad_rows=writer.bad_rows)
