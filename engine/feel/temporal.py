"""FEEL temporal values: date, time, date and time, and the two duration kinds (feel-dmn.md §2).

Python's datetime covers only years 1..9999 while FEEL needs ±999,999,999 and nanoseconds, so the calendar
arithmetic is done here on proleptic-Gregorian day numbers; `zoneinfo` is used only to find the UTC offset of an
IANA zone (clamped into datetime's range outside it).

Every value caches its normalised form in a slot: `_wall` (nanoseconds of the wall clock since 1970-01-01T00:00,
ignoring the offset) and `_key` (the instant in UTC nanoseconds when zoned, else the wall clock). Comparisons and
arithmetic work on these integers.
"""

from __future__ import annotations

import datetime as _dt
import re
from decimal import ROUND_DOWN, ROUND_HALF_EVEN, Decimal, InvalidOperation
from functools import lru_cache
from typing import Any, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from engine.feel.values import DECIMAL, DIALECT, MISSING, TemporalValue

NANOS = 1_000_000_000
DAY_NANOS = 86_400 * NANOS
MAX_YEAR = 999_999_999
#: java.time.ZoneOffset accepts at most ±18:00
MAX_OFFSET = 18 * 3600
#: a time with an IANA zone has no date; its offset is taken on this fixed date so results are reproducible
_TIME_ZONE_REFERENCE = (1970, 1, 1)

_set = object.__setattr__


# --- calendar arithmetic (Howard Hinnant's days-from-civil, valid for any proleptic-Gregorian year) -----------


def days_from_civil(y: int, m: int, d: int) -> int:
    """Days since 1970-01-01 of the given proleptic-Gregorian date."""
    y -= m <= 2
    era = y // 400
    yoe = y - era * 400
    doy = (153 * (m + (-3 if m > 2 else 9)) + 2) // 5 + d - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468


