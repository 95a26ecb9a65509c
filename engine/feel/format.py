"""Rendering FEEL values: `string()` text, Zeebe-style Python output and JSON."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from engine.feel.values import DECIMAL, DIALECT, Dialect, FeelError, FeelFunction, Range, TemporalValue


def format_number(n: Decimal) -> str:
    """Plain notation, never an exponent; the value's own scale is kept (`1.50` stays `1.50`)."""
    return format(n.copy_abs() if n.is_zero() else n, "f")


def _range_to_string(r: Range, dialect: Dialect) -> str:
    if r.start is None and r.end is not None:
        return f"{'<=' if r.end_included else '<'} {to_string(r.end, dialect, quote=True)}"
    if r.end is None and r.start is not None:
        return f"{'>=' if r.start_included else '>'} {to_string(r.start, dialect, quote=True)}"
    start = "[" if r.start_included else "("
    end = "]" if r.end_included else ")"
    return f"{start}{to_string(r.start, dialect, quote=True)}..{to_string(r.end, dialect, quote=True)}{end}"


def to_string(value: Any, dialect: Dialect | None = None, quote: bool = False) -> str:
    """FEEL `string()` text of a value; `quote` wraps strings in quotes (as inside lists and contexts)."""
    dialect = dialect or DIALECT.get()
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format_number(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False) if quote else value
    if isinstance(value, list):
        return "[" + ", ".join(to_string(v, dialect, quote=True) for v in value) + "]"
    if isinstance(value, dict):
        sep = ":" if dialect == "camunda" else ": "  # feel-scala prints `{a:1}`
        return "{" + ", ".join(f"{k}{sep}{to_string(v, dialect, quote=True)}" for k, v in value.items()) + "}"
    if isinstance(value, Range):
        return _range_to_string(value, dialect)
    if isinstance(value, FeelFunction):
        return f"function({', '.join(value.params or ())})"
    return str(value)


def _temporal_iso(value: TemporalValue, dialect: Dialect) -> Any:
    try:
        from engine.feel.temporal import to_python_iso
    except ImportError:  # temporal values not available yet: fall back to the FEEL text
        return str(value)
    return to_python_iso(value)


def to_python(value: Any, dialect: Dialect | None = None) -> Any:
    """JSON-able Python as Zeebe writes decision outputs: whole numbers int, fractional float,
    temporals ISO strings, ranges and functions None (feel-dmn.md §4.3)."""
    dialect = dialect or DIALECT.get()
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    if isinstance(value, list):
        return [to_python(v, dialect) for v in value]
    if isinstance(value, dict):
        return {k: to_python(v, dialect) for k, v in value.items()}
    if isinstance(value, TemporalValue):
        return _temporal_iso(value, dialect)
    return None


def _json_parts(value: Any, dialect: Dialect, out: list[str]) -> None:
    if value is None or isinstance(value, (bool, str)):
        out.append(json.dumps(value, ensure_ascii=False))
    elif isinstance(value, Decimal):
        out.append(format_number(value))
    elif isinstance(value, list):
        out.append("[")
        for i, v in enumerate(value):
            if i:
                out.append(",")
            _json_parts(v, dialect, out)
        out.append("]")
    elif isinstance(value, dict):
        out.append("{")
        for i, (k, v) in enumerate(value.items()):
            if i:
                out.append(",")
            out.append(json.dumps(k, ensure_ascii=False) + ":")
            _json_parts(v, dialect, out)
        out.append("}")
    elif isinstance(value, TemporalValue):
        out.append(json.dumps(str(_temporal_iso(value, dialect)), ensure_ascii=False))
    else:  # ranges and functions: their text, as feel-scala's `to json`
        out.append(json.dumps(to_string(value, dialect), ensure_ascii=False))


def to_json(value: Any, dialect: Dialect | None = None) -> str:
    """Compact JSON text (as Jackson writes it); numbers keep their exact decimal digits."""
    out: list[str] = []
    _json_parts(value, dialect or DIALECT.get(), out)
    return "".join(out)


def _bad_constant(name: str) -> Any:
    raise FeelError(f"not a JSON number: {name}")


def from_json(text: str) -> Any:
    """FEEL value of a JSON text: numbers become exact Decimals, objects contexts, arrays lists."""
    return json.loads(text, parse_float=DECIMAL.create_decimal, parse_int=DECIMAL.create_decimal,
                       parse_constant=_bad_constant)
