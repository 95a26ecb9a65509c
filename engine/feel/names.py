"""Known-names tokenizing (feel-dmn.md §2 "Name ambiguity").

FEEL names may hold spaces, keywords and characters such as `-`, `'` or `+` (`date and time`,
`Post-bureau affordability`, `days in weekend`). An LALR grammar cannot tell `a-b` the name from `a - b` the
subtraction, so before parsing, every occurrence of a known name that is not a plain run of identifier words is
rewritten as a backtick name (Camunda's own escape syntax), longest name first. Names made only of plain words
need no help: the grammar reads `Monthly Salary` as one name.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable
from functools import lru_cache

KEYWORDS = frozenset(
    ["and", "or", "in", "then", "else", "return", "satisfies", "instance", "of", "between", "for", "if", "some", "every", "function", "true", "false", "null", "external"]
)
_PLAIN = re.compile(r"[^\W\d]\w*(?: [^\W\d]\w*)*\Z")
#: type names usable after `instance of`, and feel-scala's aliases (feel-dmn.md §4.1)
TYPE_NAMES = (
    "date and time",
    "days and time duration",
    "years and months duration",
    "date time",
    "year-month-duration",
    "day-time-duration",
)
_SKIP = r'"(?:[^"\\]|\\.)*"|@"(?:[^"\\]|\\.)*"|//[^\n]*|/\*.*?\*/|`[^`]*`'


def needs_quoting(name: str) -> bool:
    # a lone keyword (the deprecated `and()`/`or()` built-ins) stays a keyword
    if name in KEYWORDS:
        return False
    return not _PLAIN.match(name) or any(part in KEYWORDS for part in name.split(" "))


@lru_cache(maxsize=512)
def _pattern(names: frozenset[str]) -> re.Pattern[str] | None:
    special = sorted((n for n in names if n and needs_quoting(n)), key=len, reverse=True)
    if not special:
        return None
    alternatives = "|".join(r"\s+".join(re.escape(p) for p in n.split()) for n in special)
    return re.compile(rf"({_SKIP})|(?<![\w`])({alternatives})(?![\w`])", re.S)


class QuotedText:
    """The rewritten text, with a map from its positions back to the original's (for error carets)."""

    __slots__ = ("text", "_at")

    def __init__(self, text: str, inserts: list[int]) -> None:
        self.text = text
        #: positions (in the new text) of the backticks added around each quoted name
        self._at = inserts

    def original_offset(self, pos: int) -> int:
        return pos - bisect_right(self._at, pos)


def quote_names(text: str, names: Iterable[str]) -> QuotedText:
    pattern = _pattern(frozenset(names))
    if pattern is None:
        return QuotedText(text, [])
    out: list[str] = []
    inserts: list[int] = []
    last = 0
    length = 0
    for m in pattern.finditer(text):
        if m.group(1) is not None:
            continue
        chunk = text[last : m.start()]
        out.append(chunk)
        length += len(chunk)
        inserts.append(length)
        name = m.group(2)
        out.append(f"`{name}`")
        length += len(name) + 2
        inserts.append(length - 1)
        last = m.end()
    out.append(text[last:])
    return QuotedText("".join(out), inserts)
