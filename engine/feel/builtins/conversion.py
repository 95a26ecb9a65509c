"""Conversion built-ins `number()` and `string()` (DMN 1.5 §10.3.4.1); the temporal ones live in temporal.py."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from engine.feel.builtins import builtin
from engine.feel.builtins.numeric import ABSENT
from engine.feel.format import to_string
from engine.feel.values import DECIMAL, EvalState, FeelError

_GROUPING = {" ", ",", "."}
_DECIMAL_SEPARATORS = {",", "."}
_NUMERAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _separator(v: Any, allowed: set[str], default: str | None, what: str) -> str | None:
    if v is ABSENT or v is None:
        return default
    if v not in allowed:
        raise FeelError(f"illegal {what} separator '{v!r}'")
    return str(v)


@builtin("number", "from", "grouping separator?", "decimal separator?")
def number(from_: Any, grouping: Any = ABSENT, decimal: Any = ABSENT) -> Decimal:
    if not isinstance(from_, str):
        raise FeelError(f"expected a string but found '{from_!r}'")
    group = _separator(grouping, _GROUPING, None, "grouping")
    point = _separator(decimal, _DECIMAL_SEPARATORS, ".", "decimal")
    if group == point:
        raise FeelError("the grouping and decimal separators must differ")
    text = from_.replace(group, "") if group else from_
    text = text.replace(point or ".", ".")
    if not _NUMERAL.fullmatch(text):
        raise FeelError(f"cannot parse '{from_}' as a number")
    return DECIMAL.create_decimal(text)


@builtin("string", "from", state=True)
def string(state: EvalState, from_: Any) -> str | None:
    return None if from_ is None else to_string(from_, state.dialect)
