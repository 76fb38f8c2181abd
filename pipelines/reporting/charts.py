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
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90)
    plt.close(fig)
    return buffer.getvalue()
