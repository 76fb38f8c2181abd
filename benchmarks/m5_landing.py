"""The M5 subset (Walmart, 28 items x 10 stores, daily) as a Stockpilot landing folder.

Data: ``m5_tiny`` — ``sales_train_d1_d1913.csv`` (wide daily unit sales, d_1 = 2011-01-29 …
d_1913 = 2016-04-24), ``calendar.csv`` and ``sell_prices.csv`` (weekly price per store and item)
from the ``m5`` R package's tiny_m5 (MIT) and the official M5 calendar (Makridakis, Spiliotis,
Assimakopoulos, IJF 38(4), 2022).

Each M5 series (item x store) becomes one SKU, sold on one channel (``walmart``) from one store
location per M5 store. Every day with sales becomes one delivered order line of that many units
at that week's price, so the pipeline's daily demand equals M5's unit sales. Promotions are
derived from prices (M5 has no promotion feed): a week priced more than ``PROMO_THRESHOLD`` below
the item-store's regular price (the highest price of the last ``REGULAR_PRICE_WEEKS`` weeks) is
a promotion. No stock snapshots: M5 does not record stock, so only the suspected-stockout rule
(implausible zero-sale runs, docs/operations.md) censors days.

Usage: python -m benchmarks.m5_landing --data ../shared/data/m5_tiny --out /tmp/m5_landing
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines import contract

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = REPO_ROOT.parent / "shared" / "data" / "m5_tiny"
CHANNEL = "walmart"
SUPPLIER = "M5-SUPPLIER"
#: A price this far below the regular price (a fraction) counts as a promotion.
PROMO_THRESHOLD = 0.05
#: The regular price is the highest price of this many weeks up to and including the week; a
#: permanent price cut thus reads as a promotion for at most this many weeks.
REGULAR_PRICE_WEEKS = 8
#: Landed cost as a share of the median selling price (M5 publishes no costs).
COST_SHARE = 0.6


@dataclass(frozen=True)
class M5Data:
    """The M5 subset in arrays aligned on ``series`` (rows) and ``dates`` (columns).

    - ``series``: one row per series: sku, item_id, dept_id, cat_id, store_id, state_id.
    - ``sales``: units/day, shape (series, days).
    - ``price``: sell price per day (NaN before the item was on sale), shape (series, days +
      the calendar's days beyond the sales, so horizons after the data have prices too).
    - ``discount``: promotion discount fraction per day, same shape as ``price``.
    """

    series: pd.DataFrame
    dates: pd.DatetimeIndex
    sales: np.ndarray
    calendar_dates: pd.DatetimeIndex
    price: np.ndarray
    discount: np.ndarray


def load_m5(data_dir: Path) -> M5Data:
    data_dir = Path(data_dir)
    wide = pd.read_csv(data_dir / "sales_train_d1_d1913.csv")
    calendar = pd.read_csv(data_dir / "calendar.csv", parse_dates=["date"])
    prices = pd.read_csv(data_dir / "sell_prices.csv")
    day_columns = [c for c in wide.columns if c.startswith("d_")]
    by_d = calendar.set_index("d")
    dates = pd.DatetimeIndex(by_d.loc[day_columns, "date"])
    series = wide[["id", "item_id", "dept_id", "cat_id", "store_id", "state_id"]].copy()
    # "FOODS_1_033_CA_1_evaluation" -> "FOODS_1_033_CA_1": the suffix names an M5 phase, not a SKU.
    series.insert(0, "sku", series.pop("id").str.replace(r"_(evaluation|validation)$", "", regex=True))

    prices = prices.merge(_weekly_discounts(prices), on=["store_id", "item_id", "wm_yr_wk"])
    keys = series[["store_id", "item_id"]].assign(row=np.arange(len(series)))
    weeks = calendar[["wm_yr_wk"]].assign(col=np.arange(len(calendar)))
    daily = prices.merge(keys, on=["store_id", "item_id"]).merge(weeks, on="wm_yr_wk")
    price = np.full((len(series), len(calendar)), np.nan)
    discount = np.zeros((len(series), len(calendar)))
    price[daily["row"], daily["col"]] = daily["sell_price"]
    discount[daily["row"], daily["col"]] = daily["discount"]
    return M5Data(series=series, dates=dates, sales=wide[day_columns].to_numpy(dtype=float),
                  calendar_dates=pd.DatetimeIndex(calendar["date"]), price=price, discount=discount)


def _weekly_discounts(prices: pd.DataFrame) -> pd.DataFrame:
    """Discount fraction per store, item and week against the trailing regular price."""
    prices = prices.sort_values(["store_id", "item_id", "wm_yr_wk"])
    regular = (prices.groupby(["store_id", "item_id"])["sell_price"]
               .transform(lambda p: p.rolling(REGULAR_PRICE_WEEKS, min_periods=1).max()))
    discount = 1 - prices["sell_price"] / regular
    discount = discount.where(discount > PROMO_THRESHOLD, 0.0).round(3)
    return prices[["store_id", "item_id", "wm_yr_wk"]].assign(discount=discount)


def promotions(data: M5Data, last_day: pd.Timestamp) -> pd.DataFrame:
    """Runs of consecutive days with the same non-zero discount, up to ``last_day``, as the
    contract's promotions table."""
    rows = []
    keep = data.calendar_dates <= last_day
    for sku, discount in zip(data.series["sku"], data.discount[:, keep], strict=True):
        change = np.flatnonzero(np.diff(discount, prepend=0.0, append=0.0))
        for start, end in zip(change[:-1], change[1:], strict=True):
            if discount[start] > 0:
                rows.append((CHANNEL, sku, data.calendar_dates[start].date(),
                             data.calendar_dates[end - 1].date(), round(100 * discount[start], 1)))
    return pd.DataFrame(rows, columns=contract.PROMOTIONS.column_names)


def _reference_tables(data: M5Data) -> dict[str, pd.DataFrame]:
    series = data.series
    stores = series[["store_id", "state_id"]].drop_duplicates().sort_values("store_id")
    median_price = np.nanmedian(data.price, axis=1)
    return {
        "skus": pd.DataFrame({
            "sku": series["sku"], "title": series["item_id"] + " at Walmart " + series["store_id"],
            "category": series["cat_id"], "unit_cost": np.round(COST_SHARE * median_price, 2),
            "unit_price": np.round(median_price, 2), "supplier_id": SUPPLIER,
        }),
        "listings": pd.DataFrame({"channel": CHANNEL, "listing_sku": series["sku"],
                                  "sku": series["sku"]}),
        "locations": pd.concat([
            pd.DataFrame({"location_id": [SUPPLIER], "type": ["supplier"], "operator": ["supplier"],
                          "region": ["US"], "channels": [""], "name": ["M5 supplier"],
                          "country": ["US"]}),
            pd.DataFrame({"location_id": stores["store_id"], "type": "store", "operator": "walmart",
                          "region": stores["state_id"], "channels": CHANNEL,
                          "name": "Walmart " + stores["store_id"], "country": "US"}),
        ], ignore_index=True),
        "lanes": pd.DataFrame({"origin_id": SUPPLIER, "destination_id": stores["store_id"],
                               "mode": "truck", "transit_days": 3.0, "transit_days_std": 1.0,
                               "cost_per_unit": 0.1, "status": "active"}),
        "channels": pd.DataFrame({"channel": [CHANNEL], "buffer_pct": [0.0], "buffer_units": [0],
                                  "fulfillment_cost_per_unit": [0.0], "commission_pct": [0.0],
                                  "country": ["US"]}),
        # Orders say which store sold them; the rules only matter for orders that do not.
        "routing_rules": pd.DataFrame({"channel": CHANNEL, "rank": np.arange(1, len(stores) + 1),
                                       "location_id": stores["store_id"].to_numpy()}),
    }


def _orders(data: M5Data, days: int) -> pd.DataFrame:
    """One delivered order line per series and day with sales, over the first ``days`` days."""
    rows, cols = np.nonzero(data.sales[:, :days] > 0)
    series = data.series.iloc[rows].reset_index(drop=True)
    day = data.dates[cols]
    return pd.DataFrame({
        "order_id": series["sku"] + "-" + day.strftime("%Y%m%d"),
        "ordered_at": (day + pd.Timedelta(hours=12)).strftime("%Y-%m-%dT%H:%M:%S"),
        "channel": CHANNEL,
        "listing_sku": series["sku"],
        "quantity": data.sales[rows, cols].astype(int),
        "status": "delivered",
        "unit_price": data.price[rows, cols],
        "currency": "USD",
        "ship_region": series["state_id"],
        "fulfilled_from": series["store_id"],
    })


def write_landing(data_dir: Path, out_dir: Path, holdout_days: int = 28) -> pd.DataFrame:
    """Write the landing folder for the history up to the cutoff (the last day before the
    ``holdout_days`` held-out days) and return the held-out actuals: sku, date, units."""
    data = load_m5(Path(data_dir))
    out = Path(out_dir)
    history_days = len(data.dates) - holdout_days
    reference = out / "reference"
    reference.mkdir(parents=True, exist_ok=True)
    for name, frame in _reference_tables(data).items():
        frame.to_csv(reference / f"{name}.csv", index=False)
    # Planned promotions of the horizon are known in advance, like any seller's own plan.
    promotions(data, data.dates[-1]).to_csv(reference / "promotions.csv", index=False)
    orders = _orders(data, history_days)
    (out / "orders").mkdir(parents=True, exist_ok=True)
    year = orders["ordered_at"].str[:4]
    for value in sorted(year.unique()):
        orders[year == value].to_csv(out / "orders" / f"orders_{value}.csv", index=False)
    return holdout_actuals(data, holdout_days)


def holdout_actuals(data: M5Data, holdout_days: int = 28) -> pd.DataFrame:
    """Units per sku and day over the last ``holdout_days`` days (zeros included)."""
    tail = data.sales[:, -holdout_days:]
    return pd.DataFrame({
        "sku": np.repeat(data.series["sku"].to_numpy(), holdout_days),
        "date": np.tile(data.dates[-holdout_days:], len(data.series)),
        "units": tail.ravel(),
    })


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="the m5_tiny folder")
    parser.add_argument("--out", type=Path, required=True, help="landing folder to write")
    parser.add_argument("--holdout", type=int, default=28, help="days held out (default 28)")
    args = parser.parse_args()
    actuals = write_landing(args.data, args.out, args.holdout)
    print(f"landing written to {args.out}; {actuals['sku'].nunique()} SKUs, held-out days "
          f"{actuals['date'].min():%Y-%m-%d} .. {actuals['date'].max():%Y-%m-%d}")


if __name__ == "__main__":
    main()
