"""The day and moment a report without a date column describes: from its file name, else from
when the file was written (downloaded).

- A date in the file name: ``YYYY-MM-DD``, ``YYYY_MM_DD``, ``YYYY.MM.DD``, ``YYYYMMDD``,
  ``MM-DD-YYYY`` (Amazon US downloads; day first when the first number is above 12) or
  ``DD.MM.YYYY`` (European). With several, the last one wins (the end of a date range). The
  moment is the file's modification time when that falls on the named day (the download), else
  the start of the day.
- Otherwise the file's modification time, in the business time zone, is both day and moment.

Which rule applied is recorded per file in ``raw._loaded_files.read_as``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

_ISO_LIKE = re.compile(r"(?<!\d)(20\d\d)([-_.]?)(\d\d)\2(\d\d)(?!\d)")
_US = re.compile(r"(?<!\d)(\d\d)([-_])(\d\d)\2(20\d\d)(?!\d)")
_EUROPEAN = re.compile(r"(?<!\d)(\d\d)\.(\d\d)\.(20\d\d)(?!\d)")

FROM_NAME = "the file name"
FROM_MTIME = "the file's modification time"


@dataclass(frozen=True)
class FileMoment:
    day: str  # YYYY-MM-DD
    moment: str  # ISO timestamp, business time zone, no offset
    source: str  # FROM_NAME or FROM_MTIME

    def describe(self) -> str:
        return f"dated {self.day} from {self.source}"


def _dates_in(name: str) -> list[tuple[int, date]]:
    found: list[tuple[int, date]] = []
    for match in _ISO_LIKE.finditer(name):
        found.append((match.start(), (int(match.group(1)), int(match.group(3)), int(match.group(4)))))
    for match in _US.finditer(name):
        first, second = int(match.group(1)), int(match.group(3))
        month, day = (second, first) if first > 12 else (first, second)
        found.append((match.start(), (int(match.group(4)), month, day)))
    for match in _EUROPEAN.finditer(name):
        found.append((match.start(), (int(match.group(3)), int(match.group(2)), int(match.group(1)))))
    valid = []
    for start, (year, month, day) in found:
        try:
            valid.append((start, date(year, month, day)))
        except ValueError:
            continue
    return sorted(valid)


def date_in_name(name: str) -> date | None:
    """The last valid date written in a file name, or None."""
    dates = _dates_in(name)
    return dates[-1][1] if dates else None


def file_moment(name: str, mtime: float, timezone: str) -> FileMoment:
    """The day and moment a report file describes (see the module docstring)."""
    written = datetime.fromtimestamp(mtime, tz=UTC).astimezone(ZoneInfo(timezone)).replace(tzinfo=None,
                                                                                          microsecond=0)
    named = date_in_name(name)
    if named is None:
        return FileMoment(written.date().isoformat(), written.isoformat(), FROM_MTIME)
    moment = written if written.date() == named else datetime(named.year, named.month, named.day)
    return FileMoment(named.isoformat(), moment.isoformat(), FROM_NAME)
