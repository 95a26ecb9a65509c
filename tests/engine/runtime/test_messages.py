"""Message correlation: catch events, receive tasks, buffering, ids, start events, boundaries, event
sub-processes (zeebe-protocol.md §3 PublishMessage, §7.6)."""

from __future__ import annotations

import pytest

from engine.runtime.errors import Rejection
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, flow, message, service, simple, start

MSG = message("m", "ping", "=id")
CATCH = '<bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition id="cd" messageRef="m" /></bpmn:intermediateCatchEvent>'


def catch_process() -> bytes:
    return bpmn(simple(CATCH), extra=MSG)


async def test_intermediate_catch_event_correlates_and_takes_the_variables(h: Harness) -> None:
    await h.deploy(catch_process())
    pi = await h.start(id="order-1")
    assert h.active(pi) == ["catch"]
    sub = h.records("PROCESS_MESSAGE_SUBSCRIPTION", "CREATED")[0]["value"]
    assert (sub["messageName"], sub["correlationKey"]) == ("ping", "order-1")
    await h.engine.publish_message("ping", "other", 0, "", {"x": 0})
    assert h.active(pi) == ["catch"]
    await h.engine.publish_message("ping", "order-1", 0, "", {"x": 1})
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"id": "order-1", "x": 1}
    # a message without TTL is correlated and then expires at once
    assert [r["intent"] for r in h.records("MESSAGE")] == ["PUBLISHED", "EXPIRED"] * 2


async def test_numeric_correlation_key_is_converted_to_a_string(h: Harness) -> None:
    await h.deploy(catch_process())
    pi = await h.start(id=42)
    await h.engine.publish_message("ping", "42", 0, "", {})
    assert h.state(pi) == "COMPLETED"


async def test_missing_correlation_key_is_an_extract_value_error(h: Harness) -> None:
    await h.deploy(catch_process())
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR"
    assert inc["error_message"].startswith(
        "Failed to extract the correlation key for 'id': The value must be either a string or a number, but was 'NULL'."
    )
    await h.engine.set_variables(pi, {"id": "late"}, local=False)
    await h.engine.resolve_incident(inc["key"])
    await h.engine.publish_message("ping", "late", 0, "", {})
    assert h.state(pi) == "COMPLETED"


async def test_receive_task(h: Harness) -> None:
    task = '<bpmn:receiveTask id="recv" messageRef="m" />'
    await h.deploy(bpmn(simple(task), extra=MSG))
    pi = await h.start(id="r")
    assert h.active(pi) == ["recv"]
    await h.engine.publish_message("ping", "r", 0, "", {"paid": True})
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["paid"] is True


async def test_buffered_message_correlates_to_a_later_subscription_until_its_ttl(h: Harness) -> None:
    await h.deploy(catch_process())
    await h.engine.publish_message("ping", "k", 10_000, "", {"early": True})
    pi = await h.start(id="k")
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["early"] is True
    # expired messages are gone
    await h.engine.publish_message("ping", "k2", 10_000, "", {})
    await h.clock(10_000)
    assert h.records("MESSAGE", "EXPIRED")[-1]["value"]["correlationKey"] == "k2"
    pi2 = await h.start(id="k2")
    assert h.state(pi2) == "ACTIVE"


async def test_message_id_is_unique_while_buffered(h: Harness) -> None:
    await h.engine.publish_message("ping", "k", 10_000, "id-1", {})
    with pytest.raises(Rejection) as e:
        await h.engine.publish_message("ping", "k", 10_000, "id-1", {})
    assert e.value.rejection_type == "ALREADY_EXISTS"
    assert e.value.reason == (
        "Expected to publish a new message with id 'id-1', but a message with that id was already published"
    )
    await h.engine.publish_message("ping", "other-key", 10_000, "id-1", {})  # another correlation key
    await h.clock(10_000)
    await h.engine.publish_message("ping", "k", 10_000, "id-1", {})  # the first one expired


async def test_a_message_correlates_at_most_once_per_process_id(h: Harness) -> None:
    await h.deploy(catch_process())
    first = await h.start(id="k")
    second = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 10_000, "", {})
    states = sorted([h.state(first), h.state(second)])
    assert states == ["ACTIVE", "COMPLETED"]
    # the buffered message does not go to the other instance of the same process either
    third = await h.start(id="k")
    assert h.state(third) == "ACTIVE"
    # a second message takes the next waiting instance
    await h.engine.publish_message("ping", "k", 0, "", {})
    assert sorted([h.state(first), h.state(second), h.state(third)]).count("COMPLETED") == 2


async def test_one_message_reaches_different_processes(h: Harness) -> None:
    await h.deploy(catch_process())
    await h.deploy(bpmn(simple(CATCH), pid="q", extra=MSG), "q.bpmn")
    p1 = await h.start("p", id="k")
    p2 = await h.start("q", id="k")
    await h.engine.publish_message("ping", "k", 0, "", {})
    assert (h.state(p1), h.state(p2)) == ("COMPLETED", "COMPLETED")


def message_start() -> bytes:
    body = (
        start("start", '<bpmn:messageEventDefinition id="sd" messageRef="go" />')
        + service("task")
        + end()
        + chain("start", "task", "end")
    )
    return bpmn(body, extra=message("go", "go-msg"))


