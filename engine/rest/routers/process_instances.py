"""Process instances: creation (optionally awaiting completion), search, get, cancellation, incidents."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Body, Response

from engine.rest.deps import EngineDep, read
from engine.rest.models.common import SearchResult
from engine.rest.models.instances import IncidentResult, ProcessInstanceIncidentSearchQuery
from engine.rest.models.process_instances import (
    CreateProcessInstanceResult,
    OperationRequest,
    ProcessInstanceCreationInstruction,
    ProcessInstanceResult,
    ProcessInstanceSearchQuery,
)
from engine.rest.models.statistics import (
    ProcessInstanceElementStatisticsQueryResult,
    ProcessInstanceSequenceFlowsQueryResult,
)
from engine.rest.problems import not_found
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, no_content, run_search
from engine.rest.routers.incidents import incident_item
from engine.rest.search import parse_key
from engine.rest.views.instances import INCIDENTS, PROCESS_INSTANCES
from engine.rest.views.statistics import instance_statistics, sequence_flows
from engine.runtime.documents import DEFAULT_TENANT, check_document, check_tenant

router = make_router("Process instance")


def instance_item(row: Row) -> dict[str, Any]:
    return {**PROCESS_INSTANCES.render(row), "suspendedDate": None, "tags": [], "businessId": None}


@router.post("/process-instances", operation_id="createProcessInstance")
async def create_process_instance(
    engine: EngineDep, body: ProcessInstanceCreationInstruction
) -> CreateProcessInstanceResult:
    """Start an instance by process id (and version, -1 = latest) or by definition key.

    With `awaitCompletion` the answer waits for the instance to complete (504 after `requestTimeout`).
    """
    check_tenant(body.tenantId, "CreateProcessInstance")
    variables = check_document(body.variables)
    created = await engine.create_process_instance(
        bpmn_process_id=body.processDefinitionId,
        version=body.processDefinitionVersion,
        key=parse_key(body.processDefinitionKey) if body.processDefinitionKey is not None else None,
        variables=variables,
        start_instructions=[s.elementId for s in body.startInstructions or ()],
        await_result=body.awaitCompletion,
        fetch_variables=body.fetchVariables,
        request_timeout_ms=body.requestTimeout,
    )
    return CreateProcessInstanceResult(
        processDefinitionId=created["bpmnProcessId"],
        processDefinitionVersion=created["version"],
        processDefinitionKey=str(created["processDefinitionKey"]),
        processInstanceKey=str(created["processInstanceKey"]),
        tenantId=DEFAULT_TENANT,
        variables=created.get("variables", {}),
        tags=[],
        businessId=None,
    )


@router.post("/process-instances/search", operation_id="searchProcessInstances")
async def search_process_instances(
    engine: EngineDep, query: Annotated[ProcessInstanceSearchQuery | None, Body()] = None
) -> SearchResult[ProcessInstanceResult]:
    return SearchResult[ProcessInstanceResult].model_validate(
        await run_search(engine, PROCESS_INSTANCES, query, instance_item)
    )


@router.get("/process-instances/{processInstanceKey}", operation_id="getProcessInstance")
async def get_process_instance(engine: EngineDep, processInstanceKey: KeyPath) -> ProcessInstanceResult:
    row = await get_one(engine, PROCESS_INSTANCES, processInstanceKey, "Process instance")
    return ProcessInstanceResult.model_validate(instance_item(row))


@router.post(
    "/process-instances/{processInstanceKey}/cancellation",
    operation_id="cancelProcessInstance",
    status_code=204,
    response_class=Response,
)
async def cancel_process_instance(
    engine: EngineDep,
    processInstanceKey: KeyPath,
    body: Annotated[OperationRequest | None, Body()] = None,
) -> Response:
    await engine.cancel_process_instance(parse_key(processInstanceKey))
    return no_content()


@router.post(
    "/process-instances/{processInstanceKey}/incidents/search", operation_id="searchProcessInstanceIncidents"
)
async def search_process_instance_incidents(
    engine: EngineDep,
    processInstanceKey: KeyPath,
    query: Annotated[ProcessInstanceIncidentSearchQuery | None, Body()] = None,
) -> SearchResult[IncidentResult]:
    where = [INCIDENTS.source.c.processInstanceKey == parse_key(processInstanceKey)]
    return SearchResult[IncidentResult].model_validate(
        await run_search(engine, INCIDENTS, query, incident_item, where)
    )


@router.get(
    "/process-instances/{processInstanceKey}/statistics/element-instances",
    operation_id="getProcessInstanceStatistics",
)
async def get_process_instance_statistics(
    engine: EngineDep, processInstanceKey: KeyPath
) -> ProcessInstanceElementStatisticsQueryResult:
    """Per element of the instance: how many instances of it are active, have an incident, completed, canceled."""
    key = parse_key(processInstanceKey)
    items = await read(engine, lambda conn: instance_statistics(conn, key))
    if items is None:
        raise not_found("Process instance", processInstanceKey)
    return ProcessInstanceElementStatisticsQueryResult.model_validate({"items": items})


@router.get(
    "/process-instances/{processInstanceKey}/sequence-flows", operation_id="getProcessInstanceSequenceFlows"
)
async def get_process_instance_sequence_flows(
    engine: EngineDep, processInstanceKey: KeyPath
) -> ProcessInstanceSequenceFlowsQueryResult:
    """The sequence flows the instance took, each once."""
    key = parse_key(processInstanceKey)
    items = await read(engine, lambda conn: sequence_flows(conn, key))
    if items is None:
        raise not_found("Process instance", processInstanceKey)
    return ProcessInstanceSequenceFlowsQueryResult.model_validate({"items": items})
