"""Process instances: cancel, creation errors, versions (zeebe-protocol.md §3 Create/Cancel, §4, §8)."""

from __future__ import annotations

import pytest

from engine.runtime.errors import Rejection
from tests.engine.runtime.helpers import Harness, bpmn, end, flow, service, simple, start


async def test_cancel_terminates_everything_cancels_jobs_and_resolves_incidents(h: Harness) -> None:
    body = (
        start()
        + '<bpmn:parallelGateway id="fork" />'
        + service("a", "a")
        + service("b", "=missing")  # an incident (job type null)
        + end("ea")
        + end("eb")
        + flow("start", "fork")
        + flow("fork", "a")
        + flow("fork", "b")
        + flow("a", "ea")
        + flow("b", "eb")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    assert h.incident(pi)["element_id"] == "b"
    await h.engine.cancel_process_instance(pi)
    assert h.state(pi) == "TERMINATED"
    assert sorted(h.terminated(pi)) == ["a", "b", "p"]
    assert [r["intent"] for r in h.records("JOB")] == ["CREATED", "CANCELED"]
    assert h.incidents(pi) == [] and len(h.incidents(pi, "RESOLVED")) == 1
    assert h.active(pi) == [] and pi not in h.engine.state.element_instances
    with pytest.raises(Rejection) as e:
        await h.engine.cancel_process_instance(pi)
    assert e.value.rejection_type == "NOT_FOUND"
    assert (
        e.value.reason
        == f"Expected to cancel a process instance with key '{pi}', but no such process was found"
    )


@pytest.mark.parametrize(
    ("kwargs", "rejection", "reason"),
    [
        (
            {"bpmn_process_id": "nope"},
            "NOT_FOUND",
            "Expected to find process definition with process ID 'nope', but none found",
        ),
        (
            {"bpmn_process_id": "p", "version": 7},
            "NOT_FOUND",
            "Expected to find process definition with process ID 'p' and version '7', but none found",
        ),
        ({"key": 42}, "NOT_FOUND", "Expected to find process definition with key '42', but none found"),
        (
            {},
            "INVALID_ARGUMENT",
            "Expected at least a bpmnProcessId or a key greater than -1, but none given",
        ),
    ],
)
async def test_create_process_instance_errors(
    h: Harness, kwargs: dict[str, object], rejection: str, reason: str
) -> None:
    await h.deploy(bpmn(simple()))
    with pytest.raises(Rejection) as e:
        await h.engine.create_process_instance(**kwargs)  # type: ignore[arg-type]
    assert (e.value.intent, e.value.rejection_type, e.value.reason) == ("CREATE", rejection, reason)


async def test_create_without_a_none_start_event(h: Harness) -> None:
    body = (
        start("start", '<bpmn:messageEventDefinition id="md" messageRef="m" />')
        + end()
        + flow("start", "end")
    )
    await h.deploy(bpmn(body, extra='<bpmn:message id="m" name="go" />'))
    with pytest.raises(Rejection) as e:
        await h.engine.create_process_instance(bpmn_process_id="p")
    assert e.value.rejection_type == "INVALID_STATE"
    assert (
        e.value.reason
        == "Expected to create instance of process with none start event, but there is no such event"
    )


async def test_versions_running_instances_keep_theirs_and_duplicates_are_not_new(h: Harness) -> None:
    v1 = await h.deploy(bpmn(simple(service("task", "v1"))))
    again = await h.deploy(bpmn(simple(service("task", "v1"))))
    assert (again["version"], again["processDefinitionKey"]) == (1, v1["processDefinitionKey"])
    old = await h.start()
    v2 = await h.deploy(bpmn(simple(service("task", "v2"))))
    assert v2["version"] == 2 and v2["processDefinitionKey"] != v1["processDefinitionKey"]
    new = await h.start()
    assert [j["processInstanceKey"] for j in await h.jobs("v1")] == [old]
    assert [j["processInstanceKey"] for j in await h.jobs("v2")] == [new]
    explicit = await h.engine.create_process_instance(bpmn_process_id="p", version=1)
    assert explicit["version"] == 1 and explicit["processDefinitionKey"] == v1["processDefinitionKey"]
    assert h.records("PROCESS_INSTANCE", pi=old)[0]["value"]["version"] == 1
    # the same content under another resource name is a new version (checksum and name identify it)
    v3 = await h.deploy(bpmn(simple(service("task", "v2"))), "renamed.bpmn")
    assert v3["version"] == 3


async def test_keys_are_one_increasing_sequence_from_partition_one(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    await h.start()
    keys = [r["key"] for r in h.records() if r["value_type"] != "VARIABLE"]
    assert min(keys) == (1 << 51) + 1
    created = [
        r["key"]
        for r in h.records()
        if r["intent"] in ("CREATED", "ELEMENT_ACTIVATING") and r["value_type"] != "PROCESS_INSTANCE_CREATION"
    ]
    assert len(created) == len(set(created))
