"""Timers: intermediate, boundary (interrupting, cycles), start events, dates (zeebe-protocol.md §7.7)."""

from __future__ import annotations

import pytest

from tests.engine.runtime.helpers import T0, Harness, bpmn, chain, end, flow, service, simple, start, timer


def catch(kind: str, value: str) -> str:
    return f'<bpmn:intermediateCatchEvent id="wait">{timer(kind, value)}</bpmn:intermediateCatchEvent>'


@pytest.mark.parametrize(
    ("kind", "value", "due"),
    [
        ("timeDuration", "PT1M", 60_000),
        ("timeDuration", '="PT" + string(secs) + "S"', 90_000),
        ("timeDuration", '=duration("PT2M")', 120_000),
        ("timeDate", "2024-01-01T00:05:00Z", 300_000),
        ("timeDate", "2024-01-01T01:05:00+01:00", 300_000),
        ("timeDate", '=date and time("2024-01-01T00:10:00@UTC")', 600_000),
    ],
)
async def test_intermediate_timer_fires_at_its_due_date_never_early(
    h: Harness, kind: str, value: str, due: int
) -> None:
    await h.deploy(bpmn(simple(catch(kind, value))))
    pi = await h.start(secs=90)
    created = h.records("TIMER", "CREATED")[0]["value"]
    assert created["dueDate"] == T0 + due and created["targetElementId"] == "wait"
    await h.clock(due - 1)
    assert h.active(pi) == ["wait"]
    await h.clock(due)
    assert h.state(pi) == "COMPLETED"
    assert [r["intent"] for r in h.records("TIMER")] == ["CREATED", "TRIGGERED"]


async def test_interrupting_boundary_timer_terminates_the_task(h: Harness) -> None:
    body = (
        simple(service("task"))
        + f'<bpmn:boundaryEvent id="late" attachedToRef="task">{timer("timeDuration", "PT30S")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.clock(30_000)
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]
    assert "late_end" in h.completed(pi)
    assert [r["intent"] for r in h.records("JOB")] == ["CREATED", "CANCELED"]


async def test_boundary_timer_is_canceled_when_the_task_completes(h: Harness) -> None:
    body = (
        simple(service("task"))
        + f'<bpmn:boundaryEvent id="late" attachedToRef="task">{timer("timeDuration", "PT30S")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    await h.complete()
    assert [r["intent"] for r in h.records("TIMER")] == ["CREATED", "CANCELED"]
    await h.clock(60_000)
    assert "late" not in [e for e, _ in h.trace(pi)]


async def test_non_interrupting_cycle_boundary_fires_repeatedly(h: Harness) -> None:
    body = (
        simple(service("task"))
        + '<bpmn:boundaryEvent id="remind" attachedToRef="task" cancelActivity="false">'
        + timer("timeCycle", "R3/PT10S")
        + "</bpmn:boundaryEvent>"
        + service("nudge", "nudge")
        + end("nudge_end")
        + chain("remind", "nudge", "nudge_end")
    )
    await h.deploy(bpmn(body))
    pi = await h.start()
    for n in (1, 2, 3, 4):
        await h.clock(10_000 * n)
    assert len(h.records("TIMER", "TRIGGERED")) == 3
    assert h.active(pi) == ["nudge", "nudge", "nudge", "task"]
    await h.complete("work")
    for job in await h.jobs("nudge"):
        await h.engine.complete_job(job["key"], {})
    assert h.state(pi) == "COMPLETED"


async def test_timer_start_event_cycle_creates_instances(h: Harness) -> None:
    body = start("start", timer("timeCycle", "R2/PT1M")) + end() + flow("start", "end")
    await h.deploy(bpmn(body))
    assert h.records("TIMER", "CREATED")[0]["value"]["dueDate"] == T0 + 60_000
    await h.clock(60_000)
    await h.clock(120_000)
    await h.clock(180_000)
    created = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_COMPLETED")
        if r["value"]["bpmnElementType"] == "PROCESS"
    ]
    assert len(created) == 2
    assert h.engine.state.timers == {}


