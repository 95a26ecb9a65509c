"""Escalation events (zeebe-protocol.md §7.8): escalation end and intermediate throw events, caught by boundary
events on sub-processes and call activities and by escalation start events of event sub-processes.

Zeebe: EndEventProcessor / IntermediateThrowEventProcessor (Escalation*EventBehavior),
BpmnEventPublicationBehavior.throwEscalationEvent, CatchEventAnalyzer.findEscalationCatchEvent, EventHandle.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.runtime.conftest import pinned_clock
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, ext, flow, io, service, simple, start

ESCALATIONS = (
    '<bpmn:escalation id="esc_x" name="x" escalationCode="X" />'
    '<bpmn:escalation id="esc_y" name="y" escalationCode="Y" />'
    '<bpmn:escalation id="esc_dyn" name="dynamic" escalationCode="=level" />'
    '<bpmn:escalation id="esc_nocode" name="no code" />'
)


def definition(event_id: str, ref: str | None) -> str:
    attr = f' escalationRef="{ref}"' if ref else ""
    return f'<bpmn:escalationEventDefinition id="{event_id}_def"{attr} />'


def throw(event_id: str, ref: str = "esc_x", inner: str = "") -> str:
    return f'<bpmn:intermediateThrowEvent id="{event_id}">{inner}{definition(event_id, ref)}</bpmn:intermediateThrowEvent>'


def end_escalation(event_id: str, ref: str = "esc_x") -> str:
    return f'<bpmn:endEvent id="{event_id}">{definition(event_id, ref)}</bpmn:endEvent>'


def boundary(
    event_id: str, attached: str, ref: str | None = "esc_x", interrupting: bool = True, inner: str = ""
) -> str:
    cancel = "true" if interrupting else "false"
    return (
        f'<bpmn:boundaryEvent id="{event_id}" attachedToRef="{attached}" cancelActivity="{cancel}">{inner}'
        f"{definition(event_id, ref)}</bpmn:boundaryEvent>"
    )


def handler(esp_id: str, ref: str | None = "esc_x", interrupting: bool = True, job: str = "handle") -> str:
    """An escalation event sub-process: start -> service task `job` -> end."""
    flag = "true" if interrupting else "false"
    return (
        f'<bpmn:subProcess id="{esp_id}" triggeredByEvent="true">'
        f'<bpmn:startEvent id="{esp_id}_start" isInterrupting="{flag}">{definition(esp_id + "_start", ref)}</bpmn:startEvent>'
        + service(f"{esp_id}_task", job)
        + end(f"{esp_id}_end")
        + chain(f"{esp_id}_start", f"{esp_id}_task", f"{esp_id}_end")
        + "</bpmn:subProcess>"
    )


def sub(body: str, sub_id: str = "sub") -> str:
    return f'<bpmn:subProcess id="{sub_id}">{body}</bpmn:subProcess>'


def escalations(h: Harness, pi: int | None = None) -> list[tuple[str, dict[str, Any]]]:
    return [(r["intent"], r["value"]) for r in h.records("ESCALATION", pi=pi)]


def after(trace: list[tuple[str, str]], item: tuple[str, str], count: int) -> list[tuple[str, str]]:
    i = trace.index(item)
    return trace[i : i + count]


# -- uncaught ---------------------------------------------------------------------------------------------------


async def test_an_uncaught_escalation_is_no_incident_the_throw_event_just_continues(h: Harness) -> None:
    await h.deploy(bpmn(simple(throw("up"), service("task")), extra=ESCALATIONS))
    pi = await h.start()
    assert h.incidents(pi) == []
    assert h.active(pi) == ["task"]
    assert escalations(h) == [
        (
            "NOT_ESCALATED",
            {
                "processInstanceKey": pi,
                "escalationCode": "X",
                "throwElementId": "up",
                "catchElementId": "",
                "tenantId": "<default>",
            },
        )
    ]
    trace = h.trace(pi)
    assert after(trace, ("up", "ELEMENT_ACTIVATING"), 5) == [
        ("up", "ELEMENT_ACTIVATING"),
        ("up", "ELEMENT_ACTIVATED"),
        ("up", "ELEMENT_COMPLETING"),
        ("up", "ELEMENT_COMPLETED"),
        ("up_to_task", "SEQUENCE_FLOW_TAKEN"),
    ]
    positions = {
        (r["value_type"], r["intent"], r["value"].get("elementId")): r["position"] for r in h.records(pi=pi)
    }
    escalation = h.records("ESCALATION")[0]["position"]
    assert positions[("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "up")] < escalation
    assert escalation < positions[("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "up")]
    activated = h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
    assert {r["value"]["bpmnEventType"] for r in activated if r["value"]["elementId"] == "up"} == {
        "ESCALATION"
    }


async def test_an_uncaught_escalation_end_event_completes(h: Harness) -> None:
    await h.deploy(bpmn(start() + end_escalation("up") + flow("start", "up"), extra=ESCALATIONS))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED" and h.incidents(pi) == []
    assert h.completed(pi) == ["start", "up", "p"]
    assert [i for i, _ in escalations(h)] == ["NOT_ESCALATED"]


async def test_a_catch_event_of_another_code_or_of_an_escalation_without_code_does_not_catch(
    h: Harness,
) -> None:
    inner = start("s0") + throw("up") + end("e0") + chain("s0", "up", "e0")
    body = (
        start()
        + sub(inner)
        + end()
        + chain("start", "sub", "end")
        + boundary("on_y", "sub", "esc_y")
        + boundary("on_nocode", "sub", "esc_nocode")
        + end("e_y")
        + end("e_nocode")
        + flow("on_y", "e_y")
        + flow("on_nocode", "e_nocode")
    )
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED"
    assert h.completed(pi) == ["start", "s0", "up", "e0", "sub", "end", "p"]
    assert escalations(h)[0][0] == "NOT_ESCALATED" and escalations(h)[0][1]["catchElementId"] == ""


# -- boundary events ------------------------------------------------------------------------------------------


def boundary_process(interrupting: bool, ref: str | None = "esc_x", thrower: str = "throw") -> bytes:
    if thrower == "throw":
        inner = (
            start("s0")
            + throw("up")
            + service("inner", "inner")
            + end("e0")
            + chain("s0", "up", "inner", "e0")
        )
    else:
        inner = start("s0") + end_escalation("up") + chain("s0", "up")
    body = (
        start()
        + sub(inner)
        + service("after", "after")
        + end()
        + chain("start", "sub", "after", "end")
        + boundary("caught", "sub", ref, interrupting, ext(io(outputs=[("=&quot;seen&quot;", "escalation")])))
        + service("handle", "handle")
        + end("handled")
        + chain("caught", "handle", "handled")
    )
    return bpmn(body, extra=ESCALATIONS)


async def test_an_interrupting_boundary_event_terminates_the_sub_process_and_the_thrower(h: Harness) -> None:
    await h.deploy(boundary_process(interrupting=True))
    pi = await h.start()
    assert h.active(pi) == ["handle"]
    assert escalations(h) == [
        (
            "ESCALATED",
            {
                "processInstanceKey": pi,
                "escalationCode": "X",
                "throwElementId": "up",
                "catchElementId": "caught",
                "tenantId": "<default>",
            },
        )
    ]
    trace = h.trace(pi)
    # ESCALATED follows the thrower's ELEMENT_ACTIVATED; then the scope is terminated (with the throw event,
    # which never completes) and the boundary event is activated and completed
    assert after(trace, ("up", "ELEMENT_ACTIVATED"), 10) == [
        ("up", "ELEMENT_ACTIVATED"),
        ("sub", "ELEMENT_TERMINATING"),
        ("up", "ELEMENT_TERMINATING"),
        ("up", "ELEMENT_TERMINATED"),
        ("sub", "ELEMENT_TERMINATED"),
        ("caught", "ELEMENT_ACTIVATING"),
        ("caught", "ELEMENT_ACTIVATED"),
        ("caught", "ELEMENT_COMPLETING"),
        ("caught", "ELEMENT_COMPLETED"),
        ("caught_to_handle", "SEQUENCE_FLOW_TAKEN"),
    ]
    records = h.records(pi=pi)
    escalated = next(i for i, r in enumerate(records) if r["value_type"] == "ESCALATION")
    # EventHandle.activateElement writes PROCESS_EVENT TRIGGERING (in the boundary event's scope, `sub`) before
    # ESCALATED; the boundary event's activation consumes it (TRIGGERED) after `sub` is terminated
    sub_key = next(r["key"] for r in records if r["value"].get("elementId") == "sub")
    assert [(r["intent"], r["value"].get("elementId"), r["value"].get("targetElementId")) for r in records][
        escalated - 1 : escalated + 2
    ] == [("TRIGGERING", None, "caught"), ("ESCALATED", None, None), ("ELEMENT_TERMINATING", "sub", None)]
    assert records[escalated - 1]["value"]["scopeKey"] == sub_key
    assert records[escalated - 2]["intent"] == "ELEMENT_ACTIVATED"
    assert records[escalated - 2]["value"]["elementId"] == "up"
    triggered = next(i for i, r in enumerate(records) if r["intent"] == "TRIGGERED")
    assert records[triggered]["key"] == records[escalated - 1]["key"]
    assert (records[triggered - 1]["value"]["elementId"], records[triggered - 1]["intent"]) == (
        "sub",
        "ELEMENT_TERMINATED",
    )
    assert (records[triggered + 1]["value"]["elementId"], records[triggered + 1]["intent"]) == (
        "caught",
        "ELEMENT_ACTIVATING",
    )
    # escalations have no payload; the catch event's output mapping applies
    assert h.variables(pi) == {"escalation": "seen"}
    await h.complete("handle")
    assert h.state(pi) == "COMPLETED" and "after" not in h.completed(pi)


async def test_a_non_interrupting_boundary_event_lets_the_throw_event_continue(h: Harness) -> None:
    await h.deploy(boundary_process(interrupting=False))
    pi = await h.start()
    assert h.active(pi) == ["handle", "inner", "sub"]
    trace = h.trace(pi)
    # commands in the order written: caught's COMPLETE_ELEMENT, up's COMPLETE_ELEMENT, then handle's and
    # inner's ACTIVATE_ELEMENT (ELEMENT_ACTIVATING is written when the command is processed)
    assert after(trace, ("up", "ELEMENT_ACTIVATED"), 12) == [
        ("up", "ELEMENT_ACTIVATED"),
        ("caught", "ELEMENT_ACTIVATING"),
        ("caught", "ELEMENT_ACTIVATED"),
        ("caught", "ELEMENT_COMPLETING"),
        ("caught", "ELEMENT_COMPLETED"),
        ("caught_to_handle", "SEQUENCE_FLOW_TAKEN"),
        ("up", "ELEMENT_COMPLETING"),
        ("up", "ELEMENT_COMPLETED"),
        ("up_to_inner", "SEQUENCE_FLOW_TAKEN"),
        ("handle", "ELEMENT_ACTIVATING"),
        ("handle", "ELEMENT_ACTIVATED"),
        ("inner", "ELEMENT_ACTIVATING"),
    ]
    records = h.records(pi=pi)
    escalated = next(i for i, r in enumerate(records) if r["value_type"] == "ESCALATION")
    # Zeebe activates a non-interrupting boundary event (ACTIVATING, ACTIVATED) before it writes ESCALATED
    assert [(r["intent"], r["value"].get("elementId")) for r in records[escalated - 2 : escalated]] == [
        ("ELEMENT_ACTIVATING", "caught"),
        ("ELEMENT_ACTIVATED", "caught"),
    ]
    assert escalations(h)[0][0] == "ESCALATED"
    await h.complete("handle")
    await h.complete("inner")
    await h.complete("after")
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"escalation": "seen"}


async def test_a_non_interrupting_catch_lets_an_escalation_end_event_complete(h: Harness) -> None:
    await h.deploy(boundary_process(interrupting=False, thrower="end"))
    pi = await h.start()
    # the end event completed, and with it the sub-process; the boundary path runs in parallel
    assert h.active(pi) == ["after", "handle"]
    assert "up" in h.completed(pi) and "sub" in h.completed(pi)


async def test_an_interrupting_catch_leaves_an_escalation_end_event_to_be_terminated(h: Harness) -> None:
    await h.deploy(boundary_process(interrupting=True, thrower="end"))
    pi = await h.start()
    assert h.active(pi) == ["handle"]
    assert "up" in h.terminated(pi) and "up" not in h.completed(pi)


async def test_a_catch_all_boundary_event_catches_any_code(h: Harness) -> None:
    await h.deploy(boundary_process(interrupting=True, ref=None))
    pi = await h.start()
    assert h.active(pi) == ["handle"]
    assert escalations(h)[0][1]["catchElementId"] == "caught"


async def test_a_code_catches_before_the_catch_all_of_the_same_scope(h: Harness) -> None:
    inner = start("s0") + end_escalation("up", "esc_y") + flow("s0", "up")
    # the catch-all is a boundary event, the code an event sub-process of the same scope: still the code wins
    body = (
        start()
        + sub(inner + handler("on_y", "esc_y", job="by-code"))
        + end()
        + chain("start", "sub", "end")
        + boundary("catch_all", "sub", None)
        + end("e_all")
        + flow("catch_all", "e_all")
    )
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start()
    assert h.active(pi) == ["on_y", "on_y_task", "sub"]
    assert escalations(h)[0][1]["catchElementId"] == "on_y_start"


async def test_the_innermost_scope_catches_first(h: Harness) -> None:
    innermost = start("s1") + end_escalation("up") + flow("s1", "up")
    middle = start("s0") + sub(innermost, "inner") + end("e0") + chain("s0", "inner", "e0")
    middle += (
        boundary("inner_catch_all", "inner", None, interrupting=False)
        + end("e_inner")
        + flow("inner_catch_all", "e_inner")
    )
    body = (
        start()
        + sub(middle, "outer")
        + end()
        + chain("start", "outer", "end")
        + boundary("outer_x", "outer", "esc_x")
        + end("e_outer")
        + flow("outer_x", "e_outer")
    )
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED"
    assert "inner_catch_all" in h.completed(pi) and "outer_x" not in h.completed(pi)
    # nothing caught inside: the search goes outwards
    pi2_body = (
        start()
        + sub(start("s0") + sub(innermost, "inner") + end("e0") + chain("s0", "inner", "e0"), "outer")
        + end()
        + chain("start", "outer", "end")
        + boundary("outer_x", "outer", "esc_x")
        + end("e_outer")
        + flow("outer_x", "e_outer")
    )
    await h.deploy(bpmn(pi2_body, pid="q", extra=ESCALATIONS), "q.bpmn")
    pi2 = await h.start("q")
    assert h.completed(pi2)[-3:] == ["outer_x", "e_outer", "q"]
    assert h.terminated(pi2) == ["up", "inner", "outer"]


# -- event sub-processes -------------------------------------------------------------------------------------


async def test_an_interrupting_escalation_event_sub_process(h: Harness) -> None:
    inner = (
        start("s0") + throw("up") + service("inner", "inner") + end("e0") + chain("s0", "up", "inner", "e0")
    )
    body = start() + sub(inner) + service("other", "other") + '<bpmn:parallelGateway id="fork" />'
    body += end() + end("e_other") + chain("start", "fork") + flow("fork", "sub") + flow("fork", "other")
    body += flow("sub", "end") + flow("other", "e_other") + handler("esp")
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start()
    assert h.active(pi) == ["esp", "esp_task"]  # the process's other children are gone
    assert set(h.terminated(pi)) == {"up", "sub", "other"}
    trace = h.trace(pi)
    # after ESCALATED the process's children are terminated; the event sub-process is activated after them
    assert trace[trace.index(("up", "ELEMENT_ACTIVATED")) + 1][1] == "ELEMENT_TERMINATING"
    assert trace.index(("esp", "ELEMENT_ACTIVATING")) > trace.index(("up", "ELEMENT_TERMINATED"))
    assert escalations(h)[0][1]["catchElementId"] == "esp_start"
    await h.complete("handle")
    assert h.state(pi) == "COMPLETED"


async def test_a_non_interrupting_escalation_event_sub_process(h: Harness) -> None:
    body = start() + throw("up") + service("task") + end() + chain("start", "up", "task", "end")
    body += handler("esp", interrupting=False)
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start()
    assert h.active(pi) == ["esp", "esp_task", "task"]
    trace = h.trace(pi)
    # Zeebe writes ACTIVATE_ELEMENT for the event sub-process before COMPLETE_ELEMENT for the throw event
    order = [
        ("up", "ELEMENT_ACTIVATED"),
        ("esp", "ELEMENT_ACTIVATING"),
        ("esp", "ELEMENT_ACTIVATED"),
        ("up", "ELEMENT_COMPLETING"),
        ("up", "ELEMENT_COMPLETED"),
        ("up_to_task", "SEQUENCE_FLOW_TAKEN"),
    ]
    assert [trace.index(step) for step in order] == sorted(trace.index(step) for step in order)
    records = h.records(pi=pi)
    escalated = next(i for i, r in enumerate(records) if r["value_type"] == "ESCALATION")
    assert records[escalated - 1]["value_type"] == "PROCESS_EVENT"
    assert records[escalated - 1]["intent"] == "TRIGGERING"
    assert (records[escalated - 2]["value"]["elementId"], records[escalated + 1]["value"]["elementId"]) == (
        "up",
        "esp",
    )
    await h.complete("handle")
    await h.complete()
    assert h.state(pi) == "COMPLETED"


# -- call activities ------------------------------------------------------------------------------------------


def child_process(thrower: str) -> bytes:
    if thrower == "end":
        body = (
            start()
            + service("child_task", "child")
            + end_escalation("child_up")
            + chain("start", "child_task", "child_up")
        )
    else:
        body = (
            start()
            + throw("child_up")
            + service("child_task", "child")
            + end()
            + chain("start", "child_up", "child_task", "end")
        )
    return bpmn(body, pid="child", extra=ESCALATIONS)


def caller(interrupting: bool) -> bytes:
    call = (
        '<bpmn:callActivity id="call">'
        + ext('<zeebe:calledElement processId="child" />')
        + "</bpmn:callActivity>"
    )
    body = (
        start()
        + call
        + end()
        + chain("start", "call", "end")
        + boundary("from_child", "call", "esc_x", interrupting)
        + service("handle", "handle")
        + end("handled")
        + chain("from_child", "handle", "handled")
    )
    return bpmn(body, pid="parent", extra=ESCALATIONS)


async def _child_key(h: Harness, parent: int) -> int:
    return next(
        r["key"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["parentProcessInstanceKey"] == parent and r["value"]["bpmnElementType"] == "PROCESS"
    )


async def test_an_escalation_propagates_from_a_called_process_to_its_call_activity(h: Harness) -> None:
    await h.deploy(child_process("end"), "child.bpmn")
    await h.deploy(caller(interrupting=True), "parent.bpmn")
    pi = await h.start("parent")
    child = await _child_key(h, pi)
    await h.complete("child")
    assert escalations(h) == [
        (
            "ESCALATED",
            {
                "processInstanceKey": child,  # the thrower's instance
                "escalationCode": "X",
                "throwElementId": "child_up",
                "catchElementId": "from_child",
                "tenantId": "<default>",
            },
        )
    ]
    assert h.records("ESCALATION")[0]["process_instance_key"] == child
    assert h.state(child) == "TERMINATED"
    assert h.active(pi) == ["handle"]
    assert h.terminated(pi) == ["call"]


async def test_a_non_interrupting_call_activity_boundary_lets_the_called_process_go_on(h: Harness) -> None:
    await h.deploy(child_process("throw"), "child.bpmn")
    await h.deploy(caller(interrupting=False), "parent.bpmn")
    pi = await h.start("parent")
    child = await _child_key(h, pi)
    assert h.active(pi) == ["call", "handle"]
    assert h.active(child) == ["child_task"]
    await h.complete("child")
    await h.complete("handle")
    assert h.state(child) == "COMPLETED" and h.state(pi) == "COMPLETED"


async def test_the_called_process_catches_before_the_call_activity(h: Harness) -> None:
    body = (
        start()
        + throw("child_up")
        + end()
        + chain("start", "child_up", "end")
        + handler("child_esp", None, False, "child-handle")
    )
    await h.deploy(bpmn(body, pid="child", extra=ESCALATIONS), "child.bpmn")
    await h.deploy(caller(interrupting=True), "parent.bpmn")
    pi = await h.start("parent")
    child = await _child_key(h, pi)
    assert escalations(h)[0][1]["catchElementId"] == "child_esp_start"
    assert h.active(pi) == ["call"] and h.active(child) == ["child_esp", "child_esp_task"]


# -- codes, variables, incidents --------------------------------------------------------------------------------


async def test_a_feel_escalation_code_is_evaluated_when_thrown(h: Harness) -> None:
    inner = start("s0") + end_escalation("up", "esc_dyn") + flow("s0", "up")
    body = start() + sub(inner) + end() + chain("start", "sub", "end")
    body += boundary("on_y", "sub", "esc_y") + end("e_y") + flow("on_y", "e_y")
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start(level="Y")
    assert "on_y" in h.completed(pi)
    assert escalations(h)[0][1]["escalationCode"] == "Y"


async def test_a_code_expression_that_fails_is_an_incident_and_resolving_it_throws_again(h: Harness) -> None:
    await h.deploy(bpmn(simple(throw("up", "esc_dyn"), service("task")), extra=ESCALATIONS))
    pi = await h.start()  # `level` is not set: the code is null, not a string
    inc = h.incident(pi)
    assert inc["element_id"] == "up" and inc["error_type"] == "EXTRACT_VALUE_ERROR"
    assert inc["error_message"] == "Expected result of the expression 'level' to be 'STRING', but was 'NULL'."
    assert h.trace(pi, "up") == [("up", "ELEMENT_ACTIVATING")]
    assert escalations(h) == []
    await h.engine.set_variables(pi, {"level": "Z"}, local=False)
    await h.engine.resolve_incident(inc["key"])
    assert h.active(pi) == ["task"]
    assert escalations(h)[0][1]["escalationCode"] == "Z"


async def test_a_code_expression_that_does_not_parse_fails_when_reached_not_at_deployment(h: Harness) -> None:
    broken = '<bpmn:escalation id="esc_bad" name="bad" escalationCode="=a +" />'
    await h.deploy(bpmn(simple(throw("up", "esc_bad")), extra=broken))
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR"
    assert inc["error_message"].startswith("failed to parse expression 'a +': ")


async def test_escalation_throw_events_apply_no_input_mappings_but_output_mappings(h: Harness) -> None:
    mappings = ext(io([("=1", "local_in")], [("=&quot;thrown&quot;", "out")]))
    await h.deploy(bpmn(simple(throw("up", inner=mappings), service("task")), extra=ESCALATIONS))
    pi = await h.start()
    job = await h.job()
    assert job["variables"] == {"out": "thrown"}
    assert [r["value"]["name"] for r in h.records("VARIABLE", pi=pi)] == ["out"]


# -- recovery -------------------------------------------------------------------------------------------------


async def test_escalation_paths_survive_a_restart(tmp_path: Path) -> None:
    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    # waiting inside a non-interrupting escalation event sub-process, and an incident on a throw event
    waiting = start() + throw("up") + service("task") + end() + chain("start", "up", "task", "end")
    waiting += handler("esp", interrupting=False)
    await h.deploy(bpmn(waiting, pid="waiting", extra=ESCALATIONS), "waiting.bpmn")
    failing = start() + sub(start("s0") + end_escalation("up", "esc_dyn") + flow("s0", "up")) + end()
    failing += (
        chain("start", "sub", "end") + boundary("on_z", "sub", None) + service("handle_z", "z") + end("ez")
    )
    failing += chain("on_z", "handle_z", "ez")
    await h.deploy(bpmn(failing, pid="failing", extra=ESCALATIONS), "failing.bpmn")
    pi_waiting = await h.start("waiting")
    pi_failing = await h.start("failing")
    inc = h.incident(pi_failing)
    await engine.stop()

    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    try:
        assert h.active(pi_waiting) == ["esp", "esp_task", "task"]
        await h.complete("handle")
        await h.complete()
        assert h.state(pi_waiting) == "COMPLETED"
        await engine.set_variables(pi_failing, {"level": "Z"}, local=False)
        await engine.resolve_incident(inc["key"])
        assert h.active(pi_failing) == ["handle_z"]
        await h.complete("z")
        assert h.state(pi_failing) == "COMPLETED"
    finally:
        await engine.stop()


async def test_a_boundary_event_on_a_multi_instance_sub_process_catches_for_every_instance(h: Harness) -> None:
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics>"
        + ext('<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />')
        + "</bpmn:multiInstanceLoopCharacteristics>"
    )
    inner = start("s0") + throw("up") + service("inner", "inner") + end("e0") + chain("s0", "up", "inner", "e0")
    mi_sub = f'<bpmn:subProcess id="sub">{loop}{inner}</bpmn:subProcess>'
    body = start() + mi_sub + end() + chain("start", "sub", "end")
    body += boundary("seen", "sub", "esc_x", interrupting=False) + end("e_seen") + flow("seen", "e_seen")
    await h.deploy(bpmn(body, extra=ESCALATIONS))
    pi = await h.start(items=[1, 2])
    assert [v["catchElementId"] for _, v in escalations(h)] == ["seen", "seen"]
    assert h.completed(pi).count("seen") == 2
    flow_scopes = {
        r["value"]["flowScopeKey"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "seen"
    }
    assert flow_scopes == {pi}  # beside the multi-instance body, in the process
    for job in await h.jobs("inner"):
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "COMPLETED"
