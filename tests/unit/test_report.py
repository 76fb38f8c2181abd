"""The HTML planning report: every section, self-contained, and it renders in a browser."""

from __future__ import annotations

import re
import shutil
import struct
import subprocess
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pipelines.config import ReportConfig
from pipelines.reporting.report import SECTIONS, ReportData, render_report

AS_OF = date(2026, 10, 31)
CHROMIUM = next((p for p in ("/usr/bin/chromium", "/usr/bin/chromium-browser", shutil.which("chromium") or "")
                 if p and Path(p).exists()), None)


def report_data(**missing: bool) -> ReportData:
    days = pd.date_range(AS_OF - timedelta(days=59), AS_OF)
    ahead = pd.date_range(AS_OF + timedelta(days=1), periods=30)
    health = pd.DataFrame({
        "sku": ["A-1", "B-2", "C-3"], "title": ["<b>Mug</b> & co", "Lamp", "Chair"], "score": [50, 75, 100],
        "needs_attention": [True, False, False], "on_hand": [120, 40, 10], "inventory_value": [240.0, 80.0, 20.0],
        "no_sales_deduction": [30, 0, 0], "no_sales_reason": ["no sale in the last 30 days", "", ""],
        "excess_deduction": [20, 0, 0], "excess_reason": ["120 days of inventory", "", ""],
        "stockout_deduction": [0, 25, 0], "stockout_reason": ["", "FC-1 runs out on 2026-11-04", ""],
        "oversell_deduction": [0, 0, 0], "oversell_reason": ["", "", ""],
        "stockout_basis": "replenishment_targets", "oversell_basis": "order_routing",
        "recommendation": ["clearance promotion, or move 120 units to a discount channel", "urgent replenishment", ""],
    })
    tables = {
        "health": health,
        "dead_stock": pd.DataFrame({"sku": ["A-1"], "location_id": ["AWD-1"], "dead_units": [80],
                                    "oldest_age_days": [250], "value_at_cost": [160.0], "storage_cost_to_date": [12.5],
                                    "storage_cost_per_month": [4.8], "recommendation": ["liquidate"],
                                    "reason": ["80 units unsold for at least 180 days"]}),
        "inventory_age": pd.DataFrame({"location_id": ["AWD-1", "FC-1"], "units_0_90": [10, 40], "units_91_180": [0, 5],
                                       "units_181_270": [80, 0], "units_271_365": [0, 0], "units_over_365": [0, 0]}),
        "kpi_summary": pd.DataFrame({"kpi": ["inventory_value", "fill_rate", "inventory_turnover"],
                                     "scope": "network", "value": [340.0, 0.97, 4.2],
                                     "unit": ["currency", "share", "turns/year"], "period_start": AS_OF,
                                     "period_end": AS_OF, "definition": ["on hand x unit cost", "shipped / ordered",
                                                                         "COGS / inventory"]}),
        "kpi_daily": pd.DataFrame({"date": days, "inventory_value": 340.0, "in_transit_value": 50.0,
                                   "fill_rate": 0.97, "stockout_rate": 0.01}),
        "inventory_position": pd.DataFrame({"sku": ["A-1", "B-2", "A-1"], "location_id": ["FC-1", "FC-1", "AWD-1"],
                                            "location_type": ["fc", "fc", "upstream"], "on_hand": [40, 40, 80],
                                            "available": [38, -2, 80], "reserved": [2, 42, 0], "unsellable": [0, 0, 0],
                                            "inbound": [10, 0, 0]}),
        "in_transit": pd.DataFrame({"sku": ["B-2"], "origin_id": ["AWD-1"], "destination_id": ["FC-1"],
                                    "mode": ["truck"], "status": ["in_transit"], "quantity": [10], "value": [20.0],
                                    "is_delayed": [False], "expected_arrival": [AS_OF + timedelta(days=2)]}),
        "transfer_orders": pd.DataFrame({"sku": ["B-2"], "from_location": ["AWD-1"], "to_location": ["FC-1"],
                                         "mode": ["truck"], "quantity": [24], "ship_by": [AS_OF + timedelta(days=1)],
                                         "expected_arrival": [AS_OF + timedelta(days=3)], "priority": [1],
                                         "reason": ["position 8 < reorder point 20"]}),
        "purchase_suggestions": pd.DataFrame({"sku": ["B-2"], "supplier_id": ["SUP-1"], "quantity": [500],
                                              "order_by": [AS_OF], "expected_arrival": [AS_OF + timedelta(days=40)],
                                              "is_urgent": [True], "purchase_value": [1000.0],
                                              "reason": ["network position below reorder point"]}),
        "demand_forecast": pd.DataFrame({"sku": "A-1", "date": ahead, "p10": 1.0, "p50": 2.0, "p90": 3.0,
                                         "model": "ensemble"}),
        "dim_sku": pd.DataFrame({"sku": ["A-1", "B-2", "C-3"], "title": ["Mug", "Lamp", "Chair"]}),
    }
    for name, gone in missing.items():
        if gone:
            tables[name] = None
    demand = pd.DataFrame({"sku": "A-1", "date": days, "units": 2})
    return ReportData(as_of=AS_OF.isoformat(), tables=tables, demand=demand)


