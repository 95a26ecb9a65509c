"""Gateways: exclusive, parallel, inclusive and event-based (zeebe-protocol.md §7.5)."""

from __future__ import annotations

import pytest

from tests.engine.runtime.helpers import (
    Harness,
    bpmn,
    end,
    flow,
    message,
    service,
    start,
    timer,
)


def exclusive(default: bool = True, cond_a: str = "=x &gt; 10") -> bytes:
    dflt = ' default="to_c"' if default else ""
    body = (
        start()
        + f'<bpmn:exclusiveGateway id="gw"{dflt} />'
        + service("a", "a")
        + service("b", "b")
        + service("c", "c")
        + end()
        + flow("start", "gw")
        + flow("gw", "a", "to_a", cond_a)
        + flow("gw", "b", "to_b", "=x &gt; 5")
        + (flow("gw", "c", "to_c") if default else "")
        + flow("a", "end", "a_end")
        + flow("b", "end", "b_end")
        + (flow("c", "end", "c_end") if default else "")
    )
    return bpmn(body)


@pytest.mark.parametrize(("x", "task"), [(20, "a"), (7, "b"), (1, "c")])
async def test_exclusive_gateway_takes_the_first_true_condition_else_the_default(
    h: Harness, x: int, task: str
) -> None:
    await h.deploy(exclusive())
    pi = await h.start(x=x)
    assert h.active(pi) == [task]
    taken = [e for e, i in h.trace(pi) if i == "SEQUENCE_FLOW_TAKEN"]
    assert taken == ["start_to_gw", f"to_{task}"]


async def test_exclusive_gateway_without_a_match_is_a_condition_error_until_fixed(h: Harness) -> None:
    await h.deploy(exclusive(default=False))
    pi = await h.start(x=1)
    inc = h.incident(pi)
    assert inc["error_type"] == "CONDITION_ERROR" and inc["element_id"] == "gw"
    assert (
        inc["error_message"]
        == "Expected at least one condition to evaluate to true, or to have a default flow"
    )
    assert h.live(pi, "gw").state == "ACTIVATING"
    await h.engine.set_variables(pi, {"x": 6}, local=False)
    await h.engine.resolve_incident(inc["key"])
    assert h.active(pi) == ["b"]
    assert h.incidents(pi) == [] and len(h.incidents(pi, "RESOLVED")) == 1


@pytest.mark.parametrize(("x", "kind"), [(3, "NUMBER"), (None, "NULL"), ("s", "STRING")])
async def test_non_boolean_condition_is_an_extract_value_error(h: Harness, x: object, kind: str) -> None:
    await h.deploy(exclusive(cond_a="=x"))
    pi = await h.start(x=x)
    inc = h.incident(pi)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR"
    assert inc["error_message"] == f"Expected result of the expression 'x' to be 'BOOLEAN', but was '{kind}'."


def fork_join(kind: str, conditions: bool = False) -> bytes:
    c1, c2 = ("=x &gt; 0", "=y &gt; 0") if conditions else (None, None)
    body = (
        start()
        + f'<bpmn:{kind} id="fork" />'
        + service("a", "a")
        + service("b", "b")
        + f'<bpmn:{kind} id="join" />'
        + service("after", "after")
        + end()
        + flow("start", "fork")
        + flow("fork", "a", "to_a", c1)
        + flow("fork", "b", "to_b", c2)
        + flow("a", "join", "a_join")
        + flow("b", "join", "b_join")
        + flow("join", "after")
        + flow("after", "end")
    )
    return bpmn(body)


async def test_parallel_join_waits_for_every_incoming_flow(h: Harness) -> None:
    await h.deploy(fork_join("parallelGateway"))
    pi = await h.start()
    assert h.active(pi) == ["a", "b"]
    await h.complete("a")
    assert h.active(pi) == ["b"]
    assert "join" not in [e for e, _ in h.trace(pi)]
    await h.complete("b")
    assert h.active(pi) == ["after"]
    assert h.trace(pi, "join").count(("join", "ELEMENT_COMPLETED")) == 1
    await h.complete("after")
    assert h.state(pi) == "COMPLETED"


async def test_inclusive_join_does_not_wait_for_paths_not_taken(h: Harness) -> None:
    await h.deploy(fork_join("inclusiveGateway", conditions=True))
    pi = await h.start(x=1, y=0)
    assert h.active(pi) == ["a"]
    await h.complete("a")
    assert h.active(pi) == ["after"]


