"""The model read from the sample diagrams: elements, flows, extensions, expressions."""

from __future__ import annotations

import hashlib

import pytest

from engine.bpmn import (
    USER_TASK_JOB_TYPE,
    ElementType,
    EventType,
    ProcessModel,
    TimerKind,
    parse_bpmn,
)
from engine.feel import from_python
from tests.engine.bpmn.helpers import DIAGRAMS, END, START, chain, doc, service


@pytest.fixture(scope="module")
def approval() -> ProcessModel:
    models = parse_bpmn((DIAGRAMS / "approval.bpmn").read_bytes(), "approval.bpmn")
    assert len(models) == 1
    return models[0]


def test_process_metadata(approval: ProcessModel) -> None:
    data = (DIAGRAMS / "approval.bpmn").read_bytes()
    assert approval.bpmn_process_id == "assistance-approval"
    assert approval.name == "Assistance approval"
    assert approval.version_tag == "v1"
    assert approval.resource_name == "approval.bpmn"
    assert approval.xml == data
    assert approval.checksum == hashlib.md5(data).digest()
    assert approval.process.element_type is ElementType.PROCESS
    assert approval.none_start_event is not None and approval.none_start_event.id == "StartEvent_request"
    assert approval.process.event_sub_process_ids == ("SubProcess_withdrawn",)


def test_flows_and_scopes(approval: ProcessModel) -> None:
    gw = approval.element("Gateway_level")
    assert [f.id for f in gw.outgoing] == ["Flow_high", "Flow_low"]
    assert gw.default_flow is not None and gw.default_flow.id == "Flow_low" and gw.default_flow.is_default
    high = approval.flows["Flow_high"]
    assert high.condition is not None and high.condition.expression == 'level = "high"'
    assert high.condition.feel is not None
    assert high.condition.feel.evaluate({"level": from_python("high")}) is True
    record = approval.element("Task_record")
    assert {f.id for f in record.incoming} == {"Flow_after_approve", "Flow_low"}
    assert approval.element("Task_wait_reply").flow_scope_id == "SubProcess_consult"
    assert [e.id for e in approval.flow_scopes("Task_wait_reply")] == [
        "SubProcess_consult",
        "assistance-approval",
    ]
    assert approval.element("SubProcess_consult").none_start_event_id == "StartEvent_consult"
    assert [e.id for e in approval.children("SubProcess_consult")] == [
        "StartEvent_consult",
        "Task_wait_reply",
        "EndEvent_consult",
    ]


def test_tasks(approval: ProcessModel) -> None:
    grade = approval.element("Task_grade")
    assert grade.element_type is ElementType.BUSINESS_RULE_TASK and grade.job is None
    assert grade.called_decision is not None
    assert grade.called_decision.decision_id.static == "osja-grading"
    assert grade.called_decision.result_variable == "grading"
    assert [(m.source.text, m.target) for m in grade.io.inputs] == [("=request.country", "country")]
    assert [(m.source.text, m.target) for m in grade.io.outputs] == [("=grading.level", "level")]

    record = approval.element("Task_record")
    assert record.job is not None
    assert record.job.type.static == "records.store" and record.job.type.is_static
    assert record.job.retries.static == "3"
    assert dict(record.job.headers) == {"kind": "decision"}

    remind = approval.element("Task_remind")
    assert remind.element_type is ElementType.SEND_TASK
    assert remind.job is not None and not remind.job.retries.is_static
    assert remind.job.retries.expression == "retryBudget"


def test_native_user_task(approval: ProcessModel) -> None:
    task = approval.element("Task_approve")
    ut = task.user_task
    assert ut is not None and ut.native and task.job is None
    assert ut.assignee is not None and ut.assignee.expression == " request.manager"
    assert ut.candidate_groups is not None and ut.candidate_groups.static == "authorisers, ipab"
    assert ut.priority is not None and ut.priority.static == "80"
    assert ut.form is not None and ut.form.form_id == "approve-form" and ut.form.binding_type == "deployment"
    assert dict(ut.headers) == {"area": "approvals"}
    assert ut.due_date is not None and not ut.due_date.is_static


