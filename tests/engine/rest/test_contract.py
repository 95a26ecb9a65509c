"""The response contract the 8.9/8.10 SDKs validate: every documented field present (null when empty), keys as
strings, enums and dates as documented; and RFC 9457 problems for every error, FastAPI's validation included."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest

from tests.engine.rest.conftest import deploy
from tests.engine.rest.resources import DMN, FAILING, FORM, USER_TASK

# the required fields of Camunda's result schemas (orchestration-cluster-api spec, 8.10 line)
FIELDS = {
    "ProcessInstanceResult": {
        "businessId", "endDate", "hasIncident", "parentElementInstanceKey", "parentProcessInstanceKey",
        "processDefinitionId", "processDefinitionKey", "processDefinitionName", "processDefinitionVersion",
        "processDefinitionVersionTag", "processInstanceKey", "rootProcessInstanceKey", "startDate", "state",
        "suspendedDate", "tags", "tenantId",
    },
    "CreateProcessInstanceResult": {
        "businessId", "processDefinitionId", "processDefinitionKey", "processDefinitionVersion",
        "processInstanceKey", "tags", "tenantId", "variables",
    },
    "ElementInstanceResult": {
        "elementId", "elementInstanceKey", "elementName", "endDate", "hasIncident", "incidentKey",
        "processDefinitionId", "processDefinitionKey", "processInstanceKey", "rootProcessInstanceKey", "startDate",
        "state", "tenantId", "type",
    },
    "VariableSearchResult": {
        "name", "processInstanceKey", "rootProcessInstanceKey", "scopeKey", "tenantId", "variableKey", "value",
        "isTruncated",
    },
    "IncidentResult": {
        "creationTime", "elementId", "elementInstanceKey", "errorMessage", "errorType", "incidentKey", "jobKey",
        "processDefinitionId", "processDefinitionKey", "processInstanceKey", "rootProcessInstanceKey", "state",
        "tenantId",
    },
    "UserTaskResult": {
        "assignee", "businessId", "candidateGroups", "candidateUsers", "completionDate", "creationDate",
        "customHeaders", "dueDate", "elementId", "elementInstanceKey", "externalFormReference", "followUpDate",
        "formKey", "name", "priority", "processDefinitionId", "processDefinitionKey", "processDefinitionVersion",
        "processInstanceKey", "processName", "rootProcessInstanceKey", "state", "tags", "tenantId", "userTaskKey",
    },
    "ActivatedJobResult": {
        "businessId", "customHeaders", "deadline", "elementId", "elementInstanceKey", "jobKey", "kind", "leaseToken",
        "listenerEventType", "physicalTenantId", "priority", "processDefinitionId", "processDefinitionKey",
        "processDefinitionVersion", "processInstanceKey", "retries", "rootProcessInstanceKey", "tags", "tenantId",
        "type", "userTask", "variables", "worker",
    },
    "JobSearchResult": {
        "businessId", "creationTime", "customHeaders", "deadline", "deniedReason", "elementId", "elementInstanceKey",
        "endTime", "errorCode", "errorMessage", "hasFailedWithRetriesLeft", "isDenied", "jobKey", "kind",
        "lastUpdateTime", "listenerEventType", "priority", "processDefinitionId", "processDefinitionKey",
        "processInstanceKey", "retries", "rootProcessInstanceKey", "state", "tenantId", "type", "worker",
    },
    "ProcessDefinitionResult": {
        "hasStartForm", "name", "processDefinitionId", "processDefinitionKey", "resourceName", "state", "tenantId",
        "version", "versionTag",
    },
    "DecisionDefinitionResult": {
        "decisionDefinitionId", "decisionDefinitionKey", "decisionRequirementsId", "decisionRequirementsKey",
        "decisionRequirementsName", "decisionRequirementsVersion", "name", "tenantId", "version",
    },
    "DecisionRequirementsResult": {
        "decisionRequirementsId", "decisionRequirementsKey", "decisionRequirementsName", "resourceName", "tenantId",
        "version",
    },
    "EvaluateDecisionResult": {
        "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionVersion",
        "decisionEvaluationKey", "decisionInstanceKey", "decisionRequirementsId", "decisionRequirementsKey",
        "evaluatedDecisions", "failedDecisionDefinitionId", "failureMessage", "output", "tenantId",
    },
    "EvaluatedDecisionResult": {
        "decisionDefinitionId", "decisionDefinitionKey", "decisionDefinitionName", "decisionDefinitionType",
        "decisionDefinitionVersion", "decisionEvaluationInstanceKey", "evaluatedInputs", "matchedRules", "output",
        "tenantId",
    },
    "FormResult": {"formId", "formKey", "schema", "tenantId", "version"},
    "DeploymentMetadataResult": {"decisionDefinition", "decisionRequirements", "form", "processDefinition", "resource"},
    "SearchQueryPageResponse": {"endCursor", "hasMoreTotalItems", "startCursor", "totalItems"},
    "TopologyResponse": {
        "brokers", "clusterId", "clusterSize", "gatewayVersion", "lastCompletedChangeId", "partitionsCount",
        "replicationFactor",
    },
    "ProblemDetail": {"type", "title", "status", "detail", "instance"},
}  # fmt: skip
DIGITS = re.compile(r"^-?\d+$")
ISO = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def check(item: dict[str, Any], schema: str) -> None:
    assert set(item) == FIELDS[schema], f"{schema}: {set(item) ^ FIELDS[schema]}"
    for name, value in item.items():
        if name.endswith("Key") and name != "decisionEvaluationInstanceKey" and value is not None:
            assert isinstance(value, str) and DIGITS.match(value), f"{schema}.{name} = {value!r}"
        if (name.endswith("Date") or name.endswith("Time")) and value is not None:
            assert ISO.match(value), f"{schema}.{name} = {value!r}"
        if name == "tenantId":
            assert value == "<default>"


async def searched(
    client: httpx.AsyncClient, path: str, schema: str, body: Any = None
) -> list[dict[str, Any]]:
    r = await client.post(path, json=body or {})
    assert r.status_code == 200, r.text
    check(r.json()["page"], "SearchQueryPageResponse")
    items: list[dict[str, Any]] = r.json()["items"]
    assert items, path
    for item in items:
        check(item, schema)
    return items


async def test_every_documented_field_is_present(client: httpx.AsyncClient) -> None:
    d = await deploy(
        client, ("approve.bpmn", USER_TASK), ("approve.form", FORM), ("f.bpmn", FAILING), ("g.dmn", DMN)
    )
    for entry in d["deployments"]:
        check(entry, "DeploymentMetadataResult")
    r = await client.post(
        "/process-instances", json={"processDefinitionId": "approve", "variables": {"v": "x" * 9000}}
    )
    check(r.json(), "CreateProcessInstanceResult")
    await client.post("/process-instances", json={"processDefinitionId": "failing"})
    jobs = (
        await client.post("/jobs/activation", json={"type": "flaky", "timeout": 9000, "maxJobsToActivate": 9})
    ).json()
    for job in jobs["jobs"]:
        check(job, "ActivatedJobResult")
    await client.post(f"/jobs/{jobs['jobs'][0]['jobKey']}/failure", json={"retries": 0})

    [pi, *_] = await searched(client, "/process-instances/search", "ProcessInstanceResult")
    check(
        (await client.get(f"/process-instances/{pi['processInstanceKey']}")).json(), "ProcessInstanceResult"
    )
    [ei, *_] = await searched(client, "/element-instances/search", "ElementInstanceResult")
    check(
        (await client.get(f"/element-instances/{ei['elementInstanceKey']}")).json(), "ElementInstanceResult"
    )
    [var] = await searched(client, "/variables/search", "VariableSearchResult")
    assert var["isTruncated"] is True and len(var["value"]) < 9000
    full = (await client.get(f"/variables/{var['variableKey']}")).json()
    check({**full, "isTruncated": False}, "VariableSearchResult")
    assert len(full["value"]) == 9002
    untruncated = (await client.post("/variables/search?truncateValues=false", json={})).json()["items"][0]
    assert untruncated["isTruncated"] is False and untruncated["value"] == full["value"]
    [inc] = await searched(client, "/incidents/search", "IncidentResult")
    check((await client.get(f"/incidents/{inc['incidentKey']}")).json(), "IncidentResult")
    [task] = await searched(client, "/user-tasks/search", "UserTaskResult")
    check((await client.get(f"/user-tasks/{task['userTaskKey']}")).json(), "UserTaskResult")
    check((await client.get(f"/user-tasks/{task['userTaskKey']}/form")).json(), "FormResult")
    check((await client.get(f"/forms/{task['formKey']}")).json(), "FormResult")
    await searched(client, "/jobs/search", "JobSearchResult")
    await searched(client, "/process-definitions/search", "ProcessDefinitionResult")
    [dd] = await searched(client, "/decision-definitions/search", "DecisionDefinitionResult")
    check(
        (await client.get(f"/decision-definitions/{dd['decisionDefinitionKey']}")).json(),
        "DecisionDefinitionResult",
    )
    await searched(client, "/decision-requirements/search", "DecisionRequirementsResult")
    r = await client.post(
        "/decision-definitions/evaluation", json={"decisionDefinitionId": "grade", "variables": {}}
    )
    check(r.json(), "EvaluateDecisionResult")
    for evaluated in r.json()["evaluatedDecisions"]:
        check(evaluated, "EvaluatedDecisionResult")
    topology = (await client.get("/topology")).json()
    check(topology, "TopologyResponse")
    assert topology["brokers"][0]["partitions"][0] == {
        "partitionId": 1, "role": "leader", "health": "healthy", "state": "active"
    }  # fmt: skip
    assert (await client.get("/status")).status_code == 204


async def test_empty_searches_have_null_cursors(client: httpx.AsyncClient) -> None:
    r = await client.post("/process-instances/search")
    assert r.json() == {
        "items": [],
        "page": {"totalItems": 0, "hasMoreTotalItems": False, "startCursor": None, "endCursor": None},
    }


def problem(r: httpx.Response, status: int, title: str | None = None) -> dict[str, Any]:
    assert r.status_code == status, r.text
    assert r.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = r.json()
    check(body, "ProblemDetail")
    assert (
        body["type"] == "about:blank" and body["status"] == status and body["instance"] == r.request.url.path
    )
    if title is not None:
        assert body["title"] == title
    return body


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("post", "/process-instances", {}),
        ("post", "/process-instances", {"processDefinitionId": "x", "unknown": 1}),
        ("post", "/process-instances", {"processDefinitionId": "x", "variables": [1]}),
        ("post", "/process-instances/search", {"filter": {"state": "RUNNING"}}),
        ("post", "/process-instances/search", {"filter": {"processInstanceKey": "abc"}}),
        ("post", "/process-instances/search", {"page": {"from": 0, "after": "WzFd"}}),
        ("post", "/process-instances/search", {"page": {"after": "bm90IGpzb24="}}),
        ("post", "/process-instances/search", {"sort": [{"field": "nope"}]}),
        ("post", "/process-instances/search", {"filter": {"processInstanceKey": "99999999999999999999"}}),
        ("post", "/jobs/activation", {"type": "t"}),
        ("post", "/jobs/activation", {"type": "t", "timeout": 2**70, "maxJobsToActivate": 1}),
        ("get", "/process-instances/not-a-key", None),
        ("put", "/clock", {"timestamp": "soon"}),
        ("post", "/messages/publication", {"name": "m", "tenantId": "other"}),
        ("post", "/user-tasks/1/assignment", {}),
    ],
)
async def test_bad_requests_are_400_problems(
    client: httpx.AsyncClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    r = await client.request(method, path, json=body)
    detail = problem(r, 400)["detail"]
    assert detail


async def test_invalid_json_and_engine_rejections(client: httpx.AsyncClient) -> None:
    bad = await client.post("/process-instances", content=b"{", headers={"content-type": "application/json"})
    problem(bad, 400)
    big = await client.post(
        "/process-instances", json={"processDefinitionId": "p", "variables": {"n": 2**65}}
    )
    assert "MessagePack cannot serialize BigInteger" in problem(big, 400, "INVALID_ARGUMENT")["detail"]
    missing = await client.post("/process-instances", json={"processDefinitionId": "nope"})
    body = problem(missing, 404, "NOT_FOUND")
    assert body["detail"].startswith("Command 'CREATE' rejected with code 'NOT_FOUND':")
    problem(await client.get("/process-instances/123"), 404, "NOT_FOUND")
    problem(await client.post("/jobs/123/completion"), 404, "NOT_FOUND")
    problem(await client.post("/incidents/123/resolution"), 404, "NOT_FOUND")
    problem(await client.get("/no/such/path"), 404)
    problem(await client.delete("/topology"), 405)
    bad_deploy = await client.post("/deployments", files=[("resources", ("x.bpmn", b"<nope"))])
    assert problem(bad_deploy, 400, "INVALID_ARGUMENT")["detail"].startswith("Command 'CREATE' rejected")


async def test_conflicts_are_409_problems(client: httpx.AsyncClient) -> None:
    await deploy(client, ("approve.bpmn", USER_TASK), ("approve.form", FORM), ("f.bpmn", FAILING))
    await client.post("/process-instances", json={"processDefinitionId": "approve"})
    [task] = (await client.post("/user-tasks/search")).json()["items"]
    key = task["userTaskKey"]
    await client.post(f"/user-tasks/{key}/assignment", json={"assignee": "alice"})
    body = problem(
        await client.post(f"/user-tasks/{key}/assignment", json={"assignee": "bob", "allowOverride": False}),
        409,
        "INVALID_STATE",
    )
    assert body["detail"].startswith("Command 'ASSIGN' rejected with code 'INVALID_STATE'")
    await client.post("/process-instances", json={"processDefinitionId": "failing"})
    [job] = (
        await client.post("/jobs/activation", json={"type": "flaky", "timeout": 9000, "maxJobsToActivate": 1})
    ).json()["jobs"]
    await client.post(f"/jobs/{job['jobKey']}/failure", json={"retries": 0})
    problem(await client.post(f"/jobs/{job['jobKey']}/completion"), 409, "INVALID_STATE")
