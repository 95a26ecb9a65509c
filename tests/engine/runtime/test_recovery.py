"""Recovery: a new Engine on the same store continues every waiting instance (jobs, timers, messages, user
tasks, incidents, joins, multi-instance, call activities) and never repeats a key."""

from __future__ import annotations

from pathlib import Path

from engine.runtime.engine import Engine
from engine.store import schema
from engine.store.store import Store, database_url
from tests.engine.runtime.conftest import pinned_clock
from tests.engine.runtime.helpers import (
    Harness,
    bpmn,
    end,
    ext,
    flow,
    message,
    service,
    simple,
    start,
    timer,
)

MSG = message("m", "ping", "=id")


def processes() -> list[tuple[str, bytes]]:
    catch = '<bpmn:intermediateCatchEvent id="catch"><bpmn:messageEventDefinition id="cd" messageRef="m" /></bpmn:intermediateCatchEvent>'
    wait = f'<bpmn:intermediateCatchEvent id="wait">{timer("timeDuration", "PT1M")}</bpmn:intermediateCatchEvent>'
    user = '<bpmn:userTask id="approve">' + ext("<zeebe:userTask />") + "</bpmn:userTask>"
    gateway = (
        start()
        + '<bpmn:exclusiveGateway id="gw" />'
        + end()
        + flow("start", "gw")
        + flow("gw", "end", "ok", "=ok = true")
    )
    join = (
        start()
        + '<bpmn:parallelGateway id="fork" />'
        + service("a", "join-a")
        + service("b", "join-b")
        + '<bpmn:parallelGateway id="join" />'
        + end()
        + flow("start", "fork")
        + flow("fork", "a")
        + flow("fork", "b")
        + flow("a", "join")
        + flow("b", "join")
        + flow("join", "end")
    )
    loop = (
        "<bpmn:multiInstanceLoopCharacteristics>"
        + ext(
            '<zeebe:loopCharacteristics inputCollection="=items" inputElement="item" outputCollection="out" outputElement="=item" />'
        )
        + "</bpmn:multiInstanceLoopCharacteristics>"
    )
    cycle = (
        simple(service("task", "cycled"))
        + '<bpmn:boundaryEvent id="remind" attachedToRef="task" cancelActivity="false">'
        + timer("timeCycle", "R/PT10S")
        + "</bpmn:boundaryEvent>"
        + end("reminded")
        + flow("remind", "reminded")
    )
    call = (
        '<bpmn:callActivity id="call">'
        + ext('<zeebe:calledElement processId="jobs" />')
        + "</bpmn:callActivity>"
    )
    started = (
        start("start", '<bpmn:messageEventDefinition id="sd" messageRef="go" />')
        + service("task", "started")
        + end()
        + flow("start", "task")
        + flow("task", "end")
    )
    return [
        ("jobs.bpmn", bpmn(simple(service("task", "work")), pid="jobs")),
        ("timer.bpmn", bpmn(simple(wait), pid="timer")),
        ("msg.bpmn", bpmn(simple(catch), pid="msg", extra=MSG)),
        ("user.bpmn", bpmn(simple(user), pid="user")),
        ("incident.bpmn", bpmn(gateway, pid="incident")),
        ("join.bpmn", bpmn(join, pid="joins")),
        ("mi.bpmn", bpmn(simple(service("task", "mi", inner=loop)), pid="mi")),
        ("cycle.bpmn", bpmn(cycle, pid="cycle")),
        ("call.bpmn", bpmn(simple(call), pid="caller")),
        ("started.bpmn", bpmn(started, pid="started", extra=message("go", "go-msg"))),
    ]


def open_engine(tmp_path: Path) -> Engine:
    return Engine(Store(database_url(tmp_path)), pinned_clock())


