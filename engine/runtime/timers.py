"""Timer definitions to due dates: ISO 8601 durations, dates and repeating intervals (zeebe-protocol.md §7.7)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from engine.feel import temporal
from engine.feel.values import TemporalValue
from engine.runtime.variables import StepFailure


def _add_duration(start_ms: int, text: str) -> int | None:
    d = temporal.parse_duration(text.strip())
    if isinstance(d, temporal.DayTimeDuration):
        return start_ms + d.nanos // 1_000_000
    if isinstance(d, temporal.YearMonthDuration):
        start = temporal.from_datetime(dt.datetime.fromtimestamp(start_ms / 1000, dt.UTC))
        moved = temporal.add(start, d)
        return _instant_ms(moved) if moved is not None else None
    return None


def _instant_ms(value: Any) -> int | None:
    if isinstance(value, temporal.FeelDateTime):
        iso = temporal.to_python_iso(value)
        parsed = parse_date_ms(iso)
        return parsed
    return None


def parse_date_ms(text: str) -> int | None:
    """An ISO 8601 date-time with offset (or `[Zone]` / `@Zone`) as epoch milliseconds."""
    text = text.strip()
    zone = None
    if text.endswith("]") and "[" in text:
        text, zone = text[:-1].split("[", 1)
    elif "@" in text:
        text, zone = text.split("@", 1)
    try:
        value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if value.tzinfo is None:
        info = temporal.zone_info(zone) if zone else dt.UTC
        if info is None:
            return None
        value = value.replace(tzinfo=info)
    return int(value.timestamp() * 1000)


def _text_of(raw: Any) -> str:
    if isinstance(raw, TemporalValue):
        return temporal.to_python_iso(raw)
    if isinstance(raw, str):
        return raw
    raise ValueError(f"not a timer value: {raw!r}")


def schedule(kind: str, raw: Any, now_ms: int, expression: str) -> tuple[int, int, str | None]:
    """(due date ms, repetitions left after this one (-1 unbounded), the interval of a cycle)."""
    try:
        text = _text_of(raw)
    except ValueError:
        raise StepFailure(
            "EXTRACT_VALUE_ERROR",
            f"Expected result of the expression '{expression}' to be one of '[DURATION, PERIOD, STRING]', but was "
            f"'{type(raw).__name__.upper() if raw is not None else 'NULL'}'.",
        ) from None
    if kind == "timeDuration":
        due = _add_duration(now_ms, text)
        if due is None:
            raise StepFailure(
                "EXTRACT_VALUE_ERROR", f"Invalid duration format '{text}' for expression '{expression}'."
            )
        return max(due, now_ms), 0, None
    if kind == "timeDate":
        due = parse_date_ms(text)
        if due is None:
            raise StepFailure(
                "EXTRACT_VALUE_ERROR", f"Invalid date-time format '{text}' for expression '{expression}'."
            )
        return due, 0, None
    return _cycle(text, now_ms, expression)


def _cycle(text: str, now_ms: int, expression: str) -> tuple[int, int, str | None]:
    parts = text.strip().split("/")
    if len(parts) < 2 or not parts[0].startswith("R"):
        raise StepFailure(
            "EXTRACT_VALUE_ERROR", f"Invalid time cycle format '{text}' for expression '{expression}'."
        )
    count = parts[0][1:]
    repetitions = -1 if count == "" else int(count) if count.isdigit() else None
    if repetitions is None:
        raise StepFailure(
            "EXTRACT_VALUE_ERROR", f"Invalid time cycle format '{text}' for expression '{expression}'."
        )
    start = now_ms
    interval = parts[-1]
    if len(parts) == 3:
        parsed = parse_date_ms(parts[1])
        if parsed is None:
            raise StepFailure(
                "EXTRACT_VALUE_ERROR", f"Invalid time cycle format '{text}' for expression '{expression}'."
            )
        start = parsed
        if start > now_ms:
            return start, repetitions - 1 if repetitions > 0 else repetitions, interval
    due = _add_duration(start, interval)
    if due is None:
        raise StepFailure(
            "EXTRACT_VALUE_ERROR", f"Invalid time cycle format '{text}' for expression '{expression}'."
        )
    while due < now_ms:
        nxt = _add_duration(due, interval)
        if nxt is None or nxt <= due:
            break
        due = nxt
    return due, (repetitions - 1 if repetitions > 0 else repetitions), interval


def next_due(due_ms: int, interval: str) -> int | None:
    return _add_duration(due_ms, interval)
