"""End-to-end flows over HTTP: deploy, start, search, work on tasks and jobs, messages, decisions, the clock."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx

from engine.runtime.engine import Engine
from tests.engine.rest.conftest import deploy
from tests.engine.rest.resources import DMN, FAILING, FORM, MESSAGE, SERVICE, TIMER, USER_TASK


async def start(client: httpx.AsyncClient, process_id: str, variables: dict[str, Any] | None = None) -> str:
    r = await client.post(
        "/process-instances", json={"processDefinitionId": process_id, "variables": variables or {}}
    )
    assert r.status_code == 200, r.text
    key: str = r.json()["processInstanceKey"]
    return key


async def search(client: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    r = await client.post(path, json=body or {})
    assert r.status_code == 200, r.text
    result: dict[str, Any] = r.json()
    return result


async def test_deploy_create_search_get(client: httpx.AsyncClient) -> None:
    d = await deploy(client, ("svc.bpmn", SERVICE))
    process = d["deployments"][0]["processDefinition"]
    assert process["processDefinitionId"] == "svc" and process["processDefinitionVersion"] == 1
    keys = [await start(client, "svc", {"n": i, "name": f"case-{i}"}) for i in range(5)]
    assert all(k.isdigit() for k in keys)

    found = await search(client, "/process-instances/search", {"filter": {"processDefinitionId": "svc"}})
    assert found["page"]["totalItems"] == 5
    assert {i["processInstanceKey"] for i in found["items"]} == set(keys)

    got = (await client.get(f"/process-instances/{keys[2]}")).json()
    assert got["state"] == "ACTIVE" and got["processDefinitionName"] == "Service process"
    assert got["endDate"] is None and got["parentProcessInstanceKey"] is None

    # operators, $or, variables
    body = {"filter": {"processInstanceKey": {"$in": keys[:3]}, "state": {"$neq": "COMPLETED"}}}
    assert (await search(client, "/process-instances/search", body))["page"]["totalItems"] == 3
    body = {"filter": {"$or": [{"processInstanceKey": keys[0]}, {"processInstanceKey": keys[4]}]}}
    assert (await search(client, "/process-instances/search", body))["page"]["totalItems"] == 2
    body = {"filter": {"variables": [{"name": "name", "value": {"$like": '"case-?"'}}]}}
    assert (await search(client, "/process-instances/search", body))["page"]["totalItems"] == 5
    body = {"filter": {"variables": [{"name": "n", "value": "3"}]}}
    assert [
        i["processInstanceKey"] for i in (await search(client, "/process-instances/search", body))["items"]
    ] == [keys[3]]
    body = {"filter": {"startDate": {"$gte": "2000-01-01T00:00:00Z"}, "endDate": {"$exists": False}}}
    assert (await search(client, "/process-instances/search", body))["page"]["totalItems"] == 5

    # sort + offset, and cursor pages forwards and backwards
    body = {"sort": [{"field": "processInstanceKey", "order": "DESC"}], "page": {"from": 1, "limit": 2}}
    assert [
        i["processInstanceKey"] for i in (await search(client, "/process-instances/search", body))["items"]
    ] == [
        keys[3],
        keys[2],
    ]
    sort = [{"field": "processDefinitionId"}, {"field": "processInstanceKey", "order": "DESC"}]
    first = await search(client, "/process-instances/search", {"sort": sort, "page": {"limit": 2}})
    second = await search(
        client,
        "/process-instances/search",
        {"sort": sort, "page": {"after": first["page"]["endCursor"], "limit": 2}},
    )
    third = await search(
        client,
        "/process-instances/search",
        {"sort": sort, "page": {"after": second["page"]["endCursor"], "limit": 2}},
    )
    paged = [i["processInstanceKey"] for p in (first, second, third) for i in p["items"]]
    assert paged == list(reversed(keys))
    back = await search(
        client,
        "/process-instances/search",
        {"sort": sort, "page": {"before": third["page"]["startCursor"], "limit": 2}},
    )
    assert back["items"] == second["items"]
    assert back["page"]["totalItems"] == 5

    # the instance's elements and variables
    elements = await search(
        client,
        "/element-instances/search",
        {"filter": {"processInstanceKey": keys[0], "type": "SERVICE_TASK"}},
    )
    [task] = elements["items"]
    assert task["elementId"] == "task" and task["elementName"] == "Do work" and task["state"] == "ACTIVE"
    assert (await client.get(f"/element-instances/{task['elementInstanceKey']}")).json() == task
    variables = await search(client, "/variables/search", {"filter": {"processInstanceKey": keys[0]}})
    values = {v["name"]: json.loads(v["value"]) for v in variables["items"]}
    assert values == {"n": 0, "name": "case-0"}
    one = variables["items"][0]
    full = (await client.get(f"/variables/{one['variableKey']}")).json()
    assert full["value"] == one["value"] and "isTruncated" not in full

    # definitions and their XML
    defs = await search(client, "/process-definitions/search", {"filter": {"isLatestVersion": True}})
    assert [x["processDefinitionId"] for x in defs["items"]] == ["svc"]
    xml = await client.get(f"/process-definitions/{process['processDefinitionKey']}/xml")
    assert xml.status_code == 200 and xml.headers["content-type"].startswith("text/xml")
    assert xml.content == SERVICE

    # cancellation
    r = await client.post(f"/process-instances/{keys[0]}/cancellation")
    assert r.status_code == 204 and r.content == b""
    assert (await client.get(f"/process-instances/{keys[0]}")).json()["state"] == "TERMINATED"


async def test_await_completion(client: httpx.AsyncClient) -> None:
    await deploy(client, ("svc.bpmn", SERVICE))

    async def worker() -> None:
        r = await client.post(
            "/jobs/activation", json={"type": "work", "timeout": 10_000, "maxJobsToActivate": 1}
        )
        [job] = r.json()["jobs"]
        r = await client.post(f"/jobs/{job['jobKey']}/completion", json={"variables": {"done": True}})
        assert r.status_code == 204

    task = asyncio.create_task(worker())
    r = await client.post(
        "/process-instances",
        json={
            "processDefinitionId": "svc",
            "awaitCompletion": True,
            "fetchVariables": ["done"],
            "requestTimeout": 5000,
        },
    )
    await task
    assert r.status_code == 200 and r.json()["variables"] == {"done": True}


async def test_native_user_task(client: httpx.AsyncClient) -> None:
    d = await deploy(client, ("approve.bpmn", USER_TASK), ("approve.form", FORM))
    kinds = [next(k for k, v in e.items() if v is not None) for e in d["deployments"]]
    assert kinds == ["processDefinition", "form"]
    definition_key = d["deployments"][0]["processDefinition"]["processDefinitionKey"]
    start_form = (await client.get(f"/process-definitions/{definition_key}/form")).json()
    assert start_form["formId"] == "approve-form"
    pi = await start(client, "approve", {"amount": 10})

    tasks = await search(
        client, "/user-tasks/search", {"filter": {"processInstanceKey": pi, "state": "CREATED"}}
    )
    [task] = tasks["items"]
    key = task["userTaskKey"]
    assert task["name"] == "Review request" and task["assignee"] is None
    assert task["candidateGroups"] == ["managers", "finance"] and task["processName"] == "Approval"
    grouped = await search(client, "/user-tasks/search", {"filter": {"candidateGroup": "finance"}})
    assert [t["userTaskKey"] for t in grouped["items"]] == [key]
    assert (await search(client, "/user-tasks/search", {"filter": {"candidateGroup": "fin"}}))["items"] == []

    form = (await client.get(f"/user-tasks/{key}/form")).json()
    assert form["formId"] == "approve-form" and json.loads(form["schema"])["id"] == "approve-form"
    assert form["formKey"] == task["formKey"]

    assert (await client.post(f"/user-tasks/{key}/assignment", json={"assignee": "alice"})).status_code == 204
    conflict = await client.post(
        f"/user-tasks/{key}/assignment", json={"assignee": "bob", "allowOverride": False}
    )
    assert conflict.status_code == 409 and conflict.headers["content-type"] == "application/problem+json"
    assert (await client.get(f"/user-tasks/{key}")).json()["assignee"] == "alice"
    assert (await client.delete(f"/user-tasks/{key}/assignee")).status_code == 204
    assert (await client.get(f"/user-tasks/{key}")).json()["assignee"] is None

    r = await client.patch(
        f"/user-tasks/{key}", json={"changeset": {"priority": 80, "dueDate": "2030-01-02T03:04:05Z"}}
    )
    assert r.status_code == 204
    updated = (await client.get(f"/user-tasks/{key}")).json()
    assert updated["priority"] == 80 and updated["dueDate"].startswith("2030-01-02T03:04:05")

    seen = await search(client, f"/user-tasks/{key}/variables/search")
    assert [(v["name"], v["value"]) for v in seen["items"]] == [("amount", "10")]

    # an empty JSON body completes without variables, as the SDKs send it
    r = await client.post(
        f"/user-tasks/{key}/completion", content=b"", headers={"content-type": "application/json"}
    )
    assert r.status_code == 204, r.text
    done = (await client.get(f"/user-tasks/{key}")).json()
    assert done["state"] == "COMPLETED" and done["completionDate"] is not None
    assert (await client.get(f"/process-instances/{pi}")).json()["state"] == "COMPLETED"
    again = await client.post(f"/user-tasks/{key}/completion", json={})
    assert again.status_code in (404, 409)


async def test_incident_resolution(client: httpx.AsyncClient) -> None:
    await deploy(client, ("failing.bpmn", FAILING))
    pi = await start(client, "failing")
    r = await client.post(
        "/jobs/activation", json={"type": "flaky", "timeout": 60_000, "maxJobsToActivate": 1}
    )
    [job] = r.json()["jobs"]
    r = await client.post(f"/jobs/{job['jobKey']}/failure", json={"retries": 0, "errorMessage": "boom"})
    assert r.status_code == 204

    incidents = await search(client, f"/process-instances/{pi}/incidents/search")
    [incident] = incidents["items"]
    assert incident["errorType"] == "JOB_NO_RETRIES" and incident["errorMessage"] == "boom"
    assert incident["jobKey"] == job["jobKey"] and incident["state"] == "ACTIVE"
    assert (await client.get(f"/process-instances/{pi}")).json()["hasIncident"] is True
    assert (await search(client, "/incidents/search", {"filter": {"errorType": "JOB_NO_RETRIES"}}))[
        "items"
    ] == [incident]
    failed = await search(client, "/jobs/search", {"filter": {"jobKey": job["jobKey"]}})
    assert failed["items"][0]["state"] == "FAILED" and failed["items"][0]["errorMessage"] == "boom"

    # Operate's Retry: give the job retries, then resolve
    assert (
        await client.patch(f"/jobs/{job['jobKey']}", json={"changeset": {"retries": 1}})
    ).status_code == 204
    r = await client.post(
        f"/incidents/{incident['incidentKey']}/resolution",
        content=b"",
        headers={"content-type": "application/json"},
    )
    assert r.status_code == 204, r.text
    assert (await client.get(f"/incidents/{incident['incidentKey']}")).json()["state"] == "RESOLVED"
    r = await client.post(
        "/jobs/activation", json={"type": "flaky", "timeout": 60_000, "maxJobsToActivate": 1}
    )
    [again] = r.json()["jobs"]
    assert again["jobKey"] == job["jobKey"]
    assert (await client.post(f"/jobs/{again['jobKey']}/completion")).status_code == 204
    final = (await client.get(f"/process-instances/{pi}")).json()
    assert final["state"] == "COMPLETED" and final["hasIncident"] is False


async def test_job_activation_long_poll(client: httpx.AsyncClient, engine: Engine) -> None:
    await deploy(client, ("svc.bpmn", SERVICE))
    loop = asyncio.get_running_loop()
    began = loop.time()
    empty = await client.post(
        "/jobs/activation",
        json={"type": "work", "timeout": 1000, "maxJobsToActivate": 1, "requestTimeout": 300},
    )
    assert empty.json() == {"jobs": []} and loop.time() - began >= 0.25

    poll = asyncio.create_task(
        client.post(
            "/jobs/activation",
            json={
                "type": "work",
                "worker": "w1",
                "timeout": 30_000,
                "maxJobsToActivate": 5,
                "requestTimeout": 10_000,
            },
        )
    )
    await asyncio.sleep(0.2)
    assert not poll.done()
    began = loop.time()
    pi = await start(client, "svc", {"x": 1})
    r = await poll
    assert loop.time() - began < 2, "a long poll answers as soon as a job exists"
    [job] = r.json()["jobs"]
    assert job["processInstanceKey"] == pi and job["worker"] == "w1" and job["variables"] == {"x": 1}
    assert job["deadline"] > 0 and job["kind"] == "BPMN_ELEMENT" and job["userTask"] is None
    assert (
        await client.post(f"/jobs/{job['jobKey']}/completion", json={"variables": {"y": 2}})
    ).status_code == 204
    gone = await client.post(f"/jobs/{job['jobKey']}/completion", json={})
    assert gone.status_code == 404 and gone.json()["title"] == "NOT_FOUND"


async def test_message_correlation_and_publication(client: httpx.AsyncClient) -> None:
    await deploy(client, ("order.bpmn", MESSAGE))
    pi = await start(client, "order", {"orderId": "o-1"})
    r = await client.post(
        "/messages/correlation", json={"name": "payment", "correlationKey": "o-1", "variables": {"paid": 5}}
    )
    assert r.status_code == 200, r.text
    assert r.json()["processInstanceKey"] == pi and r.json()["messageKey"].isdigit()
    assert (await client.get(f"/process-instances/{pi}")).json()["state"] == "COMPLETED"
    missing = await client.post("/messages/correlation", json={"name": "payment", "correlationKey": "nobody"})
    assert missing.status_code == 404 and missing.json()["status"] == 404

    # published before the instance waits: buffered for its TTL
    r = await client.post(
        "/messages/publication",
        json={"name": "payment", "correlationKey": "o-2", "timeToLive": 60_000, "messageId": "m2"},
    )
    assert r.status_code == 200 and r.json()["tenantId"] == "<default>"
    pi2 = await start(client, "order", {"orderId": "o-2"})
    assert (await client.get(f"/process-instances/{pi2}")).json()["state"] == "COMPLETED"
    dup = await client.post(
        "/messages/publication",
        json={"name": "payment", "correlationKey": "o-2", "timeToLive": 60_000, "messageId": "m2"},
    )
    assert dup.status_code == 400 and dup.json()["title"] == "ALREADY_EXISTS"

    r = await client.post("/signals/broadcast", json={"signalName": "nothing-listens"})
    assert r.status_code == 200 and r.json()["signalKey"].isdigit()


async def test_decision_evaluation(client: httpx.AsyncClient) -> None:
    d = await deploy(client, ("grading.dmn", DMN))
    kinds = [next(k for k, v in e.items() if v is not None) for e in d["deployments"]]
    assert kinds == ["decisionDefinition", "decisionRequirements"]
    decision = d["deployments"][0]["decisionDefinition"]
    r = await client.post(
        "/decision-definitions/evaluation", json={"decisionDefinitionId": "grade", "variables": {"score": 72}}
    )
    assert r.status_code == 200, r.text
    result = r.json()
    assert json.loads(result["output"]) == "B"
    assert result["decisionDefinitionKey"] == decision["decisionDefinitionKey"]
    assert result["failedDecisionDefinitionId"] is None and result["failureMessage"] is None
    [evaluated] = result["evaluatedDecisions"]
    assert evaluated["decisionEvaluationInstanceKey"] == f"{result['decisionEvaluationKey']}-1"
    assert evaluated["evaluatedInputs"][0]["inputValue"] == "72"
    [rule] = evaluated["matchedRules"]
    assert rule["ruleId"] == "r2" and rule["evaluatedOutputs"][0]["outputValue"] == '"B"'

    by_key = await client.post(
        "/decision-definitions/evaluation",
        json={"decisionDefinitionKey": decision["decisionDefinitionKey"], "variables": {"score": 95}},
    )
    assert json.loads(by_key.json()["output"]) == "A"

    defs = await search(client, "/decision-definitions/search", {"filter": {"decisionDefinitionId": "grade"}})
    [definition] = defs["items"]
    assert definition["decisionRequirementsName"] == "Grading" and definition["version"] == 1
    drgs = await search(client, "/decision-requirements/search")
    [drg] = drgs["items"]
    assert (await client.get(f"/decision-requirements/{drg['decisionRequirementsKey']}")).json() == drg
    xml = await client.get(f"/decision-definitions/{definition['decisionDefinitionKey']}/xml")
    assert xml.status_code == 200 and xml.content == DMN
    assert (await client.get(f"/decision-requirements/{drg['decisionRequirementsKey']}/xml")).content == DMN


async def test_clock_pin_moves_a_timer(client: httpx.AsyncClient, engine: Engine) -> None:
    await deploy(client, ("wait.bpmn", TIMER))
    now = engine.clock.now()
    assert (await client.put("/clock", json={"timestamp": now})).status_code == 204
    pi = await start(client, "wait")
    assert (await client.get(f"/process-instances/{pi}")).json()["state"] == "ACTIVE"
    assert (await client.put("/clock", json={"timestamp": now + 30 * 60_000})).status_code == 204
    assert (await client.get(f"/process-instances/{pi}")).json()["state"] == "ACTIVE"
    assert (await client.put("/clock", json={"timestamp": now + 61 * 60_000})).status_code == 204
    final = (await client.get(f"/process-instances/{pi}")).json()
    assert final["state"] == "COMPLETED"
    assert final["endDate"].startswith(
        __import__("engine.rest.types", fromlist=["iso"]).iso(now + 61 * 60_000)[:16]
    )
    assert (await client.post("/clock/reset")).status_code == 204
    assert engine.clock.pinned is None


async def test_resource_deletion(client: httpx.AsyncClient) -> None:
    d = await deploy(client, ("svc.bpmn", SERVICE))
    key = d["deployments"][0]["processDefinition"]["processDefinitionKey"]
    r = await client.post(f"/resources/{key}/deletion", json={})
    assert r.status_code == 200 and r.json() == {"resourceKey": key, "batchOperation": None}
    again = await client.post(f"/resources/{key}/deletion")
    assert again.status_code == 404
    r = await client.post("/process-instances", json={"processDefinitionId": "svc"})
    assert r.status_code == 404
