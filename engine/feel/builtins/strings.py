"""String built-ins (DMN 1.5 §10.3.4.3) plus Camunda's `extract`, `trim`, `is blank` and the
`string join(list, delimiter, prefix, suffix)` form.

Positions count Unicode code points in the spec dialect and UTF-16 units in the camunda dialect (Java strings).
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from engine.feel.builtins import builtin
from engine.feel.builtins.lists import as_list
from engine.feel.builtins.numeric import ABSENT, to_int
from engine.feel.regex import compile_pattern, replacer
from engine.feel.values import DIALECT, EvalState, FeelError

#: Java's String.trim removes every char up to U+0020
_JAVA_TRIM = "".join(chr(c) for c in range(0x21))


def require_string(v: Any, what: str = "string") -> str:
    # a singleton list stands for its item where a string is expected (spec "from singleton list", TCK 0021)
    if type(v) is list and len(v) == 1 and DIALECT.get() == "spec":
        v = v[0]
    if not isinstance(v, str):
        raise FeelError(f"expected {what} to be a string but found '{v!r}'")
    return v


def _units(s: str, dialect: str) -> str | bytes:
    """The sequence positions index into: the str itself, or its UTF-16 code units (2 bytes each)."""
    return s.encode("utf-16-le", "surrogatepass") if dialect == "camunda" else s


def _unit_len(units: str | bytes) -> int:
    return len(units) // 2 if isinstance(units, bytes) else len(units)


def _unit_slice(units: str | bytes, start: int, end: int | None) -> str:
    if isinstance(units, bytes):
        return units[2 * start : None if end is None else 2 * end].decode("utf-16-le", "surrogatepass")
    return units[start:end]


def _pattern(state: EvalState, pattern: Any, flags: Any = None) -> re.Pattern[str]:
    compiled = compile_pattern(
        require_string(pattern, "pattern"),
        None if flags is None else require_string(flags, "flags"),
        state.dialect,
    )
    if compiled is None:
        raise FeelError(f"invalid regular expression '{pattern}' or flags '{flags}'")
    return compiled


@builtin("substring", "string", "start position", "length?", state=True)
def substring(state: EvalState, string: Any, start: Any, length: Any = ABSENT) -> str:
    units = _units(require_string(string), state.dialect)
    n, p = _unit_len(units), to_int(start, "start position")
    if p == 0:
        raise FeelError("start position must not be 0")
    i = max(p - 1, 0) if p > 0 else max(n + p, 0)
    if length is ABSENT:
        return _unit_slice(units, i, None)
    count = to_int(length, "length")
    if count < 0:
        raise FeelError("length must not be negative")
    return _unit_slice(units, i, i + count)


@builtin("string length", "string", state=True)
def string_length(state: EvalState, string: Any) -> Decimal:
    return Decimal(_unit_len(_units(require_string(string), state.dialect)))


@builtin("upper case", "string")
def upper_case(string: Any) -> str:
    return require_string(string).upper()


@builtin("lower case", "string")
def lower_case(string: Any) -> str:
    return require_string(string).lower()


@builtin("substring before", "string", "match")
def substring_before(string: Any, match: Any) -> str:
    s, m = require_string(string), require_string(match, "match")
    i = s.find(m)
    return s[:i] if i > 0 else ""


@builtin("substring after", "string", "match")
def substring_after(string: Any, match: Any) -> str:
    s, m = require_string(string), require_string(match, "match")
    i = s.find(m)
    return s[i + len(m) :] if i >= 0 else ""


@builtin("replace", "input", "pattern", "replacement", "flags?", state=True)
def replace(state: EvalState, input: Any, pattern: Any, replacement: Any, flags: Any = None) -> str:
    s = require_string(input, "input")
    rx = _pattern(state, pattern, flags)
    if state.dialect == "spec" and rx.search(""):
        raise FeelError(f"pattern '{pattern}' matches the empty string")  # XPath FORX0003
    literal = isinstance(flags, str) and "q" in flags and state.dialect == "spec"
    expand = replacer(require_string(replacement, "replacement"), rx.groups, literal)
    if expand is None:
        raise FeelError(f"invalid replacement '{replacement}'")
    return rx.sub(expand, s)


@builtin("contains", "string", "match")
def contains(string: Any, match: Any) -> bool:
    return require_string(match, "match") in require_string(string)


@builtin("starts with", "string", "match")
def starts_with(string: Any, match: Any) -> bool:
    return require_string(string).startswith(require_string(match, "match"))


@builtin("ends with", "string", "match")
def ends_with(string: Any, match: Any) -> bool:
    return require_string(string).endswith(require_string(match, "match"))


@builtin("matches", "input", "pattern", "flags?", state=True)
def matches(state: EvalState, input: Any, pattern: Any, flags: Any = None) -> bool:
    s = require_string(input, "input")
    return _pattern(state, pattern, flags).search(s) is not None


@builtin("split", "string", "delimiter", state=True)
def split(state: EvalState, string: Any, delimiter: Any) -> list[str]:
    s = require_string(string)
    rx = _pattern(state, delimiter)
    if state.dialect == "spec":
        if rx.search(""):
            raise FeelError(f"delimiter '{delimiter}' matches the empty string")  # XPath FORX0003
        if not s:
            return []  # XPath tokenize("") is the empty sequence
    # not re.split: capturing groups in the delimiter must not add items
    parts, last = [], 0
    for m in rx.finditer(s):
        parts.append(s[last : m.start()])
        last = m.end()
    parts.append(s[last:])
    return parts


def _join(list_: Any, delimiter: Any, prefix: Any = None, suffix: Any = None) -> str:
    items = as_list(list_)
    if any(x is not None and not isinstance(x, str) for x in items):
        raise FeelError("expected a list of strings")
    sep, pre, post = (("" if v is None else require_string(v)) for v in (delimiter, prefix, suffix))
    return pre + sep.join(x for x in items if x is not None) + post


@builtin("string join", "list", "delimiter?")
def string_join(list_: Any, delimiter: Any = None) -> str:
    return _join(list_, delimiter)


@builtin("string join", "list", "delimiter", "prefix", "suffix")
def string_join_wrapped(list_: Any, delimiter: Any, prefix: Any, suffix: Any) -> str:
    """Camunda: `string join(["a","b"], ", ", "[", "]")` is "[a, b]"."""
    return _join(list_, delimiter, prefix, suffix)


@builtin("extract", "input", "pattern", state=True)
def extract(state: EvalState, input: Any, pattern: Any) -> list[str]:
    return [m.group(0) for m in _pattern(state, pattern).finditer(require_string(input, "input"))]


@builtin("trim", "string")
def trim(string: Any) -> str:
    return require_string(string).strip(_JAVA_TRIM)


@builtin("is blank", "string")
def is_blank(string: Any) -> bool:
    return not require_string(string).strip()
