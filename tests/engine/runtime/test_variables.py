"""Variable scopes, propagation and mappings, including Zeebe's traps (zeebe-protocol.md §6)."""

from __future__ import annotations

from tests.engine.runtime.helpers import Harness, bpmn, chain, end, ext, io, service, simple, start


async def test_input_mappings_are_local_and_evaluated_in_order(h: Harness) -> None:
    await h.deploy(
        bpmn(simple(service("task", "work", io([("=a + 1", "x"), ("=x * 10", "y"), ("=nope", "z")]))))
    )
    pi = await h.start(a=1)
    job = await h.job()
    assert job["variables"] == {"a": 1, "x": 2, "y": 20, "z": None}
    task = h.live(pi, "task")
    assert h.variables(task.key) == {"x": 2, "y": 20, "z": None}
    await h.engine.complete_job(job["key"], {})
    assert h.variables(pi) == {"a": 1}  # the locals vanished with the task


async def test_output_mappings_propagate_only_their_targets(h: Harness) -> None:
    """The classic trap: the worker returns more than is mapped, and the rest is lost."""
    await h.deploy(bpmn(simple(service("task", "work", io(outputs=[("=result", "res")])))))
    pi = await h.start()
    job = await h.job()
    await h.engine.complete_job(job["key"], {"result": 1, "extra": 2})
    assert h.variables(pi) == {"res": 1}
    # the whole result was written locally first, then mapped (§6)
    assert h.variables(job["elementInstanceKey"]) == {"result": 1, "extra": 2}


async def test_without_output_mappings_the_result_goes_where_each_variable_lives(h: Harness) -> None:
    sub = (
        '<bpmn:subProcess id="sub">'
        + ext(io([("=0", "v")]))
        + start("s0")
        + service("task")
        + end("e0")
        + chain("s0", "task", "e0")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(sub)))
    pi = await h.start(a=1)
    sub_key = h.live(pi, "sub").key
    await h.complete("work", a=2, v=5, w=3)
    assert h.variables(sub_key) == {"v": 5}  # updated in the sub-process, where it lived
    assert h.variables(pi) == {"a": 2, "w": 3}  # a updated in place, w created at the root
    updated = [r["value"] for r in h.records("VARIABLE", "UPDATED")]
    assert {(u["name"], u["scopeKey"]) for u in updated} == {("v", sub_key), ("a", pi)}


async def test_a_local_copy_from_an_input_mapping_absorbs_the_result(h: Harness) -> None:
    """Zeebe's trap: no output mappings, the task has a local `a` (input mapping): the root `a` stays."""
    await h.deploy(bpmn(simple(service("task", "work", io([("=a", "a")])))))
    pi = await h.start(a=1)
    await h.complete("work", a=99, b=2)
    assert h.variables(pi) == {"a": 1, "b": 2}


async def test_nested_targets(h: Harness) -> None:
    mappings = io(
        inputs=[("=1", "cfg.x"), ("=2", "cfg.y")],
        outputs=[("=out", "order.status"), ("=cfg.x + cfg.y", "sum")],
    )
    await h.deploy(bpmn(simple(service("task", "work", mappings))))
    pi = await h.start(order={"id": 7, "status": "new"}, cfg={"keep": True})
    job = await h.job()
    # input a.b builds the whole object at a (the outer cfg is shadowed, not merged)
    assert job["variables"]["cfg"] == {"x": 1, "y": 2}
    await h.engine.complete_job(job["key"], {"out": "paid"})
    # output a.b sets only the leaf inside the existing object
    assert h.variables(pi) == {"order": {"id": 7, "status": "paid"}, "cfg": {"keep": True}, "sum": 3}


