"""Time in the demo: integer seconds since the first day of history, 00:00 business local time.

Integers keep the simulation vectorised and exactly reproducible; they become ISO-8601 text
only when a file is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np

DAY = 86_400
HOUR = 3_600
MINUTE = 60


@dataclass(frozen=True)
class Clock:
    """The history window: ``days`` days ending on ``end`` inclusive."""

    end: date
    days: int

    @property
    def start(self) -> date:
        return self.end - timedelta(days=self.days - 1)

    @property
    def last_second(self) -> int:
        """The last moment of history (23:59:59 on ``end``), seconds since start."""
        return self.days * DAY - 1

    def date_of_day(self, day: int) -> date:
        return self.start + timedelta(days=int(day))

    def day_of_date(self, value: date) -> int:
        return (value - self.start).days

    def weekday(self, day: int) -> int:
        """Monday = 0 ... Sunday = 6."""
        return self.date_of_day(day).weekday()

    def day_of_year(self, days: np.ndarray) -> np.ndarray:
        """0-based day of the year of each day index."""
        dates = np.datetime64(self.start, "D") + days.astype("timedelta64[D]")
        years = dates.astype("datetime64[Y]").astype("datetime64[D]")
        return (dates - years).astype(np.int64)

    def month_index(self, seconds: np.ndarray) -> np.ndarray:
        """Months since the start month (0 = the month of the first day)."""
        dates = np.datetime64(self.start, "D") + (np.asarray(seconds) // DAY).astype("timedelta64[D]")
        months = dates.astype("datetime64[M]").astype(np.int64)
        return months - np.datetime64(self.start, "M").astype(np.int64)

    def month_label(self, month: int) -> str:
        """``YYYY-MM`` of a month index."""
        return str(np.datetime64(self.start, "M") + np.timedelta64(int(month), "M"))

    def month_last_day(self, month: int) -> int:
        """Day index of the last day of a month index."""
        first_next = (np.datetime64(self.start, "M") + np.timedelta64(int(month) + 1, "M")).astype("datetime64[D]")
        return int((first_next - np.datetime64(self.start, "D")).astype(np.int64)) - 1

    def timestamps(self, seconds: np.ndarray) -> np.ndarray:
        """ISO-8601 local timestamps without offset (``2026-10-31T14:05:00``)."""
        moments = np.datetime64(self.start, "s") + np.asarray(seconds, dtype=np.int64).astype("timedelta64[s]")
        return np.datetime_as_string(moments, unit="s")

    def dates(self, days: np.ndarray) -> np.ndarray:
        """ISO dates (``2026-10-31``) of day indices."""
        moments = np.datetime64(self.start, "D") + np.asarray(days, dtype=np.int64).astype("timedelta64[D]")
        return np.datetime_as_string(moments, unit="D")
