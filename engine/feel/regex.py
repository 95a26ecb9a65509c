"""Regular expressions for the FEEL string functions.

The spec dialect uses XPath/XML Schema regex (translated to Python `re` by elementpath) with the flags
`s m i x q`; the camunda dialect uses Java regex, which Python's `re` follows closely. Every failure
(invalid pattern, unknown flag, bad replacement) yields None so that the built-in returns null.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache

from elementpath.regex import RegexError, translate_pattern

from engine.feel.values import Dialect

_XPATH_FLAGS = {"s": re.S, "m": re.M, "i": re.I}
_JAVA_FLAGS = {"s": re.S, "m": re.M, "i": re.I, "x": re.X}
#: `\p{ Name}` is only legal once the `x` flag has stripped the blanks (TCK 1111)
_BLANK_IN_PROPERTY = re.compile(r"\\[pP]\{[^}]*\s")
_XML_BLANKS = " \t\n\r"


def _strip_blanks(pattern: str) -> str:
    """XPath `x` flag: drop whitespace except inside character class expressions."""
    out: list[str] = []
    depth = 0
    escaped = False
    for ch in pattern:
        if ch in _XML_BLANKS and not depth:
            continue  # even after a backslash: `hello\ sworld` means `hello\sworld` (TCK 1111)
        if escaped:
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "[":
            depth += 1
        elif ch == "]" and depth:
            depth -= 1
        out.append(ch)
    return "".join(out)


@lru_cache(maxsize=512)
def _compile_xpath(pattern: str, flags: str) -> re.Pattern[str] | None:
    py_flags = 0
    for c in flags:
        if c in _XPATH_FLAGS:
            py_flags |= _XPATH_FLAGS[c]
        elif c == "x":
            pattern = _strip_blanks(pattern)
        elif c != "q":
            return None
    try:
        if "q" in flags:
            return re.compile(re.escape(pattern), py_flags)
        if "x" not in flags and _BLANK_IN_PROPERTY.search(pattern):
            return None
        return re.compile(translate_pattern(pattern, py_flags), py_flags)
    except (re.error, RegexError, ValueError, OverflowError):
        return None


@lru_cache(maxsize=512)
def _compile_java(pattern: str, flags: str) -> re.Pattern[str] | None:
    # feel-scala only looks for the known letters and ignores the others
    py_flags = 0
    for c, f in _JAVA_FLAGS.items():
        if c in flags:
            py_flags |= f
    try:
        return re.compile(pattern, py_flags)
    except (re.error, ValueError, OverflowError):
        return None


def compile_pattern(pattern: str, flags: str | None = None, dialect: Dialect = "spec") -> re.Pattern[str] | None:
    """The compiled pattern, or None for an invalid pattern or flag."""
    if dialect == "camunda":
        return _compile_java(pattern, flags or "")
    return _compile_xpath(pattern, flags or "")


def replacer(replacement: str, groups: int, literal: bool = False) -> Callable[[re.Match[str]], str] | None:
    """A `re.sub` callback for an XPath/Java replacement string (`$N` groups, `\\$` and `\\\\` escapes).

    Returns None when the replacement is invalid (a lone `$` or `\\`, as XPath's FORX0004).
    """
    if literal:
        return lambda m: replacement
    parts: list[str | int] = []
    i, n = 0, len(replacement)
    while i < n:
        ch = replacement[i]
        if ch == "\\":
            if i + 1 >= n or replacement[i + 1] not in "\\$":
                return None
            parts.append(replacement[i + 1])
            i += 2
        elif ch == "$":
            j = i + 1
            while j < n and replacement[j].isdigit():
                j += 1
            if j == i + 1:
                return None
            # the longest digit prefix that names an existing group; the rest is literal text
            k = j
            while k > i + 2 and int(replacement[i + 1 : k]) > groups:
                k -= 1
            number = int(replacement[i + 1 : k])
            parts.append(number if number <= groups else "")
            i = k
        else:
            parts.append(ch)
            i += 1

    def expand(m: re.Match[str]) -> str:
        return "".join(p if isinstance(p, str) else (m.group(p) or "") for p in parts)

    return expand
