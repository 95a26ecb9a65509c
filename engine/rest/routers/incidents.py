"""Incidents: search, get, resolution."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response

from engine.rest.deps import EngineDep
from engine.rest.models.common import SearchResult
from engine.rest.models.instances import IncidentResult, IncidentSearchQuery
from engine.rest.models.process_instances import OperationRequest
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, no_content, run_search
from engine.rest.search import parse_key
from engine.rest.views.instances import INCIDENTS

router = make_router("Incident")


def incident_item(row: Row) -> dict[str, Any]:
    return INCIDENTS.render(row)


@router.post("/incidents/search", operation_id="searchIncidents")
async def search_incidents(
    engine: EngineDep, query: Annotated[IncidentSearchQuery | None, Body()] = None
) -> SearchResult[IncidentResult]:
    return SearchResult[IncidentResult].model_validate(
        await run_search(engine, INCIDENTS, query, incident_item)
    )


@router.get("/incidents/{incidentKey}", operation_id="getIncident")
async def get_incident(engine: EngineDep, incidentKey: KeyPath) -> IncidentResult:
    return IncidentResult.model_validate(
        incident_item(await get_one(engine, INCIDENTS, incidentKey, "Incident"))
    )


@router.post(
    "/incidents/{incidentKey}/resolution",
    operation_id="resolveIncident",
    status_code=204,
    response_class=Response,
)
async def resolve_incident(
    engine: EngineDep, incidentKey: KeyPath, body: Annotated[OperationRequest | None, Body()] = None
) -> Response:
    """Retry the failed step; a job incident needs retries first (`PATCH /jobs/{key}`)."""
    await engine.resolve_incident(parse_key(incidentKey))
    return no_content()
