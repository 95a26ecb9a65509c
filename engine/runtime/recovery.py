"""Rebuild the in-memory state from the store after a (re)start: definitions, then the live rows.

Only live rows are read (indexed `live` flags, open subscriptions, timers, buffered messages), so the time to
recover depends on what is running, not on how much history the store holds.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from engine.bpmn import parse_bpmn
from engine.dmn import parse_dmn
from engine.runtime.state import (
    DecisionDefinition,
    DecisionRequirements,
    ElementInstance,
    FormDefinition,
    Incident,
    Job,
    Message,
    ProcessDefinition,
    Subscription,
    Timer,
    UserTask,
    Variable,
)
from engine.store import schema
from engine.store.store import FIRST_KEY

if TYPE_CHECKING:
    from engine.runtime.engine import Engine


def recover(engine: Engine) -> None:
    store, state = engine.store, engine.state
    engine.next_key = int(store.meta("next_key") or FIRST_KEY)
    engine.position = store.last_position()
    _definitions(engine)

    instances: dict[int, ElementInstance] = {}
    ei: ElementInstance
    for row in sorted(store.live_rows(schema.element_instances), key=lambda r: r["key"]):
        d = state.definitions.get(row["process_definition_key"])
        if d is None:
            continue
        parent = instances.get(row["flow_scope_key"]) if row["flow_scope_key"] is not None else None
        ei = ElementInstance(row["key"], d.model.elements[row["element_id"]], d, parent, row["start_date"])
        ei.state = row["state"]
        ei.incident_key = row["incident_key"]
        extra = json.loads(row["runtime"] or "{}")
        ei.runtime = extra.get("runtime", {})
        ei.trigger = extra.get("trigger")
        ei.is_mi_body = bool(extra.get("mi_body"))
        ei.interrupted = bool(extra.get("interrupted"))
        if "parent" in extra:
            ei.parent_pi_key, ei.parent_ei_key = extra["parent"]
        ei.called_child_key = extra.get("called_child")
        instances[ei.key] = ei
        if parent is not None:
            parent.children[ei.key] = ei
    state.element_instances.update(instances)
    for ei in instances.values():
        if (
            ei.is_process and "correlation_key" in ei.runtime
        ):  # started by a message (Processor.hold_correlation_key)
            state.message_started[(ei.definition.bpmn_process_id, ei.runtime["correlation_key"])] = ei.key

    for row in store.live_rows(schema.variables):
        scope = instances.get(row["scope_key"])
        if scope is not None:
            scope.variables[row["name"]] = Variable(
                row["key"], row["name"], json.loads(row["value"]), row["value"]
            )

    for row in store.live_rows(schema.jobs):
        owner = instances.get(row["element_instance_key"])
        if owner is None:
            continue
        ei = owner
        job = Job(
            row["key"],
            row["type"],
            row["kind"],
            row["retries"],
            json.loads(row["custom_headers"]),
            ei,
            row["creation_time"],
            row["state"],
            row["worker"] or "",
            row["deadline"],
            row["recur_at"],
            row["error_message"] or "",
            row["error_code"] or "",
        )
        state.jobs[job.key] = job
        ei.job_key = job.key
        if job.state == "ACTIVATABLE":
            state.activatable[job.type][job.key] = job
        elif job.state == "ACTIVATED" and job.deadline is not None:
            state.schedule.add(job.deadline, "deadline", job.key)
        elif job.state == "FAILED" and job.recur_at is not None:
            state.schedule.add(job.recur_at, "recur", job.key)

    for row in store.rows(schema.incidents, schema.incidents.c.state == "ACTIVE"):
        owner = instances.get(row["element_instance_key"])
        if owner is None:
            continue
        ei = owner
        inc = Incident(
            row["key"],
            row["error_type"],
            row["error_message"],
            ei,
            row["job_key"],
            row["creation_time"],
            row["step"],
        )
        state.incidents[inc.key] = inc
        ei.process_instance.runtime.setdefault("incidents", [])
        if inc.key not in ei.process_instance.runtime["incidents"]:
            ei.process_instance.runtime["incidents"].append(inc.key)

    for row in store.live_rows(schema.user_tasks):
        owner = instances.get(row["element_instance_key"])
        if owner is None:
            continue
        ei = owner
        task = UserTask(
            row["key"],
            ei,
            row["name"],
            row["assignee"],
            json.loads(row["candidate_groups"]),
            json.loads(row["candidate_users"]),
            row["due_date"],
            row["follow_up_date"],
            row["form_key"],
            row["external_form_reference"],
            json.loads(row["custom_headers"]),
            row["priority"],
            row["creation_date"],
            row["state"],
            row["completion_date"],
        )
        state.user_tasks[task.key] = task
        ei.user_task_key = task.key

    for row in store.all_rows(schema.subscriptions):
        owner = instances.get(row["element_instance_key"])
        if owner is None:
            continue
        ei = owner
        element = ei.definition.model.elements[row["element_id"]]
        sub = Subscription(
            row["key"],
            ei,
            element,
            row["message_name"],
            row["correlation_key"],
            row["interrupting"],
            row["kind"],
        )
        state.subscriptions[sub.key] = sub
        if sub.kind == "signal":
            state.signal_subscriptions[sub.message_name][sub.key] = sub
        else:
            state.subscriptions_by_message[(sub.message_name, sub.correlation_key)][sub.key] = sub
        ei.subscription_keys.append(sub.key)

    for row in store.all_rows(schema.messages):
        msg = Message(
            row["key"],
            row["name"],
            row["correlation_key"],
            row["message_id"] or "",
            json.loads(row["variables"]),
            row["variables"],
            row["deadline"],
            set(json.loads(row["correlated"])),
        )
        state.messages[msg.key] = msg
        state.messages_by_name[(msg.name, msg.correlation_key)][msg.key] = msg
        state.schedule.add(msg.deadline, "message", msg.key)

    for row in store.all_rows(schema.timers):
        d = state.definitions.get(row["process_definition_key"])
        if d is None:
            continue
        holder = (
            instances.get(row["element_instance_key"]) if row["element_instance_key"] is not None else None
        )
        if row["element_instance_key"] is not None and holder is None:
            continue
        timer = Timer(
            row["key"],
            d.model.elements[row["element_id"]],
            holder,
            d,
            row["due_date"],
            row["repetitions"],
            row["interval"],
        )
        state.timers[timer.key] = timer
        state.schedule.add(timer.due_date, "timer", timer.key)
        if holder is not None:
            holder.timer_keys.append(timer.key)


def _definitions(engine: Engine) -> None:
    store, state = engine.store, engine.state
    rows = sorted(store.all_rows(schema.resources), key=lambda r: r["key"])
    decisions_by_drg: dict[int, list[dict[str, Any]]] = {}
    for row in store.all_rows(schema.decisions):
        decisions_by_drg.setdefault(row["decision_requirements_key"], []).append(row)
    parsed_bpmn: dict[tuple[str, str], Any] = {}
    for row in rows:
        if row["kind"] == "PROCESS":
            cache_key = (row["resource_name"], row["checksum"])
            models = parsed_bpmn.get(cache_key)
            if models is None:
                models = parsed_bpmn[cache_key] = {
                    m.bpmn_process_id: m for m in parse_bpmn(row["content"], row["resource_name"])
                }
            model = models[row["resource_id"]]
            d = ProcessDefinition(
                row["key"], model, row["version"], row["deployment_key"], row["tenant_id"], row["deleted"]
            )
            state.definitions[d.key] = d
            state.definitions_by_id[d.bpmn_process_id].append(d)
        elif row["kind"] == "DECISION_REQUIREMENTS":
            model = parse_dmn(row["content"], row["resource_name"], dialect="camunda")
            drg = DecisionRequirements(
                row["key"],
                row["resource_id"],
                row["name"],
                row["version"],
                row["resource_name"],
                model,
                row["content"],
                row["deleted"],
            )
            decisions = [
                DecisionDefinition(r["key"], r["decision_id"], r["name"], r["version"], drg, r["deleted"])
                for r in sorted(decisions_by_drg.get(drg.key, []), key=lambda r: r["key"])
            ]
            engine.register_drg(drg, decisions)
        elif row["kind"] == "FORM":
            engine.register_form(
                FormDefinition(
                    row["key"],
                    row["resource_id"],
                    row["version"],
                    row["resource_name"],
                    row["content"].decode("utf-8"),
                    row["deleted"],
                )
            )
    engine._index_message_starts()
