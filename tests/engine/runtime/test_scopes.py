"""Sub-processes, call activities, multi-instance and terminate end events (zeebe-protocol.md §6, §7.9)."""

from __future__ import annotations

import pytest

from engine.runtime.errors import Rejection
from tests.engine.runtime.helpers import Harness, bpmn, chain, end, ext, flow, io, service, simple, start


async def test_embedded_sub_process_scope_and_parallel_tokens(h: Harness) -> None:
    sub = (
        '<bpmn:subProcess id="sub">'
        + ext(io([("=1", "local")], [("=local + inner", "carried")]))
        + start("s0")
        + '<bpmn:parallelGateway id="fork" />'
        + service("a", "a")
        + service("b", "b")
        + end("ea")
        + end("eb")
        + chain("s0", "fork")
        + flow("fork", "a")
        + flow("fork", "b")
        + flow("a", "ea")
        + flow("b", "eb")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(sub)))
    pi = await h.start()
    await h.complete("a", inner=10)
    assert h.active(pi) == ["b", "sub"]  # the sub-process waits for its last token
    await h.complete("b")
    assert h.state(pi) == "COMPLETED"
    # inner landed at the root (it was not a local of the sub-process); local vanished; the mapping carried
    assert h.variables(pi) == {"inner": 10, "carried": 11}


def parent(call_attrs: str = "", mappings: str = "") -> bytes:
    call = (
        '<bpmn:callActivity id="call">'
        + ext(f'<zeebe:calledElement processId="child"{call_attrs} />', mappings)
        + "</bpmn:callActivity>"
    )
    return bpmn(simple(call), pid="parent")


CHILD = bpmn(simple(service("task", "child-work")), pid="child")


async def child_of(h: Harness, pi: int) -> int:
    rows = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["parentProcessInstanceKey"] == pi
    ]
    return int(rows[0]["key"])


@pytest.mark.parametrize(
    ("attrs", "mappings", "expected"),
    [
        ("", "", {"a": 1, "b": 2, "fromChild": 3}),  # propagateAllChildVariables defaults to true
        (' propagateAllChildVariables="true"', "", {"a": 1, "b": 2, "fromChild": 3}),
        (' propagateAllChildVariables="false"', "", {"a": 1, "b": 2}),
        (
            ' propagateAllChildVariables="true"',
            io(outputs=[("=fromChild * 2", "doubled")]),
            {"a": 1, "b": 2, "doubled": 6},
        ),
    ],
)
async def test_call_activity_variables_in_and_out(
    h: Harness, attrs: str, mappings: str, expected: dict[str, int]
) -> None:
    await h.deploy(CHILD, "child.bpmn")
    await h.deploy(parent(attrs, mappings), "parent.bpmn")
    pi = await h.start("parent", a=1, b=2)
    child = await child_of(h, pi)
    job = await h.job("child-work")
    assert job["processInstanceKey"] == child and job["variables"] == {"a": 1, "b": 2}
    await h.engine.complete_job(job["key"], {"fromChild": 3})
    assert h.state(child) == "COMPLETED" and h.state(pi) == "COMPLETED"
    assert h.variables(pi) == expected


async def test_call_activity_without_parent_propagation_passes_only_inputs(h: Harness) -> None:
    await h.deploy(CHILD, "child.bpmn")
    await h.deploy(parent(' propagateAllParentVariables="false"', io([("=a + 1", "x")])), "parent.bpmn")
    await h.start("parent", a=1, b=2)
    assert (await h.job("child-work"))["variables"] == {"x": 2}


async def test_cancel_parent_terminates_child_which_cannot_be_canceled_directly(h: Harness) -> None:
    await h.deploy(CHILD, "child.bpmn")
    await h.deploy(parent(), "parent.bpmn")
    pi = await h.start("parent")
    child = await child_of(h, pi)
    with pytest.raises(Rejection) as e:
        await h.engine.cancel_process_instance(child)
    assert e.value.rejection_type == "INVALID_STATE"
    assert e.value.reason == (
        f"Expected to cancel a process instance with key '{child}', but it is created by a parent process "
        f"instance. Cancel the root process instance '{pi}' instead."
    )
    await h.engine.cancel_process_instance(pi)
    assert (h.state(pi), h.state(child)) == ("TERMINATED", "TERMINATED")
    assert h.records("JOB")[-1]["intent"] == "CANCELED"


