"""Decision evaluation (EvaluateDecision) and its records."""

from __future__ import annotations

from typing import Any

from engine.dmn import evaluate_decision
from engine.dmn.result import DecisionResult
from engine.runtime.base import EngineBase
from engine.runtime.context import Ctx
from engine.runtime.documents import dumps
from engine.runtime.errors import Rejection
from engine.runtime.processor import Processor
from engine.runtime.state import (
    DecisionDefinition,
    ElementInstance,
)
from engine.store import schema
from engine.store.decision_instances import decision_instance_rows


def _decision_record(view: dict[str, Any]) -> dict[str, Any]:
    """The DECISION_EVALUATION record value in Zeebe's own field names (the REST view renames them)."""

    def decision(d: dict[str, Any]) -> dict[str, Any]:
        # values travel as JSON text in Zeebe's records, as in its gRPC EvaluateDecisionResponse
        return {
            "decisionId": d["decisionDefinitionId"],
            "decisionName": d["decisionDefinitionName"],
            "decisionKey": d["decisionDefinitionKey"],
            "decisionVersion": d["decisionDefinitionVersion"],
            "decisionType": d.get("decisionDefinitionType", ""),
            "decisionOutput": dumps(d["output"]),
            "evaluatedInputs": [
                {**i, "inputValue": dumps(i["inputValue"])} for i in d.get("evaluatedInputs", [])
            ],
            "matchedRules": [
                {
                    **r,
                    "evaluatedOutputs": [
                        {**o, "outputValue": dumps(o["outputValue"])} for o in r.get("evaluatedOutputs", [])
                    ],
                }
                for r in d.get("matchedRules", [])
            ],
        }

    return {
        **decision(view),
        "decisionRequirementsId": view["decisionRequirementsId"],
        "decisionRequirementsKey": view["decisionRequirementsKey"],
        "evaluatedDecisions": [decision(d) for d in view["evaluatedDecisions"]],
        "failedDecisionId": view["failedDecisionDefinitionId"],
        "evaluationFailureMessage": view["failureMessage"],
        "tenantId": view["tenantId"],
    }


class DecisionCommands(EngineBase):
    async def evaluate_decision(
        self, decision_id: str | None, decision_key: int | None, variables: dict[str, Any]
    ) -> dict[str, Any]:
        def command(ctx: Ctx, p: Processor) -> dict[str, Any]:
            if decision_id:
                decision = self.state.latest_decision(decision_id)
                if decision is None:
                    raise Rejection(
                        "EVALUATE",
                        "INVALID_ARGUMENT",
                        f"Expected to evaluate decision '{decision_id}', but no decision found for id '{decision_id}'",
                    )
            else:
                decision = self.state.decisions.get(decision_key or -1)
                if decision is None or decision.deleted:
                    raise Rejection(
                        "EVALUATE",
                        "INVALID_ARGUMENT",
                        f"Expected to evaluate decision with key '{decision_key}', but no decision found for key '{decision_key}'",
                    )
            result = evaluate_decision(
                decision.drg.model,
                decision.decision_id,
                variables,
                dialect="camunda",
                clock=self.clock.now_datetime,
            )
            key = self.decision_evaluated(ctx, decision, result, None)
            return self.decision_view(decision, result, key)

        return await self.execute(command)

    def decision_evaluated(
        self, ctx: Ctx, decision: DecisionDefinition, result: DecisionResult, ei: ElementInstance | None
    ) -> int:
        key = ctx.key()
        value = _decision_record(self.decision_view(decision, result, key))
        if ei is not None:
            value.update(
                {
                    "processInstanceKey": ei.process_instance.key,
                    "elementInstanceKey": ei.key,
                    "elementId": ei.element.id,
                    "bpmnProcessId": ei.definition.bpmn_process_id,
                    "processDefinitionKey": ei.definition.key,
                }
            )
        intent = "FAILED" if result.failed else "EVALUATED"
        ctx.record(
            "DECISION_EVALUATION", intent, key, value, ei.process_instance.key if ei is not None else None
        )
        # Camunda's decision instances (one per evaluated decision), committed with the record
        for row in decision_instance_rows(key, ctx.now, intent, value):
            ctx.batch.insert(schema.decision_instances, row)
        return key

    def decision_view(self, decision: DecisionDefinition, result: DecisionResult, key: int) -> dict[str, Any]:
        by_id = {d.decision_id: d for d in self.state.decisions.values() if d.drg is decision.drg}
        result.decision_key, result.decision_version = decision.key, decision.version
        result.decision_requirements_id, result.decision_requirements_key = (
            decision.drg.drg_id,
            decision.drg.key,
        )
        for ed in result.evaluated_decisions:
            dd = by_id.get(ed.decision_id)
            if dd is not None:
                ed.decision_key, ed.decision_version = dd.key, dd.version
        view = result.to_zeebe()
        view["decisionEvaluationKey"] = key
        return view
