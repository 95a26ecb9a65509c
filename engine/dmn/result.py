"""The evaluation result, shaped like Zeebe's EvaluateDecisionResponse (feel-dmn.md §4.3)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from engine.feel.format import to_python


@dataclass(slots=True)
class EvaluatedInput:
    input_id: str | None
    input_name: str
    input_value: Any


@dataclass(slots=True)
class EvaluatedOutput:
    output_id: str | None
    output_name: str
    output_value: Any


@dataclass(slots=True)
class MatchedRule:
    rule_id: str | None
    rule_index: int  # 1-based, as Zeebe reports it
    evaluated_outputs: list[EvaluatedOutput]


@dataclass(slots=True)
class EvaluatedDecision:
    decision_id: str
    decision_name: str
    decision_type: str  # DECISION_TABLE | LITERAL_EXPRESSION | CONTEXT | LIST | RELATION | INVOCATION | ...
    decision_output: Any
    evaluated_inputs: list[EvaluatedInput] = field(default_factory=list)
    matched_rules: list[MatchedRule] = field(default_factory=list)
    decision_version: int | None = None
    decision_key: int | None = None


@dataclass(slots=True)
class DecisionResult:
    decision_id: str
    decision_name: str
    decision_output: Any
    evaluated_decisions: list[EvaluatedDecision]
    failed_decision_id: str | None = None
    failure_message: str | None = None
    warnings: list[str] = field(default_factory=list)
    decision_version: int | None = None
    decision_key: int | None = None
    decision_requirements_id: str | None = None
    decision_requirements_key: int | None = None
    tenant_id: str | None = None

    @property
    def failed(self) -> bool:
        return self.failure_message is not None

    def to_zeebe(self) -> dict[str, Any]:
        """The EvaluateDecisionResponse as Camunda's REST API spells it, values mapped as Zeebe maps them."""
        out: dict[str, Any] = {
            "decisionDefinitionId": self.decision_id,
            "decisionDefinitionName": self.decision_name,
            "decisionDefinitionVersion": self.decision_version,
            "decisionDefinitionKey": self.decision_key,
            "decisionRequirementsId": self.decision_requirements_id,
            "decisionRequirementsKey": self.decision_requirements_key,
            "output": to_json(self.decision_output),
            "failedDecisionDefinitionId": self.failed_decision_id or "",
            "failureMessage": self.failure_message or "",
            "tenantId": self.tenant_id or "<default>",
            "evaluatedDecisions": [
                {
                    "decisionDefinitionId": d.decision_id,
                    "decisionDefinitionName": d.decision_name,
                    "decisionDefinitionType": d.decision_type,
                    "decisionDefinitionVersion": d.decision_version,
                    "decisionDefinitionKey": d.decision_key,
                    "output": to_json(d.decision_output),
                    "evaluatedInputs": [
                        {
                            "inputId": i.input_id,
                            "inputName": i.input_name,
                            "inputValue": to_json(i.input_value),
                        }
                        for i in d.evaluated_inputs
                    ],
                    "matchedRules": [
                        {
                            "ruleId": r.rule_id,
                            "ruleIndex": r.rule_index,
                            "evaluatedOutputs": [
                                {
                                    "outputId": o.output_id,
                                    "outputName": o.output_name,
                                    "outputValue": to_json(o.output_value),
                                }
                                for o in r.evaluated_outputs
                            ],
                        }
                        for r in d.matched_rules
                    ],
                }
                for d in self.evaluated_decisions
            ],
        }
        return out


def to_json(v: Any) -> Any:
    """JSON-ready output, mapped as Zeebe maps FEEL values (whole → int, fractional → float, temporals → ISO)."""
    return to_python(v, "camunda")