async def test_inclusive_join_waits_for_every_path_taken(h: Harness) -> None:
    await h.deploy(fork_join("inclusiveGateway", conditions=True))
    pi = await h.start(x=1, y=1)
    assert h.active(pi) == ["a", "b"]
    await h.complete("b")
    assert h.active(pi) == ["a"]
    await h.complete("a")
    assert h.active(pi) == ["after"]
    assert h.trace(pi, "join").count(("join", "ELEMENT_COMPLETED")) == 1


def join_behind_a_boundary_event() -> bytes:
    """a's own path ends elsewhere; only its timer boundary event leads to the inclusive join."""
    body = (
        start()
        + '<bpmn:inclusiveGateway id="fork" />'
        + service("a", "a")
        + service("b", "b")
        + f'<bpmn:boundaryEvent id="late" attachedToRef="a">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>'
        + '<bpmn:inclusiveGateway id="join" />'
        + service("after", "after")
        + end("end_a")
        + end()
        + flow("start", "fork")
        + flow("fork", "a", "to_a", "=true")
        + flow("fork", "b", "to_b", "=true")
        + flow("a", "end_a")
        + flow("late", "join", "late_join")
        + flow("b", "join", "b_join")
        + flow("join", "after")
        + flow("after", "end")
    )
    return bpmn(body)


async def test_inclusive_join_waits_for_a_path_through_a_boundary_event(h: Harness) -> None:
    """BpmnInclusiveGatewayBehavior visits the boundary events of an activity on the way to the gateway: while
    `a` is active, its boundary event may still bring a token, so the join waits for it."""
    await h.deploy(join_behind_a_boundary_event())
    pi = await h.start()
    assert h.active(pi) == ["a", "b"]
    await h.complete("b")
    assert h.active(pi) == ["a"]
    assert "join" not in [e for e, _ in h.trace(pi)]
    await h.clock(60_000)
    assert h.active(pi) == ["after"]
    trace = h.trace(pi)
    assert trace[trace.index(("a", "ELEMENT_TERMINATING")) :] == [
        ("a", "ELEMENT_TERMINATING"),
        ("a", "ELEMENT_TERMINATED"),
        ("late", "ELEMENT_ACTIVATING"),
        ("late", "ELEMENT_ACTIVATED"),
        ("late", "ELEMENT_COMPLETING"),
        ("late", "ELEMENT_COMPLETED"),
        ("late_join", "SEQUENCE_FLOW_TAKEN"),
        ("join", "ELEMENT_ACTIVATING"),
        ("join", "ELEMENT_ACTIVATED"),
        ("join", "ELEMENT_COMPLETING"),
        ("join", "ELEMENT_COMPLETED"),
        ("join_to_after", "SEQUENCE_FLOW_TAKEN"),
        ("after", "ELEMENT_ACTIVATING"),
        ("after", "ELEMENT_ACTIVATED"),
    ]


async def test_inclusive_join_stops_waiting_when_the_boundary_path_is_gone(h: Harness) -> None:
    """`a` completes through its own path: nothing can reach the join any more, which then activates."""
    await h.deploy(join_behind_a_boundary_event())
    pi = await h.start()
    await h.complete("b")
    await h.complete("a")
    assert h.active(pi) == ["after"]
    assert h.trace(pi, "join").count(("join", "ELEMENT_COMPLETED")) == 1
    await h.complete("after")
    assert h.state(pi) == "COMPLETED"


async def test_inclusive_fork_without_a_true_condition_is_an_incident(h: Harness) -> None:
    await h.deploy(fork_join("inclusiveGateway", conditions=True))
    pi = await h.start(x=0, y=0)
    assert h.incident(pi)["error_type"] == "CONDITION_ERROR"


def event_gateway() -> bytes:
    body = (
        start()
        + '<bpmn:eventBasedGateway id="gw" />'
        + '<bpmn:intermediateCatchEvent id="msg"><bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:intermediateCatchEvent>'
        + f'<bpmn:intermediateCatchEvent id="tmr">{timer("timeDuration", "PT10S")}</bpmn:intermediateCatchEvent>'
        + end("end_msg")
        + end("end_tmr")
        + flow("start", "gw")
        + flow("gw", "msg")
        + flow("gw", "tmr")
        + flow("msg", "end_msg")
        + flow("tmr", "end_tmr")
    )
    return bpmn(body, extra=message("m", "ping", "=id"))


