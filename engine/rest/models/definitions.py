"""Process definitions, decision definitions, decision requirements, decision evaluation."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, model_validator

from engine.rest.models.common import IntegerProp, KeyProp, SearchQuery, Strict, StringProp
from engine.rest.types import Flag, LongKey, TenantId, Variables


# -- process definitions -------------------------------------------------------------------------------------
class ProcessDefinitionResult(BaseModel):
    processDefinitionKey: str
    processDefinitionId: str
    name: str | None
    resourceName: str
    version: int
    versionTag: str | None
    tenantId: str
    hasStartForm: Flag
    state: Literal["ACTIVE", "DRAINING", "DELETED"]


class ProcessDefinitionFilter(Strict):
    processDefinitionKey: KeyProp | None = None
    processDefinitionId: StringProp | None = None
    name: StringProp | None = None
    resourceName: StringProp | None = None
    version: IntegerProp | None = None
    versionTag: StringProp | None = None
    isLatestVersion: Flag | None = None
    hasStartForm: Flag | None = None
    state: Literal["ACTIVE", "DELETED"] | None = None
    tenantId: StringProp | None = None


ProcessDefinitionSortField = Literal[
    "processDefinitionKey", "name", "resourceName", "version", "versionTag", "processDefinitionId", "tenantId"
]  # fmt: skip


class ProcessDefinitionSearchQuery(SearchQuery[ProcessDefinitionFilter, ProcessDefinitionSortField]):
    pass


# -- decision definitions ------------------------------------------------------------------------------------
class DecisionDefinitionResult(BaseModel):
    decisionDefinitionKey: str
    decisionDefinitionId: str
    name: str
    version: int
    decisionRequirementsId: str
    decisionRequirementsKey: str
    decisionRequirementsName: str
    decisionRequirementsVersion: int
    tenantId: str


class DecisionDefinitionFilter(Strict):
    decisionDefinitionKey: KeyProp | None = None
    decisionDefinitionId: StringProp | None = None
    name: StringProp | None = None
    version: IntegerProp | None = None
    decisionRequirementsId: StringProp | None = None
    decisionRequirementsKey: KeyProp | None = None
    tenantId: StringProp | None = None


DecisionDefinitionSortField = Literal[
    "decisionDefinitionKey", "decisionDefinitionId", "name", "version", "decisionRequirementsId",
    "decisionRequirementsKey", "tenantId",
]  # fmt: skip


class DecisionDefinitionSearchQuery(SearchQuery[DecisionDefinitionFilter, DecisionDefinitionSortField]):
    pass


class DecisionRequirementsResult(BaseModel):
    decisionRequirementsKey: str
    decisionRequirementsId: str
    decisionRequirementsName: str
    version: int
    resourceName: str
    tenantId: str


class DecisionRequirementsFilter(Strict):
    decisionRequirementsKey: KeyProp | None = None
    decisionRequirementsId: StringProp | None = None
    decisionRequirementsName: StringProp | None = None
    version: IntegerProp | None = None
    resourceName: StringProp | None = None
    tenantId: StringProp | None = None


DecisionRequirementsSortField = Literal[
    "decisionRequirementsKey", "decisionRequirementsName", "version", "decisionRequirementsId", "tenantId"
]  # fmt: skip


class DecisionRequirementsSearchQuery(SearchQuery[DecisionRequirementsFilter, DecisionRequirementsSortField]):
    pass


# -- evaluation ----------------------------------------------------------------------------------------------
class DecisionEvaluationInstruction(Strict):
    """By `decisionDefinitionId` (latest version) or by `decisionDefinitionKey`."""

    decisionDefinitionId: str | None = None
    decisionDefinitionKey: LongKey | None = None
    variables: Variables | None = None
    tenantId: TenantId | None = None

    @model_validator(mode="after")
    def _by_id_or_key(self) -> DecisionEvaluationInstruction:
        if not self.decisionDefinitionId and self.decisionDefinitionKey is None:
            raise ValueError("No decisionDefinitionKey or decisionDefinitionId provided.")
        return self


class EvaluatedDecisionInputItem(BaseModel):
    inputId: str
    inputName: str
    inputValue: str


class EvaluatedDecisionOutputItem(BaseModel):
    outputId: str
    outputName: str
    outputValue: str
    ruleId: str | None
    ruleIndex: int | None


class MatchedDecisionRuleItem(BaseModel):
    ruleId: str
    ruleIndex: int
    evaluatedOutputs: list[EvaluatedDecisionOutputItem]


class EvaluatedDecisionResult(BaseModel):
    decisionDefinitionId: str
    decisionDefinitionName: str
    decisionDefinitionVersion: int
    decisionDefinitionType: str
    decisionDefinitionKey: str
    decisionEvaluationInstanceKey: str
    output: str
    tenantId: str
    matchedRules: list[MatchedDecisionRuleItem]
    evaluatedInputs: list[EvaluatedDecisionInputItem]


class EvaluateDecisionResult(BaseModel):
    decisionDefinitionId: str
    decisionDefinitionKey: str
    decisionDefinitionName: str
    decisionDefinitionVersion: int
    decisionRequirementsId: str
    decisionRequirementsKey: str
    decisionEvaluationKey: str
    decisionInstanceKey: str
    output: str
    failedDecisionDefinitionId: str | None
    failureMessage: str | None
    evaluatedDecisions: list[EvaluatedDecisionResult]
    tenantId: str
