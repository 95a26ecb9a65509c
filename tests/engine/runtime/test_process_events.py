"""PROCESS_EVENT TRIGGERING / TRIGGERED: where Zeebe 8.8 records an event trigger and where it is consumed
(EventHandle.activateElement, EventTriggerBehavior, BpmnVariableMappingBehavior.applyOutputMappings,
JobCompleteProcessor, ProcessInstanceElementActivatingApplier)."""

from __future__ import annotations

from typing import Any

from tests.engine.runtime.helpers import (
    Harness,
    bpmn,
    chain,
    end,
    flow,
    message,
    service,
    simple,
    start,
    timer,
)

MSG = message("m", "ping", "=id")


def flow_of(h: Harness, pi: int, since: tuple[str, str, str] | None = None) -> list[tuple[str, str, str]]:
    """(valueType, intent, elementId / targetElementId / variable name) of the instance's records, from `since`."""
    out = []
    for r in h.records(pi=pi):
        value = r["value"]
        name = value.get("elementId") or value.get("targetElementId") or value.get("name") or ""
        out.append((r["value_type"], r["intent"], name))
    return out[out.index(since) :] if since is not None else out


def process_events(h: Harness, pi: int) -> list[dict[str, Any]]:
    return [{"key": r["key"], "intent": r["intent"], **r["value"]} for r in h.records("PROCESS_EVENT", pi=pi)]


def key_of(h: Harness, pi: int, element_id: str) -> int:
    return next(r["key"] for r in h.records("PROCESS_INSTANCE", pi=pi) if r["value"]["elementId"] == element_id)


