"""Element statistics of a process definition or of one process instance, and the sequence flows an instance took.

As Camunda counts them: an element's instances are active (without an incident), incidents (active, with an
incident in them or below them), completed, or canceled (terminated). The process itself is not an element
here, and an element appears once some instance of it exists. Per definition the figures count process
instances (each instance at most once per element and figure: Camunda's `parent` aggregation, the RDBMS
`GROUP BY` per instance); per instance they count element instances, multi-instance bodies left out unless
they hold an incident themselves (their inner instances are the ones counted).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from sqlalchemy import (
    CTE,
    ColumnElement,
    Connection,
    and_,
    case,
    distinct,
    func,
    not_,
    or_,
    select,
)

from engine.rest.search import conditions
from engine.rest.views.common import element_state
from engine.rest.views.instances import PROCESS_INSTANCES
from engine.store import schema

ei, pi, inc, rec = schema.element_instances, schema.process_instances, schema.incidents, schema.records
FIGURES = ("active", "canceled", "incidents", "completed")


def _incident_scopes() -> CTE:
    """Element instances an active incident sits in or below: the incident's element and its ancestors (flow
    scopes, and the call activity above a called instance), as Camunda marks an incident's element path."""
    e, p = ei.alias("scope_element"), pi.alias("scope_instance")
    scopes = (
        select(inc.c.element_instance_key.label("key"))
        .where(inc.c.state == "ACTIVE")
        .cte("incident_scopes", recursive=True)
    )
    # a process element has no flow scope: a called instance continues at the call activity that started it
    parent = func.coalesce(e.c.flow_scope_key, p.c.parent_element_instance_key)
    step = (
        select(parent.label("key"))
        .select_from(scopes.join(e, e.c.key == scopes.c.key).outerjoin(p, p.c.key == e.c.key))
        .where(parent.is_not(None))
    )
    return scopes.union(step)


def _figures() -> dict[str, ColumnElement[bool]]:
    scopes = _incident_scopes()
    incident = or_(ei.c.incident_key.is_not(None), ei.c.key.in_(select(scopes.c.key)))
    state = element_state(ei.c.state)
    return {
        "active": and_(state == "ACTIVE", not_(incident)),
        "canceled": state == "TERMINATED",
        "incidents": and_(state == "ACTIVE", incident),
        "completed": state == "COMPLETED",
    }


def _rows(conn: Connection, stmt: Any) -> list[dict[str, Any]]:
    return [
        {"elementId": r.element_id, **{name: int(r._mapping[name] or 0) for name in FIGURES}}
        for r in conn.execute(stmt)
    ]


def definition_statistics(
    conn: Connection, definition_key: int, filt: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """Per element of the definition: how many of its instances matching the process instance filter have an
    instance of the element in each state."""
    src = PROCESS_INSTANCES.source
    instances = select(src.c.processInstanceKey).where(
        src.c.processDefinitionKey == definition_key, *conditions(PROCESS_INSTANCES, filt)
    )
    counts = [
        func.count(distinct(case((cond, ei.c.process_instance_key)))).label(name)
        for name, cond in _figures().items()
    ]
    stmt = (
        select(ei.c.element_id, *counts)
        .where(
            ei.c.process_definition_key == definition_key,
            ei.c.element_type != "PROCESS",
            ei.c.process_instance_key.in_(instances),
        )
        .group_by(ei.c.element_id)
        .order_by(ei.c.element_id)
    )
    return _rows(conn, stmt)


def instance_exists(conn: Connection, key: int) -> bool:
    return conn.execute(select(pi.c.key).where(pi.c.key == key)).first() is not None


def instance_statistics(conn: Connection, key: int) -> list[dict[str, Any]] | None:
    """Per element of the instance: how many instances of it are in each state; None if no such instance."""
    if not instance_exists(conn, key):
        return None
    counts = [func.count(case((cond, 1))).label(name) for name, cond in _figures().items()]
    stmt = (
        select(ei.c.element_id, *counts)
        .where(
            ei.c.process_instance_key == key,
            ei.c.element_type != "PROCESS",
            or_(ei.c.element_type != "MULTI_INSTANCE_BODY", ei.c.incident_key.is_not(None)),
        )
        .group_by(ei.c.element_id)
        .order_by(ei.c.element_id)
    )
    return _rows(conn, stmt)


def sequence_flows(conn: Connection, key: int) -> list[dict[str, Any]] | None:
    """The flows the instance took (SEQUENCE_FLOW_TAKEN records), each once, in the order first taken; None if
    no such instance. Camunda keys a taken flow by instance and flow id: `<processInstanceKey>_<flow id>`."""
    instance = conn.execute(
        select(pi.c.root_process_instance_key, pi.c.tenant_id).where(pi.c.key == key)
    ).first()
    if instance is None:
        return None
    texts = conn.execute(
        select(rec.c.value)
        .where(
            rec.c.process_instance_key == key,
            rec.c.value_type == "PROCESS_INSTANCE",
            rec.c.intent == "SEQUENCE_FLOW_TAKEN",
            rec.c.record_type == "EVENT",
        )
        .order_by(rec.c.position)
    ).scalars()
    flows: dict[str, dict[str, Any]] = {}
    for text in texts:
        value = json.loads(text)
        flow_id = value["elementId"]
        if flow_id not in flows:
            root = instance.root_process_instance_key
            flows[flow_id] = {
                "sequenceFlowId": f"{key}_{flow_id}",
                "processInstanceKey": str(key),
                "rootProcessInstanceKey": str(root) if root is not None else None,
                "processDefinitionKey": str(value["processDefinitionKey"]),
                "processDefinitionId": value["bpmnProcessId"],
                "elementId": flow_id,
                "tenantId": value.get("tenantId") or instance.tenant_id,
            }
    return list(flows.values())
