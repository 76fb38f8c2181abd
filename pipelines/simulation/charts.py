"""The backtest as a picture (PNG bytes, matplotlib without a display) and as an HTML block for
the planning report: the same chart serves the Dagster UI and the report."""

from __future__ import annotations

import base64
import html

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from pipelines.reporting.charts import png_bytes  # noqa: E402
from pipelines.simulation.kpis import kpi_comparison  # noqa: E402
from pipelines.simulation.losses import loss_summary  # noqa: E402
from pipelines.simulation.status import FAILED  # noqa: E402

COLOURS = {"stockpilot": "#4c72b0", "baseline": "#dd8452", "perfect_foresight": "#8c8c8c"}
LABELS = {"stockpilot": "Stockpilot", "baseline": "spreadsheet rule", "perfect_foresight": "perfect foresight"}
#: KPIs the report shows, in this order (every KPI is in the table marts.policy_backtest).
REPORT_KPIS = ("fill_rate", "fill_rate_after_start_up", "units_missed_start_up", "cycle_service_level",
               "stockout_days", "stockout_rate", "average_inventory_units", "average_inventory_value", "turns",
               "holding_cost", "ordering_cost", "transport_cost", "total_cost", "co2e_kg")


def backtest_chart(daily: pd.DataFrame) -> bytes:
    """Two panels over the window, one line per policy: units on hand at the end of each day
    (every stock location), and SKU × location stockouts (days with unserved demand).

    ``daily``: marts.policy_backtest_daily rows (policy, date, on_hand_units, stockouts, …)."""
    totals = (daily.assign(date=pd.to_datetime(daily["date"]))
              .groupby(["policy", "date"], as_index=False)[["on_hand_units", "stockouts"]].sum())
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 5.2), sharex=True)
    for policy, rows in totals.groupby("policy", sort=False):
        colour = COLOURS.get(policy)
        label = LABELS.get(policy, policy)
        top.plot(rows["date"], rows["on_hand_units"], color=colour, linewidth=1.3, label=label)
        bottom.plot(rows["date"], rows["stockouts"], color=colour, linewidth=1.1, label=label)
    top.set_ylabel("units on hand", fontsize=8)
    top.set_title("Inventory on hand (end of day)", fontsize=9, loc="left")
    bottom.set_ylabel("SKU-locations", fontsize=8)
    bottom.set_title("Stockouts: SKU-locations with unserved demand that day", fontsize=9, loc="left")
    for ax in (top, bottom):
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=0.25)
    top.legend(fontsize=7, loc="lower left")  # the lines run high: the bottom is free
    fig.autofmt_xdate()
    return png_bytes(fig)


def _cell(value) -> str:
    if isinstance(value, float):
        if pd.isna(value):
            return ""
        if abs(value) < 1 and value != 0:
            return f"{value:.3f}"
        return f"{value:,.0f}" if abs(value) >= 100 else f"{value:,.2f}"
    return html.escape(str(value))


