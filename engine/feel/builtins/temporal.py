"""Temporal built-ins: conversions (`date`, `time`, `date and time`, `duration`, `years and months duration`),
calendar functions, `now`/`today`, Camunda's `last day of month` and `date and time(dateTime, timezone)`, and `is`.

Every function returns None for an argument of the wrong type or an invalid value (the caller adds the warning).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.feel import ops
from engine.feel.builtins import builtin
from engine.feel.temporal import (
    MAX_YEAR,
    NANOS,
    DayTimeDuration,
    FeelDate,
    FeelDateTime,
    FeelTime,
    YearMonthDuration,
    days_from_civil,
    days_in_month,
    from_datetime,
    parse_date,
    parse_date_time,
    parse_duration,
    parse_time,
    to_date,
    weekday,
    zone_info,
)
from engine.feel.values import EvalState, TemporalValue

_DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_MONTH_NAMES = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


def _int(v: Any) -> int | None:
    """An integral FEEL number as int; None for anything else (a fraction, a non-number, a boolean)."""
    if type(v) is not Decimal or not v.is_finite() or v != v.to_integral_value():
        return None
    return int(v)


# --- conversions ---------------------------------------------------------------------------------------------


@builtin("date", "from")
def date_from(value: Any) -> FeelDate | None:
    if type(value) is str:
        return parse_date(value)
    return to_date(value)


@builtin("date", "year", "month", "day")
def date_ymd(year: Any, month: Any, day: Any) -> FeelDate | None:
    y, m, d = _int(year), _int(month), _int(day)
    if y is None or m is None or d is None:
        return None
    if not (-MAX_YEAR <= y <= MAX_YEAR and 1 <= m <= 12 and 1 <= d <= days_in_month(y, m)):
        return None
    return FeelDate(y, m, d)


@builtin("time", "from")
def time_from(value: Any) -> FeelTime | None:
    t = type(value)
    if t is str:
        return parse_time(value)
    if t is FeelTime:
        return value
    if t is FeelDateTime:
        return value.time_part()
    if t is FeelDate:  # a date is UTC midnight (TCK 1116 #053)
        return FeelTime(0, 0, 0, 0, 0)
    return None


@builtin("time", "hour", "minute", "second", "offset?")
def time_hms(hour: Any, minute: Any, second: Any, offset: Any = None) -> FeelTime | None:
    h, m = _int(hour), _int(minute)
    if h is None or m is None or type(second) is not Decimal or not second.is_finite():
        return None
    whole = int(second)  # seconds may carry a fraction (TCK 0007: 01.3)
    nanos = int((second - whole) * NANOS)
    if not (0 <= h < 24 and 0 <= m < 60 and 0 <= whole < 60 and nanos >= 0):
        return None
    off: int | None = None
    if offset is not None:
        if type(offset) is not DayTimeDuration or offset.nanos % NANOS:
            return None
        off = offset.nanos // NANOS
    return FeelTime(h, m, whole, nanos, off)


@builtin("date and time", "from")
def date_and_time_from(value: Any) -> FeelDateTime | None:
    t = type(value)
    if t is str:
        return parse_date_time(value)
    if t is FeelDateTime:
        return value
    if t is FeelDate:
        return FeelDateTime(value.year, value.month, value.day)
    return None


@builtin("date and time", "date", "time")
def date_and_time_combine(date: Any, time: Any) -> FeelDateTime | None:
    if type(time) is str:  # Camunda's date and time(dateTime, timezone), called positionally
        return date_and_time_in_zone(date, time)
    d = to_date(date)
    if d is None or type(time) is not FeelTime:
        return None
    return FeelDateTime(d.year, d.month, d.day, time.hour, time.minute, time.second, time.nanos,
                        None if time.zone else time.offset, time.zone)


@builtin("date and time", "dateTime", "timezone")
def date_and_time_in_zone(date_time: Any, timezone: Any) -> FeelDateTime | None:
    """Camunda extension: the same instant shown in another IANA zone."""
    if type(date_time) is not FeelDateTime or type(timezone) is not str or zone_info(timezone) is None:
        return None
    if date_time.offset is None:  # a local value keeps its wall time in the zone (LocalDateTime.atZone)
        return FeelDateTime(date_time.year, date_time.month, date_time.day, date_time.hour, date_time.minute,
                            date_time.second, date_time.nanos, zone=timezone)
    return FeelDateTime.from_instant(date_time._key, None, timezone)


@builtin("duration", "from")
def duration(value: Any) -> TemporalValue | None:
    return parse_duration(value) if type(value) is str else None


@builtin("years and months duration", "from", "to")
def years_and_months_duration(start: Any, end: Any) -> YearMonthDuration | None:
    a, b = to_date(start), to_date(end)
    if a is None or b is None:
        return None
    # java.time.Period.between on the dates: whole months, incomplete months dropped toward zero
    months = (b.year * 12 + b.month) - (a.year * 12 + a.month)
    days = b.day - a.day
    if months > 0 and days < 0:
        months -= 1
    elif months < 0 and days > 0:
        months += 1
    return YearMonthDuration(months)


# --- calendar functions --------------------------------------------------------------------------------------


@builtin("day of year", "date")
def day_of_year(date: Any) -> Decimal | None:
    d = to_date(date)
    if d is None:
        return None
    return Decimal(d._days - days_from_civil(d.year, 1, 1) + 1)


@builtin("day of week", "date")
def day_of_week(date: Any) -> str | None:
    d = to_date(date)
    return None if d is None else _DAY_NAMES[weekday(d) - 1]


@builtin("month of year", "date")
def month_of_year(date: Any) -> str | None:
    d = to_date(date)
    return None if d is None else _MONTH_NAMES[d.month - 1]


@builtin("week of year", "date")
def week_of_year(date: Any) -> Decimal | None:
    """ISO 8601 week number: week 1 holds the year's first Thursday."""
    d = to_date(date)
    if d is None:
        return None
    thursday = d._days - weekday(d) + 4  # the Thursday of d's ISO week decides the week-based year
    year = FeelDate.from_days(thursday).year
    return Decimal((thursday - days_from_civil(year, 1, 1)) // 7 + 1)


@builtin("last day of month", "date")
def last_day_of_month(date: Any) -> FeelDate | None:
    d = to_date(date)
    return None if d is None else FeelDate(d.year, d.month, days_in_month(d.year, d.month))


# --- clock ---------------------------------------------------------------------------------------------------


def _now(state: EvalState) -> FeelDateTime:
    dt = state.clock()
    if state.zone:
        tz = zone_info(state.zone)
        if tz is not None:
            dt = dt.astimezone(tz)
    return from_datetime(dt)


@builtin("now", state=True)
def now(state: EvalState) -> FeelDateTime:
    return _now(state)


@builtin("today", state=True)
def today(state: EvalState) -> FeelDate:
    return _now(state).date_part()


# --- is ------------------------------------------------------------------------------------------------------


@builtin("is", "value1?", "value2?")
def is_(value1: Any = None, value2: Any = None) -> bool:
    """Same type and same value; temporals must also have the same zone form (`@"…Z"` is `+00:00`, not `@Etc/GMT`).

    Both parameters are optional so that a named call that omits one gives false, as TCK 0103 expects.
    """
    if type(value1) is not type(value2):
        return False
    if isinstance(value1, TemporalValue):
        return value1 == value2
    return ops.equals(value1, value2) is True
