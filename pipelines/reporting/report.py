"""The planning report: one self-contained HTML file (inline CSS, charts as embedded PNG), readable
offline, that a planner opens in the morning.

Sections (each an ``<section id=...>``): ``summary`` (KPI tiles), ``health`` (score
distribution and causes), ``attention`` (SKUs needing attention, why, what to do), ``forecast``
(actuals and forecast with the p10–p90 band for the top SKUs), ``inventory`` (stock by location
and in transit), ``plans`` (tonight's transfer orders and purchase suggestions), ``dead-stock``
(dead stock and ageing), ``kpis`` (the KPI table and trend) and ``backtest`` (the policy
backtest's KPIs and chart, or that it failed and why). A section whose tables are not
built says so.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipelines.config import ReportConfig
from pipelines.reporting.charts import (
    forecast_band_chart,
    health_histogram_chart,
    kpi_trend_chart,
    stacked_bar_chart,
)
from pipelines.simulation.charts import backtest_report_html
from pipelines.warehouse import connect, table_exists

SECTIONS = {
    "summary": "Summary",
    "health": "Health score distribution",
    "attention": "SKUs needing attention",
    "forecast": "Forecast vs actuals",
    "inventory": "Inventory by location and in transit",
    "plans": "Tonight's transfer orders and purchase suggestions",
    "dead-stock": "Dead stock and ageing",
    "kpis": "KPIs",
    "backtest": "Policy backtest: Stockpilot against the spreadsheet rule and the perfect-foresight ceiling",
}
AGE_BUCKETS = ["units_0_90", "units_91_180", "units_181_270", "units_271_365", "units_over_365"]
#: What the report reads (marts.<name>); absent ones are reported as not built.
QUERIES = {
    "health": "SELECT * FROM marts.inventory_health",
    "dead_stock": "SELECT * FROM marts.dead_stock",
    "inventory_age": "SELECT * FROM marts.inventory_age",
    "kpi_summary": "SELECT * FROM marts.kpi_summary",
    "kpi_daily": "SELECT * FROM marts.kpi_daily ORDER BY date",
    "inventory_position": "SELECT * FROM marts.inventory_position",
    "in_transit": "SELECT * FROM marts.in_transit",
    "transfer_orders": "SELECT * FROM marts.transfer_orders",
    "purchase_suggestions": "SELECT * FROM marts.purchase_suggestions",
    "demand_forecast": "SELECT sku, date, p10, p50, p90, model FROM marts.demand_forecast WHERE level = 'total'",
    "dim_sku": "SELECT sku, title FROM marts.dim_sku",
    "policy_backtest": "SELECT * FROM marts.policy_backtest",
    "policy_backtest_daily": "SELECT * FROM marts.policy_backtest_daily ORDER BY date",
    "policy_backtest_losses": "SELECT * FROM marts.policy_backtest_losses",
    "policy_backtest_status": "SELECT * FROM marts.policy_backtest_status",
}


@dataclass
class ReportData:
    """The marts the report shows, by name (None when the table is not built)."""

    as_of: str
    tables: dict[str, pd.DataFrame | None]
    demand: pd.DataFrame = field(default_factory=pd.DataFrame)  # sku, date, units (recent history)


def read_report_data(con: duckdb.DuckDBPyConnection, history_days: int = 120) -> ReportData:
    tables: dict[str, pd.DataFrame | None] = {}
    for name, sql in QUERIES.items():
        table = sql.split("FROM marts.")[1].split()[0]
        tables[name] = con.execute(sql).df() if table_exists(con, "marts", table) else None
    as_of = ""
    if table_exists(con, "intermediate", "int_as_of"):
        as_of = str(con.execute("SELECT as_of FROM intermediate.int_as_of").fetchall()[0][0])
    demand = pd.DataFrame(columns=["sku", "date", "units"])
    if table_exists(con, "marts", "fct_daily_demand") and as_of:
        demand = con.execute("SELECT sku, date, sum(units) AS units FROM marts.fct_daily_demand "
                             "WHERE date > CAST(? AS DATE) - ?::INTEGER GROUP BY sku, date",
                             [as_of, history_days]).df()
    return ReportData(as_of=as_of, tables=tables, demand=demand)


# --- HTML pieces -----------------------------------------------------------------------------

CSS = """
body { font: 14px/1.45 -apple-system, 'Segoe UI', Helvetica, Arial, sans-serif; color: #222; margin: 0;
       background: #f4f5f7; }
header { background: #1f3a5f; color: #fff; padding: 18px 28px; }
header h1 { margin: 0; font-size: 22px; } header p { margin: 4px 0 0; opacity: .85; }
nav { padding: 8px 28px; background: #e3e8ef; font-size: 13px; }
nav a { margin-right: 14px; color: #1f3a5f; text-decoration: none; }
main { padding: 8px 28px 40px; max-width: 1400px; }
section { background: #fff; border-radius: 6px; padding: 14px 20px; margin: 16px 0;
          box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: 17px; margin: 0 0 10px; color: #1f3a5f; }
h3 { font-size: 14px; margin: 14px 0 6px; }
table { border-collapse: collapse; font-size: 12px; width: 100%; }
th, td { border-bottom: 1px solid #e5e7eb; padding: 4px 6px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; position: sticky; top: 0; }
td.num, th.num { text-align: right; white-space: nowrap; } td.nw { white-space: nowrap; }
.tiles { display: flex; flex-wrap: wrap; gap: 10px; }
.tile { background: #f0f4fa; border-radius: 6px; padding: 8px 14px; min-width: 150px; }
.tile .v { font-size: 20px; font-weight: 600; } .tile .k { font-size: 12px; color: #555; }
.note { color: #666; font-size: 12px; } .missing { color: #a33; font-style: italic; }
.score { font-weight: 700; } .bad { color: #b22; } .ok { color: #2a7; }
img { max-width: 100%; }
"""


def _esc(value) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else ""
    if isinstance(value, pd.Timestamp | datetime):
        return value.strftime("%Y-%m-%d" if value == value.replace(hour=0, minute=0, second=0, microsecond=0)
                              else "%Y-%m-%d %H:%M")
    if isinstance(value, float):
        if value == int(value) and abs(value) < 1e15:
            return f"{int(value):,}"
        # amounts to the cent; small rates and shares with up to four decimals
        return f"{value:,.2f}" if abs(value) >= 1 else f"{value:.4f}".rstrip("0")
    if isinstance(value, int):
        return f"{value:,}"
    return html.escape(str(value))


def html_table(df: pd.DataFrame, columns: list[str] | None = None, max_rows: int = 25) -> str:
    if df is None or df.empty:
        return '<p class="note">No rows.</p>'
    shown = df[columns] if columns else df
    numeric = {c for c in shown.columns if pd.api.types.is_numeric_dtype(shown[c])
               and not pd.api.types.is_bool_dtype(shown[c])}
    dated = {c for c in shown.columns if pd.api.types.is_datetime64_any_dtype(shown[c])
             or isinstance(shown[c].dropna().iloc[0] if shown[c].notna().any() else None, date)}
    css = {c: ' class="num"' if c in numeric else ' class="nw"' if c in dated else "" for c in shown.columns}
    head = "".join(f"<th{css[c]}>{_esc(c)}</th>" for c in shown.columns)
    rows = []
    for record in shown.head(max_rows).itertuples(index=False):
        cells = "".join(f"<td{css[c]}>{_esc(v)}</td>" for c, v in zip(shown.columns, record, strict=True))
        rows.append(f"<tr>{cells}</tr>")
    more = (f'<p class="note">{len(df) - max_rows:,} more rows in the table.</p>' if len(df) > max_rows else "")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"


def _img(png: bytes, alt: str) -> str:
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{base64.b64encode(png).decode()}">'


def _missing(*tables: str) -> str:
    names = ", ".join(f"marts.{t}" for t in tables)
    return f'<p class="missing">Not built yet: {html.escape(names)}.</p>'


def _section(key: str, body: str) -> str:
    return f'<section id="{key}"><h2>{html.escape(SECTIONS[key])}</h2>{body}</section>'


# --- sections --------------------------------------------------------------------------------

def _kpi(summary: pd.DataFrame | None, kpi: str, scope: str = "network"):
    if summary is None:
        return None
    row = summary[(summary["kpi"] == kpi) & (summary["scope"] == scope)]
    return None if row.empty or pd.isna(row["value"].iloc[0]) else float(row["value"].iloc[0])


def summary_section(data: ReportData) -> str:
    s, health = data.tables["kpi_summary"], data.tables["health"]

    def tile(label: str, value, fmt: str) -> str:
        text = "—" if value is None else fmt.format(value)
        return f'<div class="tile"><div class="v">{html.escape(text)}</div><div class="k">{html.escape(label)}</div></div>'

    attention = None if health is None else int(health["needs_attention"].sum())
    tiles = [
        tile("SKUs needing attention", attention, "{:,}"),
        tile("inventory at cost", _kpi(s, "inventory_value"), "{:,.0f}"),
        tile("in transit at cost", _kpi(s, "in_transit_value"), "{:,.0f}"),
        tile("inventory turnover (turns/year)", _kpi(s, "inventory_turnover"), "{:.2f}"),
        tile("days of inventory", _kpi(s, "days_of_inventory"), "{:,.0f}"),
        tile("fill rate", _kpi(s, "fill_rate"), "{:.1%}"),
        tile("stockout rate", _kpi(s, "stockout_rate"), "{:.2%}"),
        tile("excess units (> 90 days of supply)", _kpi(s, "excess_units"), "{:,.0f}"),
        tile("storage cost per month", _kpi(s, "storage_cost_per_month"), "{:,.0f}"),
    ]
    note = "" if s is not None else _missing("kpi_summary")
    return _section("summary", f'<div class="tiles">{"".join(tiles)}</div>{note}')


def health_section(data: ReportData, attention_below: int) -> str:
    health = data.tables["health"]
    if health is None:
        return _section("health", _missing("inventory_health"))
    causes = pd.DataFrame({
        "cause": ["no sales (30 days)", "excess days of inventory", "projected stockout", "oversell risk"],
        "SKUs": [int((health[c] > 0).sum()) for c in
                 ("no_sales_deduction", "excess_deduction", "stockout_deduction", "oversell_deduction")],
        "input": ["int_sku_supply", "int_sku_supply", str(health["stockout_basis"].iloc[0]) if len(health) else "",
                  str(health["oversell_basis"].iloc[0]) if len(health) else ""],
    })
    body = (_img(health_histogram_chart(health["score"], attention_below), "health score distribution")
            + f'<p class="note">{len(health):,} SKUs, mean score {health["score"].mean():.1f}; '
            f'{int(health["needs_attention"].sum()):,} below {attention_below}.</p>'
            + html_table(causes))
    return _section("health", body)


def attention_section(data: ReportData, rows: int) -> str:
    health = data.tables["health"]
    if health is None:
        return _section("attention", _missing("inventory_health"))
    attention = health[health["needs_attention"]].copy()
    if attention.empty:
        return _section("attention", '<p class="ok">No SKU scores below the attention line.</p>')
    reasons = []
    for rec in attention.itertuples(index=False):
        parts = [f"−{getattr(rec, d)} {getattr(rec, r)}" for d, r in (
            ("stockout_deduction", "stockout_reason"), ("oversell_deduction", "oversell_reason"),
            ("no_sales_deduction", "no_sales_reason"), ("excess_deduction", "excess_reason"))
            if getattr(rec, d) > 0]
        reasons.append(" · ".join(parts))
    attention["why"] = reasons
    attention = attention.rename(columns={"recommendation": "what to do"})
    body = html_table(attention, ["sku", "title", "score", "on_hand", "inventory_value", "why", "what to do"], rows)
    return _section("attention", body)


def forecast_section(data: ReportData, top: int) -> str:
    forecast = data.tables["demand_forecast"]
    if forecast is None or forecast.empty:
        return _section("forecast", _missing("demand_forecast"))
    demand = data.demand.assign(date=pd.to_datetime(data.demand["date"]))
    skus = demand.groupby("sku")["units"].sum().nlargest(top).index.tolist()
    skus = [s for s in skus if s in set(forecast["sku"])] or forecast["sku"].drop_duplicates().head(top).tolist()
    f = forecast.assign(date=pd.to_datetime(forecast["date"]))
    png = forecast_band_chart(demand, f, skus)
    models = f.drop_duplicates("sku").set_index("sku")["model"]
    caption = "; ".join(f"{html.escape(s)}: {html.escape(str(models.get(s, '?')))}" for s in skus)
    body = (f'<p class="note">Top {len(skus)} SKUs by units over the last 120 days: actual daily units, '
            f"forecast p50 and the p10–p90 band (model: {caption}).</p>" + _img(png, "forecast vs actuals"))
    return _section("forecast", body)


def inventory_section(data: ReportData, rows: int) -> str:
    position, transit = data.tables["inventory_position"], data.tables["in_transit"]
    if position is None:
        return _section("inventory", _missing("inventory_position"))
    by_location = position.groupby(["location_id", "location_type"], as_index=False).agg(
        available=("available", lambda s: s.clip(lower=0).sum()), reserved=("reserved", "sum"),
        unsellable=("unsellable", "sum"), on_hand=("on_hand", "sum"), inbound=("inbound", "sum"),
        skus=("sku", "nunique")).sort_values(["location_type", "location_id"])
    by_location["label"] = by_location["location_id"] + " (" + by_location["location_type"] + ")"
    if by_location.empty:  # no snapshot, receipt or order has put stock at a location yet
        body = '<p class="note">No stock recorded at any location.</p>'
    else:
        png = stacked_bar_chart(by_location, "label", ["available", "reserved", "unsellable", "inbound"], "units")
        body = _img(png, "inventory by location") + html_table(
            by_location, ["location_id", "location_type", "skus", "on_hand", "available", "reserved", "unsellable",
                          "inbound"], rows)
    body += "<h3>In transit</h3>"
    if transit is None:
        body += _missing("in_transit")
    else:
        moving = transit[transit["status"] != "planned"]
        lanes = moving.groupby(["origin_id", "destination_id", "mode", "status"], as_index=False).agg(
            lines=("sku", "size"), units=("quantity", "sum"), value=("value", "sum"),
            delayed=("is_delayed", "sum"), next_arrival=("expected_arrival", "min")
        ).sort_values("value", ascending=False)
        body += (f'<p class="note">{int(moving["quantity"].sum()):,} units on {len(moving):,} shipment lines '
                 f'({moving["value"].sum():,.0f} at cost); {int(moving["is_delayed"].sum()):,} lines delayed.</p>'
                 + html_table(lanes, max_rows=rows))
    return _section("inventory", body)


def plans_section(data: ReportData, rows: int) -> str:
    transfers, purchases = data.tables["transfer_orders"], data.tables["purchase_suggestions"]
    body = "<h3>Transfer orders</h3>"
    if transfers is None:
        body += _missing("transfer_orders")
    else:
        body += (f'<p class="note">{len(transfers):,} transfers, '
                 f'{int(transfers["quantity"].sum()) if len(transfers) else 0:,} units.</p>'
                 + html_table(transfers.sort_values("priority") if "priority" in transfers else transfers,
                              [c for c in ("sku", "from_location", "to_location", "mode", "quantity", "ship_by",
                                           "expected_arrival", "projected_stockout_date", "is_fallback", "reason")
                               if c in transfers], rows))
    body += "<h3>Purchase suggestions</h3>"
    if purchases is None:
        body += _missing("purchase_suggestions")
    else:
        ordered = purchases.sort_values(["is_urgent", "order_by"], ascending=[False, True]) \
            if {"is_urgent", "order_by"} <= set(purchases) else purchases
        body += (f'<p class="note">{len(purchases):,} suggestions'
                 + (f', {int(purchases["is_urgent"].sum()):,} urgent' if "is_urgent" in purchases else "")
                 + ".</p>"
                 + html_table(ordered, [c for c in ("sku", "supplier_id", "quantity", "order_by", "expected_arrival",
                                                    "is_urgent", "purchase_value", "reason") if c in purchases], rows))
    return _section("plans", body)


def dead_stock_section(data: ReportData, rows: int) -> str:
    dead, age = data.tables["dead_stock"], data.tables["inventory_age"]
    body = ""
    if dead is None:
        body += _missing("dead_stock")
    elif dead.empty:
        body += '<p class="ok">No dead stock.</p>'
    else:
        totals = dead.groupby("recommendation", as_index=False).agg(
            rows=("sku", "size"), units=("dead_units", "sum"), value_at_cost=("value_at_cost", "sum"),
            storage_cost_to_date=("storage_cost_to_date", "sum"),
            storage_cost_per_month=("storage_cost_per_month", "sum"))
        body += (f'<p class="note">{int(dead["dead_units"].sum()):,} units unsold for the dead-stock period, '
                 f'{dead["value_at_cost"].sum():,.0f} at cost, costing '
                 f'{dead["storage_cost_per_month"].sum():,.0f} a month to store.</p>'
                 + html_table(totals)
                 + html_table(dead, ["sku", "location_id", "dead_units", "oldest_age_days", "value_at_cost",
                                     "storage_cost_to_date", "storage_cost_per_month", "recommendation", "reason"],
                              rows))
    body += "<h3>Ageing (first in, first out)</h3>"
    if age is None:
        body += _missing("inventory_age")
    elif age.empty:  # a seller who sends no stock snapshots or receipts has nothing to age
        body += '<p class="ok">No stock on hand to age.</p>'
    else:
        by_location = age.groupby("location_id", as_index=False)[AGE_BUCKETS].sum()
        renamed = by_location.rename(columns=dict(zip(AGE_BUCKETS, ["0–90 days", "91–180", "181–270", "271–365",
                                                                     "over 365"], strict=True)))
        body += (_img(stacked_bar_chart(renamed, "location_id", list(renamed.columns[1:]), "units on hand"),
                      "inventory age by location")
                 + '<p class="note">Age = days since the units arrived at the location, first in first out '
                 "from receipts; units no receipt explains count from the first snapshot (a lower bound).</p>")
    return _section("dead-stock", body)


def kpi_section(data: ReportData) -> str:
    summary, daily = data.tables["kpi_summary"], data.tables["kpi_daily"]
    if summary is None:
        return _section("kpis", _missing("kpi_summary", "kpi_daily"))
    body = html_table(summary, ["kpi", "scope", "value", "unit", "period_start", "period_end", "definition"], 100)
    if daily is not None and len(daily):
        body += _img(kpi_trend_chart(daily), "KPI trend")
    return _section("kpis", body)


def backtest_section(data: ReportData) -> str:
    """The policy backtest's KPIs and chart, or why it failed (``pipelines.simulation.charts``)."""
    return _section("backtest", backtest_report_html(data.tables.get("policy_backtest"),
                                                     data.tables.get("policy_backtest_daily"),
                                                     data.tables.get("policy_backtest_status"),
                                                     data.tables.get("policy_backtest_losses")))


def render_report(data: ReportData, cfg: ReportConfig, attention_below: int = 60,
                  generated_at: datetime | None = None) -> str:
    generated = (generated_at or datetime.now(UTC)).strftime("%Y-%m-%d %H:%M UTC")
    nav = "".join(f'<a href="#{k}">{html.escape(v)}</a>' for k, v in SECTIONS.items())
    sections = [
        summary_section(data),
        health_section(data, attention_below),
        attention_section(data, cfg.attention_rows),
        forecast_section(data, cfg.forecast_skus),
        inventory_section(data, cfg.table_rows),
        plans_section(data, cfg.table_rows),
        dead_stock_section(data, cfg.table_rows),
        kpi_section(data),
        backtest_section(data),
    ]
    return (
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">"
        f"<title>Stockpilot planning report — {html.escape(data.as_of)}</title><style>{CSS}</style></head><body>"
        f"<header><h1>Stockpilot planning report</h1><p>As of {html.escape(data.as_of or '?')} · "
        f"generated {generated}</p></header><nav>{nav}</nav><main>{''.join(sections)}</main></body></html>"
    )


def write_report(warehouse: str | Path, out: str | Path, cfg: ReportConfig, attention_below: int = 60) -> Path:
    """Read the warehouse (read-only), render the report and write it to ``out`` (atomically)."""
    with connect(warehouse, read_only=True) as con:
        data = read_report_data(con)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.with_name(f".{out.name}.partial")
    partial.write_text(render_report(data, cfg, attention_below), encoding="utf-8")
    partial.replace(out)
    return out
