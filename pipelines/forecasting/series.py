"""The one shape a demand history takes when it reaches a forecasting model.

Panel models (statsforecast) work on many series at once from a long DataFrame; models that fit
one series at a time (Prophet) implement ``PerSeriesModel`` and receive a ``SeriesHistory``.
Both see the same history: daily units with stockout days already imputed (``observed`` says
which days were real), and the promotion and price calendars over history and horizon.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np
import pandas as pd


@dataclass(frozen=True)
class SeriesHistory:
    """One SKU's daily demand up to a cutoff, plus what is known about the days ahead.

    - ``dates``: consecutive days; the last one is the cutoff (the as-of date of this fit).
    - ``y``: units/day on those days; stockout days are imputed (see ``observed``).
    - ``observed``: False where ``y`` was imputed because no stock was sellable that day.
    - ``promo``: discount fraction (0 = none, 0.2 = 20 % off) per day over ``dates`` and then
      ``horizon`` further days, so its length is ``len(dates) + horizon``.
    - ``price``: selling price per day over the same span (NaN where unknown), or None.
    - ``country``: marketplace country (ISO code) whose public holidays apply.
    """

    sku: str
    dates: pd.DatetimeIndex
    y: np.ndarray
    observed: np.ndarray
    promo: np.ndarray
    price: np.ndarray | None
    country: str = "US"

    @property
    def horizon(self) -> int:
        return len(self.promo) - len(self.dates)

    def future_dates(self) -> pd.DatetimeIndex:
        return pd.date_range(self.dates[-1] + pd.Timedelta(days=1), periods=self.horizon, freq="D")


class PerSeriesModel(Protocol):
    """A model fitted one series at a time. ``forecast`` returns ``series.horizon`` point
    forecasts (units/day, >= 0) for the days after the cutoff."""

    name: str

    def forecast(self, series: SeriesHistory) -> np.ndarray: ...