async def test_call_activity_missing_process_is_an_incident_fixed_by_deploying(h: Harness) -> None:
    await h.deploy(parent(), "parent.bpmn")
    pi = await h.start("parent")
    inc = h.incident(pi)
    assert inc["error_type"] == "CALLED_ELEMENT_ERROR"
    assert (
        inc["error_message"] == "Expected process with BPMN process id 'child' to be deployed, but not found."
    )
    await h.deploy(CHILD, "child.bpmn")
    await h.engine.resolve_incident(inc["key"])
    assert len(await h.jobs("child-work")) == 1


def multi(
    sequential: bool = False, condition: str = "", output: str = "=item * 10", job: str = "work"
) -> bytes:
    seq = ' isSequential="true"' if sequential else ""
    cond = f"<bpmn:completionCondition>{condition}</bpmn:completionCondition>" if condition else ""
    loop = (
        f"<bpmn:multiInstanceLoopCharacteristics{seq}>"
        + ext(
            f'<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" '
            f'outputCollection="results" outputElement="{output}" />'
        )
        + cond
        + "</bpmn:multiInstanceLoopCharacteristics>"
    )
    return bpmn(simple(service("task", job, inner=loop)))


async def test_parallel_multi_instance_collects_output_in_item_order(h: Harness) -> None:
    await h.deploy(multi())
    pi = await h.start(items=[1, 2, 3])
    jobs = await h.jobs()
    assert sorted((j["variables"]["item"], j["variables"]["loopCounter"]) for j in jobs) == [
        (1, 1),
        (2, 2),
        (3, 3),
    ]
    body = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["bpmnElementType"] == "MULTI_INSTANCE_BODY"
    ]
    assert len(body) == 1
    for job in reversed(jobs):
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"items": [1, 2, 3], "results": [10, 20, 30]}


async def test_sequential_multi_instance_runs_one_at_a_time(h: Harness) -> None:
    await h.deploy(multi(sequential=True, output="=result"))
    pi = await h.start(items=["a", "b"])
    first = await h.jobs()
    assert [j["variables"]["item"] for j in first] == ["a"]
    await h.engine.complete_job(first[0]["key"], {"result": "A"})
    second = await h.jobs()
    assert [j["variables"]["item"] for j in second] == ["b"]
    await h.engine.complete_job(second[0]["key"], {"result": "B"})
    # the worker's `result` landed in each inner instance (pre-created local), not at the root
    assert h.variables(pi) == {"items": ["a", "b"], "results": ["A", "B"]}


async def test_completion_condition_ends_the_body_early(h: Harness) -> None:
    await h.deploy(multi(condition="=numberOfCompletedInstances &gt;= 2"))
    pi = await h.start(items=[1, 2, 3])
    jobs = await h.jobs()
    await h.engine.complete_job(jobs[0]["key"], {})
    await h.engine.complete_job(jobs[2]["key"], {})
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["results"] == [10, None, 30]
    assert h.records("JOB")[-1]["intent"] == "CANCELED"


async def test_empty_collection_completes_at_once(h: Harness) -> None:
    await h.deploy(multi())
    pi = await h.start(items=[])
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["results"] == []
    assert h.records("JOB") == []


async def test_input_collection_must_be_an_array(h: Harness) -> None:
    await h.deploy(multi())
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR"
    assert inc["error_message"] == "Expected result of the expression 'items' to be 'ARRAY', but was 'NULL'."
    await h.engine.set_variables(pi, {"items": [5]}, local=False)
    await h.engine.resolve_incident(inc["key"])
    await h.complete()
    assert h.variables(pi)["results"] == [50]


async def test_terminate_end_event_ends_the_instance(h: Harness) -> None:
    body = (
        start()
        + '<bpmn:parallelGateway id="fork" />'
        + service("task")
        + end("stop", '<bpmn:terminateEventDefinition id="td" />')
        + end()
        + flow("start", "fork")
        + flow("fork", "task")
        + flow("fork", "stop")
        + flow("task", "end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]
    assert h.records("JOB")[-1]["intent"] == "CANCELED"


async def test_terminate_end_event_in_a_sub_process_ends_only_that_scope(h: Harness) -> None:
    sub = (
        '<bpmn:subProcess id="sub">'
        + start("s0")
        + '<bpmn:parallelGateway id="fork" />'
        + service("inner")
        + end("stop", '<bpmn:terminateEventDefinition id="td" />')
        + end("e0")
        + chain("s0", "fork")
        + flow("fork", "inner")
        + flow("fork", "stop")
        + flow("inner", "e0")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(sub, service("after", "after"))))
    pi = await h.start()
    assert h.active(pi) == ["after"]
    assert "sub" in h.completed(pi) and h.terminated(pi) == ["inner"]
