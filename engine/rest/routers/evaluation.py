"""Decision evaluation: the engine's result (REST names already) with keys as strings and values as JSON text."""

from __future__ import annotations

import json
from typing import Any

from engine.rest.deps import EngineDep
from engine.rest.models.definitions import DecisionEvaluationInstruction, EvaluateDecisionResult
from engine.rest.routers.base import make_router
from engine.rest.search import parse_key
from engine.runtime.documents import check_document, check_tenant

router = make_router("Decision definition")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def evaluation_result(view: dict[str, Any]) -> EvaluateDecisionResult:
    key = str(view["decisionEvaluationKey"])
    evaluated = []
    for n, d in enumerate(view["evaluatedDecisions"], start=1):
        evaluated.append(
            {
                **d,
                "decisionDefinitionKey": str(d["decisionDefinitionKey"]),
                # Camunda's decision instance id: "<evaluation key>-<position of the decision>"
                "decisionEvaluationInstanceKey": f"{key}-{n}",
                "output": _json(d["output"]),
                "tenantId": view["tenantId"],
                "evaluatedInputs": [
                    {**i, "inputValue": _json(i["inputValue"])} for i in d["evaluatedInputs"]
                ],
                "matchedRules": [
                    {
                        **r,
                        "evaluatedOutputs": [
                            {
                                **o,
                                "outputValue": _json(o["outputValue"]),
                                "ruleId": r["ruleId"],
                                "ruleIndex": r["ruleIndex"],
                            }
                            for o in r["evaluatedOutputs"]
                        ],
                    }
                    for r in d["matchedRules"]
                ],
            }
        )
    return EvaluateDecisionResult.model_validate(
        {
            **view,
            "decisionDefinitionKey": str(view["decisionDefinitionKey"]),
            "decisionRequirementsKey": str(view["decisionRequirementsKey"]),
            "decisionEvaluationKey": key,
            "decisionInstanceKey": key,
            "output": _json(view["output"]),
            "failedDecisionDefinitionId": view.get("failedDecisionDefinitionId") or None,
            "failureMessage": view.get("failureMessage") or None,
            "evaluatedDecisions": evaluated,
        }
    )


@router.post("/decision-definitions/evaluation", operation_id="evaluateDecision")
async def evaluate_decision(engine: EngineDep, body: DecisionEvaluationInstruction) -> EvaluateDecisionResult:
    """Evaluate the latest version of a decision id, or a decision by key, with the given variables."""
    check_tenant(body.tenantId, "EvaluateDecision")
    key = parse_key(body.decisionDefinitionKey) if body.decisionDefinitionKey is not None else None
    view = await engine.evaluate_decision(body.decisionDefinitionId, key, check_document(body.variables))
    return evaluation_result(view)
