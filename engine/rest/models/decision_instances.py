"""Decision instances: one per decision evaluated by a decision evaluation (business rule task or API call)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from engine.rest.models.common import (
    DateTimeProp,
    EnumFilter,
    IntegerProp,
    KeyProp,
    SearchQuery,
    Strict,
    StringProp,
)
from engine.rest.models.definitions import EvaluatedDecisionInputItem, MatchedDecisionRuleItem
from engine.rest.types import Flag

DecisionInstanceState = Literal["EVALUATED", "FAILED", "UNSPECIFIED", "UNKNOWN"]
DecisionDefinitionType = Literal["DECISION_TABLE", "LITERAL_EXPRESSION", "UNSPECIFIED", "UNKNOWN"]
#: "<decisionEvaluationKey>-<1-based index of the evaluated decision>"
DecisionEvaluationInstanceKey = Annotated[
    str,
    StringConstraints(pattern=r"^[0-9]+-[0-9]+$", min_length=3, max_length=30),
    Field(
        description="The decision evaluation key and the 1-based index of the evaluated decision within that "
        "evaluation, joined by a hyphen.",
        examples=["2251799813685262-1"],
    ),
]


class DecisionInstanceResult(BaseModel):
    decisionEvaluationInstanceKey: str
    decisionEvaluationKey: str
    state: DecisionInstanceState
    evaluationDate: str
    evaluationFailure: str | None
    decisionDefinitionId: str
    decisionDefinitionKey: str
    decisionDefinitionName: str
    decisionDefinitionVersion: int
    decisionDefinitionType: DecisionDefinitionType
    rootDecisionDefinitionKey: str
    processDefinitionKey: str | None
    processInstanceKey: str | None
    rootProcessInstanceKey: str | None
    elementInstanceKey: str | None
    result: str = Field(description="The decision's output as JSON text.")
    tenantId: str
    businessId: str | None


class DecisionInstanceGetQueryResult(DecisionInstanceResult):
    evaluatedInputs: list[EvaluatedDecisionInputItem]
    matchedRules: list[MatchedDecisionRuleItem]


class DecisionEvaluationInstanceKeyFilter(Strict):
    """Advanced filter of decision evaluation instance keys."""

    eq: DecisionEvaluationInstanceKey | None = Field(None, alias="$eq")
    neq: DecisionEvaluationInstanceKey | None = Field(None, alias="$neq")
    exists: Flag | None = Field(None, alias="$exists")
    in_: list[DecisionEvaluationInstanceKey] | None = Field(None, alias="$in")
    not_in: list[DecisionEvaluationInstanceKey] | None = Field(None, alias="$notIn")


class DecisionInstanceFilter(Strict):
    decisionEvaluationInstanceKey: (
        DecisionEvaluationInstanceKey | DecisionEvaluationInstanceKeyFilter | None
    ) = None
    state: DecisionInstanceState | EnumFilter[DecisionInstanceState] | None = None
    evaluationFailure: StringProp | None = None
    evaluationDate: DateTimeProp | None = None
    decisionDefinitionId: StringProp | None = None
    decisionDefinitionName: StringProp | None = None
    decisionDefinitionVersion: IntegerProp | None = None
    decisionDefinitionType: DecisionDefinitionType | EnumFilter[DecisionDefinitionType] | None = None
    tenantId: StringProp | None = None
    decisionEvaluationKey: KeyProp | None = None
    processDefinitionKey: KeyProp | None = None
    processInstanceKey: KeyProp | None = None
    decisionDefinitionKey: KeyProp | None = None
    elementInstanceKey: KeyProp | None = None
    rootDecisionDefinitionKey: KeyProp | None = None
    decisionRequirementsKey: KeyProp | None = None


DecisionInstanceSortField = Literal[
    "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionType",
    "decisionDefinitionVersion", "decisionEvaluationInstanceKey", "decisionEvaluationKey", "elementInstanceKey",
    "evaluationDate", "evaluationFailure", "processDefinitionKey", "processInstanceKey",
    "rootDecisionDefinitionKey", "state", "tenantId",
]  # fmt: skip


class DecisionInstanceSearchQuery(SearchQuery[DecisionInstanceFilter, DecisionInstanceSortField]):
    pass
