"""Script, business rule and user tasks (zeebe-protocol.md §7.2–§7.4)."""

from __future__ import annotations

import json

import pytest

from engine.runtime.errors import Rejection
from tests.engine.runtime.helpers import Harness, bpmn, dmn, ext, io, simple


def script(expr: str, result: str = "out", *more: str) -> str:
    definition = f'<zeebe:script expression="{expr}" resultVariable="{result}" />'
    return f'<bpmn:scriptTask id="script">{ext(definition, *more)}</bpmn:scriptTask>'


def rule(decision: str = "grade", *more: str) -> str:
    definition = f'<zeebe:calledDecision decisionId="{decision}" resultVariable="result" />'
    return f'<bpmn:businessRuleTask id="rule">{ext(definition, *more)}</bpmn:businessRuleTask>'


async def test_script_task_stores_the_feel_result(h: Harness) -> None:
    await h.deploy(bpmn(simple(script("=sum(items) * factor", "total"))))
    pi = await h.start(items=[1, 2, 3], factor=2)
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["total"] == 12


async def test_script_task_result_with_output_mapping(h: Harness) -> None:
    await h.deploy(bpmn(simple(script("={a: 1, b: &quot;x&quot;}", "res", io(outputs=[("=res.b", "b")])))))
    pi = await h.start()
    assert h.variables(pi) == {"b": "x"}


async def test_script_task_failure_is_an_incident_resolved_by_a_retry(h: Harness) -> None:
    await h.deploy(bpmn(simple(script("=x + &quot;a&quot;", "res"))))
    pi = await h.start(x=1)
    # FEEL: 1 + "a" is null, not an error (unknown functions too, with a warning); assert() fails
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["res"] is None
    await h.deploy(bpmn(simple(script("=assert(x, x &gt; 5, &quot;too small&quot;)", "res"))))
    pi2 = await h.start(x=1)
    inc = h.incident(pi2)
    assert inc["error_type"] == "EXTRACT_VALUE_ERROR" and inc["element_id"] == "script"
    assert "too small" in inc["error_message"]
    await h.engine.set_variables(pi2, {"x": 6}, local=False)
    await h.engine.resolve_incident(inc["key"])
    assert h.state(pi2) == "COMPLETED" and h.variables(pi2)["res"] == 6


async def test_business_rule_task_evaluates_the_decision(h: Harness) -> None:
    await h.engine.deploy([("grading.dmn", dmn())])
    await h.deploy(bpmn(simple(rule())))
    pi = await h.start(score=95)
    assert h.state(pi) == "COMPLETED"
    assert h.variables(pi)["result"] == "A"
    [evaluation] = h.records("DECISION_EVALUATION")
    value = evaluation["value"]
    assert evaluation["intent"] == "EVALUATED"
    # the record spells the decision fields as Zeebe's DecisionEvaluationRecord does (output as JSON text)
    assert value["decisionId"] == "grade" and json.loads(value["decisionOutput"]) == "A"
    assert value["evaluatedDecisions"][0]["matchedRules"], "the record explains which rule matched"
    assert value["elementId"] == "rule" and value["processInstanceKey"] == pi


async def test_missing_decision_is_an_incident_fixed_by_deploying(h: Harness) -> None:
    await h.deploy(bpmn(simple(rule())))
    pi = await h.start(score=10)
    inc = h.incident(pi)
    assert inc["error_type"] == "CALLED_DECISION_ERROR"
    assert (
        inc["error_message"] == "Expected to evaluate decision 'grade', but no decision found for id 'grade'"
    )
    await h.engine.deploy([("grading.dmn", dmn())])
    await h.engine.resolve_incident(inc["key"])
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["result"] == "B"


USER_TASK = (
    '<bpmn:userTask id="approve">'
    + ext(
        "<zeebe:userTask />",
        '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="sales, ops" />',
        '<zeebe:taskHeaders><zeebe:header key="h" value="1" /></zeebe:taskHeaders>',
    )
    + "</bpmn:userTask>"
)


