"""Process definitions, decision definitions and decision requirements: search, get, XML, start form."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Annotated, Any

from fastapi import Body, Response
from sqlalchemy import ColumnElement

from engine.bpmn import ProcessModel
from engine.rest.deps import EngineDep, read
from engine.rest.models.common import SearchResult, dump_filter
from engine.rest.models.definitions import (
    DecisionDefinitionResult,
    DecisionDefinitionSearchQuery,
    DecisionRequirementsResult,
    DecisionRequirementsSearchQuery,
    ProcessDefinitionResult,
    ProcessDefinitionSearchQuery,
)
from engine.rest.models.statistics import (
    ProcessDefinitionElementStatisticsQuery,
    ProcessDefinitionElementStatisticsQueryResult,
)
from engine.rest.models.tasks import FormResult
from engine.rest.problems import PROBLEM_RESPONSES, not_found
from engine.rest.routers.base import KeyPath, Row, get_one, make_router, no_content, run_search
from engine.rest.routers.forms import form_result
from engine.rest.search import parse_key
from engine.rest.views.definitions import DECISION_DEFINITIONS, DECISION_REQUIREMENTS, PROCESS_DEFINITIONS
from engine.rest.views.statistics import definition_statistics
from engine.runtime.engine import Engine
from engine.runtime.state import FormDefinition, ProcessDefinition

router = make_router("Process definition")
decisions = make_router("Decision definition")
requirements = make_router("Decision requirements")

_BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"
_ZEEBE = "{http://camunda.org/schema/zeebe/1.0}"
XML_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"description": "The XML of the resource.", "content": {"text/xml": {"schema": {"type": "string"}}}},
    **PROBLEM_RESPONSES,
}
#: id(model) -> (model, (formId, formKey)): models are immutable; holding the model keeps its id unique
_start_forms: dict[int, tuple[ProcessModel, tuple[str | None, str | None]]] = {}


def start_form(d: ProcessDefinition) -> tuple[str | None, str | None]:
    """`zeebe:formDefinition` (formId or formKey) of the none start event (the BPMN model keeps no start forms)."""
    cached = _start_forms.get(id(d.model))
    if cached is not None and cached[0] is d.model:
        return cached[1]
    found: tuple[str | None, str | None] = (None, None)
    start = d.model.none_start_event
    if start is not None:
        for el in ET.fromstring(d.model.xml).iter(f"{_BPMN}startEvent"):
            form = el.find(f".//{_ZEEBE}formDefinition") if el.get("id") == start.id else None
            if form is not None:
                found = (form.get("formId"), form.get("formKey"))
    _start_forms[id(d.model)] = (d.model, found)
    return found


def _start_form_definition(engine: Engine, d: ProcessDefinition) -> FormDefinition | None:
    form_id, form_key = start_form(d)
    if form_id:
        return engine.state.latest_form(form_id)
    if form_key and form_key.isdigit():
        return engine.state.forms.get(int(form_key))
    return None


def _has_start_form(engine: Engine, key: int) -> bool:
    d = engine.state.definitions.get(key)
    return d is not None and any(start_form(d))


# -- process definitions ---------------------------------------------------------------------------------------
@router.post("/process-definitions/search", operation_id="searchProcessDefinitions")
async def search_process_definitions(
    engine: EngineDep, query: Annotated[ProcessDefinitionSearchQuery | None, Body()] = None
) -> SearchResult[ProcessDefinitionResult]:
    where: list[ColumnElement[bool]] = []
    if query is not None and query.filter is not None and query.filter.hasStartForm is not None:
        # start forms live in the XML, not in a column: narrow by the keys the live state knows
        keys = [k for k in engine.state.definitions if _has_start_form(engine, k)]
        column = PROCESS_DEFINITIONS.source.c.processDefinitionKey
        where.append(column.in_(keys) if query.filter.hasStartForm else column.not_in(keys))
        query = query.model_copy(update={"filter": query.filter.model_copy(update={"hasStartForm": None})})

    def item(row: Row) -> dict[str, Any]:
        return {
            **PROCESS_DEFINITIONS.render(row),
            "hasStartForm": _has_start_form(engine, row["processDefinitionKey"]),
        }

    result = await run_search(engine, PROCESS_DEFINITIONS, query, item, where)
    return SearchResult[ProcessDefinitionResult].model_validate(result)


@router.get("/process-definitions/{processDefinitionKey}", operation_id="getProcessDefinition")
async def get_process_definition(engine: EngineDep, processDefinitionKey: KeyPath) -> ProcessDefinitionResult:
    row = await get_one(engine, PROCESS_DEFINITIONS, processDefinitionKey, "Process definition")
    item = PROCESS_DEFINITIONS.render(row)
    return ProcessDefinitionResult(**item, hasStartForm=_has_start_form(engine, row["processDefinitionKey"]))


@router.get(
    "/process-definitions/{processDefinitionKey}/xml",
    operation_id="getProcessDefinitionXML",
    response_class=Response,
    responses=XML_RESPONSE,
)
async def get_process_definition_xml(engine: EngineDep, processDefinitionKey: KeyPath) -> Response:
    d = engine.state.definitions.get(parse_key(processDefinitionKey))
    if d is None:
        raise not_found("Process definition", processDefinitionKey)
    return Response(d.model.xml, media_type="text/xml")


@router.get(
    "/process-definitions/{processDefinitionKey}/form",
    operation_id="getStartProcessForm",
    response_model=FormResult,
    responses={204: {"description": "The process has no start form."}, **PROBLEM_RESPONSES},
)
async def get_start_process_form(engine: EngineDep, processDefinitionKey: KeyPath) -> FormResult | Response:
    d = engine.state.definitions.get(parse_key(processDefinitionKey))
    if d is None:
        raise not_found("Process definition", processDefinitionKey)
    form = _start_form_definition(engine, d)
    return form_result(form) if form is not None else no_content()


@router.post(
    "/process-definitions/{processDefinitionKey}/statistics/element-instances",
    operation_id="getProcessDefinitionStatistics",
)
async def get_process_definition_statistics(
    engine: EngineDep,
    processDefinitionKey: KeyPath,
    query: Annotated[ProcessDefinitionElementStatisticsQuery | None, Body()] = None,
) -> ProcessDefinitionElementStatisticsQueryResult:
    """Per element: how many of the definition's instances (those the filter matches) have an instance of it
    active, with an incident, completed or canceled."""
    key = parse_key(processDefinitionKey)
    if key not in engine.state.definitions:
        raise not_found("Process definition", processDefinitionKey)
    filt = dump_filter(query.filter if query else None)
    items = await read(engine, lambda conn: definition_statistics(conn, key, filt))
    return ProcessDefinitionElementStatisticsQueryResult.model_validate({"items": items})


# -- decision definitions --------------------------------------------------------------------------------------
def decision_item(row: Row) -> dict[str, Any]:
    item = DECISION_DEFINITIONS.render(row)
    item["name"] = item["name"] or item["decisionDefinitionId"]
    item["decisionRequirementsName"] = item["decisionRequirementsName"] or item["decisionRequirementsId"]
    item["decisionRequirementsVersion"] = item["decisionRequirementsVersion"] or 0
    return item


@decisions.post("/decision-definitions/search", operation_id="searchDecisionDefinitions")
async def search_decision_definitions(
    engine: EngineDep, query: Annotated[DecisionDefinitionSearchQuery | None, Body()] = None
) -> SearchResult[DecisionDefinitionResult]:
    result = await run_search(engine, DECISION_DEFINITIONS, query, decision_item)
    return SearchResult[DecisionDefinitionResult].model_validate(result)


@decisions.get("/decision-definitions/{decisionDefinitionKey}", operation_id="getDecisionDefinition")
async def get_decision_definition(
    engine: EngineDep, decisionDefinitionKey: KeyPath
) -> DecisionDefinitionResult:
    row = await get_one(engine, DECISION_DEFINITIONS, decisionDefinitionKey, "Decision definition")
    return DecisionDefinitionResult.model_validate(decision_item(row))


@decisions.get(
    "/decision-definitions/{decisionDefinitionKey}/xml",
    operation_id="getDecisionDefinitionXML",
    response_class=Response,
    responses=XML_RESPONSE,
)
async def get_decision_definition_xml(engine: EngineDep, decisionDefinitionKey: KeyPath) -> Response:
    d = engine.state.decisions.get(parse_key(decisionDefinitionKey))
    if d is None or d.deleted:
        raise not_found("Decision definition", decisionDefinitionKey)
    return Response(d.drg.xml, media_type="text/xml")


# -- decision requirements -------------------------------------------------------------------------------------
def requirements_item(row: Row) -> dict[str, Any]:
    item = DECISION_REQUIREMENTS.render(row)
    item["decisionRequirementsName"] = item["decisionRequirementsName"] or item["decisionRequirementsId"]
    return item


@requirements.post("/decision-requirements/search", operation_id="searchDecisionRequirements")
async def search_decision_requirements(
    engine: EngineDep, query: Annotated[DecisionRequirementsSearchQuery | None, Body()] = None
) -> SearchResult[DecisionRequirementsResult]:
    result = await run_search(engine, DECISION_REQUIREMENTS, query, requirements_item)
    return SearchResult[DecisionRequirementsResult].model_validate(result)


@requirements.get("/decision-requirements/{decisionRequirementsKey}", operation_id="getDecisionRequirements")
async def get_decision_requirements(
    engine: EngineDep, decisionRequirementsKey: KeyPath
) -> DecisionRequirementsResult:
    row = await get_one(engine, DECISION_REQUIREMENTS, decisionRequirementsKey, "Decision requirements")
    return DecisionRequirementsResult.model_validate(requirements_item(row))


@requirements.get(
    "/decision-requirements/{decisionRequirementsKey}/xml",
    operation_id="getDecisionRequirementsXML",
    response_class=Response,
    responses=XML_RESPONSE,
)
async def get_decision_requirements_xml(engine: EngineDep, decisionRequirementsKey: KeyPath) -> Response:
    drg = engine.state.drgs.get(parse_key(decisionRequirementsKey))
    if drg is None or drg.deleted:
        raise not_found("Decision requirements", decisionRequirementsKey)
    return Response(drg.xml, media_type="text/xml")
