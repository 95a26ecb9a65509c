"""Where features meet: errors across call activities, boundaries on scopes and multi-instance bodies,
non-interrupting event sub-processes, message output mappings, incidents of terminated elements."""

from __future__ import annotations

from tests.engine.runtime.helpers import (
    Harness,
    bpmn,
    end,
    error,
    ext,
    flow,
    io,
    message,
    service,
    simple,
    start,
    timer,
)


def error_boundary(bid: str, attached: str, ref: str) -> str:
    return (
        f'<bpmn:boundaryEvent id="{bid}" attachedToRef="{attached}">'
        f'<bpmn:errorEventDefinition id="{bid}_d" errorRef="{ref}" /></bpmn:boundaryEvent>'
    )


async def test_error_thrown_in_a_child_process_is_caught_on_the_call_activity(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", "child-work")), pid="child"), "child.bpmn")
    call = (
        '<bpmn:callActivity id="call">'
        + ext('<zeebe:calledElement processId="child" />')
        + "</bpmn:callActivity>"
    )
    body = (
        simple(call)
        + error_boundary("caught", "call", "e1")
        + end("caught_end")
        + flow("caught", "caught_end")
    )
    await h.deploy(bpmn(body, pid="parent", extra=error("e1", "E1")), "parent.bpmn")
    pi = await h.start("parent")
    job = await h.job("child-work")
    child = job["processInstanceKey"]
    await h.engine.throw_error(job["key"], "E1", "", {"why": "child"})
    assert h.state(child) == "TERMINATED" and h.state(pi) == "COMPLETED"
    assert "caught_end" in h.completed(pi)
    # error variables stay local to the error catch event without output mappings (as in Zeebe)
    assert h.variables(pi) == {}
    assert h.variables(key_of_element(h, pi, "caught")) == {"why": "child"}


async def test_unhandled_error_in_a_child_lists_the_parent_codes(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", "child-work")), pid="child"), "child.bpmn")
    call = (
        '<bpmn:callActivity id="call">'
        + ext('<zeebe:calledElement processId="child" />')
        + "</bpmn:callActivity>"
    )
    body = (
        simple(call)
        + error_boundary("caught", "call", "e1")
        + end("caught_end")
        + flow("caught", "caught_end")
    )
    await h.deploy(bpmn(body, pid="parent", extra=error("e1", "E1")), "parent.bpmn")
    await h.start("parent")
    job = await h.job("child-work")
    await h.engine.throw_error(job["key"], "OTHER", "", {})
    inc = h.incident(job["processInstanceKey"])
    assert inc["error_message"] == (
        "Expected to throw an error event with the code 'OTHER', but it was not caught. Available error events are [E1]"
    )


async def test_interrupting_boundary_on_a_multi_instance_body_drops_the_partial_output(h: Harness) -> None:
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics>"
        + ext(
            '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="out" outputElement="=item" />'
        )
        + "</bpmn:multiInstanceLoopCharacteristics>"
    )
    body = (
        simple(service("task", inner=loop))
        + f'<bpmn:boundaryEvent id="late" attachedToRef="task">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start(items=[1, 2, 3])
    jobs = await h.jobs()
    await h.engine.complete_job(jobs[0]["key"], {})
    await h.clock(60_000)
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi).count("task") == 3  # two inner instances and the body
    assert "out" not in h.variables(pi)
    assert [r["intent"] for r in h.records("JOB")].count("CANCELED") == 2


async def test_interrupting_message_boundary_on_a_sub_process(h: Harness) -> None:
    sub = (
        '<bpmn:subProcess id="sub">'
        + start("s0")
        + service("inner")
        + end("e0")
        + flow("s0", "inner")
        + flow("inner", "e0")
        + "</bpmn:subProcess>"
    )
    body = (
        simple(sub)
        + '<bpmn:boundaryEvent id="stop" attachedToRef="sub"><bpmn:messageEventDefinition id="md" messageRef="m" /></bpmn:boundaryEvent>'
        + end("stopped")
        + flow("stop", "stopped")
    )
    await h.deploy(bpmn(body, extra=message("m", "stop", "=id")))
    pi = await h.start(id="x")
    await h.engine.publish_message("stop", "x", 0, "", {})
    assert h.state(pi) == "COMPLETED"
    assert sorted(h.terminated(pi)) == ["inner", "sub"]


async def test_non_interrupting_message_event_sub_process_runs_alongside(h: Harness) -> None:
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", '<bpmn:messageEventDefinition id="ed" messageRef="m" />').replace(
            '<bpmn:startEvent id="esp_start">', '<bpmn:startEvent id="esp_start" isInterrupting="false">'
        )
        + service("note", "note")
        + end("esp_end")
        + flow("esp_start", "note")
        + flow("note", "esp_end")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(service("task")) + esp, extra=message("m", "info", "=id")))
    pi = await h.start(id="k")
    await h.engine.publish_message("info", "k", 0, "", {"n": 1})
    await h.engine.publish_message("info", "k", 0, "", {"n": 2})
    assert h.active(pi) == ["esp", "esp", "note", "note", "task"]
    for job in await h.jobs("note"):
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "ACTIVE"
    await h.complete("work")
    assert h.state(pi) == "COMPLETED"


async def test_message_catch_event_with_output_mappings(h: Harness) -> None:
    catch = (
        '<bpmn:intermediateCatchEvent id="catch">'
        + ext(io(outputs=[("=payload.total", "total")]))
        + '<bpmn:messageEventDefinition id="cd" messageRef="m" /></bpmn:intermediateCatchEvent>'
    )
    await h.deploy(bpmn(simple(catch), extra=message("m", "ping", "=id")))
    pi = await h.start(id="k")
    await h.engine.publish_message("ping", "k", 0, "", {"payload": {"total": 9}, "noise": 1})
    assert h.variables(pi) == {"id": "k", "total": 9}


async def test_incident_of_a_terminated_element_is_resolved(h: Harness) -> None:
    body = (
        simple(service("task"))
        + f'<bpmn:boundaryEvent id="late" attachedToRef="task">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    job = await h.job()
    await h.engine.fail_job(job["key"], 0, "down", 0, {})
    assert h.incident(pi)["error_type"] == "JOB_NO_RETRIES"
    await h.clock(60_000)
    assert h.state(pi) == "COMPLETED"
    assert h.incidents(pi) == [] and len(h.incidents(pi, "RESOLVED")) == 1
    assert h.records("JOB")[-1]["intent"] == "CANCELED"


async def test_native_user_task_interrupted_by_a_timer(h: Harness) -> None:
    user = '<bpmn:userTask id="approve">' + ext("<zeebe:userTask />") + "</bpmn:userTask>"
    body = (
        simple(user)
        + f'<bpmn:boundaryEvent id="late" attachedToRef="approve">{timer("timeDuration", "PT1M")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.clock(60_000)
    assert h.state(pi) == "COMPLETED"
    assert [r["intent"] for r in h.records("USER_TASK")] == ["CREATING", "CREATED", "CANCELING", "CANCELED"]


def key_of_element(h: Harness, pi: int, element_id: str) -> int:
    return next(r["key"] for r in h.records("PROCESS_INSTANCE", pi=pi) if r["value"]["elementId"] == element_id)
