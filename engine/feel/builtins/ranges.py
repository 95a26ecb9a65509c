"""Range built-ins (DMN 1.5 §10.3.4.9: before ... coincides, Table 78) and `range(from)`.

A point is any ordered value; an open range end (`< 10`) has a null endpoint and counts as unbounded.
Incomparable endpoints are an error (null).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from engine.feel.builtins import BUILTINS, builtin
from engine.feel.functions import call_function
from engine.feel.ops import compare
from engine.feel.values import DECIMAL, EvalState, FeelError, Range, type_name

# --- endpoint comparisons; -inf/+inf stand for the open ends of `< x` / `> x` ranges -------------

_NEG, _POS = object(), object()


def _cmp(a: Any, b: Any) -> int:
    if a is b and a in (_NEG, _POS):
        return 0
    if a is _NEG or b is _POS:
        return -1
    if a is _POS or b is _NEG:
        return 1
    c = compare(a, b)
    if c is None:
        raise FeelError(f"cannot compare '{a!r}' and '{b!r}'")
    return c


def _lt(a: Any, b: Any) -> bool:
    return _cmp(a, b) < 0


def _eq(a: Any, b: Any) -> bool:
    return _cmp(a, b) == 0


def _start(r: Range) -> Any:
    return _NEG if r.start is None else r.start


def _end(r: Range) -> Any:
    return _POS if r.end is None else r.end


def _contains(r: Range, p: Any) -> bool:
    s, e = _start(r), _end(r)
    return (_lt(s, p) and _lt(p, e)) or (_eq(s, p) and r.start_included) or (_eq(e, p) and r.end_included)


def _starts_before_or_with(r1: Range, r2: Range) -> bool:
    """r1 begins no later than r2 (r1's start covers r2's start)."""
    s1, s2 = _start(r1), _start(r2)
    return _lt(s1, s2) or (_eq(s1, s2) and (r1.start_included or not r2.start_included))


def _ends_after_or_with(r1: Range, r2: Range) -> bool:
    """r1 ends no earlier than r2 (r1's end covers r2's end)."""
    e1, e2 = _end(r1), _end(r2)
    return _lt(e2, e1) or (_eq(e1, e2) and (r1.end_included or not r2.end_included))


def _before_rr(r1: Range, r2: Range) -> bool:
    e1, s2 = _end(r1), _start(r2)
    return _lt(e1, s2) or (_eq(e1, s2) and not (r1.end_included and r2.start_included))


def _overlaps(r1: Range, r2: Range) -> bool:
    e1, s2, s1, e2 = _end(r1), _start(r2), _start(r1), _end(r2)
    return (_lt(s2, e1) or (_eq(e1, s2) and r1.end_included and r2.start_included)) and (
        _lt(s1, e2) or (_eq(s1, e2) and r1.start_included and r2.end_included)
    )


def _overlaps_before(r1: Range, r2: Range) -> bool:
    s1, s2, e1, e2 = _start(r1), _start(r2), _end(r1), _end(r2)
    return (
        (_lt(s1, s2) or (_eq(s1, s2) and r1.start_included and not r2.start_included))
        and (_lt(s2, e1) or (_eq(e1, s2) and r1.end_included and r2.start_included))
        and (_lt(e1, e2) or (_eq(e1, e2) and (not r1.end_included or r2.end_included)))
    )


def _finishes(r1: Range, r2: Range) -> bool:
    s1, s2 = _start(r1), _start(r2)
    return (
        r1.end_included == r2.end_included
        and _eq(_end(r1), _end(r2))
        and (_lt(s2, s1) or (_eq(s1, s2) and (not r1.start_included or r2.start_included)))
    )


def _starts(r1: Range, r2: Range) -> bool:
    e1, e2 = _end(r1), _end(r2)
    return (
        r1.start_included == r2.start_included
        and _eq(_start(r1), _start(r2))
        and (_lt(e1, e2) or (_eq(e1, e2) and (not r1.end_included or r2.end_included)))
    )


def _coincides(r1: Range, r2: Range) -> bool:
    return (
        r1.start_included == r2.start_included
        and r1.end_included == r2.end_included
        and _eq(_start(r1), _start(r2))
        and _eq(_end(r1), _end(r2))
    )


# --- dispatch on the argument kinds -------------------------------------------------------------

Impl = Callable[[Any, Any], bool] | None


def _define(name: str, pp: Impl, pr: Impl, rp: Impl, rr: Impl) -> None:
    """Register `name` for the (point|range, point|range) combinations the spec defines (None: undefined)."""
    table = {(False, False): pp, (False, True): pr, (True, False): rp, (True, True): rr}

    def dispatch(a: Any, b: Any) -> bool:
        impl = table[(isinstance(a, Range), isinstance(b, Range))]
        if impl is None or a is None or b is None:
            raise FeelError(f"{name}() is not defined for '{a!r}' and '{b!r}'")
        return impl(a, b)

    # one overload per spec signature, so that named calls bind with the spec parameter names
    names = {(False, False): ("point1", "point2"), (False, True): ("point", "range"),
             (True, False): ("range", "point"), (True, True): ("range1", "range2")}
    for kinds, params in names.items():
        if table[kinds] is not None:
            builtin(name, *params)(dispatch)


_define(
    "before",
    lambda p1, p2: _lt(p1, p2),
    lambda p, r: _lt(p, _start(r)) or (_eq(p, _start(r)) and not r.start_included),
    lambda r, p: _lt(_end(r), p) or (_eq(_end(r), p) and not r.end_included),
    _before_rr,
)
_define(
    "after",
    lambda p1, p2: _lt(p2, p1),
    lambda p, r: _lt(_end(r), p) or (_eq(_end(r), p) and not r.end_included),
    lambda r, p: _lt(p, _start(r)) or (_eq(p, _start(r)) and not r.start_included),
    lambda r1, r2: _before_rr(r2, r1),
)
_define("meets", None, None, None,
        lambda r1, r2: r1.end_included and r2.start_included and _eq(_end(r1), _start(r2)))
_define("met by", None, None, None,
        lambda r1, r2: r1.start_included and r2.end_included and _eq(_start(r1), _end(r2)))
_define("overlaps", None, None, None, _overlaps)
_define("overlaps before", None, None, None, _overlaps_before)
_define("overlaps after", None, None, None, lambda r1, r2: _overlaps_before(r2, r1))
_define("finishes", None, lambda p, r: r.end_included and _eq(p, _end(r)), None, _finishes)
_define("finished by", None, None, lambda r, p: r.end_included and _eq(_end(r), p),
        lambda r1, r2: _finishes(r2, r1))
_define("includes", None, None, lambda r, p: _contains(r, p),
        lambda r1, r2: _starts_before_or_with(r1, r2) and _ends_after_or_with(r1, r2))
_define("during", None, lambda p, r: _contains(r, p), None,
        lambda r1, r2: _starts_before_or_with(r2, r1) and _ends_after_or_with(r2, r1))
_define("starts", None, lambda p, r: r.start_included and _eq(p, _start(r)), None, _starts)
_define("started by", None, None, lambda r, p: r.start_included and _eq(_start(r), p),
        lambda r1, r2: _starts(r2, r1))
_define("coincides", lambda p1, p2: _eq(p1, p2), None, None, _coincides)


# --- range(from): parse a range literal such as "[1..3]", "(\"a\"..\"c\"]" or "[@\"P1D\"..@\"P2D\"]" -------

_NUMBER = re.compile(r"-?(\d+(\.\d+)?|\.\d+)")
_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"', re.S)
#: temporal endpoints may only be literal calls on a string literal (TCK 1156: `date(string(..))` is null)
_CALL = re.compile(r'(date and time|date|time|duration)\s*\(\s*(?=")')
_OPEN, _CLOSE = {"[": True, "(": False, "]": False}, {"]": True, ")": False, "[": False}


def _unescape(body: str) -> str:
    return json.loads(f'"{body}"')


def _temporal(kind: str, text: str) -> Any:
    """A temporal endpoint, built by the temporal built-ins (engine.feel.temporal) once they exist."""
    if kind == "@":
        try:
            from engine.feel.temporal import parse_at_literal
        except ImportError:
            raise FeelError("temporal literals are not available") from None
        return parse_at_literal(text)
    fn = BUILTINS.get(kind)
    if fn is None:
        raise FeelError(f"function '{kind}' is not available")
    return call_function(fn, EvalState(), [text])


def _endpoint(text: str, pos: int) -> tuple[Any, int]:
    """Parse one endpoint at `pos`; returns the value and the position after it."""
    if m := _NUMBER.match(text, pos):
        return DECIMAL.create_decimal(m.group(0)), m.end()
    if m := _STRING.match(text, pos):
        return _unescape(m.group(1)), m.end()
    if text.startswith("@", pos) and (m := _STRING.match(text, pos + 1)):
        return _temporal("@", _unescape(m.group(1))), m.end()
    if (call := _CALL.match(text, pos)) and (m := _STRING.match(text, call.end())):
        close = text.find(")", m.end())
        if close < 0 or text[m.end() : close].strip():
            raise FeelError(f"invalid range endpoint at {pos}")
        return _temporal(call.group(1), _unescape(m.group(1))), close + 1
    raise FeelError(f"invalid range endpoint at {pos}")


def _skip_blanks(text: str, pos: int) -> int:
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def parse_range(text: str) -> Range:
    """A closed-form range literal; both endpoints must be present, of one type, and ordered."""
    text = text.strip()
    if len(text) < 2 or text[0] not in _OPEN or text[-1] not in _CLOSE:
        raise FeelError(f"not a range literal: '{text}'")
    start, pos = _endpoint(text, _skip_blanks(text, 1))
    pos = _skip_blanks(text, pos)
    if not text.startswith("..", pos):
        raise FeelError(f"expected '..' in range literal '{text}'")
    end, pos = _endpoint(text, _skip_blanks(text, pos + 2))
    if _skip_blanks(text, pos) != len(text) - 1:
        raise FeelError(f"unexpected text in range literal '{text}'")
    if start is None or end is None or type_name(start) != type_name(end) or _cmp(start, end) > 0:
        raise FeelError(f"range endpoints must be ordered values of one type: '{text}'")
    return Range(start, end, _OPEN[text[0]], _CLOSE[text[-1]])


@builtin("range", "from", dialect="spec")
def range_(from_: Any) -> Range:
    if not isinstance(from_, str):
        raise FeelError(f"expected a string but found '{from_!r}'")
    return parse_range(from_)