async def test_a_completed_job_is_an_event_trigger_consumed_by_the_output_mappings(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pi = await h.start()
    await h.complete("work", result=7)
    task = key_of(h, pi, "task")
    assert flow_of(h, pi, ("JOB", "COMPLETED", "task"))[:7] == [
        ("JOB", "COMPLETED", "task"),
        ("PROCESS_EVENT", "TRIGGERING", "task"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "task"),
        ("PROCESS_EVENT", "TRIGGERED", "task"),
        ("VARIABLE", "CREATED", "result"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "task"),
        ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", "task_to_end"),
    ]
    triggering, triggered = process_events(h, pi)
    d = h.records("PROCESS_INSTANCE", pi=pi)[0]["value"]["processDefinitionKey"]
    assert triggering == {
        "key": triggering["key"],
        "intent": "TRIGGERING",
        "scopeKey": task,
        "targetElementId": "task",
        "variables": {"result": 7},
        "processDefinitionKey": d,
        "processInstanceKey": pi,
        "tenantId": "<default>",
    }
    assert triggered == {**triggering, "intent": "TRIGGERED", "variables": {}}
    assert h.variables(pi) == {"result": 7}


async def test_an_interrupting_boundary_timer_consumes_its_trigger_after_the_activity_terminated(h: Harness) -> None:
    body = (
        simple(service("task"))
        + f'<bpmn:boundaryEvent id="late" attachedToRef="task">{timer("timeDuration", "PT30S")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    task = key_of(h, pi, "task")
    await h.clock(30_000)
    assert flow_of(h, pi, ("TIMER", "TRIGGERED", "late"))[:10] == [
        ("TIMER", "TRIGGERED", "late"),
        ("PROCESS_EVENT", "TRIGGERING", "late"),
        ("PROCESS_INSTANCE", "ELEMENT_TERMINATING", "task"),
        ("JOB", "CANCELED", "task"),
        ("PROCESS_INSTANCE", "ELEMENT_TERMINATED", "task"),
        ("PROCESS_EVENT", "TRIGGERED", "late"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "late"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "late"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "late"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "late"),
    ]
    triggering, triggered = process_events(h, pi)
    # the event scope is the activity the boundary event is attached to
    assert (triggering["scopeKey"], triggering["variables"]) == (task, {})
    assert (triggered["key"], triggered["scopeKey"], triggered["targetElementId"]) == (triggering["key"], task, "late")
    assert h.state(pi) == "COMPLETED"


async def test_a_non_interrupting_boundary_message_is_triggered_and_activated_at_once(h: Harness) -> None:
    body = (
        simple(service("task"))
        + '<bpmn:boundaryEvent id="nudge" attachedToRef="task" cancelActivity="false">'
        + '<bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:boundaryEvent>'
        + end("nudge_end")
        + flow("nudge", "nudge_end")
    )
    await h.deploy(bpmn(body, extra=MSG))
    pi = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 0, "", {"note": "hurry"})
    # the message's variables become local variables of the boundary event (activateTriggeredEvent), which
    # merges them into its flow scope when it completes
    assert flow_of(h, pi, ("PROCESS_EVENT", "TRIGGERING", "nudge"))[:8] == [
        ("PROCESS_EVENT", "TRIGGERING", "nudge"),
        ("PROCESS_EVENT", "TRIGGERED", "nudge"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "nudge"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "nudge"),
        ("VARIABLE", "CREATED", "note"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "nudge"),
        ("VARIABLE", "CREATED", "note"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "nudge"),
    ]
    nudge = key_of(h, pi, "nudge")
    assert [r["value"]["scopeKey"] for r in h.records("VARIABLE", pi=pi) if r["value"]["name"] == "note"] == [
        nudge,
        pi,
    ]
    triggering = process_events(h, pi)[0]
    assert (triggering["scopeKey"], triggering["variables"]) == (key_of(h, pi, "task"), {"note": "hurry"})
    assert h.active(pi) == ["task"]
    assert h.variables(pi) == {"id": "k", "note": "hurry"}


async def test_an_event_sub_process_start_event_takes_over_the_trigger_of_its_scope(h: Harness) -> None:
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
    since = ("PROCESS_EVENT", "TRIGGERING", "esp_start")
    assert [step for step in flow_of(h, pi, since) if step[0] != "JOB"][:11] == [
        ("PROCESS_EVENT", "TRIGGERING", "esp_start"),
        ("PROCESS_INSTANCE", "ELEMENT_TERMINATING", "task"),
        ("PROCESS_INSTANCE", "ELEMENT_TERMINATED", "task"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "esp"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "esp"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "esp_start"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "esp_start"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "esp_start"),
        ("PROCESS_EVENT", "TRIGGERED", "esp_start"),
        ("VARIABLE", "CREATED", "stopped"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "esp_start"),
    ]
    triggering, triggered = process_events(h, pi)
    assert (triggering["scopeKey"], triggering["variables"]) == (pi, {"stopped": True})
    # the start event's instance is the new event scope (ProcessInstanceElementActivatingApplier)
    assert (triggered["key"], triggered["scopeKey"]) == (triggering["key"], key_of(h, pi, "esp_start"))
    assert h.variables(pi) == {"id": "k", "stopped": True}


async def test_a_timer_event_sub_process_records_its_trigger_too(h: Harness) -> None:
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", timer("timeDuration", "PT1M"))
        + end("esp_end")
        + flow("esp_start", "esp_end")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(service("task")) + esp))
    pi = await h.start()
    await h.clock(60_000)
    assert [(e["intent"], e["targetElementId"], e["variables"]) for e in process_events(h, pi)] == [
        ("TRIGGERING", "esp_start", {}),
        ("TRIGGERED", "esp_start", {}),
    ]
    assert flow_of(h, pi)[-3:] == [
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "esp"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "p"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "p"),
    ]


