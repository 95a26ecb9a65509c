"""Decision instances: the rows of one DECISION_EVALUATION record, as Camunda's exporters derive them.

One row per evaluated decision (a decision with required decisions yields several), keyed
`<evaluation key>-<1-based position>`. In a FAILED evaluation the last evaluated decision is the one that
failed: that row is FAILED and carries the failure message, the others are EVALUATED. The root decision is the
one the evaluation was asked for (camunda-exporter's DecisionEvaluationHandler).

Built from the record value (Zeebe's field names), so the runtime writes the rows with the record and an older
store can rebuild them from its record log (engine.store.store.Store).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

#: the decision types Camunda's decision instances know; any other boxed expression is UNKNOWN
_TYPES = {"DECISION_TABLE", "LITERAL_EXPRESSION"}


def _dumps(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def _key(value: Any) -> int | None:
    """A key of the record value, or None where Zeebe writes -1 (no process instance, no element)."""
    return value if isinstance(value, int) and value > 0 else None


def decision_instance_rows(
    key: int, timestamp: int, intent: str, value: Mapping[str, Any]
) -> list[dict[str, Any]]:
    evaluated = value.get("evaluatedDecisions") or []
    failed_id = value.get("failedDecisionId") or None
    rows = []
    for n, d in enumerate(evaluated, start=1):
        # the last decision is the failed one (records from before the engine listed it end with a requirement
        # that was evaluated fine: those stay EVALUATED)
        failed = intent == "FAILED" and n == len(evaluated) and failed_id in (None, d.get("decisionId"))
        rows.append(
            {
                "id": d.get("decisionEvaluationInstanceKey") or f"{key}-{n}",
                "decision_evaluation_key": key,
                "evaluation_index": n,
                "state": "FAILED" if failed else "EVALUATED",
                "evaluation_date": timestamp,
                "evaluation_failure": (value.get("evaluationFailureMessage") or None) if failed else None,
                "decision_definition_key": d.get("decisionKey"),
                "decision_definition_id": d.get("decisionId"),
                "decision_definition_name": d.get("decisionName") or None,
                "decision_definition_version": d.get("decisionVersion"),
                "decision_definition_type": d.get("decisionType")
                if d.get("decisionType") in _TYPES
                else "UNKNOWN",
                "decision_requirements_key": _key(value.get("decisionRequirementsKey")),
                "decision_requirements_id": value.get("decisionRequirementsId") or None,
                "root_decision_definition_key": value.get("decisionKey"),
                "process_definition_key": _key(value.get("processDefinitionKey")),
                "process_instance_key": _key(value.get("processInstanceKey")),
                "element_instance_key": _key(value.get("elementInstanceKey")),
                "element_id": value.get("elementId") or None,
                "result": d.get("decisionOutput") or "null",
                "evaluated_inputs": _dumps(
                    [
                        {
                            "inputId": i.get("inputId"),
                            "inputName": i.get("inputName"),
                            "inputValue": i.get("inputValue"),
                        }
                        for i in d.get("evaluatedInputs") or ()
                    ]
                ),
                "matched_rules": _dumps(
                    [
                        {
                            "ruleId": r.get("ruleId"),
                            "ruleIndex": r.get("ruleIndex"),
                            "evaluatedOutputs": [
                                {
                                    "outputId": o.get("outputId"),
                                    "outputName": o.get("outputName"),
                                    "outputValue": o.get("outputValue"),
                                }
                                for o in r.get("evaluatedOutputs") or ()
                            ],
                        }
                        for r in d.get("matchedRules") or ()
                    ]
                ),
                "tenant_id": value.get("tenantId") or "<default>",
            }
        )
    return rows
