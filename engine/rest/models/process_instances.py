"""Process instances: creation, search, results."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from engine.rest.models.common import (
    DateTimeProp,
    EnumFilter,
    IntegerProp,
    KeyProp,
    SearchQuery,
    Strict,
    StringProp,
    VariableValueFilter,
)
from engine.rest.types import Flag, Int32, Int64, LongKey, OperationReference, TenantId, Variables

ProcessInstanceState = Literal["ACTIVE", "COMPLETED", "TERMINATED"]
ElementInstanceState = Literal["ACTIVE", "COMPLETED", "TERMINATED"]


class StartInstruction(Strict):
    elementId: str = Field(description="The id of the element to start the instance at.")


class ProcessInstanceCreationInstruction(Strict):
    """By `processDefinitionId` (+ version, -1 = latest) or by `processDefinitionKey`."""

    processDefinitionId: str | None = None
    processDefinitionVersion: Int32 = -1
    processDefinitionKey: LongKey | None = None
    variables: Variables | None = None
    tenantId: TenantId | None = None
    operationReference: OperationReference | None = None
    startInstructions: list[StartInstruction] | None = None
    awaitCompletion: Flag = False
    fetchVariables: list[str] | None = None
    requestTimeout: Int64 = Field(0, description="Milliseconds to await completion; 0 = the server default.")
    tags: list[str] | None = Field(None, max_length=10)

    @model_validator(mode="after")
    def _by_id_or_key(self) -> ProcessInstanceCreationInstruction:
        if not self.processDefinitionId and self.processDefinitionKey is None:
            raise ValueError("No processDefinitionKey or processDefinitionId provided.")
        return self


class CreateProcessInstanceResult(BaseModel):
    processDefinitionId: str
    processDefinitionVersion: int
    tenantId: str
    variables: Variables
    processDefinitionKey: str
    processInstanceKey: str
    tags: list[str]
    businessId: str | None


class ProcessInstanceResult(BaseModel):
    processInstanceKey: str
    processDefinitionId: str
    processDefinitionName: str | None
    processDefinitionVersion: int
    processDefinitionVersionTag: str | None
    processDefinitionKey: str
    startDate: str
    endDate: str | None
    state: ProcessInstanceState
    suspendedDate: str | None
    hasIncident: Flag
    tenantId: str
    parentProcessInstanceKey: str | None
    parentElementInstanceKey: str | None
    rootProcessInstanceKey: str | None
    tags: list[str]
    businessId: str | None


class BaseProcessInstanceFilterFields(Strict):
    """The process instance filter without the definition fields (the definition statistics' filter)."""

    processInstanceKey: KeyProp | None = None
    parentProcessInstanceKey: KeyProp | None = None
    parentElementInstanceKey: KeyProp | None = None
    startDate: DateTimeProp | None = None
    endDate: DateTimeProp | None = None
    state: ProcessInstanceState | EnumFilter[ProcessInstanceState] | None = None
    hasIncident: Flag | None = None
    tenantId: StringProp | None = None
    variables: list[VariableValueFilter] | None = None
    errorMessage: StringProp | None = None
    hasRetriesLeft: Flag | None = None
    elementId: StringProp | None = None
    elementInstanceState: ElementInstanceState | EnumFilter[ElementInstanceState] | None = None
    hasElementInstanceIncident: Flag | None = None
    tags: list[str] | None = None


class ProcessInstanceFilterFields(BaseProcessInstanceFilterFields):
    processDefinitionId: StringProp | None = None
    processDefinitionName: StringProp | None = None
    processDefinitionVersion: IntegerProp | None = None
    processDefinitionVersionTag: StringProp | None = None
    processDefinitionKey: KeyProp | None = None


class ProcessInstanceFilter(ProcessInstanceFilterFields):
    or_: list[ProcessInstanceFilterFields] | None = Field(
        None, alias="$or", description="Alternative filter groups (OR), ANDed with the top-level fields."
    )


ProcessInstanceSortField = Literal[
    "processInstanceKey",
    "processDefinitionId",
    "processDefinitionName",
    "processDefinitionVersion",
    "processDefinitionVersionTag",
    "processDefinitionKey",
    "parentProcessInstanceKey",
    "parentElementInstanceKey",
    "startDate",
    "endDate",
    "state",
    "hasIncident",
    "tenantId",
]


class ProcessInstanceSearchQuery(SearchQuery[ProcessInstanceFilter, ProcessInstanceSortField]):
    pass


class OperationRequest(Strict):
    """Cancellation, incident resolution, resource deletion: an optional operation reference."""

    operationReference: OperationReference | None = None
