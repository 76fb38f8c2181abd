"""How a region's forecast is split across the locations that fulfil it when some of them ran
out of stock (pipelines/replenishment/demand.py, issue 16).

East is fulfilled by two fulfilment centres, FC-E and FC-C; the look-back is 90 days up to
AS_OF (age 0 = AS_OF, age 89 = the first day). A location out of stock ships nothing and its
orders go to the other one: its shipped units alone would shrink its share.
"""

from __future__ import annotations

import pandas as pd
import pytest

from pipelines.replenishment.demand import location_shares
from tests.unit.replenishment_world import AS_OF, plan

LOOKBACK = 90
#: The location axis: FC-C, FC-E, FC-W.
LOCS = pd.DataFrame({"location_id": ["FC-C", "FC-E", "FC-W"], "region": ["central", "east", "west"]})


def day(age: int):
    return (pd.Timestamp(AS_OF) - pd.Timedelta(days=age)).date()


def shipped(location: str, units: float, ages: range, region: str = "east") -> pd.DataFrame:
    """``units`` of SKU A from ``region`` shipped by ``location``, spread evenly over ``ages``."""
    return pd.DataFrame({"sku": "A", "region": region, "location_id": location,
                         "date": [day(a) for a in ages], "units": units / len(ages)})


def out_of_stock(location: str, ages: range) -> pd.DataFrame:
    """marts.fct_location_stockouts rows: ``location`` started these days without SKU A."""
    return pd.DataFrame({"date": [day(a) for a in ages], "sku": "A", "location_id": location})


def east_shares(fulfilment, stockouts=None, before=None, before_days=365) -> list[float]:
    """[FC-C, FC-E] shares of A's east demand."""
    shares = location_shares(fulfilment, pd.Index(["A"]), pd.Index(["east"]), LOCS, as_of=AS_OF,
                             lookback_days=LOOKBACK, stockouts=stockouts, fallback=before,
                             fallback_days=before_days if before is not None else 0)
    assert shares[0, 0].sum() == pytest.approx(1.0)
    return shares[0, 0, :2].tolist()


def half_out_rerouted() -> tuple[pd.DataFrame, pd.DataFrame]:
    """FC-E had stock on ages 45–89 only and shipped 100 there; FC-C had stock every day and
    shipped 300: 100 on ages 45–89, 200 on ages 0–44 (its own 100 and FC-E's 100)."""
    fulfilment = pd.concat([shipped("FC-E", 100, range(45, 90)), shipped("FC-C", 100, range(45, 90)),
                            shipped("FC-C", 200, range(0, 45))], ignore_index=True)
    return fulfilment, out_of_stock("FC-E", range(0, 45))


def test_orders_rerouted_while_a_location_was_out_of_stock_stay_its_own():
    # measured on ages 45–89, when both had stock: FC-E 100/45 a day, FC-C 100/45 → 1 : 1
    # (units alone gave 100 : 300; units per own in-stock day 100/45 : 300/90 = 2 : 3)
    fulfilment, stockouts = half_out_rerouted()
    assert east_shares(fulfilment, stockouts) == pytest.approx([0.5, 0.5])


def test_without_stockout_data_every_day_counts_as_before():
    fulfilment, _ = half_out_rerouted()
    assert east_shares(fulfilment) == pytest.approx([0.75, 0.25])  # 300 : 100
    assert east_shares(fulfilment, out_of_stock("FC-E", range(0))) == pytest.approx([0.75, 0.25])
    assert east_shares(fulfilment.groupby(["sku", "region", "location_id"], as_index=False)["units"].sum()
                       ) == pytest.approx([0.75, 0.25])


def test_without_a_day_both_had_stock_each_is_measured_per_own_in_stock_day():
    # FC-E out on ages 0–59 (30 days with stock, 60 shipped: 2 a day), FC-C out on ages 60–89
    # (60 days with stock, 180 shipped: 3 a day): 2 : 3, where units alone gave 60 : 180
    fulfilment = pd.concat([shipped("FC-E", 60, range(60, 90)), shipped("FC-C", 180, range(0, 60))])
    stockouts = pd.concat([out_of_stock("FC-E", range(0, 60)), out_of_stock("FC-C", range(60, 90))])
    assert east_shares(fulfilment, stockouts) == pytest.approx([0.6, 0.4])


def test_daily_rows_are_not_needed_for_the_rate_per_in_stock_day():
    # the same without dates: the rate per in-stock day, no re-routing correction (rule 2)
    fulfilment = pd.DataFrame({"sku": "A", "region": "east", "location_id": ["FC-E", "FC-C"], "units": [60, 180]})
    stockouts = pd.concat([out_of_stock("FC-E", range(0, 60)), out_of_stock("FC-C", range(60, 90))])
    assert east_shares(fulfilment, stockouts) == pytest.approx([0.6, 0.4])


def test_location_out_of_stock_the_whole_look_back_keeps_its_share_from_before():
    # FC-E had no stock for 90 days and shipped nothing in them; over 365 days it shipped 550 in
    # its 275 days with stock (2 a day), FC-C 1,095 in 365 (3 a day): 2 : 3, not 0 : 1
    fulfilment = shipped("FC-C", 360, range(0, 90))
    before = pd.DataFrame({"sku": "A", "region": "east", "location_id": ["FC-E", "FC-C"], "units": [550, 1095]})
    assert east_shares(fulfilment, out_of_stock("FC-E", range(0, 90)), before) == pytest.approx([0.6, 0.4])


def test_location_out_of_stock_the_whole_look_back_without_earlier_sales_gets_nothing():
    fulfilment = shipped("FC-C", 360, range(0, 90))
    before = pd.DataFrame({"sku": "A", "region": "east", "location_id": ["FC-C"], "units": [1455]})
    assert east_shares(fulfilment, out_of_stock("FC-E", range(0, 365)), before) == pytest.approx([1.0, 0.0])


def test_plan_gives_the_location_back_its_forecast():
    # 4 units a day from east: 2 and 2 instead of 3 (FC-C) and 1 (FC-E)
    fulfilment, stockouts = half_out_rerouted()
    targets = plan({"A": {"east": 4}}, {}, [{"sku": "A"}], fulfil=fulfilment,
                   location_stockouts=stockouts).targets.set_index("location_id")
    assert targets.loc["FC-E", "forecast_daily_units"] == pytest.approx(2.0)
    assert targets.loc["FC-C", "forecast_daily_units"] == pytest.approx(2.0)
