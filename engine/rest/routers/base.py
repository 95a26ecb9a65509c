"""What every router shares: problem responses, key parameters, searches, 204 answers."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Path, Response
from sqlalchemy import ColumnElement

from engine.rest.deps import read
from engine.rest.models.common import PageRequest, SearchQuery, dump_filter
from engine.rest.problems import PROBLEM_RESPONSES, ProblemRoute, not_found
from engine.rest.search import View, fetch_one, parse_key, search, sort_terms
from engine.rest.types import LongKey
from engine.runtime.engine import Engine

Row = Mapping[Any, Any]


def make_router(tag: str) -> APIRouter:
    return APIRouter(route_class=ProblemRoute, responses=PROBLEM_RESPONSES, tags=[tag])


#: a key in the path: digits, checked to fit a Java long before use
KeyPath = Annotated[LongKey, Path()]


def no_content() -> Response:
    return Response(status_code=204)


async def run_search(
    engine: Engine,
    view: View,
    query: SearchQuery[Any, Any] | None,
    item: Callable[[Row], dict[str, Any]],
    where: Sequence[ColumnElement[bool]] = (),
    extra_filter: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """`{items, page}` of a search request on a view; `where` narrows it (the path's key)."""
    filt = {**dump_filter(query.filter if query else None), **(extra_filter or {})}
    sort = sort_terms(query.sort if query else None)
    page_req: PageRequest | None = query.page if query else None
    page = await read(engine, lambda conn: search(conn, view, filt, sort, page_req, where))
    return {"items": [item(r) for r in page.rows], "page": page.page}


async def get_one(engine: Engine, view: View, key: str, what: str) -> Row:
    """The row of `key` in a view, or a 404 problem."""
    k = parse_key(key)
    row = await read(engine, lambda conn: fetch_one(conn, view, k))
    if row is None:
        raise not_found(what, key)
    return row