def section(page: str, key: str) -> str:
    match = re.search(rf'<section id="{key}">(.*?)</section>', page, re.S)
    assert match, f"section {key} missing"
    return match.group(1)


def test_the_report_has_every_section_with_its_content():
    page = render_report(report_data(), ReportConfig())
    for key, title in SECTIONS.items():
        assert f"<h2>{title}</h2>" in section(page, key).replace("&#x27;", "'")
    assert "SKUs needing attention" in section(page, "summary")
    assert "A-1" in section(page, "attention") and "clearance promotion" in section(page, "attention")
    assert "C-3" not in section(page, "attention")
    assert "p10–p90" in section(page, "forecast")
    assert "AWD-1" in section(page, "inventory") and "In transit" in section(page, "inventory")
    assert "position 8 &lt; reorder point 20" in section(page, "plans") and "SUP-1" in section(page, "plans")
    assert "liquidate" in section(page, "dead-stock") and "first in, first out" in section(page, "dead-stock")
    assert "inventory_turnover" in section(page, "kpis")
    assert page.count("data:image/png;base64,") >= 5  # health, forecast, inventory, ageing, KPI trend


def test_the_report_is_self_contained_and_escapes_text():
    page = render_report(report_data(), ReportConfig())
    assert not re.search(r'(src|href)="(https?:)?//', page)
    assert "<link" not in page and "<script" not in page
    assert "&lt;b&gt;Mug&lt;/b&gt; &amp; co" in page


def test_a_section_whose_tables_are_not_built_says_so():
    page = render_report(report_data(transfer_orders=True, purchase_suggestions=True, demand_forecast=True),
                         ReportConfig())
    assert "Not built yet: marts.transfer_orders" in section(page, "plans")
    assert "Not built yet: marts.purchase_suggestions" in section(page, "plans")
    assert "Not built yet: marts.demand_forecast" in section(page, "forecast")


def test_a_seller_without_stock_data_gets_a_report():
    # sales-only history (e.g. a marketplace export without inventory): every table built, none
    # of the stock tables holding a row
    data = report_data()
    for name in ("dead_stock", "inventory_age", "inventory_position", "in_transit", "transfer_orders",
                 "purchase_suggestions"):
        data.tables[name] = data.tables[name].iloc[0:0]
    page = render_report(data, ReportConfig())
    assert "No dead stock." in section(page, "dead-stock")
    assert "No stock on hand to age." in section(page, "dead-stock")
    assert "No stock recorded at any location." in section(page, "inventory")


def _png_size(path: Path) -> tuple[int, int]:
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", head[16:24])


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium (apt-get install chromium; .ci/run installs it)")
def test_the_report_renders_in_headless_chromium(tmp_path):
    page = tmp_path / "report.html"
    page.write_text(render_report(report_data(), ReportConfig()), encoding="utf-8")
    shot = tmp_path / "report.png"
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}", "--window-size=1280,2000",
                    page.as_uri()], capture_output=True, timeout=120, check=False)
    assert shot.exists(), "Chromium wrote no screenshot"
    assert _png_size(shot) == (1280, 2000)
    # a blank page compresses to a few kB; the rendered report with its charts is far larger
    assert shot.stat().st_size > 50_000