def test_boundary_and_events(approval: ProcessModel) -> None:
    assert approval.element("Task_approve").boundary_event_ids == ("Event_approve_timeout",)
    timeout = approval.element("Event_approve_timeout")
    assert timeout.attached_to_id == "Task_approve" and not timeout.interrupting
    assert timeout.event_type is EventType.TIMER
    assert timeout.timer is not None and timeout.timer.kind is TimerKind.DURATION
    assert timeout.timer.value.static == "P2D"
    failed = approval.element("Event_record_failed")
    assert failed.interrupting and failed.error is not None and failed.error.code is not None
    assert failed.error.code.static == "STORE_FAILED"
    assert approval.element("EndEvent_failed").event_type is EventType.TERMINATE
    wait = approval.element("Task_wait_reply")
    assert wait.message is not None and wait.message.name.static == "embassy-reply"
    assert (
        wait.message.correlation_key is not None
        and wait.message.correlation_key.expression == "embassy.caseRef"
    )
    esp = approval.element("SubProcess_withdrawn")
    assert esp.element_type is ElementType.EVENT_SUB_PROCESS and esp.interrupting
    start = approval.element("StartEvent_withdrawn")
    assert start.event_type is EventType.MESSAGE and start.message is not None
    assert start.message.name.static == "request-withdrawn"


def test_multi_instance(approval: ProcessModel) -> None:
    loop = approval.element("SubProcess_consult").loop
    assert loop is not None and not loop.is_sequential
    assert loop.input_collection.expression == "embassies"
    assert loop.input_element == "embassy" and loop.output_collection == "replies"
    assert loop.output_element is not None and loop.output_element.expression == "reply"
    assert loop.completion_condition is not None
    assert loop.completion_condition.expression == "numberOfCompletedInstances >= 2"


def test_model_is_immutable(approval: ProcessModel) -> None:
    task = approval.element("Task_record")
    with pytest.raises(AttributeError):
        task.name = "x"  # type: ignore[misc]
    with pytest.raises(TypeError):
        approval.elements["x"] = task  # type: ignore[index]


def test_job_worker_user_task_and_script() -> None:
    xml = doc(
        chain(
            START,
            '<bpmn:userTask id="ut"><bpmn:extensionElements>'
            '<zeebe:assignmentDefinition assignee="demo" />'
            '<zeebe:formDefinition formKey="camunda-forms:bpmn:userTaskForm_1" />'
            "</bpmn:extensionElements></bpmn:userTask>",
            '<bpmn:scriptTask id="script"><bpmn:extensionElements>'
            '<zeebe:script expression="=a + b" resultVariable="sum" /></bpmn:extensionElements></bpmn:scriptTask>',
            '<bpmn:callActivity id="call"><bpmn:extensionElements>'
            '<zeebe:calledElement processId="child" propagateAllChildVariables="false" />'
            "</bpmn:extensionElements></bpmn:callActivity>",
            END,
        )
    )
    (model,) = parse_bpmn(xml, "x.bpmn")
    ut = model.element("ut")
    assert ut.job is not None and ut.job.type.static == USER_TASK_JOB_TYPE and ut.job.retries.static == "1"
    assert ut.user_task is not None and not ut.user_task.native
    assert ut.user_task.form is not None and ut.user_task.form.form_key == "camunda-forms:bpmn:userTaskForm_1"
    script = model.element("script").script
    assert script is not None and script.result_variable == "sum"
    assert script.expression.feel is not None
    assert script.expression.feel.evaluate({"a": from_python(1), "b": from_python(2)}) == 3
    called = model.element("call").called_element
    assert called is not None and called.process_id.static == "child"
    assert not called.propagate_all_child_variables and called.propagate_all_parent_variables


def test_only_executable_processes_and_start_kinds() -> None:
    extra = (
        '<bpmn:process id="other" isExecutable="false"><bpmn:startEvent id="s2" /></bpmn:process>'
        '<bpmn:message id="m" name="go" />'
    )
    body = chain(
        '<bpmn:startEvent id="start"><bpmn:messageEventDefinition id="med" messageRef="m" /></bpmn:startEvent>',
        service(),
        END,
    ) + (
        '<bpmn:startEvent id="timerStart"><bpmn:timerEventDefinition id="ted">'
        "<bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>"
    )
    models = parse_bpmn(doc(body, extra), "x.bpmn")
    assert [m.bpmn_process_id for m in models] == ["p"]
    (model,) = models
    assert model.none_start_event is None
    assert [e.event_type for e in model.start_events("p")] == [EventType.MESSAGE, EventType.TIMER]
    start = model.element("start")
    assert start.message is not None and start.message.correlation_key is None
    timer = model.element("timerStart").timer
    assert timer is not None and timer.kind is TimerKind.CYCLE


def test_str_input_is_accepted() -> None:
    (model,) = parse_bpmn(doc(chain(START, END)), "x.bpmn")
    assert model.element("start").outgoing[0].target_id == "end"
