"""Forecast demand as arrays: per SKU in total and per customer-facing location, day by day.

``marts.demand_forecast`` gives each SKU's daily p10/p50/p90 in total and split by customer
region. Replenishment needs it per location. Rule: a region's forecast is split across the
customer-facing locations that fulfilled that SKU's orders from that region over the last
``fulfilment_lookback_days`` (``intermediate.int_demand_components``), in proportion to the
orders each had of its own, measured on the days it could serve: a location out of stock ships
nothing and its orders go to the others (or are lost), so its shipped units alone would give it
less of the forecast, the next stockout would come sooner, and so on. The days a location started
without a sellable unit are ``marts.fct_location_stockouts``; a day it is absent from counts as
in stock.

1. On the days of the look-back on which every location that fulfilled the (SKU, region) had
   stock, nobody served orders re-routed from another: the split is their units on those days
   (each one's units per such day, the same days for all).
2. When none of those days had a sale, each location's units per day it had stock (its units
   over the look-back / its in-stock days): one out of stock half the look-back keeps the rate it
   had while in stock (the orders re-routed to the others still count for them).
3. When a location that fulfilled the (SKU, region) over the last ``fulfilment_fallback_days``
   had no in-stock day in the look-back, the (SKU, region) is measured as in 2 over those days,
   so that location keeps the share it had before it ran out.

Example: FC-A and FC-B fulfil a region. FC-A shipped 100 units in the 45 days of the 90 it had
stock; FC-B had stock every day and shipped 300, 100 of them on FC-A's in-stock days: the split is
100 : 100 (rule 1), where units alone gave 100 : 300. Without any stockout day every day counts
(the units over the look-back). A SKU with no such history in a region follows the pooled pattern
of all SKUs there; a region nobody fulfilled goes to the customer-facing locations in that region
equally, else to all of them by their overall volume. The location rows of a SKU add up to its
total forecast.

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


def _positions(frame: pd.DataFrame, skus: pd.Index, locations: pd.Index,
               regions: pd.Index | None = None) -> tuple[np.ndarray, ...]:
    """Indices of each row on the sku, (region,) location axes (−1: not on the axis)."""
    s = skus.get_indexer(frame["sku"])
    loc = locations.get_indexer(frame["location_id"])
    if regions is None:
        return s, loc
    return s, regions.get_indexer(frame["region"]), loc


def _units(frame: pd.DataFrame | None, skus: pd.Index, regions: pd.Index, locations: pd.Index) -> np.ndarray:
    """Units per (sku, region, location)."""
    out = np.zeros((len(skus), len(regions), len(locations)))
    if frame is None or frame.empty:
        return out
    s, r, loc = _positions(frame, skus, locations, regions)
    units = frame["units"].to_numpy(dtype=float)
    ok = (s >= 0) & (r >= 0) & (loc >= 0) & (units > 0)
    np.add.at(out, (s[ok], r[ok], loc[ok]), units[ok])
    return out


def _age(dates: pd.Series, as_of: date) -> np.ndarray:
    """Days before ``as_of`` (0: ``as_of`` itself; −1 for a missing date, which no window holds)."""
    return (pd.Timestamp(as_of) - pd.to_datetime(dates)).dt.days.fillna(-1).to_numpy(dtype=np.int64)


def _per_stocked_day(units: np.ndarray, stocked_days: np.ndarray) -> np.ndarray:
    """Units per day in stock (units/day); 0 where the location had no such day."""
    days = stocked_days[:, None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(days > 0, units / np.where(days > 0, days, 1), 0.0)


def serving_rates(fulfilment: pd.DataFrame, counts: np.ndarray, skus: pd.Index, regions: pd.Index,
                  locations: pd.Index, as_of: date, lookback_days: int, stockouts: pd.DataFrame,
                  fallback: pd.DataFrame | None = None, fallback_days: int = 0) -> np.ndarray:
    """Each location's own orders per day it could serve, array (sku, region, location) in
    units/day, from ``counts`` (its units over the look-back); rules 1–3 of the module docstring.

    ``fulfilment``: sku, region, location_id, units, and ``date`` when daily (rule 1 needs it);
    ``stockouts``: date, sku, location_id of the days a location started without sellable stock
    over the last max(``lookback_days``, ``fallback_days``); ``fallback``: sku, region,
    location_id, units over the last ``fallback_days`` (none: rule 3 is rule 2 on the look-back).
    """
    window = max(lookback_days, fallback_days if fallback is not None else 0)
    out = stockouts.drop_duplicates(["date", "sku", "location_id"])
    s_out, loc_out = _positions(out, skus, locations)
    age_out = _age(out["date"], as_of)
    known = (s_out >= 0) & (loc_out >= 0) & (age_out >= 0) & (age_out < window)
    s_out, loc_out, age_out = s_out[known], loc_out[known], age_out[known]

    def stocked_days(days: int) -> np.ndarray:
        """(sku, location): days of the last ``days`` the location started with stock."""
        empty = np.zeros((len(skus), len(locations)))
        recent = age_out < days
        np.add.at(empty, (s_out[recent], loc_out[recent]), 1)
        return days - empty

    stocked = stocked_days(lookback_days)
    rates = _per_stocked_day(counts, stocked)  # rule 2

    if "date" in fulfilment.columns and len(fulfilment):  # rule 1
        serving = counts > 0
        recent = age_out < lookback_days
        # (sku, region, day): a location serving the (sku, region) was out of stock that day
        disturbed = np.zeros((len(skus), len(regions), lookback_days), dtype=bool)
        row, r = np.nonzero(serving[s_out[recent], :, loc_out[recent]])
        disturbed[s_out[recent][row], r, age_out[recent][row]] = True
        s, r, loc = _positions(fulfilment, skus, locations, regions)
        age = _age(fulfilment["date"], as_of)
        units = fulfilment["units"].to_numpy(dtype=float)
        ok = (s >= 0) & (r >= 0) & (loc >= 0) & (units > 0) & (age >= 0) & (age < lookback_days)
        ok[ok] = ~disturbed[s[ok], r[ok], age[ok]]
        calm = np.zeros_like(counts)
        np.add.at(calm, (s[ok], r[ok], loc[ok]), units[ok])
        calm_days = lookback_days - disturbed.sum(axis=2)
        has_calm = calm.sum(axis=2) > 0
        rates = np.where(has_calm[:, :, None], calm / np.maximum(calm_days, 1)[:, :, None], rates)

    # rule 3: a location that fulfilled the (sku, region) before and had no stock the whole look-back
    before, before_days = (_units(fallback, skus, regions, locations), fallback_days) if fallback is not None \
        else (counts, lookback_days)
    gone = ((before > 0) & (stocked[:, None, :] <= 0)).any(axis=2)
    return np.where(gone[:, :, None], _per_stocked_day(before, stocked_days(before_days)), rates)


def location_shares(fulfilment: pd.DataFrame, skus: pd.Index, regions: pd.Index,
                    locations: pd.DataFrame, *, as_of: date | None = None, lookback_days: int = 0,
                    stockouts: pd.DataFrame | None = None, fallback: pd.DataFrame | None = None,
                    fallback_days: int = 0) -> np.ndarray:
    """Share of each (SKU, region)'s demand that each customer-facing location serves:
    array (sku, region, location) whose last axis sums to 1 (rule in the module docstring).

    ``fulfilment``: sku, region, location_id, units over the look-back (``lookback_days`` up to
    ``as_of``), one row per ``date`` when it has that column. ``locations``: the customer-facing
    locations (location_id, region), in the order of the location axis. ``stockouts`` (date,
    sku, location_id) and ``fallback``: see ``serving_rates``; without stockouts every day counts
    as in stock and the shares are the units over the look-back.
    """
    loc_ids = pd.Index(locations["location_id"])
    counts = _units(fulfilment, skus, regions, loc_ids)

    # pooled over every SKU ever fulfilled (not only the forecast ones)
    pooled = np.zeros((len(regions), len(loc_ids)))
    _, r, loc = _positions(fulfilment, skus, loc_ids, regions)
    units = fulfilment["units"].to_numpy(dtype=float)
    ok_pool = (r >= 0) & (loc >= 0) & (units > 0)
    np.add.at(pooled, (r[ok_pool], loc[ok_pool]), units[ok_pool])
    overall = pooled.sum(axis=0)
    if overall.sum() <= 0:
        overall = np.ones(len(loc_ids))
    same_region = (locations["region"].to_numpy()[None, :] == regions.to_numpy()[:, None]).astype(float)
    fallback_shares = np.where(pooled.sum(axis=1, keepdims=True) > 0, pooled,
                               np.where(same_region.sum(axis=1, keepdims=True) > 0, same_region, overall[None, :]))
    fallback_shares = fallback_shares / fallback_shares.sum(axis=1, keepdims=True)

    rates = counts
    if stockouts is not None and len(stockouts) and as_of is not None and lookback_days > 0:
        rates = serving_rates(fulfilment, counts, skus, regions, loc_ids, as_of, lookback_days, stockouts,
                              fallback, fallback_days)
    totals = rates.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(totals > 0, rates / np.where(totals > 0, totals, 1.0), fallback_shares[None, :, :])


def build_demand_cube(forecast: pd.DataFrame, fulfilment: pd.DataFrame, locations: pd.DataFrame,
                      as_of: date, *, lookback_days: int = 0, stockouts: pd.DataFrame | None = None,
                      fallback: pd.DataFrame | None = None, fallback_days: int = 0) -> DemandCube:
    """Daily total and per-location forecast arrays.

    ``forecast``: marts.demand_forecast rows (sku, level, level_value, date, p10, p50, p90) of levels
    ``total`` and ``region``. ``locations``: every location (location_id, location_type,
    region); the customer-facing ones (fc, warehouse, store) form the location axis.
    ``fulfilment`` and the keywords: see ``location_shares``.
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

    shares = location_shares(fulfilment, skus, regions, facing, as_of=as_of, lookback_days=lookback_days,
                             stockouts=stockouts, fallback=fallback, fallback_days=fallback_days)
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