async def test_everything_continues_after_a_restart(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    await engine.start()
    h = Harness(engine)
    await engine.deploy(processes())
    pis = {
        pid: await h.start(pid, id="k", ok=False, items=[1, 2, 3])
        for pid in ("jobs", "timer", "msg", "user", "incident", "joins", "mi", "cycle", "caller")
    }
    leased = (await h.jobs("work", timeout_ms=30_000, max_jobs=1))[0]  # activated: its deadline must survive
    assert leased["processInstanceKey"] in (pis["jobs"], await _child(h, pis["caller"]))
    await h.complete("join-a")
    mi_jobs = await h.jobs("mi")
    await engine.complete_job(mi_jobs[1]["key"], {})
    await h.clock(10_000)  # the cycle fired once
    await engine.publish_message("ping", "other", 60_000, "", {"buffered": True})
    await engine.publish_message("go-msg", "c1", 0, "", {})
    await engine.fail_job((await h.job("cycled"))["key"], 2, "later", 30_000, {})
    keys_before = {r["key"] for r in h.records()}
    next_key = engine.next_key
    await engine.stop()

    engine = open_engine(tmp_path)
    await engine.start()
    h = Harness(engine)
    await h.clock(10_000)
    assert engine.next_key == next_key
    # waiting jobs are there; the leased one times out at its old deadline
    waiting = await h.jobs("work")
    assert len(waiting) == 1 and waiting[0]["key"] != leased["key"]
    await h.clock(30_000)
    assert h.records("JOB", "TIMED_OUT")[-1]["key"] == leased["key"]
    for job in waiting + await h.jobs("work"):
        await engine.complete_job(job["key"], {})
    assert h.state(pis["jobs"]) == "COMPLETED"
    assert h.state(pis["caller"]) == "COMPLETED"
    # the timer
    await h.clock(60_000)
    assert h.state(pis["timer"]) == "COMPLETED"
    # the message subscription, and the buffered message for a later one
    await engine.publish_message("ping", "k", 0, "", {"x": 1})
    assert h.state(pis["msg"]) == "COMPLETED"
    late = await h.start("msg", id="other")
    assert h.state(late) == "COMPLETED" and h.variables(late)["buffered"] is True
    # the user task
    [task] = engine.state.user_tasks.values()
    await engine.complete_user_task(task.key, {"done": True})
    assert h.state(pis["user"]) == "COMPLETED"
    # the incident
    inc = h.incident(pis["incident"])
    await engine.set_variables(pis["incident"], {"ok": True}, local=False)
    await engine.resolve_incident(inc["key"])
    assert h.state(pis["incident"]) == "COMPLETED"
    # the join remembers the token that already arrived
    await h.complete("join-b")
    assert h.state(pis["joins"]) == "COMPLETED"
    # multi-instance counters and the output collection
    for job in await h.jobs("mi"):
        await engine.complete_job(job["key"], {})
    assert h.state(pis["mi"]) == "COMPLETED" and h.variables(pis["mi"])["out"] == [1, 2, 3]
    # the cycle keeps firing; the back-off recurs at its time
    await h.clock(70_000)
    assert len([r for r in h.records("TIMER", "TRIGGERED") if r["value"]["targetElementId"] == "remind"]) >= 2
    cycled = await h.job("cycled")
    await engine.complete_job(cycled["key"], {})
    assert h.state(pis["cycle"]) == "COMPLETED"
    # the message-started instance still holds its correlation key
    await engine.publish_message("go-msg", "c1", 0, "", {})
    started = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["bpmnProcessId"] == "started" and r["value"]["bpmnElementType"] == "PROCESS"
    ]
    assert len(started) == 1
    # keys never repeat
    new_keys = {r["key"] for r in h.records() if r["key"] not in keys_before}
    assert new_keys and min(new_keys) >= next_key
    live = engine.store.rows(schema.element_instances, schema.element_instances.c.live.is_(True))
    assert {r["bpmn_process_id"] for r in live} == {"started"}
    await engine.stop()


async def _child(h: Harness, pi: int) -> int:
    rows = [
        r
        for r in h.records("PROCESS_INSTANCE", "ELEMENT_ACTIVATED")
        if r["value"]["parentProcessInstanceKey"] == pi
    ]
    return int(rows[0]["key"]) if rows else -1


async def test_keys_continue_after_restart_without_activity(tmp_path: Path) -> None:
    engine = open_engine(tmp_path)
    await engine.start()
    await engine.deploy([("p.bpmn", bpmn(simple()))])
    first = await engine.create_process_instance(bpmn_process_id="p")
    await engine.stop()
    engine = open_engine(tmp_path)
    await engine.start()
    second = await engine.create_process_instance(bpmn_process_id="p")
    assert second["processInstanceKey"] > first["processInstanceKey"]
    keys = [r["key"] for r in Harness(engine).records("PROCESS_INSTANCE", "ELEMENT_ACTIVATING")]
    assert len(keys) == len(set(keys))
    await engine.stop()