async def test_set_variables_local_and_propagating(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pi = await h.start(a=1)
    task = h.live(pi, "task").key
    await h.engine.set_variables(task, {"loc": 1, "a": 5}, local=True)
    assert h.variables(task) == {"loc": 1, "a": 5} and h.variables(pi) == {"a": 1}
    await h.engine.set_variables(task, {"loc": 2, "new": 3}, local=False)
    assert h.variables(task) == {"loc": 2, "a": 5}  # propagation stops at the first scope holding it
    assert h.variables(pi) == {"a": 1, "new": 3}
    await h.engine.set_variables(pi, {"a": 2}, local=False)
    assert h.variables(pi)["a"] == 2
    doc = h.records("VARIABLE_DOCUMENT")
    assert [d["value"]["updateSemantics"] for d in doc] == ["LOCAL", "PROPAGATE", "PROPAGATE"]
    # an unchanged value writes no record
    before = len(h.records("VARIABLE"))
    await h.engine.set_variables(pi, {"a": 2}, local=False)
    assert len(h.records("VARIABLE")) == before


async def test_fetch_variables_filters_the_activated_job(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", "work", io([("=a * 2", "a")])))))
    await h.start(a=1, b=2, c=3)
    job = await h.job(fetch=["a", "c", "missing"])
    assert job["variables"] == {"a": 2, "c": 3}  # the local copy shadows the root one
    import json

    assert json.loads(job["variablesText"]) == {"a": 2, "c": 3}


async def test_set_variables_on_an_unknown_scope_is_not_found(h: Harness) -> None:
    import pytest

    from engine.runtime.errors import Rejection

    with pytest.raises(Rejection) as e:
        await h.engine.set_variables(123, {"a": 1}, local=False)
    assert e.value.rejection_type == "NOT_FOUND"
    assert (
        e.value.reason
        == "Expected to update variables for element with key '123', but no such element was found"
    )


def _event(tag: str, event_id: str, mappings: str, definition: str = "") -> str:
    return f'<bpmn:{tag} id="{event_id}">{ext(mappings)}{definition}</bpmn:{tag}>'


async def test_none_throw_and_end_events_apply_only_their_output_mappings(h: Harness) -> None:
    """Zeebe's NoneIntermediateThrowEventBehavior and NoneEndEventBehavior have no `onActivate`: the input
    mappings are never applied (no local variable, nothing for the output mapping to read); the output
    mappings are (IntermediateThrowEventProcessor, EndEventProcessor)."""
    mappings = io([("=1", "local")], [("=local", "seen"), ("=a + 1", "b")])
    body = (
        start()
        + _event("intermediateThrowEvent", "mark", mappings)
        + _event("endEvent", "end", io([("=2", "local2")], [("=local2", "seen2"), ("=b + 1", "c")]))
        + chain("start", "mark", "end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(a=1)
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"a": 1, "seen": None, "b": 2, "seen2": None, "c": 3}
    created = [(r["value"]["name"], r["value"]["scopeKey"]) for r in h.records("VARIABLE", "CREATED")]
    assert created == [("a", pi), ("seen", pi), ("b", pi), ("seen2", pi), ("c", pi)]


async def test_start_events_skip_input_mappings_and_terminate_end_events_all_mappings(h: Harness) -> None:
    """StartEventProcessor applies only output mappings; TerminateEndEventBehavior neither."""
    body = (
        _event("startEvent", "start", io([("=1", "local")], [("=local", "seen")]))
        + _event(
            "endEvent",
            "end",
            io([("=2", "local2")], [("=3", "never")]),
            '<bpmn:terminateEventDefinition id="term" />',
        )
        + chain("start", "end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"seen": None}
    assert [r["value"]["name"] for r in h.records("VARIABLE")] == ["seen"]


async def test_a_signal_end_event_applies_its_input_mappings(h: Harness) -> None:
    """SignalEndEventBehavior.onActivate applies them (the signal carries them)."""
    signal = '<bpmn:signalEventDefinition id="sd" signalRef="sig" />'
    body = (
        start()
        + _event("endEvent", "end", io([("=a * 2", "doubled")], [("=doubled", "out")]), signal)
        + chain("start", "end")
    )
    await h.deploy(bpmn(body, extra='<bpmn:signal id="sig" name="go" />'))
    pi = await h.start(a=4)
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"a": 4, "out": 8}
    broadcast = h.records("SIGNAL", "BROADCASTED")
    assert [r["value"]["variables"] for r in broadcast] == [{"doubled": 8}]
