"""Compensation: compensation boundary events with handler activities (isForCompensation), compensation
intermediate throw and end events (with and without activityRef), compensation thrown from event
sub-processes; the COMPENSATION_SUBSCRIPTION records (Zeebe's BpmnCompensationSubscriptionBehaviour, the
Compensation behaviours of IntermediateThrowEventProcessor and EndEventProcessor)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.runtime.conftest import pinned_clock
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, error, ext, flow, io, service, start


def handler(handler_id: str, job_type: str, inner: str = "") -> str:
    definition = ext(f'<zeebe:taskDefinition type="{job_type}" />')
    return (
        f'<bpmn:serviceTask id="{handler_id}" isForCompensation="true">{definition}{inner}</bpmn:serviceTask>'
    )


def compensable(activity: str, undo: str, undo_job: str) -> str:
    """A compensation boundary event on `activity`, associated with the handler `undo`."""
    return (
        f'<bpmn:boundaryEvent id="{activity}_comp" attachedToRef="{activity}">'
        f'<bpmn:compensateEventDefinition id="{activity}_comp_def" /></bpmn:boundaryEvent>'
        f'<bpmn:association id="{activity}_assoc" associationDirection="One" sourceRef="{activity}_comp" '
        f'targetRef="{undo}" />' + handler(undo, undo_job)
    )


def throw(event_id: str, activity_ref: str | None = None, inner: str = "") -> str:
    ref = f' activityRef="{activity_ref}"' if activity_ref else ""
    return (
        f'<bpmn:intermediateThrowEvent id="{event_id}">{inner}'
        f'<bpmn:compensateEventDefinition id="{event_id}_def"{ref} /></bpmn:intermediateThrowEvent>'
    )


def end_compensation(event_id: str, activity_ref: str | None = None) -> str:
    ref = f' activityRef="{activity_ref}"' if activity_ref else ""
    return f'<bpmn:endEvent id="{event_id}"><bpmn:compensateEventDefinition id="{event_id}_def"{ref} /></bpmn:endEvent>'


def subs(h: Harness, pi: int) -> list[tuple[str, str, int]]:
    """(intent, compensable activity, handler instance key) of the COMPENSATION_SUBSCRIPTION records."""
    return [
        (r["intent"], r["value"]["compensableActivityId"], r["value"]["compensationHandlerInstanceKey"])
        for r in h.records("COMPENSATION_SUBSCRIPTION", pi=pi)
    ]


def key_of(h: Harness, pi: int, element_id: str) -> int:
    return next(
        int(r["key"])
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", pi=pi)
        if r["value"]["elementId"] == element_id
    )


SIMPLE = bpmn(
    start()
    + service("A", "a")
    + throw("compensate")
    + service("after", "after")
    + end()
    + chain("start", "A", "compensate", "after", "end")
    + compensable("A", "undoA", "undo-a")
)


async def test_the_throw_event_invokes_the_handler_and_waits_for_it(h: Harness) -> None:
    await h.deploy(SIMPLE)
    pi = await h.start()
    await h.complete("a")
    assert h.active(pi) == ["compensate", "undoA"]
    handler_key = key_of(h, pi, "undoA")
    assert subs(h, pi) == [("CREATED", "A", -1), ("TRIGGERED", "A", handler_key)]
    trace = h.trace(pi)
    # the subscription is created while A completes; the boundary event passes when the handler is invoked
    records = [(r["value_type"], r["intent"], r["value"].get("elementId")) for r in h.records(pi=pi)]
    created = records.index(("COMPENSATION_SUBSCRIPTION", "CREATED", None))
    # the output mappings consume the job's event trigger (PROCESS_EVENT TRIGGERED) before the subscription
    assert records[created - 2 : created + 2] == [
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETING", "A"),
        ("PROCESS_EVENT", "TRIGGERED", None),
        ("COMPENSATION_SUBSCRIPTION", "CREATED", None),
        ("PROCESS_INSTANCE", "ELEMENT_COMPLETED", "A"),
    ]
    assert trace[trace.index(("compensate", "ELEMENT_ACTIVATED")) :][:6] == [
        ("compensate", "ELEMENT_ACTIVATED"),
        ("A_comp", "ELEMENT_ACTIVATING"),
        ("A_comp", "ELEMENT_ACTIVATED"),
        ("A_comp", "ELEMENT_COMPLETING"),
        ("A_comp", "ELEMENT_COMPLETED"),
        ("undoA", "ELEMENT_ACTIVATING"),
    ]
    triggered = records.index(("COMPENSATION_SUBSCRIPTION", "TRIGGERED", None))
    assert records[triggered - 1][1:] == ("ELEMENT_COMPLETED", "A_comp")
    assert records[triggered + 1][1:] == ("ELEMENT_ACTIVATING", "undoA")
    events = {
        r["value"]["elementId"]: (r["value"]["bpmnEventType"], r["value"]["flowScopeKey"])
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
    }
    assert events["undoA"] == ("COMPENSATION", pi) and events["A_comp"] == ("COMPENSATION", pi)
    assert events["compensate"][0] == "COMPENSATION"
    # the throw event completes with the handler
    await h.complete("undo-a")
    assert subs(h, pi)[-1] == ("COMPLETED", "A", handler_key)
    assert h.active(pi) == ["after"]
    trace = h.trace(pi)
    assert trace[trace.index(("compensate", "ELEMENT_COMPLETING")) :][:4] == [
        ("compensate", "ELEMENT_COMPLETING"),
        ("compensate", "ELEMENT_COMPLETED"),
        ("compensate_to_after", "SEQUENCE_FLOW_TAKEN"),
        ("after", "ELEMENT_ACTIVATING"),
    ]
    value = h.records("COMPENSATION_SUBSCRIPTION", "COMPLETED", pi=pi)[0]["value"]
    assert value == {
        "tenantId": "<default>",
        "processInstanceKey": pi,
        "processDefinitionKey": value["processDefinitionKey"],
        "compensableActivityId": "A",
        "throwEventId": "compensate",
        "throwEventInstanceKey": key_of(h, pi, "compensate"),
        "compensationHandlerId": "undoA",
        "compensationHandlerInstanceKey": handler_key,
        "compensableActivityScopeKey": pi,
        "compensableActivityInstanceKey": key_of(h, pi, "A"),
        "variables": {},
    }
    await h.complete("after")
    assert h.state(pi) == "COMPLETED"


async def test_nothing_to_compensate_the_throw_event_passes(h: Harness) -> None:
    # the throw event before the compensable activity: no subscription yet
    body = start() + throw("early") + service("A", "a") + end() + chain("start", "early", "A", "end")
    await h.deploy(bpmn(body + compensable("A", "undoA", "undo-a")))
    pi = await h.start()
    assert h.active(pi) == ["A"]
    assert "early" in h.completed(pi)
    await h.complete("a")
    # a subscription the process never triggered is deleted when it completes, after PROCESS COMPLETING
    assert subs(h, pi) == [("CREATED", "A", -1), ("DELETED", "A", -1)]
    records = [(r["value_type"], r["intent"], r["value"].get("elementId")) for r in h.records(pi=pi)]
    deleted = records.index(("COMPENSATION_SUBSCRIPTION", "DELETED", None))
    assert records[deleted - 1][1:] == ("ELEMENT_COMPLETING", "p")


async def test_only_completed_activities_are_compensated(h: Harness) -> None:
    # B (compensable) is still active when the compensation is thrown on a parallel path
    body = (
        start()
        + '<bpmn:parallelGateway id="fork" />'
        + service("A", "a")
        + service("B", "b")
        + throw("compensate")
        + end("e1")
        + end("e2")
        + flow("start", "fork")
        + flow("fork", "A")
        + flow("fork", "B")
        + flow("A", "compensate")
        + flow("compensate", "e1")
        + flow("B", "e2")
        + compensable("A", "undoA", "undo-a")
        + compensable("B", "undoB", "undo-b")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("a")
    assert h.active(pi) == ["B", "compensate", "undoA"]
    await h.complete("undo-a")
    await h.complete("b")
    assert h.state(pi) == "COMPLETED"
    assert "undoB" not in h.completed(pi)


async def test_an_activity_ref_compensates_only_that_activity(h: Harness) -> None:
    body = (
        start()
        + service("A", "a")
        + service("B", "b")
        + throw("undo_b_only", "B")
        + end()
        + chain("start", "A", "B", "undo_b_only", "end")
        + compensable("A", "undoA", "undo-a")
        + compensable("B", "undoB", "undo-b")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("a")
    await h.complete("b")
    assert h.active(pi) == ["undoB", "undo_b_only"]
    await h.complete("undo-b")
    assert h.state(pi) == "COMPLETED"
    assert subs(h, pi) == [
        ("CREATED", "A", -1),
        ("CREATED", "B", -1),
        ("TRIGGERED", "B", key_of(h, pi, "undoB")),
        ("COMPLETED", "B", key_of(h, pi, "undoB")),
        ("DELETED", "A", -1),
    ]


async def test_an_activity_completed_twice_is_compensated_twice(h: Harness) -> None:
    body = (
        start()
        + '<bpmn:exclusiveGateway id="join" />'
        + service("A", "a")
        + '<bpmn:exclusiveGateway id="again" default="done" />'
        + end_compensation("compensate")
        + flow("start", "join")
        + flow("join", "A")
        + flow("A", "again")
        + flow("again", "join", "loop", "=count &lt; 2")
        + flow("again", "compensate", "done")
        + compensable("A", "undoA", "undo-a")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(count=0)
    await h.complete("a", count=1)
    await h.complete("a", count=2)
    undo = await h.jobs("undo-a")
    assert len(undo) == 2
    for job in undo:
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "COMPLETED"
    assert h.completed(pi)[-2:] == ["compensate", "p"]


async def test_completed_embedded_sub_processes_are_compensated_top_down(h: Harness) -> None:
    inner = (
        start("s0")
        + service("X", "x")
        + end("e0")
        + chain("s0", "X", "e0")
        + compensable("X", "undoX", "undo-x")
    )
    body = (
        start()
        + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>'
        + end_compensation("compensate")
        + chain("start", "sub", "compensate")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("x")
    sub_key = key_of(h, pi, "sub")
    undo_key = key_of(h, pi, "undoX")
    # X's subscription (in the sub-process) and the sub-process's own one (no handler), triggered from the top
    assert subs(h, pi) == [
        ("CREATED", "X", -1),
        ("CREATED", "sub", -1),
        ("TRIGGERED", "sub", -1),
        ("TRIGGERED", "X", undo_key),
    ]
    values = {
        r["value"]["compensableActivityId"]: r["value"]
        for r in h.records("COMPENSATION_SUBSCRIPTION", "CREATED", pi=pi)
    }
    assert (
        values["X"]["compensableActivityScopeKey"] == sub_key
        and values["sub"]["compensableActivityScopeKey"] == pi
    )
    assert values["sub"]["compensationHandlerId"] == ""
    # the handler runs in the throw event's scope (the sub-process is gone)
    handler = next(
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "undoX"
    )
    assert handler["value"]["flowScopeKey"] == pi
    await h.complete("undo-x")
    assert subs(h, pi)[-2:] == [("COMPLETED", "X", undo_key), ("COMPLETED", "sub", -1)]
    assert h.state(pi) == "COMPLETED"


async def test_a_throw_event_inside_a_sub_process_compensates_only_inside_it(h: Harness) -> None:
    inner = (
        start("s0")
        + service("X", "x")
        + throw("compensate_inner")
        + end("e0")
        + chain("s0", "X", "compensate_inner", "e0")
        + compensable("X", "undoX", "undo-x")
    )
    body = (
        start()
        + service("A", "a")
        + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>'
        + end()
        + chain("start", "A", "sub", "end")
        + compensable("A", "undoA", "undo-a")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("a")
    await h.complete("x")
    assert h.active(pi) == ["compensate_inner", "sub", "undoX"]
    handler = next(
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "undoX"
    )
    assert handler["value"]["flowScopeKey"] == key_of(h, pi, "sub")
    await h.complete("undo-x")
    assert h.state(pi) == "COMPLETED"
    assert "undoA" not in h.completed(pi)


async def test_a_multi_instance_activity_is_compensated_once(h: Harness) -> None:
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics>"
        + ext('<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" />')
        + "</bpmn:multiInstanceLoopCharacteristics>"
    )
    body = (
        start()
        + service("A", "a", inner=loop)
        + end_compensation("compensate")
        + chain("start", "A", "compensate")
        + compensable("A", "undoA", "undo-a")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(items=[1, 2, 3])
    for job in await h.jobs("a"):
        await h.engine.complete_job(job["key"], {})
    assert [s for s in subs(h, pi) if s[0] == "CREATED"] == [("CREATED", "A", -1)]
    created = h.records("COMPENSATION_SUBSCRIPTION", "CREATED", pi=pi)[0]["value"]
    body_key = next(
        r["key"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["bpmnElementType"] == "MULTI_INSTANCE_BODY"
    )
    assert created["compensableActivityInstanceKey"] == body_key
    assert len(await h.jobs("undo-a")) == 1


async def test_compensation_thrown_in_an_event_sub_process_reaches_the_scope_around_it(h: Harness) -> None:
    esp = (
        '<bpmn:subProcess id="on_error" triggeredByEvent="true">'
        + start("err_start", '<bpmn:errorEventDefinition id="err_def" errorRef="err" />')
        + throw("compensate_a", "A")
        + end("handled")
        + chain("err_start", "compensate_a", "handled")
        + "</bpmn:subProcess>"
    )
    body = (
        start()
        + service("A", "a")
        + service("B", "b")
        + end()
        + chain("start", "A", "B", "end")
        + compensable("A", "undoA", "undo-a")
        + esp
    )
    await h.deploy(bpmn(body, extra=error("err", "FAIL")))
    pi = await h.start()
    await h.complete("a")
    await h.engine.throw_error((await h.job("b"))["key"], "FAIL", "", {})
    assert h.active(pi) == ["compensate_a", "on_error", "undoA"]
    handler = next(
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "undoA"
    )
    assert handler["value"]["flowScopeKey"] == key_of(h, pi, "on_error")
    await h.complete("undo-a")
    assert h.state(pi) == "COMPLETED"


async def test_a_terminated_sub_process_drops_its_subscriptions(h: Harness) -> None:
    inner = (
        start("s0")
        + service("X", "x")
        + service("Y", "y")
        + end("e0")
        + chain("s0", "X", "Y", "e0")
        + compensable("X", "undoX", "undo-x")
    )
    body = (
        start()
        + f'<bpmn:subProcess id="sub">{inner}</bpmn:subProcess>'
        + end_compensation("compensate")
        + chain("start", "sub", "compensate")
        + '<bpmn:boundaryEvent id="cancel" attachedToRef="sub"><bpmn:errorEventDefinition id="cd" /></bpmn:boundaryEvent>'
        + end_compensation("compensate_after_cancel")
        + flow("cancel", "compensate_after_cancel")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("x")
    await h.engine.throw_error((await h.job("y"))["key"], "ANY", "", {})
    # X's subscription went with the sub-process: nothing left to compensate
    assert subs(h, pi) == [("CREATED", "X", -1), ("DELETED", "X", -1)]
    records = [(r["value_type"], r["intent"], r["value"].get("elementId")) for r in h.records(pi=pi)]
    deleted = records.index(("COMPENSATION_SUBSCRIPTION", "DELETED", None))
    assert records[deleted - 1][1:] == ("ELEMENT_TERMINATING", "sub")
    assert h.state(pi) == "COMPLETED"
    assert "undoX" not in h.completed(pi)


async def test_compensation_events_apply_no_variable_mappings_the_handler_sees_the_scope(h: Harness) -> None:
    mappings = ext(io([("=1", "local_in")], [("=2", "mapped_out")]))
    body = (
        start()
        + service("A", "a")
        + throw("compensate", inner=mappings)
        + end()
        + chain("start", "A", "compensate", "end")
        + compensable("A", "undoA", "undo-a")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(order=7)
    await h.complete("a", booked=True)
    job = await h.job("undo-a")
    assert job["variables"] == {"order": 7, "booked": True}
    await h.engine.complete_job(job["key"], {"undone": True})
    assert h.variables(pi) == {"order": 7, "booked": True, "undone": True}


# -- recovery -------------------------------------------------------------------------------------------------


async def test_subscriptions_and_waiting_handlers_survive_a_restart(tmp_path: Path) -> None:
    async def restart(engine: Engine) -> tuple[Engine, Harness]:
        await engine.stop()
        engine = Engine(Store(database_url(tmp_path)), pinned_clock())
        await engine.start()
        return engine, Harness(engine)

    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    body = (
        start()
        + service("A", "a")
        + service("B", "b")
        + throw("compensate")
        + end()
        + chain("start", "A", "B", "compensate", "end")
        + compensable("A", "undoA", "undo-a")
        + compensable("B", "undoB", "undo-b")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("a")
    engine, h = await restart(engine)  # a subscription, not yet triggered
    try:
        await h.complete("b")
        assert h.active(pi) == ["compensate", "undoA", "undoB"]
        await h.complete("undo-a")
        engine, h = await restart(engine)  # one handler done, one waiting
        assert h.active(pi) == ["compensate", "undoB"]
        activated: list[dict[str, Any]] = h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        assert {r["value"]["bpmnEventType"] for r in activated if r["value"]["elementId"] == "undoB"} == {
            "COMPENSATION"
        }
        await h.complete("undo-b")
        assert h.state(pi) == "COMPLETED"
        assert [s[:2] for s in subs(h, pi)] == [
            ("CREATED", "A"),
            ("CREATED", "B"),
            ("TRIGGERED", "A"),
            ("TRIGGERED", "B"),
            ("COMPLETED", "A"),
            ("COMPLETED", "B"),
        ]
    finally:
        await engine.stop()
