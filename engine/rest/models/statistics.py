"""Element statistics of a process definition or instance, and the sequence flows an instance took."""

from __future__ import annotations

from pydantic import BaseModel, Field

from engine.rest.models.common import Strict
from engine.rest.models.process_instances import BaseProcessInstanceFilterFields


class ProcessDefinitionStatisticsFilter(BaseProcessInstanceFilterFields):
    """Which instances of the definition count: the process instance filter without the definition fields."""

    or_: list[BaseProcessInstanceFilterFields] | None = Field(
        None, alias="$or", description="Alternative filter groups (OR), ANDed with the top-level fields."
    )


class ProcessDefinitionElementStatisticsQuery(Strict):
    filter: ProcessDefinitionStatisticsFilter | None = None


class ProcessElementStatisticsResult(BaseModel):
    elementId: str = Field(description="The element's id in the BPMN model.")
    active: int = Field(description="Active instances of the element (without an incident).")
    canceled: int = Field(description="Terminated instances of the element.")
    incidents: int = Field(description="Active instances of the element with an incident (in them or below).")
    completed: int = Field(description="Completed instances of the element.")


class ProcessDefinitionElementStatisticsQueryResult(BaseModel):
    items: list[ProcessElementStatisticsResult]


class ProcessInstanceElementStatisticsQueryResult(BaseModel):
    items: list[ProcessElementStatisticsResult]


class ProcessInstanceSequenceFlowResult(BaseModel):
    sequenceFlowId: str = Field(description='"<processInstanceKey>_<flow id>", as Camunda keys a taken flow.')
    processInstanceKey: str
    rootProcessInstanceKey: str | None
    processDefinitionKey: str
    processDefinitionId: str
    elementId: str = Field(description="The sequence flow's id in the BPMN model.")
    tenantId: str


class ProcessInstanceSequenceFlowsQueryResult(BaseModel):
    items: list[ProcessInstanceSequenceFlowResult]
