"""Decision instances: one per decision a decision evaluation evaluated (a business rule task's or an API call's).

The pricing DMN's "discount" requires "tier", so each evaluation yields two instances: `<evaluation key>-1` for
tier, `<evaluation key>-2` for discount. With the coupon "DOUBLE" discount's UNIQUE table fails: tier stays
EVALUATED, discount is FAILED with the failure message (and the rules task gets an incident).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from engine.rest import create_app
from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.rest.conftest import deploy
from tests.engine.rest.resources import PRICING, PRICING_DMN

FIELDS = {
    "decisionEvaluationInstanceKey", "decisionEvaluationKey", "state", "evaluationDate", "evaluationFailure",
    "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionVersion",
    "decisionDefinitionType", "rootDecisionDefinitionKey", "processDefinitionKey", "processInstanceKey",
    "rootProcessInstanceKey", "elementInstanceKey", "result", "tenantId", "businessId",
}  # fmt: skip


async def start(client: httpx.AsyncClient, variables: dict[str, Any]) -> str:
    r = await client.post(
        "/process-instances", json={"processDefinitionId": "pricing", "variables": variables}
    )
    assert r.status_code == 200, r.text
    key: str = r.json()["processInstanceKey"]
    return key


async def search(client: httpx.AsyncClient, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await client.post("/decision-instances/search", json=body or {})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    for item in result["items"]:
        assert set(item) == FIELDS
    return result


async def items(client: httpx.AsyncClient, filt: dict[str, Any]) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = (await search(client, {"filter": filt}))["items"]
    return found


@pytest.fixture
async def decisions(client: httpx.AsyncClient) -> dict[str, str]:
    d = await deploy(client, ("pricing.bpmn", PRICING), ("pricing.dmn", PRICING_DMN))
    keys = {
        e["decisionDefinition"]["decisionDefinitionId"]: e["decisionDefinition"]["decisionDefinitionKey"]
        for e in d["deployments"]
        if e["decisionDefinition"]
    }
    keys["vip"] = await start(client, {"orders": 12})
    keys["failed"] = await start(client, {"orders": 3, "coupon": "DOUBLE"})
    return keys


async def test_a_business_rule_task_yields_one_instance_per_evaluated_decision(
    client: httpx.AsyncClient, decisions: dict[str, str]
) -> None:
    pi = decisions["vip"]
    tier, discount = await items(client, {"processInstanceKey": pi})
    instance = (await client.get(f"/process-instances/{pi}")).json()
    [rules] = (
        await client.post(
            "/element-instances/search", json={"filter": {"processInstanceKey": pi, "elementId": "rules"}}
        )
    ).json()["items"]
    evaluation = tier["decisionEvaluationKey"]
    assert evaluation.isdigit() and discount["decisionEvaluationKey"] == evaluation
    common = {
        "decisionEvaluationKey": evaluation,
        "state": "EVALUATED",
        "evaluationFailure": None,
        "decisionDefinitionVersion": 1,
        "decisionDefinitionType": "DECISION_TABLE",
        "rootDecisionDefinitionKey": decisions["discount"],  # the decision the task called
        "processDefinitionKey": instance["processDefinitionKey"],
        "processInstanceKey": pi,
        "rootProcessInstanceKey": pi,
        "elementInstanceKey": rules["elementInstanceKey"],
        "tenantId": "<default>",
        "businessId": None,
    }
    assert tier == {
        **common,
        "decisionEvaluationInstanceKey": f"{evaluation}-1",
        "decisionDefinitionId": "tier",
        "decisionDefinitionKey": decisions["tier"],
        "decisionDefinitionName": "tier",
        "evaluationDate": tier["evaluationDate"],
        "result": '"gold"',
    }
    assert discount == {
        **common,
        "decisionEvaluationInstanceKey": f"{evaluation}-2",
        "decisionDefinitionId": "discount",
        "decisionDefinitionKey": decisions["discount"],
        "decisionDefinitionName": "Discount",
        "evaluationDate": tier["evaluationDate"],
        "result": "0.2",
    }
    assert tier["evaluationDate"].endswith("Z") and tier["evaluationDate"] >= instance["startDate"]


async def test_get_shows_inputs_and_matched_rules(
    client: httpx.AsyncClient, decisions: dict[str, str]
) -> None:
    tier, discount = await items(client, {"processInstanceKey": decisions["vip"]})
    r = await client.get(f"/decision-instances/{discount['decisionEvaluationInstanceKey']}")
    assert r.status_code == 200, r.text
    got = r.json()
    assert {k: v for k, v in got.items() if k not in ("evaluatedInputs", "matchedRules")} == discount
    assert got["evaluatedInputs"] == [
        {"inputId": "tierIn", "inputName": "Tier", "inputValue": '"gold"'},
        {"inputId": "couponIn", "inputName": "Coupon", "inputValue": "null"},
    ]
    assert got["matchedRules"] == [
        {
            "ruleId": "goldDiscount",
            "ruleIndex": 1,
            "evaluatedOutputs": [
                {
                    "outputId": "discountOut",
                    "outputName": "discount",
                    "outputValue": "0.2",
                    "ruleId": "goldDiscount",
                    "ruleIndex": 1,
                }
            ],
        }
    ]
    got = (await client.get(f"/decision-instances/{tier['decisionEvaluationInstanceKey']}")).json()
    assert got["evaluatedInputs"] == [{"inputId": "ordersIn", "inputName": "Orders", "inputValue": "12"}]
    assert [(m["ruleId"], m["ruleIndex"]) for m in got["matchedRules"]] == [("gold", 1)]


async def test_a_failed_evaluation(client: httpx.AsyncClient, decisions: dict[str, str]) -> None:
    tier, discount = await items(client, {"processInstanceKey": decisions["failed"]})
    assert (tier["decisionDefinitionId"], tier["state"], tier["result"]) == ("tier", "EVALUATED", '"basic"')
    assert tier["evaluationFailure"] is None
    assert (discount["decisionDefinitionId"], discount["state"], discount["result"]) == (
        "discount",
        "FAILED",
        "null",
    )
    [incident] = (
        await client.post("/incidents/search", json={"filter": {"processInstanceKey": decisions["failed"]}})
    ).json()["items"]
    assert incident["errorType"] == "DECISION_EVALUATION_ERROR"
    assert discount["evaluationFailure"] == incident["errorMessage"]
    assert "UNIQUE" in discount["evaluationFailure"]

    [failed] = await items(client, {"state": "FAILED"})
    assert failed == discount
    assert len(await items(client, {"state": {"$neq": "FAILED"}})) == 3
    got = (await client.get(f"/decision-instances/{discount['decisionEvaluationInstanceKey']}")).json()
    assert got["state"] == "FAILED" and got["matchedRules"] == []


async def test_filters_sorts_and_pages(client: httpx.AsyncClient, decisions: dict[str, str]) -> None:
    assert {i["processInstanceKey"] for i in await items(client, {"decisionDefinitionId": "tier"})} == {
        decisions["vip"],
        decisions["failed"],
    }
    assert len(await items(client, {"decisionDefinitionId": {"$like": "dis*"}})) == 2
    assert len(await items(client, {"decisionDefinitionKey": decisions["tier"]})) == 2
    assert len(await items(client, {"rootDecisionDefinitionKey": decisions["discount"]})) == 4
    assert len(await items(client, {"decisionDefinitionName": "Discount", "state": "EVALUATED"})) == 1
    assert len(await items(client, {"decisionDefinitionType": {"$in": ["LITERAL_EXPRESSION"]}})) == 0
    assert len(await items(client, {"evaluationDate": {"$gte": "2000-01-01T00:00:00Z"}})) == 4
    assert len(await items(client, {"evaluationFailure": {"$exists": True}})) == 1
    [first, *_] = await items(client, {"processInstanceKey": decisions["vip"]})
    [one] = await items(client, {"decisionEvaluationInstanceKey": first["decisionEvaluationInstanceKey"]})
    assert one == first
    keyed = {"decisionEvaluationInstanceKey": {"$in": [first["decisionEvaluationInstanceKey"], "1-1"]}}
    assert await items(client, keyed) == [first]
    same_evaluation = await items(client, {"decisionEvaluationKey": first["decisionEvaluationKey"]})
    assert len(same_evaluation) == 2
    assert len(await items(client, {"elementInstanceKey": first["elementInstanceKey"]})) == 2
    requirements = (await client.post("/decision-requirements/search")).json()["items"][0]
    assert len(await items(client, {"decisionRequirementsKey": requirements["decisionRequirementsKey"]})) == 4

    newest_first = await search(
        client, {"sort": [{"field": "decisionEvaluationInstanceKey", "order": "DESC"}]}
    )
    ids = [i["decisionEvaluationInstanceKey"] for i in newest_first["items"]]
    assert ids == sorted(ids, reverse=True) and newest_first["page"]["totalItems"] == 4
    by_name = await search(
        client, {"sort": [{"field": "decisionDefinitionId"}, {"field": "state", "order": "DESC"}]}
    )
    assert [(i["decisionDefinitionId"], i["state"]) for i in by_name["items"]] == [
        ("discount", "FAILED"), ("discount", "EVALUATED"), ("tier", "EVALUATED"), ("tier", "EVALUATED")
    ]  # fmt: skip

    page1 = await search(client, {"page": {"limit": 3}})
    page2 = await search(client, {"page": {"limit": 3, "after": page1["page"]["endCursor"]}})
    seen = [i["decisionEvaluationInstanceKey"] for i in page1["items"] + page2["items"]]
    assert len(page1["items"]) == 3 and len(page2["items"]) == 1 and len(set(seen)) == 4


async def test_a_standalone_evaluation_has_no_process(
    client: httpx.AsyncClient, decisions: dict[str, str]
) -> None:
    r = await client.post(
        "/decision-definitions/evaluation",
        json={"decisionDefinitionId": "discount", "variables": {"orders": 1}},
    )
    assert r.status_code == 200, r.text
    evaluation = r.json()
    found = await items(client, {"decisionEvaluationKey": evaluation["decisionEvaluationKey"]})
    # the evaluation's own answer names the same decision instances
    assert [i["decisionEvaluationInstanceKey"] for i in found] == [
        d["decisionEvaluationInstanceKey"] for d in evaluation["evaluatedDecisions"]
    ]
    for item in found:
        assert item["processInstanceKey"] is None and item["processDefinitionKey"] is None
        assert item["elementInstanceKey"] is None and item["rootProcessInstanceKey"] is None
        assert item["rootDecisionDefinitionKey"] == decisions["discount"]
    assert [i["result"] for i in found] == ['"basic"', "0"]
    assert len(await items(client, {"processInstanceKey": {"$exists": False}})) == 2


async def test_unknown_and_malformed_keys(client: httpx.AsyncClient) -> None:
    r = await client.get("/decision-instances/123-1")
    assert r.status_code == 404 and r.headers["content-type"] == "application/problem+json"
    assert r.json()["detail"] == "Decision instance with key '123-1' not found"
    for bad in ("123", "abc-1", "1-x"):
        r = await client.get(f"/decision-instances/{bad}")
        assert r.status_code == 400 and r.headers["content-type"] == "application/problem+json", bad
    for body in (
        {"filter": {"state": "DONE"}},
        {"filter": {"decisionEvaluationInstanceKey": "12"}},
        {"filter": {"decisionDefinitionKey": "abc"}},
        {"sort": [{"field": "result"}]},
        {"filter": {"unknown": 1}},
    ):
        r = await client.post("/decision-instances/search", json=body)
        assert r.status_code == 400, body


async def test_camunda_sdk_reads_the_answers(client: httpx.AsyncClient, decisions: dict[str, str]) -> None:
    sdk = pytest.importorskip("camunda_orchestration_sdk.models")
    r = await client.post("/decision-instances/search", json={})
    found = sdk.DecisionInstanceSearchQueryResult.from_dict(r.json())
    assert len(found.items) == 4 and all(not i.additional_properties for i in found.items)
    for item in r.json()["items"]:
        got = await client.get(f"/decision-instances/{item['decisionEvaluationInstanceKey']}")
        parsed = sdk.DecisionInstanceGetQueryResult.from_dict(got.json())
        assert not parsed.additional_properties
        assert str(parsed.state) in (
            "EVALUATED",
            "FAILED",
            "DecisionInstanceStateEnum.EVALUATED",
            "DecisionInstanceStateEnum.FAILED",
        )


async def test_a_store_from_before_decision_instances_gets_them_from_its_records(tmp_path: Path) -> None:
    """An older store has the DECISION_EVALUATION records but no decision instance table: it is built on open."""

    async def run(engine: Engine, work: Any) -> Any:
        await engine.start()
        try:
            transport = httpx.ASGITransport(app=create_app(engine))
            async with httpx.AsyncClient(transport=transport, base_url="http://test/v2") as client:
                return await work(client)
        finally:
            await engine.stop()

    async def first(client: httpx.AsyncClient) -> list[dict[str, Any]]:
        await deploy(client, ("pricing.bpmn", PRICING), ("pricing.dmn", PRICING_DMN))
        await start(client, {"orders": 12})
        await start(client, {"orders": 3, "coupon": "DOUBLE"})
        r = await client.post(
            "/decision-definitions/evaluation", json={"decisionDefinitionId": "tier", "variables": {}}
        )
        assert r.status_code == 200
        return (await search(client))["items"]

    before = await run(Engine(Store(database_url(tmp_path))), first)
    assert len(before) == 5
    store = Store(database_url(tmp_path))
    with store.engine.begin() as conn:  # as an older version left it: no table, no flag
        conn.execute(text("DROP TABLE decision_instances"))
        conn.execute(text("DELETE FROM meta WHERE name = 'decision_instances_built'"))
    store.close()

    async def again(client: httpx.AsyncClient) -> list[dict[str, Any]]:
        found = (await search(client))["items"]
        details = [
            (await client.get(f"/decision-instances/{i['decisionEvaluationInstanceKey']}")).json()
            for i in found
        ]
        assert details[1]["matchedRules"][0]["ruleId"] == "goldDiscount"
        return found

    after = await run(Engine(Store(database_url(tmp_path))), again)
    assert json.dumps(after, sort_keys=True) == json.dumps(before, sort_keys=True)

    # a build interrupted before its commit left no flag: the next open builds the table afresh, once
    store = Store(database_url(tmp_path))
    with store.engine.begin() as conn:
        conn.execute(text("DELETE FROM meta WHERE name = 'decision_instances_built'"))
    store.close()
    rebuilt = await run(Engine(Store(database_url(tmp_path))), lambda client: search(client))
    assert json.dumps(rebuilt["items"], sort_keys=True) == json.dumps(before, sort_keys=True)