def civil_from_days(z: int) -> tuple[int, int, int]:
    """The (year, month, day) of a day number from days_from_civil."""
    z += 719_468
    era = z // 146_097
    doe = z - era * 146_097
    yoe = (doe - doe // 1460 + doe // 36_524 - doe // 146_096) // 365
    y = yoe + era * 400
    doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
    mp = (5 * doy + 2) // 153
    d = doy - (153 * mp + 2) // 5 + 1
    m = mp + (3 if mp < 10 else -9)
    return y + (m <= 2), m, d


def is_leap(y: int) -> bool:
    return y % 4 == 0 and (y % 100 != 0 or y % 400 == 0)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def days_in_month(y: int, m: int) -> int:
    return 29 if m == 2 and is_leap(y) else _MONTH_DAYS[m - 1]


def _valid_date(y: int, m: int, d: int) -> bool:
    return -MAX_YEAR <= y <= MAX_YEAR and 1 <= m <= 12 and 1 <= d <= days_in_month(y, m)


def _add_months(y: int, m: int, d: int, months: int) -> tuple[int, int, int]:
    """Shift by whole months, clamping the day to the month's end (Java/feel-scala; feel-dmn.md "Month overflow")."""
    total = y * 12 + (m - 1) + months
    y2, m2 = divmod(total, 12)
    m2 += 1
    return y2, m2, min(d, days_in_month(y2, m2))


# --- zones ---------------------------------------------------------------------------------------------------


@lru_cache(maxsize=512)
def zone_info(name: str) -> ZoneInfo | None:
    """The ZoneInfo for an IANA id, or None when unknown."""
    if not name or name.startswith(("/", ".")) or ".." in name:
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def _py_datetime(y: int, m: int, d: int, h: int, mi: int, s: int, tz: _dt.tzinfo | None) -> _dt.datetime:
    # zone rules outside datetime's range are approximated by those of the nearest supported year
    if y < 1 or y > 9999:
        y = 1 if y < 1 else 9999
        d = min(d, 28)
    return _dt.datetime(y, m, d, h, mi, s, tzinfo=tz)


def _offset_of(tz: _dt.tzinfo, dt: _dt.datetime) -> int:
    off = tz.utcoffset(dt)
    return int(off.total_seconds()) if off is not None else 0


def _zone_offset_local(zone: str, y: int, m: int, d: int, nod: int) -> int:
    """Offset (seconds) of `zone` at a wall-clock time; an overlap takes the earlier offset, as Java does."""
    tz = zone_info(zone)
    assert tz is not None
    secs = nod // NANOS
    return _offset_of(tz, _py_datetime(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, tz))


def _zone_offset_instant(zone: str, utc_nanos: int) -> int:
    tz = zone_info(zone)
    assert tz is not None
    secs = utc_nanos // NANOS
    lo, hi = -62_135_596_800 + 86_400, 253_402_300_799 - 86_400  # 0001-01-02 .. 9999-12-30 in epoch seconds
    secs = min(max(secs, lo), hi)
    return _offset_of(tz, _dt.datetime.fromtimestamp(secs, tz))


def _fmt_offset(offset: int) -> str:
    if offset == 0:
        return "Z"
    sign = "-" if offset < 0 else "+"
    a = abs(offset)
    text = f"{sign}{a // 3600:02d}:{a // 60 % 60:02d}"
    return text + f":{a % 60:02d}" if a % 60 else text


def _fmt_year(y: int) -> str:
    return f"{y:04d}" if y >= 0 else f"-{-y:04d}"


def _fmt_nod(nod: int) -> str:
    """HH:MM:SS[.fffffffff] of nanoseconds of day; the fraction only when non-zero, without trailing zeros."""
    secs, frac = divmod(nod, NANOS)
    text = f"{secs // 3600:02d}:{secs // 60 % 60:02d}:{secs % 60:02d}"
    if frac:
        text += "." + f"{frac:09d}".rstrip("0")
    return text


def _immutable(self: Any, name: str, value: Any) -> NoReturn:
    raise AttributeError(f"{type(self).__name__} is immutable")


# --- value classes -------------------------------------------------------------------------------------------


class FeelDate(TemporalValue):
    """A calendar date; `_days` is the day number since 1970-01-01."""

    __slots__ = ("year", "month", "day", "_days")
    feel_type = "date"
    year: int
    month: int
    day: int
    _days: int

    def __init__(self, year: int, month: int, day: int) -> None:
        if not _valid_date(year, month, day):
            raise ValueError(f"invalid date {year}-{month}-{day}")
        _set(self, "year", year)
        _set(self, "month", month)
        _set(self, "day", day)
        _set(self, "_days", days_from_civil(year, month, day))

    __setattr__ = _immutable

    @classmethod
    def from_days(cls, days: int) -> FeelDate:
        return cls(*civil_from_days(days))

    def feel_eq(self, other: Any) -> bool | None:
        return self._days == other._days if type(other) is FeelDate else None

    def feel_cmp(self, other: Any) -> int | None:
        if type(other) is not FeelDate:
            return None
        a, b = self._days, other._days
        return -1 if a < b else (1 if a > b else 0)

    def __eq__(self, other: object) -> bool:
        return type(other) is FeelDate and self._days == other._days

    def __hash__(self) -> int:
        return hash(("date", self._days))

    def __str__(self) -> str:
        return f"{_fmt_year(self.year)}-{self.month:02d}-{self.day:02d}"

    def __repr__(self) -> str:
        return f'date("{self}")'


class FeelTime(TemporalValue):
    """A time of day, local (offset and zone None), with a fixed offset, or with an IANA zone.

    `offset` is in seconds; for a zone it is given (the time of a zoned date and time) or else the zone's offset
    on _TIME_ZONE_REFERENCE; the zone form's identity is wall time + zone. `_wall` is the
    nanoseconds of day, `_key` the same minus the offset (not reduced modulo a day, as Java's OffsetTime).
    """

    __slots__ = ("hour", "minute", "second", "nanos", "offset", "zone", "_wall", "_key")
    feel_type = "time"
    hour: int
    minute: int
    second: int
    nanos: int
    offset: int | None
    zone: str | None
    _wall: int
    _key: int

    def __init__(
        self, hour: int, minute: int, second: int, nanos: int = 0, offset: int | None = None, zone: str | None = None
    ) -> None:
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60 and 0 <= nanos < NANOS):
            raise ValueError("invalid time")
        if zone is not None:
            if zone_info(zone) is None:
                raise ValueError(f"unknown time zone {zone}")
            if offset is None:
                offset = _zone_offset_local(zone, *_TIME_ZONE_REFERENCE, (hour * 3600 + minute * 60 + second) * NANOS)
        elif offset is not None and abs(offset) > MAX_OFFSET:
            raise ValueError("offset out of range")
        _set(self, "hour", hour)
        _set(self, "minute", minute)
        _set(self, "second", second)
        _set(self, "nanos", nanos)
        _set(self, "offset", offset)
        _set(self, "zone", zone)
        wall = (hour * 3600 + minute * 60 + second) * NANOS + nanos
        _set(self, "_wall", wall)
        _set(self, "_key", wall if offset is None else wall - offset * NANOS)

    __setattr__ = _immutable

    @classmethod
    def from_nod(cls, nod: int, offset: int | None, zone: str | None) -> FeelTime:
        secs, ns = divmod(nod % DAY_NANOS, NANOS)
        return cls(secs // 3600, secs // 60 % 60, secs % 60, ns, offset, zone)

    def _pair(self, other: FeelTime) -> tuple[int, int]:
        # a local time compared with a zoned one takes the other's offset: compare wall clocks (feel-dmn.md §2)
        if (self.offset is None) != (other.offset is None):
            return self._wall, other._wall
        return self._key, other._key

    def feel_eq(self, other: Any) -> bool | None:
        if type(other) is not FeelTime:
            return None
        if DIALECT.get() == "camunda":
            return self.__eq__(other)
        a, b = self._pair(other)
        return a // NANOS == b // NANOS  # the spec's resolution is one second

    def feel_cmp(self, other: Any) -> int | None:
        if type(other) is not FeelTime:
            return None
        a, b = self._pair(other)
        return -1 if a < b else (1 if a > b else 0)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is FeelTime
            and self._wall == other._wall
            and self.zone == other.zone
            and (self.zone is not None or self.offset == other.offset)
        )

    def __hash__(self) -> int:
        return hash(("time", self._wall, self.zone or self.offset))

    def __str__(self) -> str:
        text = _fmt_nod(self._wall)
        if self.zone is not None:
            return f"{text}@{self.zone}"
        return text if self.offset is None else text + _fmt_offset(self.offset)

    def __repr__(self) -> str:
        return f'time("{self}")'


