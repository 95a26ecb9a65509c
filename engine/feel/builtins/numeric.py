"""Numeric built-ins (DMN 1.5 §10.3.4.5) plus Camunda's `decimal(n, scale, mode)`.

Also holds the argument helpers the other built-in modules share (`require_number`, `to_int`, `ABSENT`).
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from typing import Any

from engine.feel.builtins import builtin
from engine.feel.values import DECIMAL, EvalState, FeelError

#: default of an optional parameter, to tell "not given" apart from an explicit null (`floor(1.5, null)` is null)
ABSENT: Any = object()

#: decimal128 scale limits (feel-dmn.md §2, TCK 1141-1144)
MIN_SCALE, MAX_SCALE = -6111, 6176

_MODES = {
    "UP": decimal.ROUND_UP,
    "DOWN": decimal.ROUND_DOWN,
    "CEILING": decimal.ROUND_CEILING,
    "FLOOR": decimal.ROUND_FLOOR,
    "HALF_UP": decimal.ROUND_HALF_UP,
    "HALF_DOWN": decimal.ROUND_HALF_DOWN,
    "HALF_EVEN": decimal.ROUND_HALF_EVEN,
    "UNNECESSARY": "UNNECESSARY",
}


def require_number(v: Any, what: str = "number") -> Decimal:
    if type(v) is not Decimal:
        raise FeelError(f"expected {what} to be a number but found '{v!r}'")
    return v


def to_int(v: Any, what: str = "position") -> int:
    """An integer argument (positions, lengths, scales); fractions are truncated as the TCK expects."""
    return int(require_number(v, what))


def clean(n: Decimal) -> Decimal:
    """Drop the sign of a zero so that `ceiling(-0.5)` prints as 0."""
    return n.copy_abs() if n.is_zero() else n


def round_to_scale(n: Any, scale: Any, rounding: str) -> Decimal:
    n = require_number(n, "n")
    places = to_int(scale, "scale")
    if not MIN_SCALE <= places <= MAX_SCALE:
        raise FeelError(f"scale {places} is outside {MIN_SCALE}..{MAX_SCALE}")
    exponent = -places
    if int(n.as_tuple().exponent) >= exponent:
        return n  # already no finer than the scale: nothing to round (e.g. round up(5.5, 6176))
    if rounding == "UNNECESSARY":
        raise FeelError(f"rounding {n} to scale {places} is necessary")
    return clean(n.quantize(Decimal(1).scaleb(exponent), rounding=rounding, context=DECIMAL))


@builtin("decimal", "n", "scale")
def decimal_(n: Any, scale: Any) -> Decimal:
    return round_to_scale(n, scale, decimal.ROUND_HALF_EVEN)


@builtin("decimal", "n", "scale", "mode")
def decimal_mode(n: Any, scale: Any, mode: Any) -> Decimal:
    rounding = _MODES.get(mode.upper()) if isinstance(mode, str) else None
    if rounding is None:
        raise FeelError(f"illegal rounding mode '{mode}', expected one of {', '.join(_MODES)}")
    return round_to_scale(n, scale, rounding)


def _optional_scale(n: Any, scale: Any, rounding: str) -> Decimal:
    return round_to_scale(n, Decimal(0) if scale is ABSENT else scale, rounding)


@builtin("floor", "n", "scale?")
def floor(n: Any, scale: Any = ABSENT) -> Decimal:
    return _optional_scale(n, scale, decimal.ROUND_FLOOR)


@builtin("ceiling", "n", "scale?")
def ceiling(n: Any, scale: Any = ABSENT) -> Decimal:
    return _optional_scale(n, scale, decimal.ROUND_CEILING)


@builtin("round up", "n", "scale")
def round_up(n: Any, scale: Any) -> Decimal:
    return round_to_scale(n, scale, decimal.ROUND_UP)


@builtin("round down", "n", "scale")
def round_down(n: Any, scale: Any) -> Decimal:
    return round_to_scale(n, scale, decimal.ROUND_DOWN)


@builtin("round half up", "n", "scale")
def round_half_up(n: Any, scale: Any) -> Decimal:
    return round_to_scale(n, scale, decimal.ROUND_HALF_UP)


@builtin("round half down", "n", "scale")
def round_half_down(n: Any, scale: Any) -> Decimal:
    return round_to_scale(n, scale, decimal.ROUND_HALF_DOWN)


# registered after the spec signatures so that positional calls bind those first
def _camunda_only(state: EvalState, n: Any, scale: Any, rounding: str) -> Decimal | None:
    """feel-scala names the scale `scala` in `floor` and `round half down` (feel-dmn.md §4.1)."""
    return round_to_scale(n, scale, rounding) if state.dialect == "camunda" else None


@builtin("floor", "n", "scala", state=True)
def _floor_scala(state: EvalState, n: Any, scala: Any) -> Decimal | None:
    return _camunda_only(state, n, scala, decimal.ROUND_FLOOR)


@builtin("round half down", "n", "scala", state=True)
def _round_half_down_scala(state: EvalState, n: Any, scala: Any) -> Decimal | None:
    return _camunda_only(state, n, scala, decimal.ROUND_HALF_DOWN)


def _abs(n: Any) -> Any:
    if type(n) is Decimal:
        return n.copy_abs()
    try:  # temporal values are optional at import time (built in engine.feel.temporal)
        from engine.feel import temporal
    except ImportError:
        raise FeelError("durations are not available") from None
    if isinstance(n, (temporal.DayTimeDuration, temporal.YearMonthDuration)):
        return temporal.negate(n) if n.feel_cmp(type(n)(0)) == -1 else n
    raise FeelError(f"expected a number or a duration but found '{n!r}'")


@builtin("abs", "n")
def abs_(n: Any) -> Any:
    return _abs(n)


@builtin("abs", "number", state=True)
def _abs_camunda(state: EvalState, number: Any) -> Any:
    """feel-scala also accepts `abs(number: ...)`; the spec does not (TCK expects null)."""
    return _abs(number) if state.dialect == "camunda" else None


@builtin("modulo", "dividend", "divisor")
def modulo(dividend: Any, divisor: Any) -> Decimal:
    a, b = require_number(dividend, "dividend"), require_number(divisor, "divisor")
    if b.is_zero():
        raise FeelError("modulo by zero")
    # Python's Decimal % truncates (the dividend's sign); FEEL floors (the divisor's sign)
    r = DECIMAL.remainder(a, b)
    if not r.is_zero() and (r < 0) != (b < 0):
        r = DECIMAL.add(r, b)
    return clean(r)


@builtin("sqrt", "number")
def sqrt(number: Any) -> Decimal | None:
    n = require_number(number)
    return None if n < 0 else DECIMAL.sqrt(n)


@builtin("log", "number")
def log(number: Any) -> Decimal | None:
    n = require_number(number)
    return None if n <= 0 else DECIMAL.ln(n)


@builtin("exp", "number")
def exp(number: Any) -> Decimal:
    return DECIMAL.exp(require_number(number))


def _is_integer(n: Decimal) -> bool:
    return n == n.to_integral_value()


@builtin("odd", "number")
def odd(number: Any) -> bool:
    n = require_number(number)
    return _is_integer(n) and int(n) % 2 == 1


@builtin("even", "number")
def even(number: Any) -> bool:
    n = require_number(number)
    return _is_integer(n) and int(n) % 2 == 0
