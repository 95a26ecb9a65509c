"""Checks of static (non-FEEL) attribute values that Zeebe performs at deployment."""

from __future__ import annotations

import datetime as _dt
import re
from zoneinfo import ZoneInfo

# Zeebe's `Interval.parse`: a java.time Period and/or Duration (`P1DT2H`, `PT0.5S`, `P2W`)
_INTERVAL = re.compile(
    r"^[-+]?P(?=\d|T\d)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?"
    r"(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:[.,]\d{1,9})?S)?)?$"
)
_REPEAT = re.compile(r"^R(\d*)/(.+)$")
_ZONE_SUFFIX = re.compile(r"^(.*?)\[([A-Za-z0-9_/+\-]+)\]$")
# Spring cron: six fields (seconds first) or a macro
_CRON_MACROS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}
_CRON_FIELD = re.compile(r"^[0-9A-Za-z*?/,\-#LW]+$")


def is_interval(text: str) -> bool:
    return bool(_INTERVAL.match(text))


def is_date_time(text: str) -> bool:
    """An ISO 8601 date-time with an offset and/or a zone id (`2024-05-01T10:00:00+02:00[Europe/Berlin]`)."""
    zone = None
    m = _ZONE_SUFFIX.match(text)
    if m:
        text, zone = m.group(1), m.group(2)
        try:
            ZoneInfo(zone)
        except (ValueError, KeyError, OSError):
            return False
    if "T" not in text:
        return False
    try:
        value = _dt.datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        return False
    return value.tzinfo is not None or zone is not None


def is_cycle(text: str) -> bool:
    """`R5/PT10S`, `R/P1D`, `R3/2022-04-27T17:20:00Z/P1D`, or a Spring cron expression."""
    m = _REPEAT.match(text)
    if m:
        parts = m.group(2).split("/")
        if len(parts) == 1:
            return is_interval(parts[0])
        if len(parts) == 2:
            return is_date_time(parts[0]) and is_interval(parts[1])
        return False
    if text in _CRON_MACROS:
        return True
    fields = text.split()
    return len(fields) == 6 and all(_CRON_FIELD.match(f) for f in fields)


def is_csv_list(text: str) -> bool:
    """Zeebe's `parseListOfCsv`: comma-separated, no blank entries."""
    return all(item.strip() for item in text.split(","))


def is_priority(text: str) -> bool:
    try:
        value = int(text.strip())
    except ValueError:
        return False
    return 0 <= value <= 100