async def test_event_based_gateway_message_wins_and_the_timer_is_canceled(h: Harness) -> None:
    await h.deploy(event_gateway())
    pi = await h.start(id="k1")
    assert h.active(pi) == ["gw"]
    await h.engine.publish_message("ping", "k1", 0, "", {"got": 1})
    assert h.state(pi) == "COMPLETED"
    assert "end_msg" in h.completed(pi) and "tmr" not in [e for e, _ in h.trace(pi)]
    assert [r["intent"] for r in h.records("TIMER")] == ["CREATED", "CANCELED"]
    assert h.variables(pi)["got"] == 1
    await h.clock(20_000)
    assert len(h.records("TIMER", "TRIGGERED")) == 0


async def test_event_based_gateway_timer_wins_and_the_subscription_is_closed(h: Harness) -> None:
    await h.deploy(event_gateway())
    pi = await h.start(id="k1")
    await h.clock(10_000)
    assert h.state(pi) == "COMPLETED"
    assert "end_tmr" in h.completed(pi)
    assert [r["intent"] for r in h.records("PROCESS_MESSAGE_SUBSCRIPTION")] == ["CREATED", "DELETED"]
    await h.engine.publish_message("ping", "k1", 0, "", {})
    assert "msg" not in [e for e, _ in h.trace(pi)]


async def test_a_fork_writes_each_activation_when_its_command_is_processed(h: Harness) -> None:
    """takeSequenceFlow writes SEQUENCE_FLOW_TAKEN and an ACTIVATE_ELEMENT command (with the new instance's key);
    ELEMENT_ACTIVATING is written when the command is processed, after both flows were taken."""
    await h.deploy(fork_join("parallelGateway"))
    pi = await h.start()
    steps = [
        (r["value_type"], r["intent"], r["value"].get("elementId"), r["key"]) for r in h.records(pi=pi)
    ]
    at = next(i for i, s in enumerate(steps) if s[1] == "SEQUENCE_FLOW_TAKEN" and s[2] == "to_a")
    assert [s[:3] for s in steps[at : at + 8]] == [
        ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", "to_a"),
        ("PROCESS_INSTANCE", "SEQUENCE_FLOW_TAKEN", "to_b"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "a"),
        ("JOB", "CREATED", "a"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "a"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "b"),
        ("JOB", "CREATED", "b"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "b"),
    ]
    # the element instance keys are taken when the commands are written (activateElementInstanceInFlowScope)
    flow_a, flow_b, a, b = (steps[at][3], steps[at + 1][3], steps[at + 2][3], steps[at + 5][3])
    assert flow_a < a < flow_b < b


async def test_exclusive_and_parallel_gateways_complete_in_the_step_that_activates_them(h: Harness) -> None:
    """ExclusiveGatewayProcessor / ParallelGatewayProcessor.finalizeActivation write ACTIVATED, COMPLETING,
    COMPLETED and take the flow at once - no COMPLETE_ELEMENT command lets another token in between."""
    body = (
        start()
        + '<bpmn:parallelGateway id="fork" />'
        + '<bpmn:exclusiveGateway id="x1" />'
        + '<bpmn:exclusiveGateway id="x2" />'
        + service("a", "a")
        + service("b", "b")
        + end("ea")
        + end("eb")
        + flow("start", "fork")
        + flow("fork", "x1")
        + flow("fork", "x2")
        + flow("x1", "a")
        + flow("x2", "b")
        + flow("a", "ea")
        + flow("b", "eb")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    trace = h.trace(pi)
    assert trace[trace.index(("fork", "ELEMENT_ACTIVATING")) :][:16] == [
        ("fork", "ELEMENT_ACTIVATING"),
        ("fork", "ELEMENT_ACTIVATED"),
        ("fork", "ELEMENT_COMPLETING"),
        ("fork", "ELEMENT_COMPLETED"),
        ("fork_to_x1", "SEQUENCE_FLOW_TAKEN"),
        ("fork_to_x2", "SEQUENCE_FLOW_TAKEN"),
        ("x1", "ELEMENT_ACTIVATING"),
        ("x1", "ELEMENT_ACTIVATED"),
        ("x1", "ELEMENT_COMPLETING"),
        ("x1", "ELEMENT_COMPLETED"),
        ("x1_to_a", "SEQUENCE_FLOW_TAKEN"),
        ("x2", "ELEMENT_ACTIVATING"),
        ("x2", "ELEMENT_ACTIVATED"),
        ("x2", "ELEMENT_COMPLETING"),
        ("x2", "ELEMENT_COMPLETED"),
        ("x2_to_b", "SEQUENCE_FLOW_TAKEN"),
    ]
    assert h.active(pi) == ["a", "b"]
