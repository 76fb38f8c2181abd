"""Channel and region splits of a SKU's total forecast.

A SKU's share of a channel (or region) is its units there over the last ``split_lookback_days``
days that were not stockout days, divided by its units over those days. A SKU with no units in
that window uses all its uncensored history; one that never sold gets equal shares over the
channels (regions) it has demand rows in, else over every channel (region) of the call's demand.
Split rows are the total's p10/p50/p90 × share, so the splits of each quantile add up to the
total exactly (quantiles of parts do not add up in general; this is the planning convention).
"""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd


def split_shares(demand: pd.DataFrame, stockouts: pd.DataFrame, skus: pd.Series, as_of: date,
                 lookback_days: int, column: str) -> pd.DataFrame:
    """Rows sku, level_value, share (shares of each SKU sum to 1) for ``column`` (channel or
    region) of the SKUs in ``skus``."""
    out_cols = ["sku", "level_value", "share"]
    if column not in demand or demand[column].dropna().empty:
        return pd.DataFrame(columns=out_cols)
    end = pd.Timestamp(as_of)
    d = demand.loc[:, ["date", "sku", column, "units"]].dropna(subset=[column]).copy()
    d["date"] = pd.to_datetime(d["date"])
    d["sku"] = d["sku"].astype(str)
    d = d[(d["date"] <= end) & d["sku"].isin(set(skus.astype(str)))]
    if len(stockouts):
        s = stockouts.loc[:, ["date", "sku"]].copy()
        s["date"] = pd.to_datetime(s["date"])
        s["sku"] = s["sku"].astype(str)
        d = d.merge(s.drop_duplicates().assign(_censored=True), on=["date", "sku"], how="left")
        d = d[d["_censored"].isna()].drop(columns="_censored")

    def shares(frame: pd.DataFrame) -> pd.DataFrame:
        g = frame.groupby(["sku", column], as_index=False)["units"].sum()
        g = g[g["units"] > 0]
        g["share"] = g["units"] / g.groupby("sku")["units"].transform("sum")
        return g.rename(columns={column: "level_value"})[out_cols]

    recent = shares(d[d["date"] > end - pd.Timedelta(days=lookback_days)])
    longer = shares(d[~d["sku"].isin(recent["sku"])])
    parts = [recent, longer]
    rest = pd.Index(skus.astype(str).unique()).difference(pd.Index(recent["sku"])).difference(
        pd.Index(longer["sku"]))
    if len(rest):
        listed = d.loc[d["sku"].isin(rest), ["sku", column]].drop_duplicates()
        unlisted = rest.difference(pd.Index(listed["sku"]))
        every = np.sort(demand[column].dropna().astype(str).unique())
        listed = pd.concat([listed, pd.DataFrame({"sku": np.repeat(unlisted, len(every)),
                                                  column: np.tile(every, len(unlisted))})])
        listed["share"] = 1.0 / listed.groupby("sku")[column].transform("size")
        parts.append(listed.rename(columns={column: "level_value"})[out_cols])
    return pd.concat(parts, ignore_index=True)