def backtest_report_html(kpis: pd.DataFrame | None, daily: pd.DataFrame | None,
                         status: pd.DataFrame | None = None, losses: pd.DataFrame | None = None) -> str:
    """The report's policy-backtest block: the KPIs of the policies side by side, the lost units
    by cause and the chart, or, when the last backtest failed, that it failed and why instead of
    the figures.

    ``kpis``: marts.policy_backtest; ``daily``: marts.policy_backtest_daily; ``status``:
    marts.policy_backtest_status; ``losses``: marts.policy_backtest_losses (None: not built)."""
    if status is not None and len(status) and status["status"].iloc[0] == FAILED:
        row = status.iloc[0]
        as_of = "" if pd.isna(row["as_of"]) else f" (as of {pd.Timestamp(row['as_of']).date()})"
        return (f'<p class="missing">The policy backtest failed{html.escape(as_of)} in '
                f'<code>{html.escape(str(row["failed_step"]))}</code>: {html.escape(str(row["error"]))}. '
                "Its figures are not shown; tonight's plans above do not depend on it. "
                "The run's log in the Dagster UI has the traceback.</p>")
    if kpis is None or kpis.empty:
        return ('<p class="missing">Not built yet: marts.policy_backtest (run <code>stockpilot backtest</code> '
                'or the nightly run).</p>')
    wide = kpi_comparison(kpis)
    wide = wide[wide["kpi"].isin(REPORT_KPIS)].set_index("kpi").reindex(
        [k for k in REPORT_KPIS if k in set(wide["kpi"])]).reset_index()
    policies = [c for c in wide.columns if c not in ("kpi", "unit")]
    head = "".join(f'<th class="num">{html.escape(LABELS.get(p, p))}</th>' for p in policies)
    rows = "".join(
        f"<tr><td>{html.escape(r['kpi'])}</td>"
        + "".join(f'<td class="num">{_cell(r[p])}</td>' for p in policies)
        + f"<td>{html.escape(str(r['unit']))}</td></tr>"
        for _, r in wide.iterrows())
    start, end = (pd.Timestamp(kpis[col].iloc[0]).date() for col in ("window_start", "window_end"))
    body = (f'<p class="note">Real demand of {html.escape(str(start))} … {html.escape(str(end))} replayed day by '
            "day against Stockpilot's nightly forecast and plan and against the spreadsheet rule (order up to "
            "the lead time + <i>2N</i> days of sales when stock + inbound falls below the lead time + <i>N</i> "
            "days; <code>backtest.baseline</code>), with the same lanes, lead-time draws and starting stock. "
            "Perfect foresight knows the demand and the transit times ahead and orders exactly what they need: "
            "the ceiling the other two are read against. Definitions: docs/outputs.md.</p>"
            f"<table><thead><tr><th>kpi</th>{head}<th>unit</th></tr></thead><tbody>{rows}</tbody></table>")
    body += _losses_html(losses)
    if daily is not None and len(daily):
        png = base64.b64encode(backtest_chart(daily)).decode()
        body += f'<img alt="policy backtest: inventory and stockouts" src="data:image/png;base64,{png}">'
    return body


def _losses_html(losses: pd.DataFrame | None) -> str:
    """Lost units by cause, one column per policy, the causes that lost most first."""
    summary = loss_summary(losses)
    if summary.empty:
        return ""
    wide = summary.pivot_table(index="cause", columns="policy", values="lost_units", aggfunc="sum", fill_value=0.0)
    policies = [p for p in ("stockpilot", "baseline", "perfect_foresight") if p in wide.columns]
    policies += [p for p in wide.columns if p not in policies]
    wide = wide[policies].sort_values(policies[0], ascending=False)
    meaning = summary.drop_duplicates("cause").set_index("cause")["meaning"]
    head = "".join(f'<th class="num">{html.escape(LABELS.get(p, p))}</th>' for p in policies)
    rows = "".join(
        f"<tr><td>{html.escape(cause)}</td>" + "".join(f'<td class="num">{_cell(float(r[p]))}</td>' for p in policies)
        + f"<td>{html.escape(str(meaning.get(cause, '')))}</td></tr>"
        for cause, r in wide.iterrows())
    first = losses.groupby("policy").apply(
        lambda g: g.loc[g["in_first_lead_time"].astype(bool), "lost_units"].sum(), include_groups=False)
    note = "; ".join(f"{LABELS.get(p, p)} {first.get(p, 0.0):,.0f}" for p in policies)
    return ("<h3>Why units were lost</h3>"
            '<p class="note">Each lost unit by its cause (marts.policy_backtest_losses). Units lost in the first '
            f"lead time, which only the starting stock could serve: {html.escape(note)}.</p>"
            f"<table><thead><tr><th>cause</th>{head}<th>meaning</th></tr></thead><tbody>{rows}</tbody></table>")