class FeelDateTime(TemporalValue):
    """A date and time: local (offset and zone None), with a fixed offset, or with an IANA zone.

    For a zone the offset is derived from the zone rules at that wall time (a wall time in a DST gap moves
    forward, as Java's ZonedDateTime.of does).
    """

    __slots__ = ("year", "month", "day", "hour", "minute", "second", "nanos", "offset", "zone", "_wall", "_key")
    feel_type = "date and time"
    year: int
    month: int
    day: int
    hour: int
    minute: int
    second: int
    nanos: int
    offset: int | None
    zone: str | None
    _wall: int
    _key: int

    def __init__(
        self,
        year: int,
        month: int,
        day: int,
        hour: int = 0,
        minute: int = 0,
        second: int = 0,
        nanos: int = 0,
        offset: int | None = None,
        zone: str | None = None,
    ) -> None:
        if not _valid_date(year, month, day):
            raise ValueError(f"invalid date {year}-{month}-{day}")
        if not (0 <= hour < 24 and 0 <= minute < 60 and 0 <= second < 60 and 0 <= nanos < NANOS):
            raise ValueError("invalid time")
        nod = (hour * 3600 + minute * 60 + second) * NANOS + nanos
        wall = days_from_civil(year, month, day) * DAY_NANOS + nod
        if zone is not None:
            if zone_info(zone) is None:
                raise ValueError(f"unknown time zone {zone}")
            offset = _zone_offset_local(zone, year, month, day, nod)
            actual = _zone_offset_instant(zone, wall - offset * NANOS)
            if actual != offset:  # in a DST gap: keep the instant, show the wall time of the later offset
                wall += (actual - offset) * NANOS
                offset = actual
                days, nod = divmod(wall, DAY_NANOS)
                year, month, day = civil_from_days(days)
                secs = nod // NANOS
                hour, minute, second = secs // 3600, secs // 60 % 60, secs % 60
        elif offset is not None and abs(offset) > MAX_OFFSET:
            raise ValueError("offset out of range")
        _set(self, "year", year)
        _set(self, "month", month)
        _set(self, "day", day)
        _set(self, "hour", hour)
        _set(self, "minute", minute)
        _set(self, "second", second)
        _set(self, "nanos", nanos)
        _set(self, "offset", offset)
        _set(self, "zone", zone)
        _set(self, "_wall", wall)
        _set(self, "_key", wall if offset is None else wall - offset * NANOS)

    __setattr__ = _immutable

    @classmethod
    def from_wall(cls, wall: int, offset: int | None, zone: str | None) -> FeelDateTime:
        days, nod = divmod(wall, DAY_NANOS)
        y, m, d = civil_from_days(days)
        secs, ns = divmod(nod, NANOS)
        return cls(y, m, d, secs // 3600, secs // 60 % 60, secs % 60, ns, None if zone else offset, zone)

    @classmethod
    def from_instant(cls, utc: int, offset: int | None, zone: str | None) -> FeelDateTime:
        """The value at UTC nanoseconds `utc`, shown in `zone` (or with the fixed `offset`)."""
        if zone is not None:
            offset = _zone_offset_instant(zone, utc)
        assert offset is not None
        return cls.from_wall(utc + offset * NANOS, offset, zone)

    def date_part(self) -> FeelDate:
        return FeelDate(self.year, self.month, self.day)

    def time_part(self) -> FeelTime:
        """The time of day with this value's offset or zone (a zone keeps the offset it has on this date)."""
        return FeelTime(self.hour, self.minute, self.second, self.nanos, self.offset, self.zone)

    def _pair(self, other: FeelDateTime) -> tuple[int, int]:
        if (self.offset is None) != (other.offset is None):
            return self._wall, other._wall
        return self._key, other._key

    def feel_eq(self, other: Any) -> bool | None:
        if type(other) is not FeelDateTime:
            return None
        if DIALECT.get() == "camunda":
            # Java ZonedDateTime.equals: the same wall time, offset and zone form; local vs zoned not comparable
            if (self.offset is None) != (other.offset is None):
                return None
            return self.__eq__(other)
        a, b = self._pair(other)
        return a // NANOS == b // NANOS

    def feel_cmp(self, other: Any) -> int | None:
        if type(other) is not FeelDateTime:
            return None
        if DIALECT.get() == "camunda":
            if (self.offset is None) != (other.offset is None):
                return None
            # ZonedDateTime.compareTo: instant, then wall time, then zone id
            ka = (self._key, self._wall, self.zone or _fmt_offset(self.offset or 0))
            kb = (other._key, other._wall, other.zone or _fmt_offset(other.offset or 0))
            return -1 if ka < kb else (1 if ka > kb else 0)
        a, b = self._pair(other)
        return -1 if a < b else (1 if a > b else 0)

    def __eq__(self, other: object) -> bool:
        return (
            type(other) is FeelDateTime
            and self._wall == other._wall
            and self.offset == other.offset
            and self.zone == other.zone
        )

    def __hash__(self) -> int:
        return hash(("date and time", self._wall, self.offset, self.zone))

    def _date_time_text(self) -> str:
        nod = self._wall % DAY_NANOS
        return f"{_fmt_year(self.year)}-{self.month:02d}-{self.day:02d}T{_fmt_nod(nod)}"

    def __str__(self) -> str:
        text = self._date_time_text()
        if self.zone is not None:
            return f"{text}@{self.zone}"
        return text if self.offset is None else text + _fmt_offset(self.offset)

    def __repr__(self) -> str:
        return f'date and time("{self}")'


class _Duration(TemporalValue):
    """A duration is one signed whole amount (months, or nanoseconds): equality, order and hashing on it."""

    __slots__ = ()
    _tag = ""

    def _amount(self) -> int:  # pragma: no cover - each kind says which field
        raise NotImplementedError

    def feel_eq(self, other: Any) -> bool | None:
        return self._amount() == other._amount() if type(other) is type(self) else None

    def feel_cmp(self, other: Any) -> int | None:
        if type(other) is not type(self):
            return None
        a, b = self._amount(), other._amount()
        return -1 if a < b else (1 if a > b else 0)

    def __eq__(self, other: object) -> bool:
        return type(other) is type(self) and self._amount() == other._amount()

    def __hash__(self) -> int:
        return hash((self._tag, self._amount()))

    def __repr__(self) -> str:
        return f'duration("{self}")'


class YearMonthDuration(_Duration):
    """A years-and-months duration: a signed whole number of months."""

    __slots__ = ("months",)
    feel_type = "years and months duration"
    _tag = "ym"
    months: int

    def __init__(self, months: int) -> None:
        _set(self, "months", months)

    __setattr__ = _immutable

    def _amount(self) -> int:
        return self.months

    def __str__(self) -> str:
        m = self.months
        if m == 0:
            return "P0M"
        y, mo = divmod(abs(m), 12)
        return ("-P" if m < 0 else "P") + (f"{y}Y" if y else "") + (f"{mo}M" if mo else "")


class DayTimeDuration(_Duration):
    """A days-and-time duration: a signed number of nanoseconds."""

    __slots__ = ("nanos",)
    feel_type = "days and time duration"
    _tag = "dt"
    nanos: int

    def __init__(self, nanos: int) -> None:
        _set(self, "nanos", nanos)

    __setattr__ = _immutable

    def _amount(self) -> int:
        return self.nanos

    def __str__(self) -> str:
        n = self.nanos
        if n == 0:
            return "PT0S"
        days, rest = divmod(abs(n), DAY_NANOS)
        secs, frac = divmod(rest, NANOS)
        h, mi, s = secs // 3600, secs // 60 % 60, secs % 60
        text = ("-P" if n < 0 else "P") + (f"{days}D" if days else "")
        if h or mi or s or frac:
            text += "T" + (f"{h}H" if h else "") + (f"{mi}M" if mi else "")
            if s or frac:
                text += str(s) + ("." + f"{frac:09d}".rstrip("0") if frac else "") + "S"
        return text


Duration = YearMonthDuration | DayTimeDuration

# --- parsing -------------------------------------------------------------------------------------------------

# XSD years: at least 4 digits, no leading zero when longer, an optional minus, never a plus
_YEAR = r"(-?(?:[1-9]\d{4,8}|\d{4}))"
_DATE_RE = re.compile(_YEAR + r"-(\d\d)-(\d\d)")
_TIME_RE = re.compile(r"(\d\d):(\d\d):(\d\d)(?:\.(\d+))?")
_SUFFIX_RE = re.compile(r"(?:([zZ])|([+-])(\d\d):(\d\d)(?::(\d\d))?|@(.+))?")
_DURATION_RE = re.compile(
    r"(-)?P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)(?:\.(\d*))?S)?)?"
)


def _nanos_of(fraction: str | None) -> int:
    # digits beyond nanoseconds are dropped (java.time keeps nanoseconds only)
    return int(fraction[:9].ljust(9, "0")) if fraction else 0


def _parse_date_fields(s: str) -> tuple[int, int, int] | None:
    m = _DATE_RE.fullmatch(s)
    if m is None:
        return None
    y, mo, d = int(m[1]), int(m[2]), int(m[3])
    return (y, mo, d) if _valid_date(y, mo, d) else None


def _parse_time_fields(s: str) -> tuple[int, int, int, int, int | None, str | None] | None:
    """(hour, minute, second, nanos, offset, zone) of `HH:MM:SS[.f][Z|±hh:mm[:ss]|@Zone]`."""
    m = _TIME_RE.match(s)
    if m is None:
        return None
    h, mi, sec = int(m[1]), int(m[2]), int(m[3])
    if h > 23 or mi > 59 or sec > 59:
        return None
    nanos = _nanos_of(m[4])
    x = _SUFFIX_RE.fullmatch(s, m.end())
    if x is None:
        return None
    offset: int | None = None
    zone: str | None = None
    if x[1]:
        offset = 0
    elif x[2]:
        oh, om, os_ = int(x[3]), int(x[4]), int(x[5] or 0)
        if om > 59 or os_ > 59:
            return None
        offset = oh * 3600 + om * 60 + os_
        if offset > MAX_OFFSET:
            return None
        if x[2] == "-":
            offset = -offset
    elif x[6]:
        zone = x[6]
        if zone_info(zone) is None:
            return None
    return h, mi, sec, nanos, offset, zone


def parse_date(s: str) -> FeelDate | None:
    """`date(from)` for a string: `YYYY-MM-DD` with the XSD year forms; None when invalid."""
    f = _parse_date_fields(s) if type(s) is str else None
    return FeelDate(*f) if f else None


def parse_time(s: str) -> FeelTime | None:
    if type(s) is not str:
        return None
    f = _parse_time_fields(s)
    if f is None:
        return None
    try:
        return FeelTime(*f)
    except ValueError:
        return None


def parse_date_time(s: str) -> FeelDateTime | None:
    """`date and time(from)`: `date'T'time` with an optional offset or zone; a bare date gives local midnight."""
    if type(s) is not str:
        return None
    i = s.find("T")
    if i < 0:
        d = _parse_date_fields(s)
        return FeelDateTime(*d) if d else None
    d = _parse_date_fields(s[:i])
    t = _parse_time_fields(s[i + 1 :])
    if d is None or t is None:
        return None
    h, mi, sec, nanos, offset, zone = t
    try:
        return FeelDateTime(d[0], d[1], d[2], h, mi, sec, nanos, offset, zone)
    except ValueError:
        return None


def parse_duration(s: str) -> YearMonthDuration | DayTimeDuration | None:
    """`duration(from)`: years-and-months when only Y/M fields are present, else days-and-time."""
    if type(s) is not str:
        return None
    m = _DURATION_RE.fullmatch(s)
    if m is None:
        return None
    neg, y, mo, d, h, mi, sec, frac = m.groups()
    if y is not None or mo is not None:
        if any(v is not None for v in (d, h, mi, sec)):
            return None  # a mixed duration has no FEEL type
        months = int(y or 0) * 12 + int(mo or 0)
        return YearMonthDuration(-months if neg else months)
    nanos = (
        ((int(d or 0) * 24 + int(h or 0)) * 60 + int(mi or 0)) * 60 + int(sec or 0)
    ) * NANOS + _nanos_of(frac)
    return DayTimeDuration(-nanos if neg else nanos)


_DATE_TIME_SHAPE = re.compile(r"-?\d+-\d+-\d+T")
_DATE_SHAPE = re.compile(r"-?\d+-\d+-\d+")


def parse_at_literal(s: str) -> TemporalValue | None:
    """The value of `@"..."`: a date, time, date and time or duration chosen by the text's shape."""
    if type(s) is not str or not s:
        return None
    if s[0] == "P" or s.startswith("-P"):
        return parse_duration(s)
    if _DATE_TIME_SHAPE.match(s):
        return parse_date_time(s)
    if _DATE_SHAPE.fullmatch(s):
        return parse_date(s)
    return parse_time(s)


# --- conversions ---------------------------------------------------------------------------------------------


def from_datetime(dt: _dt.datetime) -> FeelDateTime:
    """A FEEL date and time from Python: naive → local; a ZoneInfo keeps its IANA id; other tzinfos → offset."""
    nanos = dt.microsecond * 1000
    if dt.tzinfo is None:
        return FeelDateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, nanos)
    if isinstance(dt.tzinfo, ZoneInfo) and zone_info(dt.tzinfo.key) is not None:
        return FeelDateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, nanos, zone=dt.tzinfo.key)
    off = dt.utcoffset()
    offset = int(off.total_seconds()) if off is not None else 0
    return FeelDateTime(dt.year, dt.month, dt.day, dt.hour, dt.minute, dt.second, nanos, offset)


