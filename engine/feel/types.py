"""FEEL types for `instance of` and typed function parameters: type expressions become predicates."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.feel.values import EvalState, FeelFunction, Range, type_name

Predicate = Callable[[Any, EvalState], bool | None]


def _is(kind: str) -> Predicate:
    return lambda v, st: v is not None and type_name(v) == kind


BUILTIN_TYPES: dict[str, Predicate] = {
    "number": lambda v, st: type(v) is Decimal,
    "string": lambda v, st: type(v) is str,
    "boolean": lambda v, st: type(v) is bool,
    "date": _is("date"),
    "time": _is("time"),
    "date and time": _is("date and time"),
    "days and time duration": _is("days and time duration"),
    "years and months duration": _is("years and months duration"),
    "list": lambda v, st: type(v) is list,
    "context": lambda v, st: type(v) is dict,
    "range": lambda v, st: type(v) is Range,
    "function": lambda v, st: isinstance(v, FeelFunction),
    "Any": lambda v, st: v is not None,
    "Null": lambda v, st: v is None,
}
# feel-scala's own spellings (feel-dmn.md §4.1)
BUILTIN_TYPES["date time"] = BUILTIN_TYPES["date and time"]
BUILTIN_TYPES["year-month-duration"] = BUILTIN_TYPES["years and months duration"]
BUILTIN_TYPES["day-time-duration"] = BUILTIN_TYPES["days and time duration"]


def named_type(name: str) -> Predicate:
    builtin = BUILTIN_TYPES.get(name)
    if builtin is not None:
        return builtin

    def custom(v: Any, st: EvalState) -> bool | None:
        resolver = st.type_resolver
        check = resolver(name) if resolver else None
        if check is None:
            st.warn(f"unknown type '{name}'")
            return None
        return v is not None and check(v)

    return custom


def list_type(item: Predicate) -> Predicate:
    def check(v: Any, st: EvalState) -> bool | None:
        return type(v) is list and all(x is None or item(x, st) for x in v)

    return check


def range_type(item: Predicate) -> Predicate:
    def check(v: Any, st: EvalState) -> bool | None:
        return type(v) is Range and all(x is None or item(x, st) for x in (v.start, v.end))

    return check


def context_type(fields: list[tuple[str, Predicate]]) -> Predicate:
    def check(v: Any, st: EvalState) -> bool | None:
        # structural: the named entries must be there and conform; extra entries are allowed
        return type(v) is dict and all(k in v and (v[k] is None or p(v[k], st)) for k, p in fields)

    return check


def function_type(params: list[Predicate], result: Predicate) -> Predicate:
    def check(v: Any, st: EvalState) -> bool | None:
        return isinstance(v, FeelFunction) and (v.params is None or len(v.params) == len(params))

    return check
