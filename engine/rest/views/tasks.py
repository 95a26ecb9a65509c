"""User tasks and jobs."""

from __future__ import annotations

from sqlalchemy import case, literal, select

from engine.rest.search import Filter, View, like_condition
from engine.rest.views.common import variables_match
from engine.store import schema

ut, job, pi, res = schema.user_tasks, schema.jobs, schema.process_instances, schema.resources

_ut_source = (
    select(
        ut.c.key.label("userTaskKey"),
        ut.c.name.label("name"),
        ut.c.state.label("state"),
        ut.c.assignee.label("assignee"),
        ut.c.candidate_groups.label("candidateGroups"),
        ut.c.candidate_users.label("candidateUsers"),
        ut.c.element_id.label("elementId"),
        ut.c.element_instance_key.label("elementInstanceKey"),
        ut.c.bpmn_process_id.label("processDefinitionId"),
        ut.c.process_definition_key.label("processDefinitionKey"),
        ut.c.process_definition_version.label("processDefinitionVersion"),
        ut.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        res.c.name.label("processName"),
        ut.c.form_key.label("formKey"),
        ut.c.external_form_reference.label("externalFormReference"),
        ut.c.custom_headers.label("customHeaders"),
        ut.c.priority.label("priority"),
        ut.c.creation_date.label("creationDate"),
        ut.c.completion_date.label("completionDate"),
        ut.c.due_date.label("dueDate"),
        ut.c.follow_up_date.label("followUpDate"),
        ut.c.tenant_id.label("tenantId"),
    )
    .select_from(
        ut.outerjoin(pi, pi.c.key == ut.c.process_instance_key).outerjoin(
            res, res.c.key == ut.c.process_definition_key
        )
    )
    .subquery("user_task_view")
)


def _in_json_list(name: str) -> Filter:
    """Membership in a JSON list of strings stored as text: the value appears as `"value"`."""
    return lambda src, value: like_condition(src.c[name], value, lambda p: f'%"{p}"%')


USER_TASKS = View(
    _ut_source,
    {
        "userTaskKey": "key",
        "name": "str",
        "state": "str",
        "assignee": "str",
        "candidateGroups": "json",
        "candidateUsers": "json",
        "elementId": "str",
        "elementInstanceKey": "key",
        "processDefinitionId": "str",
        "processDefinitionKey": "key",
        "processDefinitionVersion": "int",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "processName": "str",
        "formKey": "key",
        "externalFormReference": "str",
        "customHeaders": "json",
        "priority": "int",
        "creationDate": "date",
        "completionDate": "date",
        "dueDate": "datetext",
        "followUpDate": "datetext",
        "tenantId": "str",
    },
    key="userTaskKey",
    filters={
        "candidateGroup": _in_json_list("candidateGroups"),
        "candidateUser": _in_json_list("candidateUsers"),
        "processInstanceVariables": lambda src, v: variables_match(
            src.c.processInstanceKey, "process_instance_key", v
        ),
        "localVariables": lambda src, v: variables_match(src.c.elementInstanceKey, "scope_key", v),
    },
)

#: the engine's job states as the REST API's JobStateEnum (an activatable or activated job is CREATED)
_job_state = case(
    (job.c.state.in_(["ACTIVATABLE", "ACTIVATED"]), "CREATED"),
    else_=job.c.state,
)

_job_source = (
    select(
        job.c.key.label("jobKey"),
        job.c.type.label("type"),
        job.c.worker.label("worker"),
        _job_state.label("state"),
        job.c.kind.label("kind"),
        literal("UNSPECIFIED").label("listenerEventType"),
        job.c.retries.label("retries"),
        literal(None).label("isDenied"),
        literal(None).label("deniedReason"),
        ((job.c.state == "FAILED") & (job.c.retries > 0)).label("hasFailedWithRetriesLeft"),
        job.c.error_code.label("errorCode"),
        job.c.error_message.label("errorMessage"),
        job.c.custom_headers.label("customHeaders"),
        job.c.deadline.label("deadline"),
        job.c.end_time.label("endTime"),
        job.c.creation_time.label("creationTime"),
        job.c.process_definition_key.label("processDefinitionKey"),
        job.c.bpmn_process_id.label("processDefinitionId"),
        job.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        job.c.element_id.label("elementId"),
        job.c.element_instance_key.label("elementInstanceKey"),
        job.c.tenant_id.label("tenantId"),
    )
    .select_from(job.outerjoin(pi, pi.c.key == job.c.process_instance_key))
    .subquery("job_view")
)

JOBS = View(
    _job_source,
    {
        "jobKey": "key",
        "type": "str",
        "worker": "str",
        "state": "str",
        "kind": "str",
        "listenerEventType": "str",
        "retries": "int",
        "isDenied": "bool",
        "deniedReason": "str",
        "hasFailedWithRetriesLeft": "bool",
        "errorCode": "str",
        "errorMessage": "str",
        "customHeaders": "json",
        "deadline": "date",
        "endTime": "date",
        "creationTime": "date",
        "processDefinitionKey": "key",
        "processDefinitionId": "str",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "elementId": "str",
        "elementInstanceKey": "key",
        "tenantId": "str",
    },
    key="jobKey",
)