async def test_an_event_based_gateway_continues_at_the_triggered_event_without_taking_its_flow(
    h: Harness,
) -> None:
    body = (
        start()
        + '<bpmn:eventBasedGateway id="gw" />'
        + '<bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:intermediateCatchEvent>'
        + f'<bpmn:intermediateCatchEvent id="tmr">{timer("timeDuration", "PT10S")}</bpmn:intermediateCatchEvent>'
        + end("end_msg")
        + end("end_tmr")
        + chain("start", "gw")
        + flow("gw", "msg")
        + flow("gw", "tmr")
        + flow("msg", "end_msg")
        + flow("tmr", "end_tmr")
    )
    await h.deploy(bpmn(body, extra=MSG))
    pi = await h.start(id="k")
    gw = key_of(h, pi, "gw")
    await h.engine.publish_message("ping", "k", 0, "", {"got": 1})
    steps = [s for s in flow_of(h, pi, ("PROCESS_EVENT", "TRIGGERING", "msg")) if s[0] != "TIMER"]
    assert steps[:10] == [
        ("PROCESS_EVENT", "TRIGGERING", "msg"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "gw"),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "gw"),
        ("PROCESS_EVENT", "TRIGGERED", "msg"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "msg"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "msg"),
        ("VARIABLE", "CREATED", "got"),  # local to the catch event
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "msg"),
        ("VARIABLE", "CREATED", "got"),  # merged into the process (isConnectedToEventBasedGateway)
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "msg"),
    ]
    assert ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", "gw_to_msg") not in flow_of(h, pi)
    triggering, triggered = process_events(h, pi)
    assert (triggering["scopeKey"], triggered["scopeKey"]) == (gw, gw)
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"id": "k", "got": 1}


async def test_a_message_catch_event_consumes_its_trigger_when_it_completes(h: Harness) -> None:
    catch = (
        '<bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition id="cd" messageRef="m" />'
        "</bpmn:intermediateCatchEvent>"
    )
    await h.deploy(bpmn(simple(catch), extra=MSG))
    pi = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 0, "", {"x": 1})
    catch_key = key_of(h, pi, "catch")
    events = [(e["intent"], e["scopeKey"], e["targetElementId"], e["variables"]) for e in process_events(h, pi)]
    assert events == [("TRIGGERING", catch_key, "catch", {"x": 1}), ("TRIGGERED", catch_key, "catch", {})]
    steps = flow_of(h, pi, ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "catch"))
    assert steps[:3] == [
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "catch"),
        ("PROCESS_EVENT", "TRIGGERED", "catch"),
        ("VARIABLE", "CREATED", "x"),
    ]


def instance_keys(h: Harness) -> list[int]:
    return [
        r["key"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATING")
        if r["value"]["bpmnElementType"] == "PROCESS"
    ]


async def test_a_timer_start_event_triggers_in_the_scope_of_the_process_definition(h: Harness) -> None:
    """EventHandle.activateProcessInstanceForStartEvent: TRIGGERING (scope: the process definition) before the
    instance activates; activateTriggeredStartEvent consumes it before the start event is activated."""
    body = start("start", timer("timeDuration", "PT1M")) + end() + flow("start", "end")
    deployed = await h.deploy(bpmn(body))
    await h.clock(60_000)
    [pi] = instance_keys(h)
    assert flow_of(h, pi)[:5] == [
        ("PROCESS_EVENT", "TRIGGERING", "start"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "p"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "p"),
        ("PROCESS_EVENT", "TRIGGERED", "start"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "start"),
    ]
    triggering, triggered = process_events(h, pi)
    definition = deployed["processDefinitionKey"]
    assert (triggering["scopeKey"], triggering["processInstanceKey"], triggering["variables"]) == (definition, pi, {})
    assert (triggered["key"], triggered["scopeKey"]) == (triggering["key"], definition)
    assert triggering["key"] > pi  # the instance's key is taken first


async def test_a_message_start_event_carries_the_message_variables_in_its_trigger(h: Harness) -> None:
    body = start("start", '<bpmn:messageEventDefinition id="sd" messageRef="go" />') + end() + flow("start", "end")
    await h.deploy(bpmn(body, extra=message("go", "go-msg")))
    await h.engine.publish_message("go-msg", "", 0, "", {"id": "REQ-1"})
    [pi] = instance_keys(h)
    assert [(e["intent"], e["targetElementId"], e["variables"]) for e in process_events(h, pi)] == [
        ("TRIGGERING", "start", {"id": "REQ-1"}),
        ("TRIGGERED", "start", {}),
    ]
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"id": "REQ-1"}
