"""BPMN errors: ThrowError, error boundary events, error end events, error event sub-processes (§3 ThrowError, §7.8)."""

from __future__ import annotations

from tests.engine.runtime.helpers import Harness, bpmn, chain, end, error, flow, service, start

ERRORS = error("err_a", "A") + error("err_b", "B") + error("err_any", None)


def boundary(bid: str, attached: str, error_ref: str | None) -> str:
    ref = f' errorRef="{error_ref}"' if error_ref else ""
    return (
        f'<bpmn:boundaryEvent id="{bid}" attachedToRef="{attached}">'
        f'<bpmn:errorEventDefinition id="{bid}_def"{ref} /></bpmn:boundaryEvent>'
    )


def with_boundaries(*bounds: tuple[str, str | None]) -> bytes:
    body = start() + service("task") + end()
    body += chain("start", "task", "end")
    for bid, ref in bounds:
        body += boundary(bid, "task", ref) + end(f"end_{bid}") + flow(bid, f"end_{bid}")
    return bpmn(body, extra=ERRORS)


async def test_throw_error_caught_by_boundary_with_variables_as_payload(h: Harness) -> None:
    await h.deploy(with_boundaries(("catch_a", "err_a")))
    pi = await h.start()
    job = await h.job()
    await h.engine.throw_error(job["key"], "A", "bad", {"reason": "stock"})
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]
    assert h.completed(pi) == ["start", "catch_a", "end_catch_a", "p"]
    # the error variables are local variables of the error catch event; without output mappings Zeebe does not
    # propagate them (BpmnVariableMappingBehavior.applyOutputMappings)
    assert h.variables(pi) == {}
    catch_key = next(r["key"] for r in h.records("PROCESS_INSTANCE", pi=pi) if r["value"]["elementId"] == "catch_a")
    assert h.variables(catch_key) == {"reason": "stock"}
    assert [r["intent"] for r in h.records("JOB")] == ["CREATED", "ERROR_THROWN"]
    assert h.jobs_of(pi)[0]["live"] is False
    assert h.incidents(pi) == []


async def test_uncaught_error_raises_an_incident_listing_available_codes(h: Harness) -> None:
    await h.deploy(with_boundaries(("catch_a", "err_a"), ("catch_b", "err_b")))
    pi = await h.start()
    job = await h.job()
    await h.engine.throw_error(job["key"], "C", "oops", {})
    inc = h.incident(pi)
    assert inc["error_type"] == "UNHANDLED_ERROR_EVENT"
    assert inc["job_key"] == job["key"]
    # CatchEventAnalyzer: codes unquoted, sorted descending within a scope
    assert inc["error_message"] == (
        "Expected to throw an error event with the code 'C' with message 'oops', but it was not caught. "
        "Available error events are [B, A]"
    )
    assert h.active(pi) == ["task"]
    # resolving re-enables the job (§8)
    await h.engine.resolve_incident(inc["key"])
    again = await h.job()
    assert again["key"] == job["key"]
    await h.engine.complete_job(again["key"], {})
    assert h.state(pi) == "COMPLETED"


async def test_uncaught_error_without_any_error_events(h: Harness) -> None:
    await h.deploy(with_boundaries())
    pi = await h.start()
    job = await h.job()
    await h.engine.throw_error(job["key"], "X", "", {})
    assert h.incident(pi)["error_message"] == (
        "Expected to throw an error event with the code 'X', but it was not caught. "
        "No error events are available in the scope."
    )


async def test_catch_all_boundary_catches_any_code(h: Harness) -> None:
    await h.deploy(with_boundaries(("catch_a", "err_a"), ("catch_all", "err_any")))
    pi = await h.start()
    await h.engine.throw_error((await h.job())["key"], "whatever", "", {})
    assert "catch_all" in h.completed(pi)
    # an exact code beats the catch-all in the same scope
    pi2 = await h.start()
    await h.engine.throw_error((await h.job())["key"], "A", "", {})
    assert "catch_a" in h.completed(pi2) and "catch_all" not in h.completed(pi2)


async def test_boundary_without_error_ref_catches_all(h: Harness) -> None:
    await h.deploy(with_boundaries(("catch_all", None)))
    pi = await h.start()
    await h.engine.throw_error((await h.job())["key"], "Z", "", {})
    assert "catch_all" in h.completed(pi)


def _error_end_in_sub_process_caught_by_event_sub_process() -> bytes:
    sub = (
        '<bpmn:subProcess id="sub">'
        + start("sub_start")
        + service("inner")
        + end("throw", '<bpmn:errorEventDefinition id="throw_def" errorRef="err_a" />')
        + chain("sub_start", "inner", "throw")
        + "</bpmn:subProcess>"
    )
    esp = (
        '<bpmn:subProcess id="handler" triggeredByEvent="true">'
        + start("on_error", '<bpmn:errorEventDefinition id="on_error_def" errorRef="err_a" />')
        + service("compensate", "handle")
        + end("handled")
        + chain("on_error", "compensate", "handled")
        + "</bpmn:subProcess>"
    )
    body = start() + sub + service("after", "after") + end() + chain("start", "sub", "after", "end") + esp
    return bpmn(body, extra=ERRORS)


async def test_error_end_event_in_sub_process_caught_by_error_event_sub_process(h: Harness) -> None:
    await h.deploy(_error_end_in_sub_process_caught_by_event_sub_process())
    pi = await h.start()
    await h.complete("work")
    assert h.active(pi) == ["compensate", "handler"]
    assert set(h.terminated(pi)) == {"sub", "throw"}  # the thrower ends with its scope
    await h.complete("handle")
    assert h.state(pi) == "COMPLETED"
    assert "after" not in h.completed(pi)  # interrupting: the process ends with the handler
    assert h.completed(pi)[-3:] == ["handled", "handler", "p"]


async def test_error_end_event_uncaught_is_an_incident_on_the_end_event(h: Harness) -> None:
    body = (
        start()
        + end("throw", '<bpmn:errorEventDefinition id="d" errorRef="err_b" />')
        + chain("start", "throw")
    )
    await h.deploy(bpmn(body, extra=ERRORS))
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["element_id"] == "throw" and inc["error_type"] == "UNHANDLED_ERROR_EVENT"
    assert inc["job_key"] is None


async def test_an_output_mapping_takes_the_error_variables_out_of_the_catch_event(h: Harness) -> None:
    body = start() + service("task") + end() + chain("start", "task", "end")
    body += (
        '<bpmn:boundaryEvent id="catch_a" attachedToRef="task">'
        '<bpmn:extensionElements><zeebe:ioMapping><zeebe:output source="=reason" target="why" /></zeebe:ioMapping>'
        '</bpmn:extensionElements><bpmn:errorEventDefinition id="catch_a_def" errorRef="err_a" /></bpmn:boundaryEvent>'
    )
    body += end("end_catch_a") + flow("catch_a", "end_catch_a")
    await h.deploy(bpmn(body, extra=ERRORS))
    pi = await h.start()
    job = await h.job()
    await h.engine.throw_error(job["key"], "A", "bad", {"reason": "stock"})
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"why": "stock"}