async def test_native_user_task_assignment_and_completion(h: Harness) -> None:
    await h.deploy(bpmn(simple(USER_TASK)))
    pi = await h.start(owner="anna")
    [task] = h.engine.state.user_tasks.values()
    assert (task.assignee, task.candidate_groups, task.priority) == ("anna", ["sales", "ops"], 50)
    assert task.element_instance.key == h.live(pi, "approve").key and task.key != task.element_instance.key
    assert [r["intent"] for r in h.records("USER_TASK")] == ["CREATING", "CREATED"]
    # UserTaskProcessor: the user task is created before the element is ACTIVATED
    steps = [(r["value_type"], r["intent"], r["value"].get("elementId")) for r in h.records(pi=pi)]
    activating = steps.index(("PROCESS_INSTANCE", "ELEMENT_ACTIVATING", "approve"))
    assert steps[activating + 1 : activating + 4] == [
        ("USER_TASK", "CREATING", "approve"),
        ("USER_TASK", "CREATED", "approve"),
        ("PROCESS_INSTANCE", "ELEMENT_ACTIVATED", "approve"),
    ]
    assert await h.jobs("io.camunda.zeebe:userTask") == []  # no job for a Camunda user task
    await h.engine.assign_user_task(task.key, "ben")
    assert h.records("USER_TASK")[-1]["value"]["assignee"] == "ben"
    await h.engine.complete_user_task(task.key, {"approved": True})
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["approved"] is True
    assert [r["intent"] for r in h.records("USER_TASK")][-2:] == ["COMPLETING", "COMPLETED"]
    with pytest.raises(Rejection) as e:
        await h.engine.complete_user_task(task.key, {})
    assert e.value.rejection_type == "NOT_FOUND"


async def test_native_user_task_is_canceled_with_its_instance(h: Harness) -> None:
    await h.deploy(bpmn(simple(USER_TASK)))
    pi = await h.start(owner="anna")
    await h.engine.cancel_process_instance(pi)
    assert [r["intent"] for r in h.records("USER_TASK")][-2:] == ["CANCELING", "CANCELED"]
    assert h.engine.state.user_tasks == {}


async def test_job_worker_user_task_has_the_reserved_headers(h: Harness) -> None:
    task = (
        '<bpmn:userTask id="approve">'
        + ext(
            '<zeebe:assignmentDefinition assignee="=owner" candidateGroups="sales, ops" candidateUsers="=[&quot;u1&quot;]" />',
            '<zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1" />',
            '<zeebe:taskHeaders><zeebe:header key="h" value="1" /></zeebe:taskHeaders>',
        )
        + "</bpmn:userTask>"
    )
    await h.deploy(bpmn(simple(task)))
    pi = await h.start(owner="anna")
    job = await h.job("io.camunda.zeebe:userTask")
    assert job["retries"] == 1
    assert job["customHeaders"] == {
        "h": "1",
        "io.camunda.zeebe:assignee": "anna",
        "io.camunda.zeebe:candidateGroups": '["sales","ops"]',
        "io.camunda.zeebe:candidateUsers": '["u1"]',
        "io.camunda.zeebe:formKey": "camunda-forms:bpmn:userTaskForm_1",
    }
    await h.engine.complete_job(job["key"], {"ok": 1})
    assert h.state(pi) == "COMPLETED"


async def test_failing_decision_is_a_decision_evaluation_error(h: Harness) -> None:
    table = dmn().replace(b'hitPolicy="FIRST"', b'hitPolicy="UNIQUE"')  # both rules match 95
    await h.engine.deploy([("grading.dmn", table)])
    await h.deploy(bpmn(simple(rule())))
    pi = await h.start(score=95)
    inc = h.incident(pi)
    assert inc["error_type"] == "DECISION_EVALUATION_ERROR"
    assert inc["error_message"].startswith("Expected to evaluate decision 'grade', but ")
    assert h.records("DECISION_EVALUATION")[-1]["intent"] == "FAILED"
    await h.engine.set_variables(pi, {"score": 10}, local=False)
    await h.engine.resolve_incident(inc["key"])
    assert h.state(pi) == "COMPLETED" and h.variables(pi)["result"] == "B"
