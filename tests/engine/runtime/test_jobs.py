"""Service tasks and the job life cycle (zeebe-protocol.md §3 job RPCs, §5, §8)."""

from __future__ import annotations

import pytest

from engine.runtime.errors import Rejection
from tests.engine.runtime.helpers import Harness, bpmn, service, simple

HEADERS = '<zeebe:taskHeaders><zeebe:header key="k" value="v" /></zeebe:taskHeaders>'


async def test_service_task_job_is_completed_with_variables(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", "work", HEADERS))))
    pi = await h.start(a=1)
    job = await h.job("work")
    assert (job["retries"], job["customHeaders"], job["variables"]) == (3, {"k": "v"}, {"a": 1})
    assert job["elementId"] == "task" and job["processInstanceKey"] == pi and job["worker"] == "tester"
    assert job["elementInstanceKey"] == h.live(pi, "task").key
    await h.engine.complete_job(job["key"], {"b": 2})
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi) == {"a": 1, "b": 2}
    assert [r["intent"] for r in h.records("JOB")] == ["CREATED", "COMPLETED"]
    assert h.completed(pi) == ["start", "task", "end", "p"]
    # the job is gone: a second completion is NOT_FOUND
    with pytest.raises(Rejection) as e:
        await h.engine.complete_job(job["key"], {})
    assert e.value.rejection_type == "NOT_FOUND"
    assert e.value.reason == f"Expected to complete job with key '{job['key']}', but no such job was found"


async def test_fail_job_with_backoff_recurs_after_the_clock_passes(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pi = await h.start()
    job = await h.job()
    await h.engine.fail_job(job["key"], 2, "boom", 5_000, {"local": True})
    assert await h.jobs() == []  # FAILED while backing off
    with pytest.raises(Rejection) as e:
        await h.engine.complete_job(job["key"], {})
    assert (e.value.rejection_type, e.value.reason) == (
        "INVALID_STATE",
        f"Expected to complete job with key '{job['key']}', but it is in state 'FAILED'",
    )
    await h.clock(4_999)
    assert await h.jobs() == []  # never early
    await h.clock(5_000)
    assert [r["intent"] for r in h.records("JOB")][-2:] == ["FAILED", "RECURRED_AFTER_BACKOFF"]
    again = await h.job()
    assert again["key"] == job["key"] and again["retries"] == 2
    # FailJob variables are local to the task (§3 FailJob)
    task = h.live(pi, "task")
    assert h.variables(task.key) == {"local": True} and "local" not in h.variables(pi)


async def test_fail_job_without_backoff_is_activatable_at_once(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    await h.start()
    job = await h.job()
    await h.engine.fail_job(job["key"], 1, "again", 0, {})
    assert (await h.job())["retries"] == 1


async def test_no_retries_incident_then_update_retries_and_resolve(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pi = await h.start()
    job = await h.job()
    await h.engine.fail_job(job["key"], 0, "", 0, {})
    inc = h.incident(pi)
    assert (inc["error_type"], inc["error_message"], inc["job_key"]) == (
        "JOB_NO_RETRIES",
        "No more retries left.",
        job["key"],
    )
    assert inc["element_instance_key"] == job["elementInstanceKey"]
    # resolving while the job has no retries is refused (with the 8.6 response code, §3 ResolveIncident)
    with pytest.raises(Rejection) as e:
        await h.engine.resolve_incident(inc["key"])
    assert "has no retries left" in e.value.reason
    await h.engine.update_job_retries(job["key"], 2)
    assert await h.jobs() == []  # UpdateJobRetries alone does not re-enable the job
    await h.engine.resolve_incident(inc["key"])
    assert [r["intent"] for r in h.records("INCIDENT")] == ["CREATED", "RESOLVED"]
    again = await h.job()
    assert again["retries"] == 2
    await h.engine.complete_job(again["key"], {})
    assert h.state(pi) == "COMPLETED"
    assert h.incidents(pi) == []


async def test_fail_job_message_becomes_the_incident_message(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", retries="1"))))
    pi = await h.start()
    job = await h.job()
    assert job["retries"] == 1
    await h.engine.fail_job(job["key"], 0, "Failed job. Error: x", 0, {})
    assert h.incident(pi)["error_message"] == "Failed job. Error: x"


async def test_update_job_retries_rejects_non_positive(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    await h.start()
    job = await h.job()
    with pytest.raises(Rejection) as e:
        await h.engine.update_job_retries(job["key"], 0)
    assert e.value.rejection_type == "INVALID_ARGUMENT"


async def test_job_timeout_makes_it_activatable_with_retries_unchanged(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pi = await h.start()
    job = await h.job(timeout_ms=1_000)
    assert job["deadline"] == h.engine.clock.now() + 1_000
    await h.clock(999)
    assert await h.jobs() == []
    await h.clock(1_000)
    timed_out = h.records("JOB", "TIMED_OUT")
    assert len(timed_out) == 1 and timed_out[0]["key"] == job["key"] and timed_out[0]["value"]["retries"] == 3
    assert h.engine.state.jobs[job["key"]].state == "ACTIVATABLE"
    # a late completion by the first worker is still accepted while the job is ACTIVATABLE (§5.2.5)
    await h.engine.complete_job(job["key"], {"late": 1})
    assert h.state(pi) == "COMPLETED" and h.variables(pi) == {"late": 1}


async def test_timed_out_job_is_handed_to_the_next_worker(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    await h.start()
    job = await h.job(timeout_ms=1_000)
    await h.clock(2_000)
    again = await h.job()
    assert again["key"] == job["key"] and again["retries"] == 3


async def test_activation_order_and_max_jobs(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task"))))
    pis = [await h.start(n=i) for i in range(3)]
    first = await h.jobs(max_jobs=2)
    assert [j["processInstanceKey"] for j in first] == pis[:2]
    rest = await h.jobs(max_jobs=2)
    assert [j["processInstanceKey"] for j in rest] == pis[2:]
    batches = h.records("JOB_BATCH", "ACTIVATED")
    assert [len(b["value"]["jobKeys"]) for b in batches] == [2, 1]


async def test_expression_job_type_and_retries(h: Harness) -> None:
    await h.deploy(bpmn(simple(service("task", "=kind", retries="=tries + 1"))))
    await h.start(kind="dyn", tries=4)
    job = await h.job("dyn")
    assert job["retries"] == 5


async def test_the_job_is_created_before_the_task_is_activated(h: Harness) -> None:
    """JobWorkerTaskProcessor.finalizeActivation: subscribe to the boundary events, create the job, then
    ELEMENT_ACTIVATED."""
    timer = (
        '<bpmn:boundaryEvent id="late" attachedToRef="task" cancelActivity="false">'
        '<bpmn:timerEventDefinition><bpmn:timeDuration>PT1H</bpmn:timeDuration></bpmn:timerEventDefinition>'
        "</bpmn:boundaryEvent>"
    )
    await h.deploy(bpmn(simple(service("task")) + timer))
    pi = await h.start()
    steps = [(r["value_type"], r["intent"]) for r in h.records(pi=pi)]
    start = steps.index(("PROCESS_INSTANCE", "ELEMENT_ACTIVATING"), 4)
    assert steps[start : start + 4] == [
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATING"),
        ("TIMER", "CREATED"),
        ("JOB", "CREATED"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED"),
    ]
    assert h.records(pi=pi)[start]["value"]["elementId"] == "task"
