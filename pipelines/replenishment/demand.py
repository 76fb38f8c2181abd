"""Forecast demand as arrays: per SKU in total and per customer-facing location, day by day.

``marts.demand_forecast`` gives each SKU's daily p10/p50/p90 in total and split by customer
region. Replenishment needs it per location. Rule: a region's forecast is split across the
customer-facing locations that fulfilled that SKU's orders from that region over the last
``fulfilment_lookback_days`` (``intermediate.int_demand_components``), in proportion to their
units. A SKU with no such history in a region follows the pooled pattern of all SKUs there;
a region nobody fulfilled goes to the customer-facing locations in that region equally, else to
all of them by their overall volume. The location rows of a SKU add up to its total forecast.

Spread: the daily standard deviation is read from the p10–p90 band, σ = (p90 − p10)/(2·Φ⁻¹(0.9))
(the band of a normal distribution). The whole band, not only its upper half, because for
intermittent items (most days 0, a few days several units) p90 − p50 is a jump between two
outcomes and would overstate σ about twofold. A location's share of a region scales that
region's σ; regions are independent (their variances add).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
from scipy.stats import norm

from pipelines.config import AbcCutoffs, ServiceLevels

CUSTOMER_FACING_TYPES = ("fc", "warehouse", "store")
ABC_CLASSES = ("A", "B", "C")
#: σ of a normal distribution per unit of p10–p90 band width.
_SIGMA_PER_BAND = 1.0 / (2.0 * norm.ppf(0.9))


@dataclass
class DemandCube:
    """Daily forecast arrays; day 0 is the day after ``as_of``. Units/day throughout."""

    as_of: date
    skus: pd.Index  # sku labels, axis 0
    locations: pd.Index  # customer-facing location ids, axis 1 of the location arrays
    total_p50: np.ndarray  # (sku, day)
    total_sigma: np.ndarray  # (sku, day)
    location_p50: np.ndarray  # (sku, location, day)
    location_sigma: np.ndarray  # (sku, location, day)

    @property
    def horizon(self) -> int:
        return self.total_p50.shape[-1]


def _dense(rows: pd.DataFrame, index: dict[str, pd.Index], as_of: date, horizon: int) -> tuple[np.ndarray, ...]:
    """p50 and σ arrays indexed by the given label columns, then day."""
    shape = tuple(len(v) for v in index.values()) + (horizon,)
    p50, sigma = np.zeros(shape), np.zeros(shape)
    day = (pd.to_datetime(rows["date"]) - pd.Timestamp(as_of)).dt.days.to_numpy() - 1
    codes = [labels.get_indexer(rows[col]) for col, labels in index.items()]
    keep = (day >= 0) & (day < horizon) & np.all([c >= 0 for c in codes], axis=0)
    at = tuple(c[keep] for c in codes) + (day[keep],)
    p50[at] = rows["p50"].to_numpy(dtype=float)[keep]
    band = (rows["p90"].to_numpy(dtype=float) - rows["p10"].to_numpy(dtype=float))[keep]
    sigma[at] = np.clip(band, 0.0, None) * _SIGMA_PER_BAND
    return np.clip(p50, 0.0, None), sigma


def location_shares(fulfilment: pd.DataFrame, skus: pd.Index, regions: pd.Index,
                    locations: pd.DataFrame) -> np.ndarray:
    """Share of each (SKU, region)'s demand that each customer-facing location serves:
    array (sku, region, location) whose last axis sums to 1 (rule in the module docstring).

    ``fulfilment``: sku, region, location_id, units over the lookback. ``locations``: the
    customer-facing locations (location_id, region), in the order of the location axis.
    """
    loc_ids = pd.Index(locations["location_id"])
    counts = np.zeros((len(skus), len(regions), len(loc_ids)))
    s = skus.get_indexer(fulfilment["sku"])
    r = regions.get_indexer(fulfilment["region"])
    loc = loc_ids.get_indexer(fulfilment["location_id"])
    units = fulfilment["units"].to_numpy(dtype=float)
    ok = (s >= 0) & (r >= 0) & (loc >= 0) & (units > 0)
    np.add.at(counts, (s[ok], r[ok], loc[ok]), units[ok])

    # pooled over every SKU ever fulfilled (not only the forecast ones)
    pooled = np.zeros((len(regions), len(loc_ids)))
    ok_pool = (r >= 0) & (loc >= 0) & (units > 0)
    np.add.at(pooled, (r[ok_pool], loc[ok_pool]), units[ok_pool])
    overall = pooled.sum(axis=0)
    if overall.sum() <= 0:
        overall = np.ones(len(loc_ids))
    same_region = (locations["region"].to_numpy()[None, :] == regions.to_numpy()[:, None]).astype(float)
    fallback = np.where(pooled.sum(axis=1, keepdims=True) > 0, pooled,
                        np.where(same_region.sum(axis=1, keepdims=True) > 0, same_region, overall[None, :]))
    fallback = fallback / fallback.sum(axis=1, keepdims=True)

    totals = counts.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals > 0, counts / np.where(totals > 0, totals, 1.0), fallback[None, :, :])


def build_demand_cube(forecast: pd.DataFrame, fulfilment: pd.DataFrame, locations: pd.DataFrame,
                      as_of: date) -> DemandCube:
    """Daily total and per-location forecast arrays.

    ``forecast``: marts.demand_forecast rows (sku, level, level_value, date, p10, p50, p90) of levels
    ``total`` and ``region``. ``locations``: every location (location_id, location_type,
    region); the customer-facing ones (fc, warehouse, store) form the location axis.
    """
    facing = locations[locations["location_type"].isin(CUSTOMER_FACING_TYPES)].sort_values("location_id")
    total_rows = forecast[forecast["level"] == "total"]
    region_rows = forecast[forecast["level"] == "region"]
    skus = pd.Index(sorted(total_rows["sku"].unique()), name="sku")
    regions = pd.Index(sorted(set(region_rows["level_value"]) | set(fulfilment["region"]) | set(facing["region"])))
    if len(total_rows):
        last = pd.to_datetime(total_rows["date"]).max()
        horizon = max(int((last - pd.Timestamp(as_of)).days), 1)
    else:
        horizon = 1
    total_p50, total_sigma = _dense(total_rows, {"sku": skus}, as_of, horizon)
    region_p50, region_sigma = _dense(region_rows.rename(columns={"level_value": "region"}),
                                      {"sku": skus, "region": regions}, as_of, horizon)

    # a SKU forecast in total but without region rows follows the network's regional mix
    missing = (region_p50.sum(axis=(1, 2)) <= 0) & (total_p50.sum(axis=1) > 0)
    if missing.any():
        mix = np.zeros(len(regions))
        np.add.at(mix, regions.get_indexer(fulfilment["region"]), fulfilment["units"].to_numpy(dtype=float))
        mix = mix / mix.sum() if mix.sum() > 0 else np.full(len(regions), 1.0 / max(len(regions), 1))
        region_p50[missing] = total_p50[missing][:, None, :] * mix[None, :, None]
        region_sigma[missing] = total_sigma[missing][:, None, :] * np.sqrt(mix)[None, :, None]

    shares = location_shares(fulfilment, skus, regions, facing)  # (sku, region, location)
    location_p50 = np.einsum("srh,srl->slh", region_p50, shares, optimize=True)
    location_sigma = np.sqrt(np.einsum("srh,srl->slh", region_sigma**2, shares**2, optimize=True))
    return DemandCube(as_of=as_of, skus=skus, locations=pd.Index(facing["location_id"], name="location_id"),
                      total_p50=total_p50, total_sigma=total_sigma,
                      location_p50=location_p50, location_sigma=location_sigma)


def abc_classes(revenue: pd.DataFrame, skus: pd.Index, cutoffs: AbcCutoffs) -> pd.Series:
    """ABC class per SKU on revenue (``revenue``: sku, revenue over the look-back).

    SKUs sorted by revenue, largest first: a SKU is A while the revenue of the SKUs before it is
    below ``cutoffs.A`` of the total (so the SKU crossing the line is still A), B below
    ``cutoffs.B``, else C. SKUs without revenue are C.
    """
    rev = revenue.groupby("sku")["revenue"].sum().reindex(skus).fillna(0.0).clip(lower=0.0)
    ordered = rev.sort_values(ascending=False, kind="stable")
    total = ordered.sum()
    before = (ordered.cumsum() - ordered) / total if total > 0 else ordered * 0 + 1.0
    cls = np.where(before < cutoffs.A, "A", np.where(before < cutoffs.B, "B", "C"))
    cls = np.where(ordered.to_numpy() > 0, cls, "C")
    return pd.Series(cls, index=ordered.index, name="abc_class").reindex(skus)


def service_levels_for(classes: pd.Series, levels: ServiceLevels) -> pd.Series:
    """Cycle service level of each SKU's ABC class."""
    return classes.map({"A": levels.A, "B": levels.B, "C": levels.C}).astype(float)
