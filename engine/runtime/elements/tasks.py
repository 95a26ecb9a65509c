"""Tasks: job-based (service, send, job workers for rules/scripts/user tasks), script, business rule, user, receive."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from engine.bpmn import USER_TASK_JOB_TYPE, Expr
from engine.dmn import evaluate_decision
from engine.feel.format import to_python
from engine.runtime import variables as vars_
from engine.runtime.documents import DEFAULT_TENANT
from engine.runtime.elements.base import Handler
from engine.runtime.state import ElementInstance, UserTask
from engine.runtime.variables import StepFailure

if TYPE_CHECKING:
    from engine.runtime.processor import Processor


def _user_task_headers(p: Processor, ei: ElementInstance) -> dict[str, str]:
    """The reserved `io.camunda.zeebe:*` headers of a job-worker user task (only the non-empty ones)."""
    ut = ei.element.user_task
    headers: dict[str, str] = {}
    if ut is None:
        return headers
    if ut.assignee is not None:
        v = vars_.evaluate(p.ctx, ut.assignee, ei)
        if v:
            headers["io.camunda.zeebe:assignee"] = str(v)
    for expr, name in ((ut.candidate_groups, "candidateGroups"), (ut.candidate_users, "candidateUsers")):
        if expr is not None:
            items = _list_of(p, expr, ei)
            if items:
                headers[f"io.camunda.zeebe:{name}"] = json.dumps(
                    items, separators=(",", ":"), ensure_ascii=False
                )
    for expr, name in ((ut.due_date, "dueDate"), (ut.follow_up_date, "followUpDate")):
        if expr is not None:
            v = vars_.evaluate(p.ctx, expr, ei)
            if v:
                headers[f"io.camunda.zeebe:{name}"] = str(v)
    if ut.form is not None:
        form = ut.form
        if form.form_key:
            headers["io.camunda.zeebe:formKey"] = form.form_key
        elif form.form_id:
            deployed = p.state.latest_form(form.form_id)
            if deployed is not None:
                headers["io.camunda.zeebe:formKey"] = str(deployed.key)
    return headers


def _list_of(p: Processor, expr: Expr, ei: ElementInstance) -> list[str]:
    value = vars_.evaluate(p.ctx, expr, ei)
    if expr.feel is None:
        return [s.strip() for s in str(value).split(",") if s.strip()]
    if value is None:
        return []
    if isinstance(value, str):
        return [s.strip() for s in value.split(",") if s.strip()]
    vars_.expect(expr, value, "ARRAY")
    return [str(v) for v in value]


class JobTask(Handler):
    """Creates a job from `zeebe:taskDefinition` and waits for a worker."""

    def activate(self, p: Processor, ei: ElementInstance) -> None:
        job_def = ei.element.job
        if job_def is None:  # a send task / throw without a job: nothing to wait for
            p.mark_activated(ei)
            p.complete(ei)
            return
        job_type = vars_.expect(job_def.type, vars_.evaluate(p.ctx, job_def.type, ei), "STRING")
        retries_value = vars_.evaluate(p.ctx, job_def.retries, ei)
        if job_def.retries.feel is None:
            try:
                retries = int(str(retries_value))
            except ValueError:
                raise StepFailure(
                    "EXTRACT_VALUE_ERROR", f"Expected retries to be a number, but was '{retries_value}'."
                ) from None
        else:
            retries = int(vars_.expect(job_def.retries, retries_value, "NUMBER"))
        headers = dict(job_def.headers)
        if job_type == USER_TASK_JOB_TYPE or (
            ei.element.user_task is not None and not ei.element.user_task.native
        ):
            headers.update(_user_task_headers(p, ei))
        # JobWorkerTaskProcessor.finalizeActivation: subscribe to the events, create the job, then ACTIVATED
        p.open_activation_events(ei)
        p.create_job(ei, job_type, retries, headers)
        p.set_activated(ei)

    def on_terminate(self, p: Processor, ei: ElementInstance) -> None:
        job = p.state.jobs.get(ei.job_key) if ei.job_key is not None else None
        if job is not None:
            p.cancel_job(job)


class ScriptTask(JobTask):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        script = ei.element.script
        if script is None:
            super().activate(p, ei)
            return
        value = vars_.evaluate(p.ctx, script.expression, ei)
        ei.trigger = {script.result_variable: value}
        # ScriptTaskProcessor.triggerProcessEventWithResultVariable
        ei.runtime["event_key"] = p.triggering(ei, ei.element.id, ei.trigger)
        p.mark_activated(ei)
        p.complete(ei)


class BusinessRuleTask(JobTask):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        called = ei.element.called_decision
        if called is None:
            super().activate(p, ei)
            return
        decision_id = vars_.expect(
            called.decision_id, vars_.evaluate(p.ctx, called.decision_id, ei), "STRING"
        )
        decision = p.state.latest_decision(decision_id)
        if decision is None:
            raise StepFailure(
                "CALLED_DECISION_ERROR",
                f"Expected to evaluate decision '{decision_id}', but no decision found for id '{decision_id}'",
            )
        variables = {name: var.value for name, var in vars_.visible(ei).items()}
        result = evaluate_decision(
            decision.drg.model,
            decision.decision_id,
            variables,
            dialect="camunda",
            clock=p.ctx.engine.clock.now_datetime,
        )
        p.ctx.engine.decision_evaluated(p.ctx, decision, result, ei)
        if result.failed:
            raise StepFailure(
                "DECISION_EVALUATION_ERROR", result.failure_message or "decision evaluation failed"
            )
        ei.trigger = {called.result_variable: to_python(result.decision_output, "camunda")}
        # BusinessRuleTaskProcessor.triggerProcessEventWithResultVariable
        ei.runtime["event_key"] = p.triggering(ei, ei.element.id, ei.trigger)
        p.mark_activated(ei)
        p.complete(ei)


class UserTaskHandler(JobTask):
    """A Camunda user task waits for `POST /v2/user-tasks/{key}/completion`; a job-worker one is a job."""

    def activate(self, p: Processor, ei: ElementInstance) -> None:
        ut = ei.element.user_task
        if ut is None or not ut.native:
            super().activate(p, ei)
            return
        ctx = p.ctx
        assignee = vars_.evaluate(ctx, ut.assignee, ei) if ut.assignee is not None else None
        groups = _list_of(p, ut.candidate_groups, ei) if ut.candidate_groups is not None else []
        users = _list_of(p, ut.candidate_users, ei) if ut.candidate_users is not None else []
        due = vars_.evaluate(ctx, ut.due_date, ei) if ut.due_date is not None else None
        follow = vars_.evaluate(ctx, ut.follow_up_date, ei) if ut.follow_up_date is not None else None
        priority = 50
        if ut.priority is not None:
            raw = vars_.evaluate(ctx, ut.priority, ei)
            try:
                priority = int(raw)
            except (TypeError, ValueError):
                raise StepFailure(
                    "EXTRACT_VALUE_ERROR", f"Expected priority to be a number, but was '{raw}'."
                ) from None
            if not 0 <= priority <= 100:
                raise StepFailure(
                    "EXTRACT_VALUE_ERROR",
                    f"Expected priority to be in the range [0,100], but was '{priority}'.",
                )
        form_key, external = None, None
        if ut.form is not None:
            if ut.form.form_id:
                form = p.state.latest_form(ut.form.form_id)
                if form is None:
                    raise StepFailure(
                        "FORM_NOT_FOUND",
                        f"Expected to find a form with id '{ut.form.form_id}', but no form with this id is found, "
                        "at least a form with this id should be available. To resolve the Incident please deploy a "
                        "form with the same id",
                    )
                form_key = form.key
            elif ut.form.external_reference is not None:
                external = str(vars_.evaluate(ctx, ut.form.external_reference, ei))
            elif ut.form.form_key:
                external = ut.form.form_key
        # UserTaskProcessor: subscribe to the events, create the user task (CREATING, CREATED), then ACTIVATED
        p.open_activation_events(ei)
        task = UserTask(
            ctx.key(),
            ei,
            ei.element.name,
            str(assignee) if assignee else None,
            groups,
            users,
            str(due) if due else None,
            str(follow) if follow else None,
            form_key,
            external,
            dict(ut.headers),
            priority,
            ctx.now,
        )
        p.state.user_tasks[task.key] = task
        ei.user_task_key = task.key
        user_task_record(p, task, "CREATING")
        user_task_record(p, task, "CREATED")
        ctx.save_user_task(task)
        p.set_activated(ei)

    def on_terminate(self, p: Processor, ei: ElementInstance) -> None:
        super().on_terminate(p, ei)
        task = p.state.user_tasks.pop(ei.user_task_key, None) if ei.user_task_key is not None else None
        if task is not None:
            task.state = "CANCELED"
            task.completion_date = p.ctx.now
            user_task_record(p, task, "CANCELING")
            user_task_record(p, task, "CANCELED")
            p.ctx.save_user_task(task, live=False)


def user_task_record(
    p: Processor, task: UserTask, intent: str, variables: dict[str, Any] | None = None
) -> None:
    ei = task.element_instance
    d = ei.definition
    p.ctx.record(
        "USER_TASK",
        intent,
        task.key,
        {
            "assignee": task.assignee or "",
            "candidateGroupsList": task.candidate_groups,
            "candidateUsersList": task.candidate_users,
            "dueDate": task.due_date or "",
            "followUpDate": task.follow_up_date or "",
            "formKey": task.form_key if task.form_key is not None else -1,
            "externalFormReference": task.external_form_reference or "",
            "customHeaders": task.custom_headers,
            "priority": task.priority,
            "userTaskKey": task.key,
            "elementId": ei.element.id,
            "elementInstanceKey": ei.key,
            "bpmnProcessId": d.bpmn_process_id,
            "processDefinitionVersion": d.version,
            "processDefinitionKey": d.key,
            "processInstanceKey": ei.process_instance.key,
            "variables": variables or {},
            "tenantId": DEFAULT_TENANT,
        },
        ei.process_instance.key,
    )


class ReceiveTask(Handler):
    def activate(self, p: Processor, ei: ElementInstance) -> None:
        if ei.trigger is None:
            p.open_subscription(ei, ei.element)
        p.mark_activated(ei)
        if ei.trigger is not None:
            p.complete(ei)
