"""Link events: an intermediate throw link event continues at the intermediate catch link event of the same
name in its scope, without a sequence flow (Zeebe's IntermediateThrowEventProcessor / LinkIntermediateThrow-
EventBehavior, IntermediateCatchEventProcessor / LinkIntermediateCatchEventBehavior)."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.engine import Engine
from engine.store.store import Store, database_url
from tests.engine.runtime.conftest import pinned_clock
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, ext, flow, io, service, start


def throw(event_id: str, name: str, inner: str = "") -> str:
    return (
        f'<bpmn:intermediateThrowEvent id="{event_id}">{inner}'
        f'<bpmn:linkEventDefinition id="{event_id}_def" name="{name}" /></bpmn:intermediateThrowEvent>'
    )


def catch(event_id: str, name: str, inner: str = "") -> str:
    return (
        f'<bpmn:intermediateCatchEvent id="{event_id}">{inner}'
        f'<bpmn:linkEventDefinition id="{event_id}_def" name="{name}" /></bpmn:intermediateCatchEvent>'
    )


def jump(throw_inner: str = "", catch_inner: str = "") -> bytes:
    """start -> throw A ... catch A -> task -> end"""
    body = (
        start()
        + throw("go", "A", throw_inner)
        + catch("arrive", "A", catch_inner)
        + service("task")
        + end()
        + chain("start", "go")
        + chain("arrive", "task", "end")
    )
    return bpmn(body)


async def test_throw_link_continues_at_the_catch_link_without_a_sequence_flow(h: Harness) -> None:
    await h.deploy(jump())
    pi = await h.start()
    assert h.active(pi) == ["task"]
    assert h.trace(pi)[:15] == [
        ("p", "ELEMENT_ACTIVATING"),
        ("p", "ELEMENT_ACTIVATED"),
        ("start", "ELEMENT_ACTIVATING"),
        ("start", "ELEMENT_ACTIVATED"),
        ("start", "ELEMENT_COMPLETING"),
        ("start", "ELEMENT_COMPLETED"),
        ("start_to_go", "SEQUENCE_FLOW_TAKEN"),
        ("go", "ELEMENT_ACTIVATING"),
        ("go", "ELEMENT_ACTIVATED"),
        ("go", "ELEMENT_COMPLETING"),
        ("go", "ELEMENT_COMPLETED"),
        # no flow between the two: the catch event is activated in the same flow scope
        ("arrive", "ELEMENT_ACTIVATING"),
        ("arrive", "ELEMENT_ACTIVATED"),
        ("arrive", "ELEMENT_COMPLETING"),
        ("arrive", "ELEMENT_COMPLETED"),
    ]
    assert h.trace(pi)[15] == ("arrive_to_task", "SEQUENCE_FLOW_TAKEN")
    values = {
        r["value"]["elementId"]: (
            r["value"]["bpmnElementType"],
            r["value"]["bpmnEventType"],
            r["value"]["flowScopeKey"],
        )
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
    }
    assert values["go"] == ("INTERMEDIATE_THROW_EVENT", "LINK", pi)
    assert values["arrive"] == ("INTERMEDIATE_CATCH_EVENT", "LINK", pi)
    await h.complete()
    assert h.state(pi) == "COMPLETED"


async def test_a_retry_loop_through_links_and_several_throws_to_one_catch(h: Harness) -> None:
    # task -> gateway: retry (throw "again") / give up (throw "out"); a second throw to "again" from a
    # parallel branch shows that several throw links can lead to the same catch link
    body = (
        start()
        + catch("again", "again")
        + service("task")
        + '<bpmn:exclusiveGateway id="gw" default="done" />'
        + throw("retry", "again")
        + end()
        + flow("start", "again")
        + flow("again", "task")
        + flow("task", "gw")
        + flow("gw", "retry", "retry_flow", "=attempt &lt; 3")
        + flow("gw", "end", "done")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(attempt=0)
    for n in (1, 2, 3):
        await h.complete(attempt=n)
    assert h.state(pi) == "COMPLETED"
    assert h.completed(pi).count("again") == 3  # once from the start event, twice through the loop
    assert h.completed(pi).count("retry") == 2
    assert h.variables(pi) == {"attempt": 3}


async def test_links_inside_a_sub_process(h: Harness) -> None:
    sub = (
        '<bpmn:subProcess id="sub">'
        + start("s0")
        + throw("go", "X")
        + catch("land", "X")
        + end("e0")
        + flow("s0", "go")
        + flow("land", "e0")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(start() + sub + end() + chain("start", "sub", "end")))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED"
    sub_key = next(
        r["key"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "sub"
    )
    land = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", pi=pi)
        if r["value"]["elementId"] == "land"
    ]
    assert land[0]["value"]["flowScopeKey"] == sub_key
    assert h.completed(pi) == ["start", "s0", "go", "land", "e0", "sub", "end", "p"]


async def test_output_mappings_apply_on_both_link_events_and_input_mappings_on_neither(h: Harness) -> None:
    # Zeebe's link behaviours apply output mappings on completion but have no `onActivate` input mappings
    await h.deploy(
        jump(
            ext(io([("=1", "ignored_in")], [("=x + 1", "from_throw")])),
            ext(io([("=2", "ignored_too")], [("=from_throw * 10", "from_catch")])),
        )
    )
    pi = await h.start(x=1)
    job = await h.job()
    assert job["variables"] == {"x": 1, "from_throw": 2, "from_catch": 20}
    assert {r["value"]["name"] for r in h.records("VARIABLE", pi=pi)} == {"x", "from_throw", "from_catch"}


async def test_an_inclusive_join_waits_for_a_path_that_runs_through_a_link(h: Harness) -> None:
    # fork -> a -> join; fork -> throw L ... catch L -> b -> join: while b is active the join must wait
    body = (
        start()
        + '<bpmn:inclusiveGateway id="fork" />'
        + service("a", "a")
        + throw("hop", "L")
        + catch("land", "L")
        + service("b", "b")
        + '<bpmn:inclusiveGateway id="join" />'
        + end()
        + flow("start", "fork")
        + flow("fork", "a", "to_a", "=true")
        + flow("fork", "hop", "to_hop", "=true")
        + flow("a", "join")
        + flow("land", "b")
        + flow("b", "join")
        + flow("join", "end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete("a")
    assert h.active(pi) == ["b"]  # the join did not fire on a's token alone
    await h.complete("b")
    assert h.completed(pi).count("join") == 1 and h.state(pi) == "COMPLETED"


async def test_an_incident_on_a_link_throw_survives_a_restart_and_resolving_it_continues_at_the_catch(
    tmp_path: Path,
) -> None:
    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    await h.deploy(jump(ext(io(outputs=[("=assert(missing, missing != null).field + 1", "y")]))))
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["element_id"] == "go" and inc["error_type"] == "IO_MAPPING_ERROR"
    await engine.stop()

    engine = Engine(Store(database_url(tmp_path)), pinned_clock())
    await engine.start()
    h = Harness(engine)
    try:
        assert h.active(pi) == ["go"]
        await engine.set_variables(pi, {"missing": {"field": 1}}, local=False)
        await engine.resolve_incident(inc["key"])
        assert h.active(pi) == ["task"]
        assert h.variables(pi)["y"] == 2
        await h.complete()
        assert h.state(pi) == "COMPLETED"
    finally:
        await engine.stop()
