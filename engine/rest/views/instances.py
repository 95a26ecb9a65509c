"""Process instances, element instances, variables and incidents."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Subquery, and_, exists, false, func, select, true

from engine.rest.search import View, column_conditions
from engine.rest.views.common import element_state, variables_match
from engine.store import schema

pi, ei, res, var, inc, job = (
    schema.process_instances,
    schema.element_instances,
    schema.resources,
    schema.variables,
    schema.incidents,
    schema.jobs,
)
#: values longer than this come back truncated from variable searches (Operate's 8 KB preview)
TRUNCATE_AT = 8191

_pi_source = (
    select(
        pi.c.key.label("processInstanceKey"),
        pi.c.bpmn_process_id.label("processDefinitionId"),
        res.c.name.label("processDefinitionName"),
        pi.c.version.label("processDefinitionVersion"),
        res.c.version_tag.label("processDefinitionVersionTag"),
        pi.c.process_definition_key.label("processDefinitionKey"),
        pi.c.parent_process_instance_key.label("parentProcessInstanceKey"),
        pi.c.parent_element_instance_key.label("parentElementInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        pi.c.start_date.label("startDate"),
        pi.c.end_date.label("endDate"),
        pi.c.state.label("state"),
        pi.c.has_incident.label("hasIncident"),
        pi.c.tenant_id.label("tenantId"),
    )
    .select_from(pi.outerjoin(res, res.c.key == pi.c.process_definition_key))
    .subquery("process_instance_view")
)


def _pi_elements(src: Subquery, cond: ColumnElement[bool]) -> ColumnElement[bool]:
    return exists(select(ei.c.key).where(ei.c.process_instance_key == src.c.processInstanceKey, cond))


def _pi_error_message(src: Subquery, value: Any) -> ColumnElement[bool]:
    return exists(
        select(inc.c.key).where(
            inc.c.process_instance_key == src.c.processInstanceKey,
            inc.c.state == "ACTIVE",
            *column_conditions(inc.c.error_message, "str", value),
        )
    )


def _pi_retries_left(src: Subquery, value: bool) -> ColumnElement[bool]:
    has = exists(
        select(job.c.key).where(
            job.c.process_instance_key == src.c.processInstanceKey, job.c.live.is_(True), job.c.retries > 0
        )
    )
    return has if value else ~has


PROCESS_INSTANCES = View(
    _pi_source,
    {
        "processInstanceKey": "key",
        "processDefinitionId": "str",
        "processDefinitionName": "str",
        "processDefinitionVersion": "int",
        "processDefinitionVersionTag": "str",
        "processDefinitionKey": "key",
        "parentProcessInstanceKey": "key",
        "parentElementInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "startDate": "date",
        "endDate": "date",
        "state": "str",
        "hasIncident": "bool",
        "tenantId": "str",
    },
    key="processInstanceKey",
    filters={
        "variables": lambda src, v: variables_match(src.c.processInstanceKey, "process_instance_key", v),
        "elementId": lambda src, v: _pi_elements(
            src, and_(true(), *column_conditions(ei.c.element_id, "str", v))
        ),
        "elementInstanceState": lambda src, v: _pi_elements(
            src, and_(true(), *column_conditions(element_state(ei.c.state), "str", v))
        ),
        "hasElementInstanceIncident": lambda src, v: _pi_elements(
            src, ei.c.incident_key.is_not(None) if v else ei.c.incident_key.is_(None)
        ),
        "errorMessage": _pi_error_message,
        "hasRetriesLeft": _pi_retries_left,
        # no instance carries tags: a non-empty tag filter matches nothing
        "tags": lambda src, v: false() if v else true(),
    },
)

_ei_source = (
    select(
        ei.c.key.label("elementInstanceKey"),
        ei.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        ei.c.process_definition_key.label("processDefinitionKey"),
        ei.c.bpmn_process_id.label("processDefinitionId"),
        ei.c.element_id.label("elementId"),
        ei.c.element_name.label("elementName"),
        ei.c.element_type.label("type"),
        element_state(ei.c.state).label("state"),
        ei.c.incident_key.is_not(None).label("hasIncident"),
        ei.c.incident_key.label("incidentKey"),
        ei.c.start_date.label("startDate"),
        ei.c.end_date.label("endDate"),
        ei.c.tenant_id.label("tenantId"),
        ei.c.flow_scope_key.label("elementInstanceScopeKey"),
    )
    .select_from(ei.outerjoin(pi, pi.c.key == ei.c.process_instance_key))
    .subquery("element_instance_view")
)

ELEMENT_INSTANCES = View(
    _ei_source,
    {
        "elementInstanceKey": "key",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "processDefinitionKey": "key",
        "processDefinitionId": "str",
        "elementId": "str",
        "elementName": "str",
        "type": "str",
        "state": "str",
        "hasIncident": "bool",
        "incidentKey": "key",
        "startDate": "date",
        "endDate": "date",
        "tenantId": "str",
        "elementInstanceScopeKey": "key",
    },
    key="elementInstanceKey",
    not_null=frozenset({"startDate", "elementId", "processInstanceKey"}),
)

_var_source = (
    select(
        var.c.key.label("variableKey"),
        var.c.name.label("name"),
        var.c.value.label("value"),
        (func.length(var.c.value) > TRUNCATE_AT).label("isTruncated"),
        var.c.scope_key.label("scopeKey"),
        var.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        var.c.tenant_id.label("tenantId"),
    )
    .select_from(var.outerjoin(pi, pi.c.key == var.c.process_instance_key))
    .subquery("variable_view")
)

VARIABLES = View(
    _var_source,
    {
        "variableKey": "key",
        "name": "str",
        "value": "str",
        "isTruncated": "bool",
        "scopeKey": "key",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "tenantId": "str",
    },
    key="variableKey",
)

_inc_source = (
    select(
        inc.c.key.label("incidentKey"),
        inc.c.process_definition_key.label("processDefinitionKey"),
        inc.c.bpmn_process_id.label("processDefinitionId"),
        inc.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        inc.c.error_type.label("errorType"),
        inc.c.error_message.label("errorMessage"),
        inc.c.element_id.label("elementId"),
        inc.c.element_instance_key.label("elementInstanceKey"),
        inc.c.job_key.label("jobKey"),
        inc.c.creation_time.label("creationTime"),
        inc.c.state.label("state"),
        inc.c.tenant_id.label("tenantId"),
    )
    .select_from(inc.outerjoin(pi, pi.c.key == inc.c.process_instance_key))
    .subquery("incident_view")
)

INCIDENTS = View(
    _inc_source,
    {
        "incidentKey": "key",
        "processDefinitionKey": "key",
        "processDefinitionId": "str",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "errorType": "str",
        "errorMessage": "str",
        "elementId": "str",
        "elementInstanceKey": "key",
        "jobKey": "key",
        "creationTime": "date",
        "state": "str",
        "tenantId": "str",
    },
    key="incidentKey",
)
