"""Decision instances: one row per evaluated decision (engine.store.decision_instances)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Connection, select

from engine.rest.search import View
from engine.store import schema

di, pi = schema.decision_instances, schema.process_instances

_di_source = (
    select(
        di.c.id.label("decisionEvaluationInstanceKey"),
        di.c.decision_evaluation_key.label("decisionEvaluationKey"),
        di.c.state.label("state"),
        di.c.evaluation_date.label("evaluationDate"),
        di.c.evaluation_failure.label("evaluationFailure"),
        di.c.decision_definition_id.label("decisionDefinitionId"),
        di.c.decision_definition_key.label("decisionDefinitionKey"),
        di.c.decision_definition_name.label("decisionDefinitionName"),
        di.c.decision_definition_version.label("decisionDefinitionVersion"),
        di.c.decision_definition_type.label("decisionDefinitionType"),
        di.c.decision_requirements_key.label("decisionRequirementsKey"),
        di.c.root_decision_definition_key.label("rootDecisionDefinitionKey"),
        di.c.process_definition_key.label("processDefinitionKey"),
        di.c.process_instance_key.label("processInstanceKey"),
        pi.c.root_process_instance_key.label("rootProcessInstanceKey"),
        di.c.element_instance_key.label("elementInstanceKey"),
        di.c.result.label("result"),
        di.c.tenant_id.label("tenantId"),
    )
    .select_from(di.outerjoin(pi, pi.c.key == di.c.process_instance_key))
    .subquery("decision_instance_view")
)

DECISION_INSTANCES = View(
    _di_source,
    {
        "decisionEvaluationInstanceKey": "str",
        "decisionEvaluationKey": "key",
        "state": "str",
        "evaluationDate": "date",
        "evaluationFailure": "str",
        "decisionDefinitionId": "str",
        "decisionDefinitionKey": "key",
        "decisionDefinitionName": "str",
        "decisionDefinitionVersion": "int",
        "decisionDefinitionType": "str",
        "decisionRequirementsKey": "key",
        "rootDecisionDefinitionKey": "key",
        "processDefinitionKey": "key",
        "processInstanceKey": "key",
        "rootProcessInstanceKey": "key",
        "elementInstanceKey": "key",
        "result": "str",
        "tenantId": "str",
    },
    key="decisionEvaluationInstanceKey",
)

#: what only the single decision instance shows: its inputs and the rules that matched (JSON text)
DETAILS = (di.c.evaluated_inputs, di.c.matched_rules)


def fetch_decision_instance(conn: Connection, key: str) -> Mapping[Any, Any] | None:
    """The view's row of one decision instance plus its details (`evaluated_inputs`, `matched_rules`)."""
    src = DECISION_INSTANCES.source
    stmt = (
        select(src, *DETAILS)
        .select_from(src.join(di, di.c.id == src.c.decisionEvaluationInstanceKey))
        .where(src.c.decisionEvaluationInstanceKey == key)
    )
    row = conn.execute(stmt).first()
    return row._mapping if row is not None else None
