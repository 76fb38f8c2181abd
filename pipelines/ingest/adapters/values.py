"""Reading the values marketplace reports really hold: amounts with currency symbols and either
decimal convention, counts with thousands separators, and the date formats each marketplace uses.

Every parser takes a column of strings and returns the parsed values plus a mask of the values
that are present but could not be read, so the adapter can quarantine exactly those rows. The
work is done once per distinct value (a report repeats its dates and prices).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

import numpy as np
import pandas as pd

#: Values that mean "nothing here" in marketplace exports.
NULL_TOKENS = frozenset({"", "-", "--", "n/a", "na", "none", "null"})

#: Currency marks → ISO-4217 code. Longer marks first, so ``CA$`` is not read as ``$``.
CURRENCY_MARKS: tuple[tuple[str, str], ...] = (
    ("CA$", "CAD"), ("AU$", "AUD"), ("MX$", "MXN"), ("US$", "USD"), ("NZ$", "NZD"),
    ("C$", "CAD"), ("A$", "AUD"), ("R$", "BRL"), ("zł", "PLN"),
    ("€", "EUR"), ("£", "GBP"), ("¥", "JPY"), ("₹", "INR"), ("$", "USD"),
)
_CODE = re.compile(r"\b([A-Z]{3})\b")
_SPACES = re.compile(r"[\s\u00a0\u202f']+")
_NUMBER = re.compile(r"[+-]?[\d.,]*\d[\d.,]*")
_THOUSANDS_COMMA = re.compile(r"\d{1,3}(,\d{3})+")
_THOUSANDS_DOT = re.compile(r"\d{1,3}(\.\d{3})+")


@dataclass
class Parsed:
    """Parsed values (NaN/None where empty or bad) and the mask of present-but-unreadable ones."""

    values: pd.Series
    bad: np.ndarray


def is_null(raw: pd.Series) -> np.ndarray:
    return raw.str.strip().str.lower().isin(NULL_TOKENS).to_numpy(dtype=bool)


def currency_of(text: str) -> str:
    """The ISO code a value is marked with (``12,99 €`` → EUR, ``USD 3.50`` → USD), or ``""``."""
    code = _CODE.search(text)
    if code:
        return code.group(1)
    for mark, iso in CURRENCY_MARKS:
        if mark in text:
            return iso
    return ""


def _strip_currency(text: str) -> str:
    text = _CODE.sub("", text)
    for mark, _ in CURRENCY_MARKS:
        text = text.replace(mark, "")
    return _SPACES.sub("", text)


def _decimal_mark(core: str) -> str | None:
    """The decimal mark a number shows by itself: ``,`` (``12,99``, ``1.234,56``), ``.``
    (``0.5``, ``1,234.56``), ``""`` (none: ``12``, ``1,234,567``) or None when ``1,234`` or
    ``1.234`` could be either (the column decides)."""
    digits = core.lstrip("+-")
    has_comma, has_dot = "," in digits, "." in digits
    if has_comma and has_dot:
        return "," if digits.rfind(",") > digits.rfind(".") else "."
    for mark, thousands in ((",", _THOUSANDS_COMMA), (".", _THOUSANDS_DOT)):
        if mark in digits:
            if not thousands.fullmatch(digits):
                return mark
            return None if digits.count(mark) == 1 else ""
    return ""


def _comma_decimal_column(cores: list[str]) -> bool:
    """Whether the ambiguous values of a column (``1,234``) use a decimal comma: when more of
    its unambiguous values do than use a decimal point."""
    marks = [_decimal_mark(core) for core in cores]
    return marks.count(",") > marks.count(".")


def _to_float(core: str, comma_decimal: bool) -> float | None:
    negative = core.startswith("-")
    digits = core.lstrip("+-")
    mark = _decimal_mark(core)
    if mark is None:
        mark = "," if comma_decimal else "."
    if mark == "":
        digits = digits.replace(",", "").replace(".", "")
    else:
        digits = digits.replace("." if mark == "," else ",", "")
    if mark == ",":
        digits = digits.replace(",", ".")
    if digits.count(".") > 1:
        return None
    try:
        value = float(digits)
    except ValueError:
        return None
    return -value if negative else value


def parse_amounts(raw: pd.Series) -> Parsed:
    """Numbers as people write them: ``$1,234.56``, ``12,99 €``, ``1.234,56``, ``(3.50)``."""
    raw = raw.astype("str")
    null = is_null(raw)
    distinct = pd.unique(raw[~null])
    cores: dict[str, str | None] = {}
    for text in distinct:
        core = _strip_currency(text)
        if core.startswith("(") and core.endswith(")"):
            core = "-" + core[1:-1]
        cores[text] = core if _NUMBER.fullmatch(core) else None
    comma_decimal = _comma_decimal_column([c for c in cores.values() if c])
    parsed = {text: (_to_float(core, comma_decimal) if core else None) for text, core in cores.items()}
    values = raw.map(parsed).astype("float64")
    values[null] = np.nan
    bad = ~null & values.isna().to_numpy()
    return Parsed(values, bad)


def parse_counts(raw: pd.Series) -> Parsed:
    """Whole numbers of units (``1,234`` → 1234); fractions are unreadable counts."""
    amounts = parse_amounts(raw)
    values = amounts.values
    fractional = values.notna().to_numpy() & (np.floor(values) != values).to_numpy()
    values = values.where(~fractional)
    return Parsed(values, amounts.bad | fractional)


def currencies(raw: pd.Series) -> pd.Series:
    """The currency code each value is marked with, ``""`` where none."""
    raw = raw.astype("str")
    codes = {text: currency_of(text) for text in pd.unique(raw)}
    return raw.map(codes)


# --- dates and times ---------------------------------------------------------------------------

#: Time-zone abbreviations marketplaces print after a time, as UTC offsets.
ZONE_ABBREVIATIONS = {
    "UTC": "+00:00", "GMT": "+00:00", "Z": "+00:00",
    "EST": "-05:00", "EDT": "-04:00", "CST": "-06:00", "CDT": "-05:00", "MST": "-07:00",
    "MDT": "-06:00", "PST": "-08:00", "PDT": "-07:00", "AKST": "-09:00", "AKDT": "-08:00",
    "HST": "-10:00", "BST": "+01:00", "CET": "+01:00", "CEST": "+02:00", "WET": "+00:00",
    "WEST": "+01:00", "EET": "+02:00", "EEST": "+03:00", "JST": "+09:00", "AEST": "+10:00",
    "AEDT": "+11:00",
}
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}

_TIME = r"(?:[T ](?P<h>\d{1,2}):(?P<mi>\d{2})(?::(?P<s>\d{2})(?:\.(?P<f>\d{1,9}))?)?\s*(?P<ampm>[AaPp][Mm])?)?"
_ZONE = r"(?:\s*(?P<zone>Z|[+-]\d{2}:?\d{2}|[A-Z]{2,5}))?"
_ISO = re.compile(r"(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})" + _TIME + _ZONE)
#: 03/15/2024, 15.03.2024, 15/03/2024 (which field is the day is decided per column).
_NUMERIC = re.compile(r"(?P<a>\d{1,2})(?P<sep>[/.-])(?P<b>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})" + _TIME + _ZONE)
#: Mar-15-24 (eBay US), 15-Mar-24, Mar 15, 2024, 15 Mar 2024.
_MONTH_FIRST = re.compile(r"(?P<mon>[A-Za-z]{3})[a-z]*[- ](?P<d>\d{1,2}),?[- ](?P<y>\d{4}|\d{2})" + _TIME + _ZONE)
_DAY_FIRST = re.compile(r"(?P<d>\d{1,2})[- ](?P<mon>[A-Za-z]{3})[a-z]*\.?[- ](?P<y>\d{4}|\d{2})" + _TIME + _ZONE)
#: 03/2024: a month (Amazon's monthly ledger summary).
_MONTH_ONLY = re.compile(r"(?P<m>\d{1,2})/(?P<y>\d{4})")


@dataclass(frozen=True)
class _Moment:
    year: int
    month: int
    day: int
    time: tuple[int, int, int, int] | None  # hour, minute, second, microsecond
    zone: str  # "" or "+hh:mm"


def _year(text: str) -> int:
    year = int(text)
    return year + 2000 if len(text) == 2 else year


def _time_of(match: re.Match) -> tuple[int, int, int, int] | None:
    if match.group("h") is None:
        return None
    hour, minute = int(match.group("h")), int(match.group("mi"))
    second = int(match.group("s") or 0)
    micro = int((match.group("f") or "0").ljust(6, "0")[:6])
    ampm = (match.group("ampm") or "").lower()
    if ampm == "pm" and hour < 12:
        hour += 12
    elif ampm == "am" and hour == 12:
        hour = 0
    return hour, minute, second, micro


def _zone_of(match: re.Match) -> str | None:
    zone = match.group("zone")
    if not zone:
        return ""
    if zone in ZONE_ABBREVIATIONS:
        return ZONE_ABBREVIATIONS[zone]
    if zone[0] in "+-":
        digits = zone[1:].replace(":", "")
        return f"{zone[0]}{digits[:2]}:{digits[2:]}"
    return None  # an abbreviation we do not know: better quarantined than guessed


def _day_first_column(texts: list[str]) -> bool:
    """Whether ``a/b/yyyy`` dates of one column put the day first: some first field above 12,
    or dots as separators (European). Otherwise month first, as US marketplaces write them."""
    first_big = second_big = dots = 0
    for text in texts:
        match = _NUMERIC.fullmatch(text)
        if match:
            first_big += int(match.group("a")) > 12
            second_big += int(match.group("b")) > 12
            dots += match.group("sep") == "."
    return first_big > second_big or (dots > 0 and second_big == 0)


def _moment(text: str, day_first: bool) -> _Moment | None:
    for pattern in (_ISO, _NUMERIC, _MONTH_FIRST, _DAY_FIRST):
        match = pattern.fullmatch(text)
        if not match:
            continue
        zone = _zone_of(match)
        if zone is None:
            return None
        if pattern is _ISO:
            year, month, day = int(match.group("y")), int(match.group("m")), int(match.group("d"))
        elif pattern is _NUMERIC:
            a, b = int(match.group("a")), int(match.group("b"))
            day, month = (a, b) if day_first else (b, a)
            year = _year(match.group("y"))
        else:
            month = _MONTHS.get(match.group("mon").lower()[:3])
            if month is None:
                return None
            year, day = _year(match.group("y")), int(match.group("d"))
        return _Moment(year, month, day, _time_of(match), zone)
    return None


def _iso(moment: _Moment, with_time: bool) -> str | None:
    hour, minute, second, micro = moment.time or (0, 0, 0, 0)
    try:
        value = datetime(moment.year, moment.month, moment.day, hour, minute, second, micro)
    except ValueError:
        return None
    if not with_time or (moment.time is None and not moment.zone):
        return value.strftime("%Y-%m-%d")
    return value.strftime("%Y-%m-%dT%H:%M:%S") + (f".{micro:06d}" if micro else "") + moment.zone


def parse_timestamps(raw: pd.Series, *, day_first: bool | None = None) -> Parsed:
    """ISO-8601 text (with the UTC offset when the report gives one) for each value.

    Reads ISO (``2024-03-15T10:22:01+00:00``), Shopify (``2024-03-15 10:22:01 -0400``), eBay
    (``Mar-15-24``, ``Mar-15-24 10:22:01 PDT``), US (``03/15/2024 10:22 AM``) and European
    (``15.03.2024 10:22``) forms. Offsets are kept for validation to convert to the business
    time zone; times without one are already local.
    """
    return _parse_moments(raw, day_first, with_time=True)


def parse_dates(raw: pd.Series, *, day_first: bool | None = None) -> Parsed:
    """``YYYY-MM-DD`` for each value, in the same forms as ``parse_timestamps`` (time dropped)."""
    return _parse_moments(raw, day_first, with_time=False)


def _parse_moments(raw: pd.Series, day_first: bool | None, with_time: bool) -> Parsed:
    raw = raw.astype("str").str.strip()
    null = is_null(raw)
    distinct = [text for text in pd.unique(raw[~null])]
    if day_first is None:
        day_first = _day_first_column(distinct)
    parsed = {}
    for text in distinct:
        moment = _moment(text, day_first)
        parsed[text] = _iso(moment, with_time) if moment else None
    values = raw.map(parsed)
    values[null] = None
    bad = ~null & values.isna().to_numpy()
    return Parsed(values.where(values.notna(), None), bad)


def month_end(raw: pd.Series) -> Parsed:
    """Last day (``YYYY-MM-DD``) of ``MM/YYYY`` months; other values are left unparsed (NaN)."""
    raw = raw.astype("str").str.strip()
    out = pd.Series(None, index=raw.index, dtype="object")
    for text in pd.unique(raw):
        match = _MONTH_ONLY.fullmatch(text)
        if match and 1 <= int(match.group("m")) <= 12:
            last = (pd.Timestamp(int(match.group("y")), int(match.group("m")), 1) + pd.offsets.MonthEnd(0))
            out[raw == text] = last.strftime("%Y-%m-%d")
    return Parsed(out, np.zeros(len(raw), dtype=bool))


def number_text(values: pd.Series) -> pd.Series:
    """Numbers as contract text: integers without a decimal point, ``""`` where missing."""
    out = pd.Series("", index=values.index, dtype="object")
    present = values.notna()
    whole = present & (np.floor(values) == values)
    out[whole] = values[whole].astype("int64").astype(str)
    out[present & ~whole] = values[present & ~whole].map(repr)
    return out
