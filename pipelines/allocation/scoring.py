"""Channel velocity, unit margin and the score a dedicated split follows.

For one SKU, the channels that list it compete for the stock of the locations they share. Each
gets a score, the weighted sum of three shares over those channels (weights from
``allocation.score_weights``, normalised to sum to 1):

    score_c = w_v · v_c / Σv  +  w_m · m_c / Σm  +  w_p · p_c / Σp

- v_c, velocity (units/day): mean daily p50 of ``marts.demand_forecast`` at channel level over
  the ``velocity_days`` after the as-of date; a SKU the forecast does not cover uses its mean
  daily units over the last ``velocity_lookback_days`` of ``marts.fct_daily_demand``.
- m_c, unit margin (currency/unit), floored at 0: unit_price × (1 − commission_pct/100) −
  fulfillment_cost_per_unit − unit_cost. A higher fee means a smaller share.
- p_c, priority shifted so the lowest channel priority counts 1.

A term whose values are all zero for the SKU (no sales yet, no channel with a positive margin)
splits equally. Scores of one SKU add up to 1. Sellbrite's per-channel percentages are the
hand-set version of this; here the percentages follow the data and are explained in words.
"""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import pandas as pd

from pipelines.config import ScoreWeights

VELOCITY_COLUMNS = ["sku", "channel", "velocity", "velocity_source"]
SCORE_COLUMNS = VELOCITY_COLUMNS + ["unit_price", "fee_per_unit", "unit_margin", "priority", "score"]


def channel_velocity(listed: pd.DataFrame, forecast: pd.DataFrame, demand: pd.DataFrame,
                     as_of: date, velocity_days: int, lookback_days: int) -> pd.DataFrame:
    """Velocity (units/day) per listed (sku, channel), and where it came from.

    ``forecast``: sku, channel, date, p50 (channel-level rows of marts.demand_forecast; may be
    empty when no forecast was published yet). ``demand``: date, sku, channel, units.
    velocity_source is ``forecast``, ``recent_demand`` or ``none`` (no forecast, no recent sale).
    """
    pairs = listed[["sku", "channel"]].drop_duplicates().reset_index(drop=True)
    start, end = pd.Timestamp(as_of), pd.Timestamp(as_of + timedelta(days=velocity_days))
    fc = forecast.assign(date=pd.to_datetime(forecast["date"])) if len(forecast) else forecast
    fc = fc[(fc["date"] > start) & (fc["date"] <= end)] if len(fc) else fc
    if len(fc):
        # a forecast published before today's as-of date still covers the days after it
        days = max(fc["date"].nunique(), 1)
        from_forecast = (fc.groupby(["sku", "channel"], as_index=False)["p50"].sum()
                         .assign(velocity=lambda f: f["p50"] / days)[["sku", "channel", "velocity"]])
        forecast_skus = set(fc["sku"])
    else:
        from_forecast = pd.DataFrame(columns=["sku", "channel", "velocity"])
        forecast_skus = set()
    since = pd.Timestamp(as_of - timedelta(days=lookback_days))
    recent = demand.assign(date=pd.to_datetime(demand["date"])) if len(demand) else demand
    recent = recent[(recent["date"] > since) & (recent["date"] <= start)] if len(recent) else recent
    from_demand = (recent.groupby(["sku", "channel"], as_index=False)["units"].sum()
                   .assign(velocity=lambda f: f["units"] / lookback_days)[["sku", "channel", "velocity"]]
                   if len(recent) else pd.DataFrame(columns=["sku", "channel", "velocity"]))
    by_forecast = pairs["sku"].isin(forecast_skus)
    parts = [pairs[by_forecast].merge(from_forecast, on=["sku", "channel"], how="left")
             .assign(velocity_source="forecast"),
             pairs[~by_forecast].merge(from_demand, on=["sku", "channel"], how="left")
             .assign(velocity_source="recent_demand")]
    parts = [p.astype({"velocity": float}) for p in parts if len(p)]
    out = pd.concat(parts, ignore_index=True) if parts else pairs.assign(velocity=0.0, velocity_source="none")
    out["velocity"] = out["velocity"].fillna(0.0)
    sold = out.groupby("sku")["velocity"].transform("sum") > 0
    out.loc[~sold & (out["velocity_source"] == "recent_demand"), "velocity_source"] = "none"
    return out.sort_values(["sku", "channel"]).reset_index(drop=True)[VELOCITY_COLUMNS]


def _share(values: pd.Series, groups: pd.Series) -> pd.Series:
    """values / their group total; equal shares where the group total is 0."""
    total = values.groupby(groups).transform("sum")
    count = values.groupby(groups).transform("count")
    return pd.Series(np.where(total > 0, values / total.where(total > 0, 1.0), 1.0 / count),
                     index=values.index)


def channel_scores(velocity: pd.DataFrame, channels: pd.DataFrame, skus: pd.DataFrame,
                   weights: ScoreWeights) -> pd.DataFrame:
    """Score per (sku, channel) from :func:`channel_velocity` output.

    ``channels``: channel, fulfillment_cost_per_unit, commission_pct, priority.
    ``skus``: sku, unit_cost, unit_price (currency/unit).
    """
    if velocity.empty:
        return pd.DataFrame(columns=SCORE_COLUMNS)
    terms = channels[["channel", "fulfillment_cost_per_unit", "commission_pct", "priority"]]
    df = (velocity.merge(terms, on="channel", how="left")
          .merge(skus[["sku", "unit_cost", "unit_price"]], on="sku", how="left"))
    price = df["unit_price"].astype(float).fillna(0.0)
    df["fee_per_unit"] = (price * df["commission_pct"].astype(float).fillna(0.0) / 100
                          + df["fulfillment_cost_per_unit"].astype(float).fillna(0.0))
    df["unit_margin"] = price - df["fee_per_unit"] - df["unit_cost"].astype(float).fillna(0.0)
    priority = pd.to_numeric(channels["priority"], errors="coerce").fillna(0)
    lowest = priority.min() if len(priority) else 0
    df["priority"] = pd.to_numeric(df["priority"], errors="coerce").fillna(lowest).astype(int)
    total = weights.velocity + weights.margin + weights.priority
    df["score"] = (
        weights.velocity / total * _share(df["velocity"], df["sku"])
        + weights.margin / total * _share(df["unit_margin"].clip(lower=0), df["sku"])
        + weights.priority / total * _share((df["priority"] - lowest + 1).astype(float), df["sku"])
    )
    return df[SCORE_COLUMNS].sort_values(["sku", "channel"]).reset_index(drop=True)
