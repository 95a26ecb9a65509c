"""Element statistics of a process definition and of a process instance, and the sequence flows an instance took.

The pricing process: start -> business rule task (DMN "discount", which requires "tier") -> exclusive gateway ->
the vip service task when there is a discount, else the plain end. Four instances: a vip one (waits at its job),
a plain one (completes), one whose decision fails (an incident at the rules task), and a vip one canceled.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.engine.rest.conftest import deploy
from tests.engine.rest.resources import NESTED_PRICING, PRICING, PRICING_DMN

ZERO = {"active": 0, "canceled": 0, "incidents": 0, "completed": 0}


async def start(client: httpx.AsyncClient, process_id: str, variables: dict[str, Any]) -> str:
    r = await client.post(
        "/process-instances", json={"processDefinitionId": process_id, "variables": variables}
    )
    assert r.status_code == 200, r.text
    key: str = r.json()["processInstanceKey"]
    return key


def figures(body: dict[str, Any]) -> dict[str, dict[str, int]]:
    """`{elementId: {active, canceled, incidents, completed}}`, every item complete and sorted by element id."""
    items = body["items"]
    assert [i["elementId"] for i in items] == sorted(i["elementId"] for i in items)
    out = {}
    for item in items:
        assert set(item) == {"elementId", *ZERO}
        assert all(isinstance(item[f], int) for f in ZERO)
        out[item["elementId"]] = {f: item[f] for f in ZERO}
    return out


def counts(**figures: int) -> dict[str, int]:
    return {**ZERO, **figures}


@pytest.fixture
async def pricing(client: httpx.AsyncClient) -> dict[str, str]:
    await deploy(client, ("pricing.bpmn", PRICING), ("pricing.dmn", PRICING_DMN))
    keys = {
        "vip": await start(client, "pricing", {"orders": 12}),
        "plain": await start(client, "pricing", {"orders": 1}),
        "failed": await start(client, "pricing", {"orders": 3, "coupon": "DOUBLE"}),
        "canceled": await start(client, "pricing", {"orders": 20}),
    }
    r = await client.post(f"/process-instances/{keys['canceled']}/cancellation")
    assert r.status_code == 204, r.text
    instance = (await client.get(f"/process-instances/{keys['vip']}")).json()
    keys["definition"] = instance["processDefinitionKey"]
    return keys


async def definition_statistics(
    client: httpx.AsyncClient, definition_key: str, body: dict[str, Any] | None = None
) -> dict[str, dict[str, int]]:
    path = f"/process-definitions/{definition_key}/statistics/element-instances"
    r = await client.post(path, json=body) if body is not None else await client.post(path)
    assert r.status_code == 200, r.text
    return figures(r.json())


async def test_definition_statistics_count_instances_per_element_and_state(
    client: httpx.AsyncClient, pricing: dict[str, str]
) -> None:
    stats = await definition_statistics(client, pricing["definition"])
    # the process itself is no element here; endVip was never reached, so it is not listed at all
    assert stats == {
        "start": counts(completed=4),
        "rules": counts(completed=3, incidents=1),
        "gw": counts(completed=3),
        "vip": counts(active=1, canceled=1),
        "endPlain": counts(completed=1),
    }
    # an empty filter is no filter
    assert await definition_statistics(client, pricing["definition"], {"filter": {}}) == stats


async def test_definition_statistics_take_the_process_instance_filter(
    client: httpx.AsyncClient, pricing: dict[str, str]
) -> None:
    key = pricing["definition"]
    active = await definition_statistics(client, key, {"filter": {"state": "ACTIVE"}})
    assert active == {
        "start": counts(completed=2),
        "rules": counts(completed=1, incidents=1),
        "gw": counts(completed=1),
        "vip": counts(active=1),
    }
    assert await definition_statistics(client, key, {"filter": {"hasIncident": True}}) == {
        "start": counts(completed=1),
        "rules": counts(incidents=1),
    }
    by_variable = {"filter": {"variables": [{"name": "orders", "value": "1"}]}}
    assert await definition_statistics(client, key, by_variable) == {
        "start": counts(completed=1),
        "rules": counts(completed=1),
        "gw": counts(completed=1),
        "endPlain": counts(completed=1),
    }
    either = {
        "filter": {
            "$or": [{"processInstanceKey": pricing["plain"]}, {"state": {"$eq": "TERMINATED"}}],
        }
    }
    assert await definition_statistics(client, key, either) == {
        "start": counts(completed=2),
        "rules": counts(completed=2),
        "gw": counts(completed=2),
        "vip": counts(canceled=1),
        "endPlain": counts(completed=1),
    }
    # instance-level filters on elements: instances that have such an element (all their elements count)
    at_vip = await definition_statistics(client, key, {"filter": {"elementId": "vip", "state": "ACTIVE"}})
    assert at_vip == {
        "start": counts(completed=1),
        "rules": counts(completed=1),
        "gw": counts(completed=1),
        "vip": counts(active=1),
    }
    nothing = {"filter": {"processInstanceKey": {"$in": []}}}
    assert await definition_statistics(client, key, nothing) == {}


async def test_instance_statistics_and_incidents_below_a_scope(
    client: httpx.AsyncClient, pricing: dict[str, str]
) -> None:
    async def stats(key: str) -> dict[str, dict[str, int]]:
        r = await client.get(f"/process-instances/{key}/statistics/element-instances")
        assert r.status_code == 200, r.text
        return figures(r.json())

    assert await stats(pricing["vip"]) == {
        "start": counts(completed=1),
        "rules": counts(completed=1),
        "gw": counts(completed=1),
        "vip": counts(active=1),
    }
    assert await stats(pricing["failed"]) == {"start": counts(completed=1), "rules": counts(incidents=1)}
    assert (await stats(pricing["canceled"]))["vip"] == counts(canceled=1)

    # an incident inside a sub-process is an incident of the sub-process too (Camunda marks the element path)
    await deploy(client, ("nested.bpmn", NESTED_PRICING))
    nested = await start(client, "nested-pricing", {"orders": 1, "coupon": "DOUBLE"})
    assert await stats(nested) == {
        "start": counts(completed=1),
        "sub": counts(incidents=1),
        "subStart": counts(completed=1),
        "rules": counts(incidents=1),
    }
    definition = (await client.get(f"/process-instances/{nested}")).json()["processDefinitionKey"]
    assert (await definition_statistics(client, definition))["sub"] == counts(incidents=1)

    # once the incident is resolved (the coupon dropped), the sub-process and its rules complete
    [incident] = (
        await client.post("/incidents/search", json={"filter": {"processInstanceKey": nested}})
    ).json()["items"]
    [rules] = (
        await client.post(
            "/element-instances/search", json={"filter": {"processInstanceKey": nested, "elementId": "rules"}}
        )
    ).json()["items"]
    r = await client.put(
        f"/element-instances/{rules['elementInstanceKey']}/variables", json={"variables": {"coupon": None}}
    )
    assert r.status_code == 204, r.text
    r = await client.post(f"/incidents/{incident['incidentKey']}/resolution")
    assert r.status_code == 204, r.text
    after = await stats(nested)
    assert after["sub"] == counts(completed=1) and after["rules"] == counts(completed=1)


async def test_sequence_flows_taken_each_once(client: httpx.AsyncClient, pricing: dict[str, str]) -> None:
    async def flows(key: str) -> list[dict[str, Any]]:
        r = await client.get(f"/process-instances/{key}/sequence-flows")
        assert r.status_code == 200, r.text
        items: list[dict[str, Any]] = r.json()["items"]
        for item in items:
            assert item == {
                "sequenceFlowId": f"{key}_{item['elementId']}",
                "processInstanceKey": key,
                "rootProcessInstanceKey": key,
                "processDefinitionKey": pricing["definition"],
                "processDefinitionId": "pricing",
                "elementId": item["elementId"],
                "tenantId": "<default>",
            }
        return items

    # the gateway's untaken branch is not listed
    assert [f["elementId"] for f in await flows(pricing["vip"])] == ["toRules", "toGw", "toVip"]
    assert [f["elementId"] for f in await flows(pricing["plain"])] == ["toRules", "toGw", "toPlain"]
    assert [f["elementId"] for f in await flows(pricing["failed"])] == ["toRules"]


async def test_a_flow_taken_twice_is_listed_once(client: httpx.AsyncClient) -> None:
    # a loop: the task's job is completed twice, the back flow taken once, the loop flows twice
    from tests.engine.rest.resources import END, START, process, service

    looping = process(
        "loop",
        START
        + '<bpmn:exclusiveGateway id="join" />'
        + service("work", job_type="loop-work")
        + '<bpmn:exclusiveGateway id="again" default="done" />'
        + END
        + '<bpmn:sequenceFlow id="in" sourceRef="start" targetRef="join" />'
        + '<bpmn:sequenceFlow id="toWork" sourceRef="join" targetRef="work" />'
        + '<bpmn:sequenceFlow id="check" sourceRef="work" targetRef="again" />'
        + '<bpmn:sequenceFlow id="back" sourceRef="again" targetRef="join">'
        + '<bpmn:conditionExpression xsi:type="bpmn:tFormalExpression" '
        + 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">= repeat</bpmn:conditionExpression>'
        + "</bpmn:sequenceFlow>"
        + '<bpmn:sequenceFlow id="done" sourceRef="again" targetRef="end" />',
    )
    await deploy(client, ("loop.bpmn", looping))
    key = await start(client, "loop", {})
    for repeat in (True, False):
        r = await client.post(
            "/jobs/activation", json={"type": "loop-work", "timeout": 60_000, "maxJobsToActivate": 1}
        )
        [job] = r.json()["jobs"]
        r = await client.post(f"/jobs/{job['jobKey']}/completion", json={"variables": {"repeat": repeat}})
        assert r.status_code == 204, r.text
    r = await client.get(f"/process-instances/{key}/sequence-flows")
    assert [f["elementId"] for f in r.json()["items"]] == ["in", "toWork", "check", "back", "done"]
    stats = figures((await client.get(f"/process-instances/{key}/statistics/element-instances")).json())
    assert stats["work"] == counts(completed=2) and stats["join"] == counts(completed=2)


async def test_unknown_keys_are_404_problems(client: httpx.AsyncClient) -> None:
    for method, path in (
        ("post", "/process-definitions/123/statistics/element-instances"),
        ("get", "/process-instances/123/statistics/element-instances"),
        ("get", "/process-instances/123/sequence-flows"),
    ):
        r = await client.request(method, path)
        assert r.status_code == 404, r.text
        assert r.headers["content-type"] == "application/problem+json"
        assert r.json()["title"] == "NOT_FOUND" and "'123'" in r.json()["detail"]
    for method, path, body in (
        ("get", "/process-instances/abc/sequence-flows", None),
        ("post", "/process-definitions/99999999999999999999/statistics/element-instances", None),
        ("post", "/process-definitions/1/statistics/element-instances", {"filter": {"state": "RUNNING"}}),
        # the definition statistics filter has no definition fields (Camunda's BaseProcessInstanceFilterFields)
        (
            "post",
            "/process-definitions/1/statistics/element-instances",
            {"filter": {"processDefinitionId": "x"}},
        ),
    ):
        r = await client.request(method, path, json=body)
        assert r.status_code == 400, r.text


async def test_camunda_sdk_reads_the_answers(client: httpx.AsyncClient, pricing: dict[str, str]) -> None:
    sdk = pytest.importorskip("camunda_orchestration_sdk.models")
    answers = {
        "ProcessDefinitionElementStatisticsQueryResult": await client.post(
            f"/process-definitions/{pricing['definition']}/statistics/element-instances"
        ),
        "ProcessInstanceElementStatisticsQueryResult": await client.get(
            f"/process-instances/{pricing['vip']}/statistics/element-instances"
        ),
        "ProcessInstanceSequenceFlowsQueryResult": await client.get(
            f"/process-instances/{pricing['vip']}/sequence-flows"
        ),
    }
    for model, r in answers.items():
        parsed = getattr(sdk, model).from_dict(r.json())
        assert parsed.items and not parsed.additional_properties
        assert all(not item.additional_properties for item in parsed.items), model


async def test_the_same_on_postgresql(fresh_postgres_database: str) -> None:
    """Statistics (a recursive query for incident scopes), sequence flows and decision instances on PostgreSQL."""
    from engine.rest import create_app
    from engine.runtime.engine import Engine
    from engine.store.store import Store

    engine = Engine(Store(fresh_postgres_database))
    await engine.start()
    try:
        transport = httpx.ASGITransport(app=create_app(engine))
        async with httpx.AsyncClient(transport=transport, base_url="http://test/v2") as client:
            await deploy(client, ("nested.bpmn", NESTED_PRICING), ("pricing.dmn", PRICING_DMN))
            ok = await start(client, "nested-pricing", {"orders": 12})
            failed = await start(client, "nested-pricing", {"orders": 1, "coupon": "DOUBLE"})
            definition = (await client.get(f"/process-instances/{ok}")).json()["processDefinitionKey"]
            stats = await definition_statistics(client, definition)
            assert stats["sub"] == counts(completed=1, incidents=1)
            assert stats["rules"] == counts(completed=1, incidents=1)
            assert stats["end"] == counts(completed=1)
            r = await client.get(f"/process-instances/{failed}/statistics/element-instances")
            assert figures(r.json())["sub"] == counts(incidents=1)
            r = await client.get(f"/process-instances/{ok}/sequence-flows")
            assert [f["elementId"] for f in r.json()["items"]] == ["f1", "s1", "s2", "f2"]
            r = await client.post(
                "/decision-instances/search", json={"filter": {"processInstanceKey": failed}}
            )
            assert [(i["decisionDefinitionId"], i["state"]) for i in r.json()["items"]] == [
                ("tier", "EVALUATED"),
                ("discount", "FAILED"),
            ]
            got = await client.get(
                f"/decision-instances/{r.json()['items'][0]['decisionEvaluationInstanceKey']}"
            )
            assert got.json()["matchedRules"][0]["ruleId"] == "basic"
    finally:
        await engine.stop()
