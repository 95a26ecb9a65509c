"""External Java functions (`function(a) external {java: {class: ..., method signature: ...}}`).

A Python engine cannot load Java classes, but DMN models (and the TCK) call a handful of static methods of
java.lang. Those are mapped here to Python with Java's argument conversions; any other class or method is
"not found", which makes the call null with a warning, as a Java engine reports a missing method. Camunda 8
disables external functions altogether, so the camunda dialect never reaches this module.
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from engine.feel.values import DECIMAL, EvalState, FeelError, FeelFunction


def _double(v: Any) -> float:
    if type(v) is not Decimal:
        raise FeelError(f"expected a number for a Java double but found {v!r}")
    return float(v)


def _float(v: Any) -> float:
    # Java float: round to single precision
    return float(struct.unpack("f", struct.pack("f", _double(v)))[0])


def _integral(bits: int) -> Callable[[Any], int]:
    def convert(v: Any) -> int:
        if type(v) is not Decimal or v != v.to_integral_value():
            raise FeelError(f"expected an integer for a Java {bits}-bit integer but found {v!r}")
        n = int(v)
        if not -(2 ** (bits - 1)) <= n < 2 ** (bits - 1):
            raise FeelError(f"{n} does not fit a Java {bits}-bit integer")
        return n

    return convert


def _string(v: Any) -> str:
    if type(v) is not str:
        raise FeelError(f"expected a string but found {v!r}")
    return v


def _char(v: Any) -> str:
    if type(v) is not str or len(v) != 1:
        raise FeelError(f"expected one character for a Java char but found {v!r}")
    return v


def _objects(v: Any) -> Any:
    return v


PARAMETER_TYPES: dict[str, Callable[[Any], Any]] = {
    "double": _double,
    "float": _float,
    "long": _integral(64),
    "int": _integral(32),
    "short": _integral(16),
    "byte": _integral(8),
    "char": _char,
    "java.lang.String": _string,
    "[Ljava.lang.Object;": _objects,
}


def _number(v: float | int) -> Decimal:
    if isinstance(v, float):
        if math.isnan(v) or math.isinf(v):
            raise FeelError(f"{v} is not a FEEL number")
        return DECIMAL.create_decimal(repr(v))
    return Decimal(v)


def _float_number(v: float) -> Decimal:
    """A Java float as Java prints it: the shortest decimal that reads back as the same float."""
    for digits in range(1, 10):
        text = f"{v:.{digits}g}"
        if _float(Decimal(text)) == v:
            return DECIMAL.create_decimal(text)
    return _number(v)


def _parse_number(text: str, parse: Callable[[str], float | int]) -> Decimal:
    return _number(parse(text.strip()))


def _java_format(fmt: str, *args: Any) -> str:
    # the common conversions of java.util.Formatter; FEEL numbers print as Java's BigDecimal does
    values = [str(a) if type(a) is Decimal else a for a in args]
    return re.sub(r"%[sdn]", lambda m: "\n" if m.group() == "%n" else "%s", fmt) % tuple(values)


#: (class, method name, parameter types) -> implementation over converted arguments
METHODS: dict[tuple[str, str, tuple[str, ...]], Callable[..., Any]] = {
    ("java.lang.Math", "max", ("double", "double")): lambda a, b: _number(max(a, b)),
    ("java.lang.Math", "max", ("float", "float")): lambda a, b: _float_number(max(a, b)),
    ("java.lang.Math", "max", ("int", "int")): lambda a, b: _number(max(a, b)),
    ("java.lang.Math", "max", ("long", "long")): lambda a, b: _number(max(a, b)),
    ("java.lang.Math", "min", ("double", "double")): lambda a, b: _number(min(a, b)),
    ("java.lang.Math", "min", ("int", "int")): lambda a, b: _number(min(a, b)),
    ("java.lang.Math", "min", ("long", "long")): lambda a, b: _number(min(a, b)),
    ("java.lang.Math", "abs", ("double",)): lambda a: _number(abs(a)),
    ("java.lang.Math", "cos", ("double",)): lambda a: _number(math.cos(a)),
    ("java.lang.Math", "sin", ("double",)): lambda a: _number(math.sin(a)),
    ("java.lang.Math", "tan", ("double",)): lambda a: _number(math.tan(a)),
    ("java.lang.Math", "sqrt", ("double",)): lambda a: _number(math.sqrt(a)),
    ("java.lang.Math", "pow", ("double", "double")): lambda a, b: _number(math.pow(a, b)),
    ("java.lang.Math", "floor", ("double",)): lambda a: _number(float(math.floor(a))),
    ("java.lang.Math", "ceil", ("double",)): lambda a: _number(float(math.ceil(a))),
    ("java.lang.Short", "valueOf", ("short",)): _number,
    ("java.lang.Byte", "valueOf", ("byte",)): _number,
    ("java.lang.Integer", "valueOf", ("int",)): _number,
    ("java.lang.Long", "valueOf", ("long",)): _number,
    ("java.lang.Integer", "valueOf", ("java.lang.String",)): lambda s: _parse_number(s, int),
    ("java.lang.Long", "valueOf", ("java.lang.String",)): lambda s: _parse_number(s, int),
    ("java.lang.Double", "valueOf", ("java.lang.String",)): lambda s: _parse_number(s, float),
    ("java.lang.Float", "valueOf", ("java.lang.String",)): lambda s: _float_number(_float(_parse_number(s, float))),
    ("java.lang.String", "valueOf", ("char",)): lambda c: c,
    ("java.lang.String", "valueOf", ("double",)): lambda d: repr(d),
    ("java.lang.String", "format", ("java.lang.String", "[Ljava.lang.Object;")): _java_format,
}

_SIGNATURE = re.compile(r"^\s*([\w$]+)\s*\(([^)]*)\)\s*$")


def java_function(name: str, params: tuple[str, ...], mapping: Any) -> FeelFunction:
    """The FEEL function for an external Java definition `{java: {class, method signature}}`."""
    java = mapping.get("java") if isinstance(mapping, dict) else None
    cls = java.get("class") if isinstance(java, dict) else None
    signature = java.get("method signature") if isinstance(java, dict) else None
    target: Callable[..., Any] | None = None
    converters: list[Callable[[Any], Any]] = []
    m = _SIGNATURE.match(signature) if isinstance(signature, str) else None
    if isinstance(cls, str) and m:
        types = tuple(t.strip() for t in m.group(2).split(",") if t.strip())
        target = METHODS.get((cls, m.group(1), types))
        converters = [PARAMETER_TYPES[t] for t in types if t in PARAMETER_TYPES]
    varargs = bool(converters) and signature is not None and signature.rstrip().endswith("Object;)")

    def invoke(state: EvalState, args: list[Any]) -> Any:
        if target is None:
            state.warn(f"no Java method found for class {cls!r} and signature {signature!r}")
            return None
        if varargs:
            fixed = [c(a) for c, a in zip(converters[:-1], args, strict=False)]
            return target(*fixed, *args[len(fixed) :])
        if len(args) != len(converters):
            raise FeelError(f"Java method {signature} takes {len(converters)} arguments, {len(args)} given")
        return target(*(c(a) for c, a in zip(converters, args, strict=True)))

    return FeelFunction(name, params, invoke)