async def test_new_version_replaces_the_start_timer(h: Harness) -> None:
    body = start("start", timer("timeCycle", "R/PT1M")) + end() + flow("start", "end")
    await h.deploy(bpmn(body))
    await h.deploy(bpmn(body + '<bpmn:endEvent id="other" />'))
    assert [r["intent"] for r in h.records("TIMER")] == ["CREATED", "CANCELED", "CREATED"]
    await h.clock(60_000)
    versions = [
        r["value"]["version"]
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["bpmnElementType"] == "PROCESS"
    ]
    assert versions == [2]


async def test_timer_start_event_at_a_date(h: Harness) -> None:
    body = start("start", timer("timeDate", "2024-01-01T00:01:00Z")) + end() + flow("start", "end")
    await h.deploy(bpmn(body))
    await h.clock(60_000)
    await h.clock(120_000)
    completed = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_COMPLETED")
        if r["value"]["bpmnElementType"] == "PROCESS"
    ]
    assert len(completed) == 1


async def test_timer_event_sub_process_interrupts_the_process(h: Harness) -> None:
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", timer("timeDuration", "PT1H"))
        + end("esp_end")
        + flow("esp_start", "esp_end")
        + "</bpmn:subProcess>"
    )
    await h.deploy(bpmn(simple(service("task")) + esp))
    pi = await h.start()
    await h.clock(3_600_000)
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task"]


async def test_invalid_timer_expression_is_an_incident(h: Harness) -> None:
    await h.deploy(bpmn(simple(catch("timeDuration", "=wait"))))
    pi = await h.start()
    inc = h.incident(pi)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR" and inc["element_id"] == "wait"
    await h.engine.set_variables(pi, {"wait": "PT1S"}, local=False)
    await h.engine.resolve_incident(inc["key"])
    await h.clock(1_000)
    assert h.state(pi) == "COMPLETED"


def sub_with_interrupting_event_sub_process() -> bytes:
    """`sub` holds a timer boundary event (1 h) and an interrupting timer event sub-process (1 min)."""
    esp = (
        '<bpmn:subProcess id="esp" triggeredByEvent="true">'
        + start("esp_start", timer("timeDuration", "PT1M"))
        + service("esp_task", "esp")
        + end("esp_end")
        + chain("esp_start", "esp_task", "esp_end")
        + "</bpmn:subProcess>"
    )
    sub = (
        '<bpmn:subProcess id="sub">'
        + start("s0")
        + service("task")
        + end("e0")
        + chain("s0", "task", "e0")
        + esp
        + "</bpmn:subProcess>"
    )
    body = (
        simple(sub)
        + f'<bpmn:boundaryEvent id="late" attachedToRef="sub">{timer("timeDuration", "PT1H")}</bpmn:boundaryEvent>'
        + end("late_end")
        + flow("late", "late_end")
    )
    return bpmn(body)


def timer_trace(h: Harness) -> list[tuple[str, str]]:
    return [(r["value"]["targetElementId"], r["intent"]) for r in h.records("TIMER")]


async def test_interrupting_event_sub_process_leaves_the_scopes_boundary_timer_open(h: Harness) -> None:
    """Zeebe's EventTriggerBehavior.triggerEventSubProcess unsubscribes only the event sub-process start events
    of the scope (CatchEventBehavior.unsubscribeEventSubprocesses): the boundary timer of `sub` stays, and
    when it fires it interrupts `sub` with the event sub-process running inside."""
    await h.deploy(sub_with_interrupting_event_sub_process())
    pi = await h.start()
    await h.clock(60_000)
    assert h.active(pi) == ["esp", "esp_task", "sub"]
    assert sorted(timer_trace(h)) == [("esp_start", "CREATED"), ("esp_start", "TRIGGERED"), ("late", "CREATED")]
    await h.clock(3_600_000)
    assert timer_trace(h)[-1] == ("late", "TRIGGERED")
    assert h.state(pi) == "COMPLETED"
    assert h.terminated(pi) == ["task", "esp_task", "esp", "sub"]
    assert "late_end" in h.completed(pi)


async def test_the_boundary_timer_closes_when_the_interrupted_scope_completes(h: Harness) -> None:
    await h.deploy(sub_with_interrupting_event_sub_process())
    pi = await h.start()
    await h.clock(60_000)
    await h.complete("esp")
    assert h.completed(pi)[-5:] == ["esp_end", "esp", "sub", "end", "p"]
    assert timer_trace(h)[-1] == ("late", "CANCELED")
    assert h.state(pi) == "COMPLETED"