def instances(h: Harness) -> list[int]:
    return [
        r["key"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["bpmnElementType"] == "PROCESS"
    ]


async def test_message_start_event_creates_an_instance_with_the_variables(h: Harness) -> None:
    await h.deploy(message_start())
    await h.engine.publish_message("go-msg", "c1", 0, "", {"amount": 5})
    [pi] = instances(h)
    assert h.variables(pi) == {"amount": 5}
    assert h.trace(pi, "start")[0] == ("start", "ELEMENT_ACTIVATING")


async def test_message_start_event_one_active_instance_per_correlation_key(h: Harness) -> None:
    await h.deploy(message_start())
    await h.engine.publish_message("go-msg", "c1", 60_000, "", {"n": 1})
    await h.engine.publish_message("go-msg", "c1", 60_000, "", {"n": 2})
    assert len(instances(h)) == 1
    await h.engine.publish_message("go-msg", "c2", 0, "", {"n": 3})
    assert len(instances(h)) == 2
    # when the first instance ends, the buffered message for c1 starts the next one (§7.6)
    first = instances(h)[0]
    for job in await h.jobs():
        if job["processInstanceKey"] == first:
            await h.engine.complete_job(job["key"], {})
    assert h.state(first) == "COMPLETED"
    created = instances(h)
    assert len(created) == 3
    assert h.variables(created[-1]) == {"n": 2}


async def test_message_start_event_without_correlation_key_always_starts(h: Harness) -> None:
    await h.deploy(message_start())
    await h.engine.publish_message("go-msg", "", 0, "", {})
    await h.engine.publish_message("go-msg", "", 0, "", {})
    assert len(instances(h)) == 2


def boundary_process(interrupting: bool) -> bytes:
    cancel = "" if interrupting else ' cancelActivity="false"'
    body = (
        start()
        + service("task")
        + end()
        + chain("start", "task", "end")
        + f'<bpmn:boundaryEvent id="on_msg" attachedToRef="task"{cancel}>'
        + '<bpmn:messageEventDefinition id="bd" messageRef="m" /></bpmn:boundaryEvent>'
        + service("side", "side")
        + end("side_end")
        + chain("on_msg", "side", "side_end")
    )
    return bpmn(body, extra=MSG)


async def test_interrupting_message_boundary_terminates_the_task(h: Harness) -> None:
    await h.deploy(boundary_process(True))
    pi = await h.start(id="k")
    job = await h.job()
    await h.engine.publish_message("ping", "k", 0, "", {"why": "cancel"})
    assert h.active(pi) == ["side"]
    assert h.terminated(pi) == ["task"]
    assert [r["intent"] for r in h.records("JOB")] == ["CREATED", "CANCELED", "CREATED"]
    with pytest.raises(Rejection):
        await h.engine.complete_job(job["key"], {})
    assert h.variables(pi)["why"] == "cancel"


async def test_non_interrupting_message_boundary_keeps_the_task_and_its_subscription(h: Harness) -> None:
    await h.deploy(boundary_process(False))
    pi = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 0, "", {})
    await h.engine.publish_message("ping", "k", 0, "", {})
    assert h.active(pi) == ["side", "side", "task"]
    await h.complete("work")
    assert h.records("PROCESS_MESSAGE_SUBSCRIPTION")[-1]["intent"] == "DELETED"
    for job in await h.jobs("side"):
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "COMPLETED"


async def test_interrupting_message_event_sub_process(h: Harness) -> None:
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", '<bpmn:messageEventDefinition id="ed" messageRef="m" />')
        + end("esp_end")
        + flow("esp_start", "esp_end")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(service("task")) + esp, extra=MSG))
    pi = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 0, "", {"stopped": True})
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]
    assert h.completed(pi)[-4:] == ["esp_start", "esp_end", "esp", "p"]
    assert h.variables(pi)["stopped"] is True
    assert h.records("JOB")[-1]["intent"] == "CANCELED"


async def test_a_started_message_correlates_the_event_sub_processes_on_its_variables(h: Harness) -> None:
    # Zeebe puts the start message's variables in the process scope before the process's event sub-processes
    # subscribe (camunda/camunda#4099): a withdrawal can correlate on the id the request brought
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", '<bpmn:messageEventDefinition id="ed" messageRef="m" />')
        + end("esp_end")
        + flow("esp_start", "esp_end")
        + "</bpmn:subProcess>"
    )
    body = (
        start("start", '<bpmn:messageEventDefinition id="sd" messageRef="go" />')
        + service("task")
        + end()
        + chain("start", "task", "end")
        + esp
    )
    await h.deploy(bpmn(body, extra=message("go", "go-msg") + MSG))
    await h.engine.publish_message("go-msg", "", 0, "", {"id": "REQ-1"})
    [pi] = instances(h)
    assert h.incidents(pi) == []  # the subscription found its correlation key
    await h.engine.publish_message("ping", "REQ-1", 0, "", {"withdrawn": True})
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]
    assert h.variables(pi) == {"id": "REQ-1", "withdrawn": True}
