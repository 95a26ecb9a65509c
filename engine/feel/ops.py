"""FEEL equality and ordering, shared by the operators, the unary tests and the built-ins."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.feel.values import FeelFunction, Range, TemporalValue


def equals(a: Any, b: Any) -> bool | None:
    """FEEL `=`: null equals only null; different types are not comparable (None)."""
    if a is None or b is None:
        return a is None and b is None
    ta, tb = type(a), type(b)
    if ta is Decimal:
        return a == b if tb is Decimal else None
    if ta is str:
        return a == b if tb is str else None
    if ta is bool:
        return a is b if tb is bool else None
    if isinstance(a, TemporalValue):
        return a.feel_eq(b) if isinstance(b, TemporalValue) else None
    if ta is list:
        if tb is not list:
            return None
        if len(a) != len(b):
            return False
        for x, y in zip(a, b, strict=True):
            r = equals(x, y)
            if r is not True:
                return r
        return True
    if ta is dict:
        if tb is not dict:
            return None
        if a.keys() != b.keys():
            return False
        for k, x in a.items():
            r = equals(x, b[k])
            if r is not True:
                return r
        return True
    if ta is Range:
        if tb is not Range:
            return None
        if a.start_included != b.start_included or a.end_included != b.end_included:
            return False
        s, e = equals(a.start, b.start), equals(a.end, b.end)
        return bool(s) and bool(e)
    if isinstance(a, FeelFunction):
        return a is b if isinstance(b, FeelFunction) else None
    return None


def compare(a: Any, b: Any) -> int | None:
    """-1/0/1 for ordered values of one type (numbers, strings, temporals); None otherwise."""
    ta = type(a)
    if ta is Decimal:
        if type(b) is not Decimal:
            return None
        return -1 if a < b else (1 if a > b else 0)
    if ta is str:
        if type(b) is not str:
            return None
        return -1 if a < b else (1 if a > b else 0)
    if isinstance(a, TemporalValue) and isinstance(b, TemporalValue):
        return a.feel_cmp(b)
    return None


def less(a: Any, b: Any) -> bool | None:
    c = compare(a, b)
    return None if c is None else c < 0


def in_range(v: Any, r: Range) -> bool | None:
    """Whether v lies in r (None when v is not comparable with the endpoints)."""
    if r.start is not None:
        c = compare(v, r.start)
        if c is None:
            return None
        if c < 0 or (c == 0 and not r.start_included):
            return False
    if r.end is not None:
        c = compare(v, r.end)
        if c is None:
            return None
        if c > 0 or (c == 0 and not r.end_included):
            return False
    return True
