"""Searches translated to SQL, once for every resource.

A resource is a `View`: a SELECT whose columns are labelled with the API's field names, plus what kind each
field is. Filters (plain values and `$` operators, `$or` groups), sorts and pages (offset, or keyset cursors)
are then built from the field names alone. Cursors are opaque base64 of the sort values of an edge item, so
paging stays stable while rows are added (keyset pagination, not offsets in disguise).
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import (
    ColumnElement,
    Connection,
    Subquery,
    and_,
    case,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)

from engine.rest.models.common import PageRequest, PageResponse
from engine.rest.problems import ApiError
from engine.rest.types import INT64_MAX, INT64_MIN, epoch_ms, iso

#: key: int column rendered as a string; date: epoch ms rendered ISO; datetext: ISO text as stored;
#: json: JSON text rendered parsed; str/int/bool: as stored
Kind = Literal["key", "str", "int", "bool", "date", "datetext", "json"]
Filter = Callable[[Subquery, Any], ColumnElement[bool]]
DEFAULT_LIMIT = 100
_COMPARE: dict[str, Callable[[Any, Any], ColumnElement[bool]]] = {
    "$eq": lambda c, v: c == v,
    "$gt": lambda c, v: c > v,
    "$gte": lambda c, v: c >= v,
    "$lt": lambda c, v: c < v,
    "$lte": lambda c, v: c <= v,
}


@dataclass(frozen=True)
class View:
    source: Subquery
    kinds: Mapping[str, Kind]
    #: a unique field: the last sort term, so that every order (and every cursor) is total
    key: str
    #: filter fields that are not plain columns (variables, list membership ...)
    filters: Mapping[str, Filter] = field(default_factory=dict)
    #: fields never null (besides `key`): sorted without a nulls-last flag, so an index can serve the order
    not_null: frozenset[str] = frozenset()

    def render(self, row: Mapping[Any, Any]) -> dict[str, Any]:
        """The row's API fields with keys as strings, dates ISO, JSON parsed."""
        return {name: render_value(kind, row[name]) for name, kind in self.kinds.items() if name in row}


def render_value(kind: Kind, value: Any) -> Any:
    if value is None:
        return None
    if kind == "key":
        return str(value)
    if kind == "date":
        return iso(value)
    if kind == "json":
        return json.loads(value)
    if kind == "bool":
        return bool(value)
    return value


@dataclass
class Page:
    rows: list[Mapping[Any, Any]]
    page: PageResponse


# -- filters ---------------------------------------------------------------------------------------------------
def conditions(view: View, filt: Mapping[str, Any]) -> list[ColumnElement[bool]]:
    out: list[ColumnElement[bool]] = []
    for name, value in filt.items():
        if name == "$or":
            if value:
                out.append(or_(*(and_(true(), *conditions(view, group)) for group in value)))
        elif name in view.filters:
            out.append(view.filters[name](view.source, value))
        else:
            out.extend(column_conditions(view.source.c[name], view.kinds[name], value))
    return out


def column_conditions(column: Any, kind: Kind, value: Any) -> list[ColumnElement[bool]]:
    """Conditions of one filter property: a plain value is equality, a dict holds `$` operators."""
    if not isinstance(value, dict):
        return [column == convert(kind, value)]
    out: list[ColumnElement[bool]] = []
    for op, arg in value.items():
        if op == "$exists":
            out.append(column.is_not(None) if arg else column.is_(None))
        elif op in ("$in", "$notIn"):
            values = [convert(kind, v) for v in arg]
            # a missing value is "none of" anything, as a document store sees it
            out.append(column.in_(values) if op == "$in" else or_(column.is_(None), column.not_in(values)))
        elif op == "$like":
            out.append(column.like(like_pattern(arg), escape="\\"))
        elif op == "$neq":
            out.append(or_(column.is_(None), column != convert(kind, arg)))
        else:
            out.append(_COMPARE[op](column, convert(kind, arg)))
    return out


def convert(kind: Kind, value: Any) -> Any:
    """A filter value in the column's representation."""
    if kind == "key":
        return parse_key(value)
    if kind == "date" and isinstance(value, dt.datetime):
        return epoch_ms(value)
    if kind == "datetext" and isinstance(value, dt.datetime):
        return iso(epoch_ms(value))
    return value


def parse_key(value: str | int) -> int:
    key = int(value)
    if not INT64_MIN <= key <= INT64_MAX:
        raise ApiError(400, "INVALID_ARGUMENT", f"The key '{value}' is not a valid 64-bit number")
    return key


def like_pattern(pattern: str) -> str:
    """Camunda's `$like` (`*`, `?`, `\\` escapes) as SQL LIKE with `\\` as the escape character."""
    out = []
    escaped = False
    for ch in pattern:
        if escaped:
            out.append("\\" + ch if ch in "%_\\" else ch)
            escaped = False
        elif ch == "\\":
            escaped = True
        elif ch == "*":
            out.append("%")
        elif ch == "?":
            out.append("_")
        elif ch in "%_":
            out.append("\\" + ch)
        else:
            out.append(ch)
    if escaped:
        out.append("\\\\")
    return "".join(out)


