"""Charts as PNG bytes (matplotlib, no display): the same pictures serve the Dagster UI and the
HTML report."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # no display on servers and in CI
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402


def forecast_band_chart(history: pd.DataFrame, forecast: pd.DataFrame, skus: list[str],
                        history_days: int = 120) -> bytes:
    """Actual daily units (last ``history_days``) and the forecast p50 with its p10–p90 band,
    one panel per SKU.

    ``history``: sku, date, units. ``forecast``: sku, date, p10, p50, p90 (total level).
    """
    fig, axes = plt.subplots(len(skus), 1, figsize=(9, 2.4 * len(skus)), squeeze=False)
    for ax, sku in zip(axes[:, 0], skus, strict=True):
        past = history[history["sku"] == sku].sort_values("date")
        past = past[past["date"] > past["date"].max() - pd.Timedelta(days=history_days)]
        ahead = forecast[forecast["sku"] == sku].sort_values("date")
        ax.plot(past["date"], past["units"], color="#555555", linewidth=0.9, label="actual")
        ax.fill_between(ahead["date"], ahead["p10"], ahead["p90"], color="#4c72b0", alpha=0.25,
                        label="p10–p90")
        ax.plot(ahead["date"], ahead["p50"], color="#4c72b0", linewidth=1.4, label="forecast p50")
        ax.set_title(sku, fontsize=9, loc="left")
        ax.set_ylabel("units/day", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_ylim(bottom=0)
    axes[0, 0].legend(fontsize=7, loc="upper left")
    return png_bytes(fig)


def png_bytes(fig) -> bytes:
    """A matplotlib figure as PNG bytes (closed afterwards): every Stockpilot chart ends here."""
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()


def health_histogram_chart(scores: pd.Series, attention_below: int = 60) -> bytes:
    """How many SKUs have each health score (0-100, in steps of 5), the attention line marked."""
    fig, ax = plt.subplots(figsize=(8, 2.8))
    bins = list(range(0, 106, 5))
    values = scores.dropna().astype(float)
    _, _, patches = ax.hist(values, bins=bins, color="#4c72b0", edgecolor="white")
    for patch, left in zip(patches, bins[:-1], strict=True):
        if left < attention_below:
            patch.set_facecolor("#c44e52")
    ax.axvline(attention_below, color="#333333", linestyle="--", linewidth=1)
    ax.text(attention_below - 1, ax.get_ylim()[1] * 0.92, f"needs attention (below {attention_below}) ",
            fontsize=8, ha="right", color="#c44e52")
    ax.set_xlabel("health score", fontsize=8)
    ax.set_ylabel("SKUs", fontsize=8)
    ax.set_xlim(0, 105)
    ax.tick_params(labelsize=7)
    return png_bytes(fig)


def stacked_bar_chart(table: pd.DataFrame, index: str, columns: list[str], ylabel: str,
                      horizontal: bool = True) -> bytes:
    """One bar per ``index`` value, stacked by ``columns`` (e.g. units per location by age bucket)."""
    data = table.set_index(index)[columns].fillna(0)
    height = max(2.4, 0.32 * len(data) + 1.2) if horizontal else 3.2
    fig, ax = plt.subplots(figsize=(9, height))
    data.plot(kind="barh" if horizontal else "bar", stacked=True, ax=ax, width=0.75,
              colormap="viridis" if len(columns) > 2 else None)
    if horizontal:
        ax.invert_yaxis()
        ax.set_xlabel(ylabel, fontsize=8)
        ax.set_ylabel("")
    else:
        ax.set_ylabel(ylabel, fontsize=8)
    ax.tick_params(labelsize=7)
    ax.legend(fontsize=7, loc="lower right" if horizontal else "upper right")
    return png_bytes(fig)


def kpi_trend_chart(daily: pd.DataFrame) -> bytes:
    """Inventory and in-transit value at cost (top) and fill and stockout rates (bottom) by day.

    ``daily``: date, inventory_value, in_transit_value, fill_rate, stockout_rate (marts.kpi_daily).
    """
    d = daily.assign(date=pd.to_datetime(daily["date"])).sort_values("date")
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 4.4), sharex=True)
    top.plot(d["date"], d["inventory_value"], color="#4c72b0", label="on hand at cost")
    top.plot(d["date"], d["in_transit_value"], color="#dd8452", label="in transit at cost")
    top.set_ylabel("value", fontsize=8)
    top.set_ylim(bottom=0)
    top.legend(fontsize=7, loc="upper left")
    # a week's mean: daily rates of a small seller jump around
    bottom.plot(d["date"], d["fill_rate"].rolling(7, min_periods=1).mean(), color="#55a868",
                label="fill rate (7-day mean)")
    bottom.plot(d["date"], d["stockout_rate"].rolling(7, min_periods=1).mean(), color="#c44e52",
                label="stockout rate (7-day mean)")
    bottom.set_ylim(0, 1.05)
    bottom.set_ylabel("share", fontsize=8)
    bottom.legend(fontsize=7, loc="center left")
    for ax in (top, bottom):
        ax.tick_params(labelsize=7)
    return png_bytes(fig)
