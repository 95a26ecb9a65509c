"""Element instances, variables and incidents."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from engine.rest.models.common import (
    DateTimeProp,
    EnumFilter,
    KeyProp,
    SearchQuery,
    Strict,
    StringProp,
)
from engine.rest.models.process_instances import ElementInstanceState
from engine.rest.types import Flag, OperationReference, Variables

ElementType = Literal[
    "UNSPECIFIED", "PROCESS", "SUB_PROCESS", "EVENT_SUB_PROCESS", "AD_HOC_SUB_PROCESS",
    "AD_HOC_SUB_PROCESS_INNER_INSTANCE", "START_EVENT", "INTERMEDIATE_CATCH_EVENT", "INTERMEDIATE_THROW_EVENT",
    "BOUNDARY_EVENT", "END_EVENT", "SERVICE_TASK", "RECEIVE_TASK", "USER_TASK", "MANUAL_TASK", "TASK",
    "EXCLUSIVE_GATEWAY", "INCLUSIVE_GATEWAY", "PARALLEL_GATEWAY", "EVENT_BASED_GATEWAY", "SEQUENCE_FLOW",
    "MULTI_INSTANCE_BODY", "CALL_ACTIVITY", "BUSINESS_RULE_TASK", "SCRIPT_TASK", "SEND_TASK", "UNKNOWN",
]  # fmt: skip
IncidentErrorType = Literal[
    "UNSPECIFIED", "UNKNOWN", "IO_MAPPING_ERROR", "JOB_NO_RETRIES", "EXECUTION_LISTENER_NO_RETRIES",
    "TASK_LISTENER_NO_RETRIES", "AD_HOC_SUB_PROCESS_NO_RETRIES", "CONDITION_ERROR", "EXTRACT_VALUE_ERROR",
    "CALLED_ELEMENT_ERROR", "UNHANDLED_ERROR_EVENT", "MESSAGE_SIZE_EXCEEDED", "CALLED_DECISION_ERROR",
    "DECISION_EVALUATION_ERROR", "FORM_NOT_FOUND", "RESOURCE_NOT_FOUND",
]  # fmt: skip
IncidentState = Literal["ACTIVE", "MIGRATED", "RESOLVED", "PENDING"]


# -- element instances --------------------------------------------------------------------------------------
class ElementInstanceResult(BaseModel):
    elementInstanceKey: str
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    processDefinitionKey: str
    processDefinitionId: str
    elementId: str
    elementName: str
    type: ElementType
    state: ElementInstanceState
    hasIncident: Flag
    incidentKey: str | None
    startDate: str
    endDate: str | None
    tenantId: str


class ElementInstanceFilter(Strict):
    elementInstanceKey: KeyProp | None = None
    processInstanceKey: KeyProp | None = None
    processDefinitionKey: KeyProp | None = None
    processDefinitionId: StringProp | None = None
    elementId: StringProp | None = None
    elementName: StringProp | None = None
    type: ElementType | EnumFilter[ElementType] | None = None
    state: ElementInstanceState | EnumFilter[ElementInstanceState] | None = None
    hasIncident: Flag | None = None
    incidentKey: KeyProp | None = None
    startDate: DateTimeProp | None = None
    endDate: DateTimeProp | None = None
    tenantId: StringProp | None = None
    elementInstanceScopeKey: KeyProp | None = None


ElementInstanceSortField = Literal[
    "elementInstanceKey", "processInstanceKey", "processDefinitionKey", "processDefinitionId", "startDate",
    "endDate", "elementId", "elementName", "type", "state", "incidentKey", "tenantId",
]  # fmt: skip


class ElementInstanceSearchQuery(SearchQuery[ElementInstanceFilter, ElementInstanceSortField]):
    pass


class SetVariableRequest(Strict):
    variables: Variables
    local: Flag = False
    operationReference: OperationReference | None = None


# -- variables -----------------------------------------------------------------------------------------------
class VariableResult(BaseModel):
    variableKey: str
    name: str
    value: str
    scopeKey: str
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    tenantId: str


class VariableSearchResult(VariableResult):
    isTruncated: Flag


class VariableFilter(Strict):
    variableKey: KeyProp | None = None
    name: StringProp | None = None
    value: StringProp | None = None
    scopeKey: KeyProp | None = None
    processInstanceKey: KeyProp | None = None
    isTruncated: Flag | None = None
    tenantId: StringProp | None = None


VariableSortField = Literal["value", "name", "tenantId", "variableKey", "scopeKey", "processInstanceKey"]


class VariableSearchQuery(SearchQuery[VariableFilter, VariableSortField]):
    pass


class UserTaskVariableFilter(Strict):
    name: StringProp | None = None


class UserTaskVariableSearchQuery(SearchQuery[UserTaskVariableFilter, VariableSortField]):
    pass


# -- incidents -----------------------------------------------------------------------------------------------
class IncidentResult(BaseModel):
    incidentKey: str
    processDefinitionKey: str
    processDefinitionId: str
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    errorType: IncidentErrorType
    errorMessage: str
    elementId: str
    elementInstanceKey: str
    jobKey: str | None
    creationTime: str
    state: IncidentState
    tenantId: str


class IncidentFilter(Strict):
    incidentKey: KeyProp | None = None
    processDefinitionKey: KeyProp | None = None
    processDefinitionId: StringProp | None = None
    processInstanceKey: KeyProp | None = None
    errorType: IncidentErrorType | EnumFilter[IncidentErrorType] | None = None
    errorMessage: StringProp | None = None
    elementId: StringProp | None = None
    elementInstanceKey: KeyProp | None = None
    jobKey: KeyProp | None = None
    creationTime: DateTimeProp | None = None
    state: IncidentState | EnumFilter[IncidentState] | None = None
    tenantId: StringProp | None = None


IncidentSortField = Literal[
    "incidentKey", "processDefinitionKey", "processDefinitionId", "processInstanceKey", "errorType",
    "errorMessage", "elementId", "elementInstanceKey", "creationTime", "state", "jobKey", "tenantId",
]  # fmt: skip


class IncidentSearchQuery(SearchQuery[IncidentFilter, IncidentSortField]):
    pass


class ProcessInstanceIncidentSearchQuery(SearchQuery[IncidentFilter, IncidentSortField]):
    """The incidents of one process instance (8.8 takes sort and page; a filter narrows further)."""
