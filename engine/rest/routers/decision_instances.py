"""Decision instances: search, and one instance with its inputs and matched rules."""

from __future__ import annotations

import json
from typing import Annotated, Any

from fastapi import Body, Path

from engine.rest.deps import EngineDep, read
from engine.rest.models.common import SearchResult
from engine.rest.models.decision_instances import (
    DecisionEvaluationInstanceKey,
    DecisionInstanceGetQueryResult,
    DecisionInstanceResult,
    DecisionInstanceSearchQuery,
)
from engine.rest.problems import not_found
from engine.rest.routers.base import Row, make_router, run_search
from engine.rest.views.decisions import DECISION_INSTANCES, fetch_decision_instance

router = make_router("Decision instance")


def decision_instance_item(row: Row) -> dict[str, Any]:
    item = DECISION_INSTANCES.render(row)
    item.pop("decisionRequirementsKey", None)  # a filter, not a field of the result
    # the model may leave a decision unnamed: Camunda shows its id
    item["decisionDefinitionName"] = item["decisionDefinitionName"] or item["decisionDefinitionId"]
    item["businessId"] = None
    return item


def _details(row: Row) -> dict[str, Any]:
    """Inputs and matched rules as the API shows them: ids as text ("" where the DMN gave none), values as JSON
    text, each evaluated output naming its rule."""
    inputs = [
        {"inputId": i["inputId"] or "", "inputName": i["inputName"] or "", "inputValue": i["inputValue"]}
        for i in json.loads(row["evaluated_inputs"])
    ]
    rules = [
        {
            "ruleId": r["ruleId"] or "",
            "ruleIndex": r["ruleIndex"],
            "evaluatedOutputs": [
                {
                    "outputId": o["outputId"] or "",
                    "outputName": o["outputName"] or "",
                    "outputValue": o["outputValue"],
                    "ruleId": r["ruleId"] or "",
                    "ruleIndex": r["ruleIndex"],
                }
                for o in r["evaluatedOutputs"]
            ],
        }
        for r in json.loads(row["matched_rules"])
    ]
    return {"evaluatedInputs": inputs, "matchedRules": rules}


@router.post("/decision-instances/search", operation_id="searchDecisionInstances")
async def search_decision_instances(
    engine: EngineDep, query: Annotated[DecisionInstanceSearchQuery | None, Body()] = None
) -> SearchResult[DecisionInstanceResult]:
    return SearchResult[DecisionInstanceResult].model_validate(
        await run_search(engine, DECISION_INSTANCES, query, decision_instance_item)
    )


@router.get("/decision-instances/{decisionEvaluationInstanceKey}", operation_id="getDecisionInstance")
async def get_decision_instance(
    engine: EngineDep, decisionEvaluationInstanceKey: Annotated[DecisionEvaluationInstanceKey, Path()]
) -> DecisionInstanceGetQueryResult:
    key = decisionEvaluationInstanceKey
    row = await read(engine, lambda conn: fetch_decision_instance(conn, key))
    if row is None:
        raise not_found("Decision instance", key)
    return DecisionInstanceGetQueryResult.model_validate({**decision_instance_item(row), **_details(row)})
