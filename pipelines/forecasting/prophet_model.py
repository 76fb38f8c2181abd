"""Prophet as a per-series model: weekly/yearly seasonality, public holidays, promotion and price.

Prophet (Taylor & Letham 2018) fits trend + seasonality + holiday and regressor effects to one
series. Here it sees only the days that were really observed: stockout days carry an imputed
value in ``SeriesHistory.y`` and are dropped, since Prophet fits gaps without complaint and
an imputed figure would otherwise count as evidence. Point forecasts only
(``uncertainty_samples=0``): quantiles come from backtest residuals elsewhere, which is cheaper
and calibrated on the model's real errors.

``prophet_forecast`` holds the fitting logic on plain frames so a benchmark can run the same model
on weekly data (Dominick's) with its own regressors; ``ProphetModel`` adapts a ``SeriesHistory``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from functools import lru_cache

import numpy as np
import pandas as pd

from pipelines.forecasting.series import SeriesHistory

# Prophet logs an ERROR at import when plotly is missing; plotting is never used here.
logging.getLogger("prophet.plot").setLevel(logging.CRITICAL)

from cmdstanpy.utils import get_logger as get_cmdstanpy_logger  # noqa: E402
from prophet import Prophet  # noqa: E402  (both must follow the logger setting above)


class _DropDeliberateYearlyWarning(logging.Filter):
    """Prophet warns on every fit with yearly seasonality and < 730 days of history; fitting it
    from 365 days on is this module's choice (a season seen once beats none for a planner), so
    the warning would only repeat itself for every young SKU."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith("Yearly seasonality is enabled with less than")


# cmdstanpy configures its logger (level DEBUG, own handler) on first use: do that now so the
# level set here is not overwritten, and its per-fit "Chain [1] start processing" stays quiet.
get_cmdstanpy_logger().setLevel(logging.WARNING)
logging.getLogger("prophet").setLevel(logging.WARNING)
logging.getLogger("prophet").addFilter(_DropDeliberateYearlyWarning())

#: Days of history from which yearly seasonality is fitted; with less, a yearly curve is noise.
MIN_DAYS_FOR_YEARLY = 365


@lru_cache(maxsize=32)
def _holiday_table(country: str, first_year: int, last_year: int) -> pd.DataFrame:
    """Public holidays of ``country`` as Prophet's holidays frame (empty if the code is unknown).

    Built from the ``holidays`` package, which works offline; cached because every SKU of a
    marketplace shares the table."""
    import holidays as holidays_lib

    try:
        days = holidays_lib.country_holidays(country, years=range(first_year, last_year + 1))
    except NotImplementedError:
        return pd.DataFrame(columns=["ds", "holiday"])
    table = pd.DataFrame({"ds": pd.to_datetime(list(days.keys())), "holiday": list(days.values())})
    return table.sort_values("ds").reset_index(drop=True)


def _varies(values: pd.Series) -> bool:
    return values.notna().all() and values.nunique() > 1


def prophet_forecast(history: pd.DataFrame, future: pd.DataFrame, *,
                     regressors: tuple[str, ...] = (), country: str | None = None,
                     weekly_seasonality: bool = True, log1p: bool = False,
                     regressor_prior_scales: Mapping[str, float] | None = None) -> np.ndarray:
    """Fit Prophet on ``history`` (columns ``ds``, ``y`` and the ``regressors``) and return the
    point forecast for the rows of ``future`` (``ds`` and the same regressors), clipped at 0.

    A regressor is used only when it varies in the history: a constant column carries no
    information about its effect and Prophet would divide by a zero standard deviation.
    Yearly seasonality needs ``MIN_DAYS_FOR_YEARLY`` days of history; ``country`` adds its
    public holidays. ``log1p`` fits log(1 + y) and transforms back, which makes seasonality and
    regressor effects multiplicative (a promotion lifts a big seller by more units than a small
    one); the back-transformed forecast is nearer the median than the mean, so it runs low on
    skewed series. Too little history (< 2 rows) or a constant series returns its mean.
    """
    history = history.dropna(subset=["y"])
    if len(history) < 2 or history["y"].nunique() == 1:
        level = float(history["y"].mean()) if len(history) else 0.0
        return np.full(len(future), max(level, 0.0))

    span_days = (history["ds"].max() - history["ds"].min()).days + 1
    holiday_table = None
    if country:
        years = pd.concat([history["ds"], future["ds"]]).dt.year
        holiday_table = _holiday_table(country, int(years.min()), int(years.max()))
        if holiday_table.empty:
            holiday_table = None
    model = Prophet(
        yearly_seasonality=span_days >= MIN_DAYS_FOR_YEARLY,
        weekly_seasonality=weekly_seasonality,
        daily_seasonality=False,
        holidays=holiday_table,
        uncertainty_samples=0,
    )
    used = [name for name in regressors if _varies(history[name])]
    for name in used:
        model.add_regressor(name, prior_scale=(regressor_prior_scales or {}).get(name))
    fit_frame = history[["ds", "y", *used]]
    if log1p:
        fit_frame = fit_frame.assign(y=np.log1p(fit_frame["y"].clip(lower=0)))
    model.fit(fit_frame)
    predicted = model.predict(future[["ds", *used]])["yhat"].to_numpy()
    if log1p:
        predicted = np.expm1(predicted)
    return np.clip(predicted, 0.0, None)


class ProphetModel:
    """Prophet on one SKU's daily history (implements ``PerSeriesModel``).

    The switches let benchmarks measure what each input is worth: ``holidays`` (the
    marketplace country's public holidays), ``promo_regressor`` (discount fraction per day),
    ``price_regressor`` (selling price per day, when known over history and horizon).
    """

    name = "prophet"

    def __init__(self, holidays: bool = True, promo_regressor: bool = True,
                 price_regressor: bool = True) -> None:
        self.holidays = holidays
        self.promo_regressor = promo_regressor
        self.price_regressor = price_regressor

    def frames(self, series: SeriesHistory) -> tuple[pd.DataFrame, pd.DataFrame, tuple[str, ...]]:
        """The fit frame (observed days only), the horizon frame and the candidate regressors."""
        n = len(series.dates)
        days = series.dates.append(series.future_dates())
        frame = pd.DataFrame({"ds": days, "y": np.append(np.asarray(series.y, dtype=float),
                                                          np.full(series.horizon, np.nan))})
        regressors: list[str] = []
        if self.promo_regressor:
            frame["promo"] = np.nan_to_num(np.asarray(series.promo, dtype=float))
            regressors.append("promo")
        if self.price_regressor and series.price is not None:
            # Unknown days take the nearest known price; a horizon with no price at all (nothing
            # known ahead) leaves the regressor out, as the future would be a guess.
            price = pd.Series(np.asarray(series.price, dtype=float))
            if price.iloc[n:].notna().any() or series.horizon == 0:
                frame["price"] = price.ffill().bfill().to_numpy()
                if frame["price"].notna().all():
                    regressors.append("price")
        observed = np.asarray(series.observed, dtype=bool)
        history = frame.iloc[:n][observed]
        future = frame.iloc[n:].drop(columns="y")
        return history, future, tuple(regressors)

    def forecast(self, series: SeriesHistory) -> np.ndarray:
        if series.horizon <= 0:
            return np.zeros(0)
        history, future, regressors = self.frames(series)
        return prophet_forecast(history, future, regressors=regressors,
                                country=series.country if self.holidays else None)