def like_condition(column: Any, value: Any, wrap: Callable[[str], str]) -> ColumnElement[bool]:
    """A string filter applied as LIKE patterns over a text that embeds the value (JSON lists of names)."""
    if not isinstance(value, dict):
        return column.like(wrap(like_pattern(_escape_wildcards(value))), escape="\\")
    parts: list[ColumnElement[bool]] = []
    for op, arg in value.items():
        if op == "$exists":
            parts.append(column.not_in(["[]"]) if arg else column.in_(["[]"]))
        elif op == "$eq":
            parts.append(like_condition(column, arg, wrap))
        elif op == "$neq":
            parts.append(~like_condition(column, arg, wrap))
        elif op == "$in":
            parts.append(or_(false(), *(like_condition(column, v, wrap) for v in arg)))
        elif op == "$notIn":
            parts.append(and_(true(), *(~like_condition(column, v, wrap) for v in arg)))
        elif op == "$like":
            parts.append(column.like(wrap(like_pattern(arg)), escape="\\"))
    return and_(true(), *parts)


def _escape_wildcards(value: str) -> str:
    return value.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


# -- sorting and cursors ----------------------------------------------------------------------------------------
def _terms(view: View, sort: Sequence[tuple[str, bool]]) -> list[tuple[Any, bool]]:
    """(expression, descending) terms: per field a nulls-last flag (unless it is never null) then the value; the
    unique key last."""
    fields = [*sort, (view.key, False)]
    terms: list[tuple[Any, bool]] = []
    for name, desc in fields:
        column = view.source.c[name]
        if name != view.key and name not in view.not_null:
            terms.append((case((column.is_(None), 1), else_=0), False))
        terms.append((column, desc))
    return terms


def encode_cursor(values: Sequence[Any]) -> str:
    return base64.b64encode(json.dumps(list(values), separators=(",", ":")).encode()).decode()


def decode_cursor(cursor: str, size: int) -> list[Any]:
    try:
        values = json.loads(base64.b64decode(cursor, validate=True))
    except (binascii.Error, ValueError):
        raise ApiError(400, "INVALID_ARGUMENT", f"The cursor '{cursor}' is not valid") from None
    ok = isinstance(values, list) and len(values) == size
    ok = ok and all(
        v is None or isinstance(v, str | bool | float) or (isinstance(v, int) and INT64_MIN <= v <= INT64_MAX)
        for v in values
    )
    if not ok:
        raise ApiError(400, "INVALID_ARGUMENT", f"The cursor '{cursor}' does not belong to this search")
    return list(values)


def _beyond(terms: list[tuple[Any, bool]], values: list[Any], forward: bool) -> ColumnElement[bool]:
    """Rows strictly after (forward) or before the cursor row in the terms' order (lexicographic)."""
    alternatives = []
    for i, (expr, desc) in enumerate(terms):
        v = values[i]
        if v is None:
            greater: ColumnElement[bool] = false()  # nulls sort within their flag group: nothing beyond
        else:
            greater = expr > v if (not desc) == forward else expr < v
        equal = [e.is_(None) if values[j] is None else e == values[j] for j, (e, _) in enumerate(terms[:i])]
        alternatives.append(and_(true(), *equal, greater))
    return or_(false(), *alternatives)


# -- running ---------------------------------------------------------------------------------------------------
def search(
    conn: Connection,
    view: View,
    filt: Mapping[str, Any],
    sort: Sequence[tuple[str, bool]] = (),
    page: PageRequest | None = None,
    where: Sequence[ColumnElement[bool]] = (),
) -> Page:
    page = page or PageRequest.model_validate({})
    conds = [*where, *conditions(view, filt)]
    terms = _terms(view, sort)
    labels = [f"_s{i}" for i in range(len(terms))]
    stmt = select(view.source, *(expr.label(n) for (expr, _), n in zip(terms, labels, strict=True)))
    stmt = stmt.where(*conds)
    backward = page.before is not None
    cursor = page.before if backward else page.after
    if cursor is not None:
        stmt = stmt.where(_beyond(terms, decode_cursor(cursor, len(terms)), forward=not backward))
    order = [expr.desc() if desc != backward else expr.asc() for expr, desc in terms]
    stmt = stmt.order_by(*order).limit(page.limit or DEFAULT_LIMIT).offset(page.from_ or 0)
    rows: list[Mapping[Any, Any]] = [r._mapping for r in conn.execute(stmt)]
    if backward:
        rows.reverse()
    total = conn.execute(
        select(func.count(literal_column("*"))).select_from(view.source).where(*conds)
    ).scalar()
    first, last = (rows[0], rows[-1]) if rows else (None, None)
    return Page(
        rows,
        PageResponse(
            totalItems=int(total or 0),
            hasMoreTotalItems=False,
            startCursor=encode_cursor([first[n] for n in labels]) if first is not None else None,
            endCursor=encode_cursor([last[n] for n in labels]) if last is not None else None,
        ),
    )


def sort_terms(sort: Sequence[Any] | None) -> list[tuple[str, bool]]:
    """`[{field, order}]` models as (field, descending) pairs."""
    return [(s.field, s.order == "DESC") for s in sort or ()]


def fetch_one(conn: Connection, view: View, key: int) -> Mapping[Any, Any] | None:
    row = conn.execute(select(view.source).where(view.source.c[view.key] == key)).first()
    return row._mapping if row is not None else None