def from_date(d: _dt.date) -> FeelDate:
    return FeelDate(d.year, d.month, d.day)


def to_date(v: Any) -> FeelDate | None:
    """The date of a date or a date and time (None for anything else)."""
    if type(v) is FeelDate:
        return v
    if type(v) is FeelDateTime:
        return v.date_part()
    return None


def _java_duration(n: int) -> str:
    """java.time.Duration.toString of `n` nanoseconds (hours are not folded into days)."""
    seconds, nanos = divmod(n, NANOS)
    eff = seconds + 1 if seconds < 0 and nanos > 0 else seconds
    sign = -1 if eff < 0 else 1
    hours = sign * (abs(eff) // 3600)
    minutes = sign * (abs(eff) % 3600 // 60)
    secs = sign * (abs(eff) % 60)
    text = "PT" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
    if secs == 0 and nanos == 0 and len(text) > 2:
        return text
    text += "-0" if seconds < 0 and nanos > 0 and secs == 0 else str(secs)
    if nanos:
        frac = f"{(2 * NANOS - nanos) if seconds < 0 else (nanos + NANOS)}"[1:].rstrip("0")
        text += "." + frac
    return text + "S"


def _java_period(months: int) -> str:
    """java.time.Period.toString of a normalised period (`P-1Y-2M` for negatives, `P0D` for zero)."""
    if months == 0:
        return "P0D"
    sign = -1 if months < 0 else 1
    y, m = sign * (abs(months) // 12), sign * (abs(months) % 12)
    return "P" + (f"{y}Y" if y else "") + (f"{m}M" if m else "")


def _iso_offset(offset: int) -> str:
    return "Z" if offset == 0 else _fmt_offset(offset)


def to_python_iso(value: TemporalValue) -> str:
    """The ISO text Zeebe writes for a temporal result (feel-dmn.md §4.3 "Outputs")."""
    if type(value) is FeelDate:
        return str(value)
    if type(value) is FeelDateTime:
        text = value._date_time_text()
        if value.offset is None:
            return text
        text += _iso_offset(value.offset)
        return f"{text}[{value.zone}]" if value.zone is not None else text
    if type(value) is FeelTime:
        text = _fmt_nod(value._wall)
        if value.offset is None:
            return text
        text += _iso_offset(value.offset)
        return f"{text}[{value.zone}]" if value.zone is not None else text
    if type(value) is YearMonthDuration:
        return _java_period(value.months)
    if type(value) is DayTimeDuration:
        return _java_duration(value.nanos)
    return str(value)


# --- arithmetic ----------------------------------------------------------------------------------------------


def _shift_date(d: FeelDate, months: int = 0, nanos: int = 0) -> FeelDate | None:
    y, m, day = d.year, d.month, d.day
    if months:
        y, m, day = _add_months(y, m, day, months)
    if nanos:
        y, m, day = civil_from_days(days_from_civil(y, m, day) + nanos // DAY_NANOS)
    return FeelDate(y, m, day) if _valid_date(y, m, day) else None


def _shift_date_time(dt: FeelDateTime, months: int = 0, nanos: int = 0) -> FeelDateTime | None:
    if months:
        y, m, d = _add_months(dt.year, dt.month, dt.day, months)
        if not _valid_date(y, m, d):
            return None
        dt = FeelDateTime(y, m, d, dt.hour, dt.minute, dt.second, dt.nanos,
                          dt.offset if dt.zone is None else None, dt.zone)
    if nanos:
        if dt.zone is not None:  # a zoned value moves on the time line; its offset may change (Java plus(Duration))
            r = FeelDateTime.from_instant(dt._key + nanos, None, dt.zone)
        else:
            r = FeelDateTime.from_wall(dt._wall + nanos, dt.offset, None)
        dt = r
    return dt if -MAX_YEAR <= dt.year <= MAX_YEAR else None


def _utc_midnight(d: FeelDate) -> int:
    return d._days * DAY_NANOS


def add(a: Any, b: Any) -> TemporalValue | None:
    """`a + b` for temporal operands; None when the operation is not defined."""
    try:
        return _add(a, b)
    except (ValueError, OverflowError):
        return None


def _add(a: Any, b: Any) -> TemporalValue | None:
    ta, tb = type(a), type(b)
    if ta in (YearMonthDuration, DayTimeDuration) and tb not in (YearMonthDuration, DayTimeDuration):
        a, b, ta, tb = b, a, tb, ta  # duration + x is x + duration
    if tb is YearMonthDuration:
        if ta is YearMonthDuration:
            return YearMonthDuration(a.months + b.months)
        if ta is FeelDate:
            return _shift_date(a, months=b.months)
        if ta is FeelDateTime:
            return _shift_date_time(a, months=b.months)
        return None
    if tb is DayTimeDuration:
        if ta is DayTimeDuration:
            return DayTimeDuration(a.nanos + b.nanos)
        if ta is FeelDate:
            return _shift_date(a, nanos=b.nanos)
        if ta is FeelDateTime:
            return _shift_date_time(a, nanos=b.nanos)
        if ta is FeelTime:
            return FeelTime.from_nod(a._wall + b.nanos, a.offset, a.zone)
    return None


def subtract(a: Any, b: Any) -> TemporalValue | None:
    """`a - b` for temporal operands; None when the operation is not defined."""
    try:
        return _subtract(a, b)
    except (ValueError, OverflowError):
        return None


def _subtract(a: Any, b: Any) -> TemporalValue | None:
    ta, tb = type(a), type(b)
    if tb is YearMonthDuration:
        if ta in (YearMonthDuration, FeelDate, FeelDateTime):
            return _add(a, YearMonthDuration(-b.months))
        return None
    if tb is DayTimeDuration:
        if ta in (DayTimeDuration, FeelDate, FeelDateTime, FeelTime):
            return _add(a, DayTimeDuration(-b.nanos))
        return None
    if ta is FeelDate:
        if tb is FeelDate:
            return DayTimeDuration((a._days - b._days) * DAY_NANOS)
        if tb is FeelDateTime:  # a date is UTC midnight against a zoned value; undefined against a local one
            return DayTimeDuration(_utc_midnight(a) - b._key) if b.offset is not None else None
        return None
    if ta is FeelDateTime:
        if tb is FeelDateTime:
            if (a.offset is None) != (b.offset is None):
                return None
            return DayTimeDuration(a._key - b._key)
        if tb is FeelDate:
            return DayTimeDuration(a._key - _utc_midnight(b)) if a.offset is not None else None
        return None
    if ta is FeelTime and tb is FeelTime:
        x, y = a._pair(b)
        return DayTimeDuration(x - y)
    return None


def negate(d: Any) -> TemporalValue | None:
    if type(d) is YearMonthDuration:
        return YearMonthDuration(-d.months)
    if type(d) is DayTimeDuration:
        return DayTimeDuration(-d.nanos)
    return None


def _scale(n: Decimal) -> Decimal | None:
    """The factor used for duration × n and ÷ n: exact (spec) or truncated to an integer (camunda)."""
    if not n.is_finite():
        return None
    return n.to_integral_value(ROUND_DOWN) if DIALECT.get() == "camunda" else n


def _to_int(x: Decimal, rounding: str) -> int:
    return int(x.to_integral_value(rounding, DECIMAL))


def _scaled(d: YearMonthDuration | DayTimeDuration, factor: Decimal, divide: bool) -> TemporalValue | None:
    if divide and factor == 0:
        return None
    if type(d) is YearMonthDuration:
        v = DECIMAL.divide(d.months, factor) if divide else DECIMAL.multiply(d.months, factor)
        return YearMonthDuration(_to_int(v, ROUND_DOWN))  # whole months, truncated (feel-dmn.md §2)
    assert type(d) is DayTimeDuration
    v = DECIMAL.divide(d.nanos, factor) if divide else DECIMAL.multiply(d.nanos, factor)
    return DayTimeDuration(_to_int(v, ROUND_HALF_EVEN))


def multiply(a: Any, b: Any) -> TemporalValue | None:
    """duration × number or number × duration; None otherwise."""
    if type(a) is Decimal:
        a, b = b, a
    if type(b) is not Decimal or type(a) not in (YearMonthDuration, DayTimeDuration):
        return None
    f = _scale(b)
    if f is None:
        return None
    try:
        return _scaled(a, f, False)
    except (ArithmeticError, InvalidOperation, ValueError, OverflowError):
        return None


def divide(a: Any, b: Any) -> TemporalValue | Decimal | None:
    """duration ÷ number → duration; duration ÷ duration (same kind) → number; ÷ 0 → None."""
    ta, tb = type(a), type(b)
    if ta not in (YearMonthDuration, DayTimeDuration):
        return None
    try:
        if tb is Decimal:
            f = _scale(b)
            return None if f is None else _scaled(a, f, True)
        if tb is ta:
            if ta is YearMonthDuration:
                x, y = a.months, b.months
            elif DIALECT.get() == "camunda":  # feel-scala divides the milliseconds
                x, y = a.nanos // 1_000_000, b.nanos // 1_000_000
            else:
                x, y = a.nanos, b.nanos
            return None if y == 0 else DECIMAL.divide(Decimal(x), Decimal(y))
    except (ArithmeticError, InvalidOperation, ValueError, OverflowError):
        return None
    return None


# --- properties ----------------------------------------------------------------------------------------------


def _dec(i: int) -> Decimal:
    return Decimal(i)


def weekday(d: FeelDate | FeelDateTime) -> int:
    """ISO weekday, 1 = Monday."""
    days = d._days if isinstance(d, FeelDate) else d._wall // DAY_NANOS
    return (days + 3) % 7 + 1  # 1970-01-01 was a Thursday


def property(value: Any, name: str) -> Any:
    """`value.name` for a temporal value; MISSING when the value has no such property."""
    t = type(value)
    if t is FeelDate or t is FeelDateTime:
        if name == "year":
            return _dec(value.year)
        if name == "month":
            return _dec(value.month)
        if name == "day":
            return _dec(value.day)
        if name == "weekday":
            return _dec(weekday(value))
        if t is FeelDate:
            return MISSING
    if t is FeelDateTime or t is FeelTime:
        if name == "hour":
            return _dec(value.hour)
        if name == "minute":
            return _dec(value.minute)
        if name == "second":
            return _dec(value.second)
        if name == "time offset":
            return None if value.offset is None else DayTimeDuration(value.offset * NANOS)
        if name == "timezone":
            return value.zone
        return MISSING
    if t is YearMonthDuration:
        m = value.months
        sign = -1 if m < 0 else 1
        if name == "years":
            return _dec(sign * (abs(m) // 12))
        if name == "months":
            return _dec(sign * (abs(m) % 12))
        return MISSING
    if t is DayTimeDuration:
        n = value.nanos
        sign = -1 if n < 0 else 1
        secs = abs(n) // NANOS
        if name == "days":
            return _dec(sign * (secs // 86_400))
        if name == "hours":
            return _dec(sign * (secs // 3600 % 24))
        if name == "minutes":
            return _dec(sign * (secs // 60 % 60))
        if name == "seconds":
            return _dec(sign * (secs % 60))
        return MISSING
    return MISSING


def same_value(a: TemporalValue, b: TemporalValue) -> bool:
    """`is(a, b)` for temporals: the same type and value, including the zone form."""
    return a == b
