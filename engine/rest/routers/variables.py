"""Variables: search (values truncated unless asked otherwise) and get (full value)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated, Any

from fastapi import Body, Query
from sqlalchemy import ColumnElement

from engine.rest.deps import EngineDep
from engine.rest.models.common import SearchQuery, SearchResult
from engine.rest.models.instances import VariableResult, VariableSearchQuery, VariableSearchResult
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, run_search
from engine.rest.views.instances import TRUNCATE_AT, VARIABLES
from engine.runtime.engine import Engine

router = make_router("Variable")

TruncateValues = Annotated[bool, Query(description="Truncate long values in the results (default true).")]


def variable_item(row: Row, truncate: bool = True) -> dict[str, Any]:
    item = VARIABLES.render(row)
    truncated = truncate and bool(item["isTruncated"])
    item["isTruncated"] = truncated
    if truncated:
        item["value"] = item["value"][:TRUNCATE_AT]
    return item


async def search_variables_where(
    engine: Engine,
    query: SearchQuery[Any, Any] | None,
    truncate: bool,
    where: Sequence[ColumnElement[bool]] = (),
) -> SearchResult[VariableSearchResult]:
    result = await run_search(engine, VARIABLES, query, lambda r: variable_item(r, truncate), where)
    return SearchResult[VariableSearchResult].model_validate(result)


@router.post("/variables/search", operation_id="searchVariables")
async def search_variables(
    engine: EngineDep,
    query: Annotated[VariableSearchQuery | None, Body()] = None,
    truncateValues: TruncateValues = True,
) -> SearchResult[VariableSearchResult]:
    return await search_variables_where(engine, query, truncateValues)


@router.get("/variables/{variableKey}", operation_id="getVariable")
async def get_variable(engine: EngineDep, variableKey: KeyPath) -> VariableResult:
    item = variable_item(await get_one(engine, VARIABLES, variableKey, "Variable"), truncate=False)
    item.pop("isTruncated")
    return VariableResult.model_validate(item)
