"""User tasks and jobs."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

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
from engine.rest.types import DateTime, Duration, Flag, Int32, Int64, OperationReference, TenantId, Variables

UserTaskState = Literal[
    "CREATING", "CREATED", "ASSIGNING", "UPDATING", "COMPLETING", "COMPLETED", "CANCELING", "CANCELED", "FAILED"
]  # fmt: skip
JobKind = Literal["BPMN_ELEMENT", "EXECUTION_LISTENER", "TASK_LISTENER", "AD_HOC_SUB_PROCESS"]
JobListenerEventType = Literal[
    "UNSPECIFIED", "START", "END", "CREATING", "ASSIGNING", "UPDATING", "COMPLETING", "CANCELING",
]  # fmt: skip
JobState = Literal[
    "CANCELED", "COMPLETED", "CREATED", "ERROR_THROWN", "FAILED", "MIGRATED", "RETRIES_UPDATED", "TIMED_OUT"
]  # fmt: skip


# -- user tasks ----------------------------------------------------------------------------------------------
class UserTaskResult(BaseModel):
    userTaskKey: str
    name: str | None
    state: UserTaskState
    assignee: str | None
    candidateGroups: list[str]
    candidateUsers: list[str]
    elementId: str
    elementInstanceKey: str
    processDefinitionId: str
    processDefinitionKey: str
    processDefinitionVersion: int
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    processName: str | None
    formKey: str | None
    externalFormReference: str | None
    customHeaders: dict[str, str]
    priority: int
    creationDate: str
    completionDate: str | None
    dueDate: str | None
    followUpDate: str | None
    tenantId: str
    tags: list[str]
    businessId: str | None


class UserTaskFilter(Strict):
    userTaskKey: KeyProp | None = None
    state: UserTaskState | EnumFilter[UserTaskState] | None = None
    assignee: StringProp | None = None
    priority: IntegerProp | None = None
    elementId: StringProp | None = None
    name: StringProp | None = None
    candidateGroup: StringProp | None = None
    candidateUser: StringProp | None = None
    tenantId: StringProp | None = None
    processDefinitionId: StringProp | None = None
    processDefinitionKey: KeyProp | None = None
    processInstanceKey: KeyProp | None = None
    elementInstanceKey: KeyProp | None = None
    creationDate: DateTimeProp | None = None
    completionDate: DateTimeProp | None = None
    followUpDate: DateTimeProp | None = None
    dueDate: DateTimeProp | None = None
    processInstanceVariables: list[VariableValueFilter] | None = None
    localVariables: list[VariableValueFilter] | None = None


UserTaskSortField = Literal["creationDate", "completionDate", "followUpDate", "dueDate", "priority", "name"]


class UserTaskSearchQuery(SearchQuery[UserTaskFilter, UserTaskSortField]):
    pass


class UserTaskAssignmentRequest(Strict):
    assignee: str = Field(min_length=1, description="The user to assign the task to.")
    allowOverride: Flag | None = Field(
        None, description="Reassign a task that has an assignee (default true)."
    )
    action: str | None = None


class Changeset(BaseModel):
    """Fields to change; null or absent ones stay as they are. Unknown properties are ignored (spec)."""

    model_config = ConfigDict(extra="allow")

    dueDate: DateTime | None = None
    followUpDate: DateTime | None = None
    candidateUsers: list[str] | None = None
    candidateGroups: list[str] | None = None
    priority: int | None = Field(None, ge=0, le=100)


class UserTaskUpdateRequest(Strict):
    changeset: Changeset | None = None
    action: str | None = None


class UserTaskCompletionRequest(Strict):
    variables: Variables | None = None
    action: str | None = None


class FormResult(BaseModel):
    formKey: str
    formId: str
    version: int
    schema_: str = Field(alias="schema", description="The form's JSON (form-js) as text.")
    tenantId: str

    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)


# -- jobs ----------------------------------------------------------------------------------------------------
class JobActivationRequest(Strict):
    type: str = Field(description="The job type, as defined in the BPMN process.")
    worker: str | None = None
    timeout: Duration = Field(
        ge=1, description="Milliseconds a job stays exclusively activated for this worker."
    )
    maxJobsToActivate: Int32 = Field(ge=1, description="The maximum number of jobs to activate.")
    fetchVariable: list[str] | None = None
    requestTimeout: Int64 = Field(0, description="Long-poll milliseconds; 0 = server default, < 0 = no poll.")
    tenantIds: list[TenantId] | None = None


class ActivatedJobResult(BaseModel):
    jobKey: str
    type: str
    processDefinitionId: str
    processDefinitionVersion: int
    processDefinitionKey: str
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    elementId: str
    elementInstanceKey: str
    customHeaders: dict[str, Any]
    worker: str
    retries: int
    deadline: int
    variables: Variables
    tenantId: str
    physicalTenantId: str
    kind: JobKind
    listenerEventType: JobListenerEventType
    userTask: dict[str, Any] | None
    tags: list[str]
    businessId: str | None
    priority: int
    leaseToken: str | None


class JobActivationResult(BaseModel):
    jobs: list[ActivatedJobResult]


class JobResultType(BaseModel):
    """Completion result for user-task listeners and ad-hoc sub-processes: accepted, not acted on."""

    model_config = ConfigDict(extra="allow")
    type: Literal["userTask", "adHocSubProcess"] | None = None


class JobCompletionRequest(Strict):
    variables: Variables | None = None
    result: JobResultType | None = None


class JobFailRequest(Strict):
    retries: Int32 = 0
    errorMessage: str | None = None
    retryBackOff: Duration = 0
    variables: Variables | None = None


class JobErrorRequest(Strict):
    errorCode: str
    errorMessage: str | None = None
    variables: Variables | None = None


class JobChangeset(BaseModel):
    retries: Int32 | None = None
    timeout: Duration | None = None


class JobUpdateRequest(Strict):
    changeset: JobChangeset
    operationReference: OperationReference | None = None


class JobSearchResult(BaseModel):
    jobKey: str
    type: str
    worker: str
    state: JobState
    kind: JobKind
    listenerEventType: JobListenerEventType
    retries: int
    isDenied: Flag | None
    deniedReason: str | None
    hasFailedWithRetriesLeft: Flag
    errorCode: str | None
    errorMessage: str | None
    customHeaders: dict[str, Any]
    deadline: str | None
    endTime: str | None
    creationTime: str | None
    lastUpdateTime: str | None
    processDefinitionId: str
    processDefinitionKey: str
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    elementId: str | None
    elementInstanceKey: str
    tenantId: str
    businessId: str | None
    priority: int


class JobFilter(Strict):
    jobKey: KeyProp | None = None
    type: StringProp | None = None
    worker: StringProp | None = None
    state: JobState | EnumFilter[JobState] | None = None
    kind: JobKind | EnumFilter[JobKind] | None = None
    listenerEventType: JobListenerEventType | EnumFilter[JobListenerEventType] | None = None
    retries: IntegerProp | None = None
    isDenied: Flag | None = None
    deniedReason: StringProp | None = None
    hasFailedWithRetriesLeft: Flag | None = None
    errorCode: StringProp | None = None
    errorMessage: StringProp | None = None
    deadline: DateTimeProp | None = None
    endTime: DateTimeProp | None = None
    processDefinitionId: StringProp | None = None
    processDefinitionKey: KeyProp | None = None
    processInstanceKey: KeyProp | None = None
    elementId: StringProp | None = None
    elementInstanceKey: KeyProp | None = None
    tenantId: StringProp | None = None


JobSortField = Literal[
    "deadline", "deniedReason", "elementId", "elementInstanceKey", "endTime", "errorCode", "errorMessage",
    "isDenied", "jobKey", "kind", "listenerEventType", "processDefinitionId", "processDefinitionKey",
    "processInstanceKey", "retries", "state", "tenantId", "type", "worker",
]  # fmt: skip


class JobSearchQuery(SearchQuery[JobFilter, JobSortField]):
    pass
