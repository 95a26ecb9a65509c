"""Element instances: search, get, and setting variables on a scope."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response

from engine.rest.deps import EngineDep
from engine.rest.models.common import SearchResult
from engine.rest.models.instances import (
    ElementInstanceResult,
    ElementInstanceSearchQuery,
    SetVariableRequest,
)
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, no_content, run_search
from engine.rest.search import parse_key
from engine.rest.views.instances import ELEMENT_INSTANCES
from engine.runtime.documents import check_document

router = make_router("Element instance")


def element_item(row: Row) -> dict[str, Any]:
    item = ELEMENT_INSTANCES.render(row)
    item.pop("elementInstanceScopeKey", None)
    # Operate shows the element id where the model gives no name; the field is not nullable
    item["elementName"] = item["elementName"] or item["elementId"]
    return item


@router.post("/element-instances/search", operation_id="searchElementInstances")
async def search_element_instances(
    engine: EngineDep, query: Annotated[ElementInstanceSearchQuery | None, Body()] = None
) -> SearchResult[ElementInstanceResult]:
    return SearchResult[ElementInstanceResult].model_validate(
        await run_search(engine, ELEMENT_INSTANCES, query, element_item)
    )


@router.get("/element-instances/{elementInstanceKey}", operation_id="getElementInstance")
async def get_element_instance(engine: EngineDep, elementInstanceKey: KeyPath) -> ElementInstanceResult:
    row = await get_one(engine, ELEMENT_INSTANCES, elementInstanceKey, "Element instance")
    return ElementInstanceResult.model_validate(element_item(row))


@router.put(
    "/element-instances/{elementInstanceKey}/variables",
    operation_id="createElementInstanceVariables",
    status_code=204,
    response_class=Response,
)
async def set_variables(engine: EngineDep, elementInstanceKey: KeyPath, body: SetVariableRequest) -> Response:
    """Merge variables into the scope (propagating to where they exist unless `local`)."""
    await engine.set_variables(parse_key(elementInstanceKey), check_document(body.variables), body.local)
    return no_content()
